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
/// Each handler decodes, then hands over: the store loads and locks, the domain
/// (`ReviewCase+Lifecycle.swift`) decides, the store saves with history and events, in one
/// transaction with the request's audit record. Who sees what is ``ReviewAccess``'s to say.
struct ReviewController: Sendable {
    let dependencies: ServiceDependencies
    let store: ReviewCaseStore

    init(dependencies: ServiceDependencies) {
        self.dependencies = dependencies
        self.store = ReviewCaseStore(logger: dependencies.logger)
    }

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.add(middleware: dependencies.authenticator)
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
        query.limitLength(of: "region", to: 10)
        try query.validate()
        let filter = ReviewCaseRepository.Filter(stage: query.filters["stage"], region: query.filters["region"], limit: query.limit, after: query.after)
        let rows = try await dependencies.database.withConnection { connection in
            try await store.repository.list(filter, scope: access.scope, on: connection)
        }
        return ListPage(rows: rows.map { (access.visible($0.0), $0.1) }, limit: query.limit)
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> ReviewCase {
        let access = ReviewAccess(caller: try context.requireCaller())
        let id = try context.uuidParameter("proposalId")
        let found = try await dependencies.database.withConnection { try await store.repository.find(proposalID: id, on: $0) }
        guard let reviewCase = found, access.canRead(reviewCase) else { throw ReviewError.notFound(id) }
        return access.visible(reviewCase)
    }

    // MARK: Assignments

    /// Assigns a reviewer: 201 with the case, or 200 when they already were (nothing changes twice).
    @Sendable func assign(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.uuidParameter("proposalId")
        let input = try AssignmentInput.parse(try await JSONBody(request, context: context))
        let reviewCase = try await dependencies.transaction(context) { connection in
            guard var reviewCase = try await store.lock(proposalID: id, on: connection) else { throw ReviewError.notFound(id) }
            let now = Date()
            let assignment = ReviewCase.Assignment(
                reviewer: input.reviewer, name: input.name, email: input.email, country: input.country, assignedBy: caller.sub, assignedAt: now)
            let change = try reviewCase.assign(assignment, by: caller, at: now)
            try await store.save(reviewCase, change, cause: EventCause(actor: caller.actor), on: connection)
            let status: HTTPResponse.Status = change.isEmpty ? .ok : .created
            return ((try await store.repository.find(proposalID: id, on: connection) ?? reviewCase, status), status)
        }
        var response = try reviewCase.0.response(from: request, context: context)
        response.status = reviewCase.1
        return response
    }

    /// Removes a reviewer from a case: 204; 404 when they are not assigned.
    @Sendable func unassign(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.uuidParameter("proposalId")
        let reviewer = context.parameters.get("reviewer").map { $0.removingPercentEncoding ?? $0 } ?? ""
        try await dependencies.transaction(context) { connection in
            guard var reviewCase = try await store.lock(proposalID: id, on: connection) else { throw ReviewError.notFound(id) }
            let change = try reviewCase.unassign(reviewer, by: caller, at: Date())
            try await store.save(reviewCase, change, cause: EventCause(actor: caller.actor), on: connection)
            return ((), .noContent)
        }
        return Response(status: .noContent)
    }
}

extension ReviewCase: ResponseEncodable {}
