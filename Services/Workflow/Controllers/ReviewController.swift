import Foundation
import Hummingbird
import ServiceRuntime

/// `/v1/reviews`: review cases by proposal.
struct ReviewController: Sendable {
    let repository: ReviewCaseRepository

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.get("{proposalId}", use: show)
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> ReviewCase {
        guard let id = context.parameters.get("proposalId", as: UUID.self) else {
            throw HTTPProblem.validation([FieldProblem(field: "proposalId", problem: "must be a UUID")])
        }
        guard let reviewCase = try await repository.find(proposalID: id) else {
            throw HTTPProblem.notFound("A review case for proposal \(id.uuidString)")
        }
        return reviewCase
    }
}

extension ReviewCase: ResponseEncodable {}
