import Events
import Foundation
import Hummingbird
import Logging
import Messaging
import PostgresNIO
import ServiceRuntime
import Storage

/// `/v1/reviews`: review cases by proposal, and the reviewers assigned to them.
///
/// Who sees and does what is ``ReviewAccess``'s to say; outside the caller's view: 404.
struct ReviewController: Sendable {
    let client: PostgresClient
    let repository: ReviewCaseRepository
    let relay: OutboxRelay
    let authenticator: TokenAuthenticator
    let logger: Logger

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.add(middleware: authenticator)
        group.get(use: list)
        group.get("{proposalId}", use: show)
        group.post("{proposalId}/assignments", use: assign)
        group.delete("{proposalId}/assignments/{reviewer}", use: unassign)
    }

    // MARK: Read

    /// `?stage=&region=&limit=&cursor=`, newest first, only what the caller may see.
    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> ListPage<ReviewCase> {
        let access = ReviewAccess(caller: try context.requireCaller())
        var query = ListParameters(request, filters: ["stage", "region"])
        query.require("stage", oneOf: ReviewStage.allCases.map(\.rawValue))
        try query.validate()
        let filter = ReviewCaseRepository.Filter(stage: query.filters["stage"], region: query.filters["region"], limit: query.limit, after: query.after)
        let rows = try await client.withConnection { connection in
            try await repository.list(filter, scope: access.scope, on: connection)
        }
        return ListPage(rows: rows.map { (access.visible($0.0), $0.1) }, limit: query.limit)
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> ReviewCase {
        let access = ReviewAccess(caller: try context.requireCaller())
        let id = try context.uuidParameter("proposalId")
        let found = try await client.withConnection { try await repository.find(proposalID: id, on: $0) }
        guard let reviewCase = found, access.canRead(reviewCase) else {
            throw HTTPProblem.notFound("A review case for proposal \(id.uuidString)")
        }
        return access.visible(reviewCase)
    }

    // MARK: Assignments

    /// Assigns a reviewer: 201 with the case, or 200 when they already were (nothing changes twice).
    @Sendable func assign(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let access = ReviewAccess(caller: caller)
        let id = try context.uuidParameter("proposalId")
        let (body, _) = try await ProblemJSONDecoder.jsonValue(request, context: context)
        let input = try AssignmentInput.parse(body)
        let (reviewCase, created) = try await client.withTransaction(logger: logger) { connection -> (ReviewCase, Bool) in
            let reviewCase = try await actionable(id, access: access, on: connection)
            if reviewCase.isAssigned(input.reviewer) { return (reviewCase, false) }
            guard reviewCase.stage.acceptsAssignments else {
                throw Self.invalidStage(reviewCase, "assigned a reviewer")
            }
            if reviewCase.involvedCountries.contains(input.country) {
                throw HTTPProblem.validation(
                    [FieldProblem(field: "country", problem: "conflict of interest: \(input.country) takes part in this proposal (\(reviewCase.involvedCountries.sorted().joined(separator: ", "))); choose a reviewer from elsewhere")])
            }
            try await repository.insertAssignment(input, caseID: reviewCase.id, by: caller.actor, on: connection)
            let event = EventEnvelope(
                source: "workflow", subject: reviewCase.proposalId.uuidString, actor: caller.actor,
                data: ReviewAssigned(
                    proposalId: reviewCase.proposalId, caseId: reviewCase.id, reference: reviewCase.reference, title: reviewCase.title,
                    region: reviewCase.region, revision: reviewCase.revision,
                    reviewer: .init(sub: input.reviewer, name: input.name, email: input.email)))
            try await Outbox.append(event, on: connection, logger: logger)
            try await repository.appendHistory(
                caseID: reviewCase.id, actor: caller.actor, action: "reviewer_assigned",
                detail: "\(input.name) (\(input.reviewer), \(input.country)) assigned", eventID: event.metadata.id, on: connection)
            try await repository.touch(caseID: reviewCase.id, on: connection)
            return (try await repository.find(proposalID: id, on: connection) ?? reviewCase, true)
        }
        if created { relay.wake() }
        var response = try reviewCase.response(from: request, context: context)
        response.status = created ? .created : .ok
        return response
    }

    /// Removes a reviewer from a case: 204; 404 when they are not assigned.
    @Sendable func unassign(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let access = ReviewAccess(caller: caller)
        let id = try context.uuidParameter("proposalId")
        let reviewer = context.parameters.get("reviewer").map { $0.removingPercentEncoding ?? $0 } ?? ""
        try await client.withTransaction(logger: logger) { connection in
            let reviewCase = try await actionable(id, access: access, on: connection)
            guard let assignment = reviewCase.assignments.first(where: { $0.reviewer == reviewer }) else {
                throw HTTPProblem.notFound("Reviewer \(reviewer) on the case of proposal \(id.uuidString)")
            }
            guard reviewCase.stage.acceptsAssignments else {
                throw Self.invalidStage(reviewCase, "unassigned a reviewer")
            }
            try await repository.deleteAssignment(caseID: reviewCase.id, reviewer: reviewer, on: connection)
            try await repository.appendHistory(
                caseID: reviewCase.id, actor: caller.actor, action: "reviewer_unassigned",
                detail: "\(assignment.name) (\(reviewer)) unassigned", on: connection)
            try await repository.touch(caseID: reviewCase.id, on: connection)
        }
        return Response(status: .noContent)
    }

    // MARK: Helpers

    /// The case, locked, if the caller sees it (else 404) and may act on it (else 403).
    private func actionable(_ id: UUID, access: ReviewAccess, on connection: PostgresConnection) async throws -> ReviewCase {
        guard let reviewCase = try await repository.find(proposalID: id, forUpdate: true, on: connection), access.canRead(reviewCase) else {
            throw HTTPProblem.notFound("A review case for proposal \(id.uuidString)")
        }
        try access.checkCanAssign(reviewCase)
        return reviewCase
    }

    private static func invalidStage(_ reviewCase: ReviewCase, _ act: String) -> HTTPProblem {
        var problem = HTTPProblem(
            .conflict, type: "invalid-state", title: "Not allowed in this stage",
            detail: "A case in \(reviewCase.stage.rawValue) can't be \(act); reviewers change during screening and technical assessment.")
        problem.problem.state = reviewCase.stage.rawValue
        problem.problem.allowedActions = []
        return problem
    }

}

extension ReviewCase: ResponseEncodable {}
