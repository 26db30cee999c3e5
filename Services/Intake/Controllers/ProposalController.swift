import Events
import Foundation
import Hummingbird
import Messaging
import ServiceRuntime

/// `/v1/proposals`: submit and read proposals.
struct ProposalController: Sendable {
    let repository: ProposalRepository
    let relay: OutboxRelay

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.post(use: submit)
        group.get("{id}", use: show)
    }

    @Sendable func submit(request: Request, context: ServiceRequestContext) async throws -> EditedResponse<Proposal> {
        let input = try await request.decode(as: ProposalInput.self, context: context)
        let valid = try input.validated().get()
        // Authentication arrives with the security issue; until then submissions are recorded as anonymous.
        let proposal = try await repository.submit(valid, actor: EventActor(sub: "anonymous", role: "focal_point"))
        relay.wake()
        return EditedResponse(
            status: .created, headers: [.location: "/v1/proposals/\(proposal.id.uuidString)"], response: proposal)
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> Proposal {
        let id = try context.uuidParameter("id")
        guard let proposal = try await repository.find(id: id) else {
            throw HTTPProblem.notFound("Proposal \(id.uuidString)")
        }
        return proposal
    }
}

extension Proposal: ResponseEncodable {}
