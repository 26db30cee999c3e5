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
        let id = try context.uuidParameter("proposalId")
        guard let reviewCase = try await repository.find(proposalID: id) else {
            throw HTTPProblem.notFound("A review case for proposal \(id.uuidString)")
        }
        return reviewCase
    }
}

extension ReviewCase: ResponseEncodable {}
