import Foundation
import Hummingbird
import ServiceRuntime

/// `/v1/reviews`: review cases by proposal.
///
/// Who sees a case: a secretariat its region's, a focal point their country's (as lead),
/// reviewers, finance and admins all. Outside that: 404, so ids can't be probed.
struct ReviewController: Sendable {
    let repository: ReviewCaseRepository
    let authenticator: TokenAuthenticator

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.add(middleware: authenticator)
        group.get("{proposalId}", use: show)
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> ReviewCase {
        let caller = try context.requireCaller()
        let id = try context.uuidParameter("proposalId")
        guard let reviewCase = try await repository.find(proposalID: id), Self.canRead(reviewCase, caller) else {
            throw HTTPProblem.notFound("A review case for proposal \(id.uuidString)")
        }
        return reviewCase
    }

    static func canRead(_ reviewCase: ReviewCase, _ caller: Caller) -> Bool {
        switch caller.role {
        case .secretariat: reviewCase.region == caller.region
        case .focalPoint: reviewCase.leadCountry == caller.country
        case .reviewer, .finance, .admin: true
        }
    }
}

extension ReviewCase: ResponseEncodable {}
