import Events
import Foundation
import HTTPTypes
import Hummingbird
import Messaging
import PostgresNIO
import ServiceRuntime
import Storage

/// `/v1/proposals`: focal points draft, edit, submit and withdraw; others read what their role allows.
///
/// Each handler decodes, then hands over: the store loads and locks, the domain
/// (`Proposal+Lifecycle.swift`) decides, the store saves with history and events, all in
/// one transaction with the request's audit record.
struct ProposalController: Sendable {
    let dependencies: ServiceDependencies
    let repository: ProposalRepository
    let store: ProposalStore
    let idempotency: Idempotency
    let rules: ProposalRules

    init(dependencies: ServiceDependencies, rules: ProposalRules) {
        self.dependencies = dependencies
        self.repository = ProposalRepository(logger: dependencies.logger)
        self.store = ProposalStore(repository: repository, logger: dependencies.logger)
        self.idempotency = Idempotency(logger: dependencies.logger)
        self.rules = rules
    }

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.add(middleware: dependencies.authenticator)
        group.post(use: create)
        group.get(use: list)
        group.get("{id}", use: show)
        group.patch("{id}", use: update)
        group.post("{id}/submit", use: submit)
        group.post("{id}/withdraw", use: withdraw)
        group.get("{id}/history", use: history)
        group.get("{id}/revisions", use: revisions)
        group.get("{id}/revisions/{revision}", use: revision)
    }

    // MARK: Create and edit

    /// Creates a draft; it may be incomplete. Takes an `Idempotency-Key`.
    @Sendable func create(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await JSONBody(request, context: context)
        var content = ProposalContent()
        let readProblems = ProposalInput.apply(body.value, to: &content)
        let (draft, change) = try Proposal.draft(id: UUID(), content: content, readProblems: readProblems, by: caller, rules: rules, at: Date())
        let key = try Idempotency.request(request, caller: caller, operation: "create", body: body.bytes)
        let answer = try await dependencies.transaction(context) { connection in
            let answer = try await idempotency.answer(for: key, on: connection) {
                let saved = try await store.insert(draft, change, cause: EventCause(actor: caller.actor), on: connection)
                return try Self.answer(saved, status: .created, location: "/v1/proposals/\(saved.id.lowercased)")
            }
            return (answer, answer.status)
        }
        return answer.response
    }

    /// Changes fields of a draft or of a proposal in revision; needs `If-Match` with the current ETag.
    @Sendable func update(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.uuidParameter("id")
        guard let ifMatch = request.headers[.ifMatch] else {
            throw HTTPProblem(
                .preconditionRequired, type: "if-match-required",
                detail: "Send If-Match with the ETag you last read, so that no one's edit is overwritten.")
        }
        let body = try await JSONBody(request, context: context)
        let rules = self.rules
        let saved = try await dependencies.transaction(context) { connection in
            var proposal = try await store.lock(id, on: connection)
            try ProposalAccess(caller: caller).checkCanChange(proposal, .update)
            guard IfMatch.holds(ifMatch, current: proposal.etag) else { throw ProposalError.staleVersion(current: proposal.etag, given: ifMatch) }
            var content = proposal.content
            let readProblems = ProposalInput.apply(body.value, to: &content)
            let change = try proposal.edit(to: content, readProblems: readProblems, by: caller, rules: rules, at: Date())
            return (try await store.save(proposal, change, cause: EventCause(actor: caller.actor), on: connection), .ok)
        }
        return try Self.answer(saved, status: .ok).response
    }

    /// Submits a draft, or resubmits after a revision request: the revision grows and
    /// `proposal.submitted` goes out. Takes an `Idempotency-Key`.
    @Sendable func submit(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.uuidParameter("id")
        let bytes = try await request.body.collect(upTo: context.maxUploadSize)
        let key = try Idempotency.request(request, caller: caller, operation: "submit", body: bytes.readableBytesView)
        let rules = self.rules
        let answer = try await dependencies.transaction(context) { connection in
            var proposal = try await store.lock(id, on: connection)
            // Authorized first, for whatever state the proposal is in now; a replay only then.
            try ProposalAccess(caller: caller).checkCanAct(on: proposal)
            let answer = try await idempotency.answer(for: key, on: connection) {
                try proposal.checkSubmittable(by: caller, rules: rules)
                let reference = proposal.reference == nil ? try await repository.nextReference(on: connection) : nil
                let change = try proposal.submit(by: caller, reference: reference, rules: rules, at: Date())
                let saved = try await store.save(proposal, change, cause: EventCause(actor: caller.actor), on: connection)
                return try Self.answer(saved, status: .ok)
            }
            return (answer, answer.status)
        }
        return answer.response
    }

    /// Withdraws a draft, submitted or revision-requested proposal; body `{"reason": "…"}` is optional.
    @Sendable func withdraw(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.uuidParameter("id")
        var reason: String?
        if let body = try await JSONBody.ifPresent(request, context: context) {
            var reader = body.objectReader(known: ["reason"], shape: #"{"reason": "…"}"#)
            reason = reader.text("reason", maximum: 2000)
            try reader.validate()
        }
        let given = reason
        let saved = try await dependencies.transaction(context) { connection in
            var proposal = try await store.lock(id, on: connection)
            let change = try proposal.withdraw(by: caller, reason: given, at: Date())
            return (try await store.save(proposal, change, cause: EventCause(actor: caller.actor), on: connection), .ok)
        }
        return try Self.answer(saved, status: .ok).response
    }

    // MARK: Read

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> Response {
        let proposal = try await readable(try context.uuidParameter("id"), context: context)
        if let ifNoneMatch = request.headers[.ifNoneMatch], IfMatch.holdsWeakly(ifNoneMatch, current: proposal.etag) {
            return Response(status: .notModified, headers: [.eTag: proposal.etag])
        }
        return try Self.answer(proposal, status: .ok).response
    }

    /// `?status=&region=&country=&category=&q=&limit=&cursor=`, newest first, only what the caller may see.
    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> ListPage<Proposal> {
        let access = ProposalAccess(caller: try context.requireCaller())
        var query = ListParameters(request, filters: ["status", "region", "country", "category", "q"])
        query.require("status", oneOf: ProposalStatus.allCases.map(\.rawValue))
        query.limitLength(of: "q", to: 200)
        try query.validate()
        let filter = ProposalRepository.Filter(
            status: query.filters["status"], region: query.filters["region"], country: query.filters["country"],
            category: query.filters["category"], text: query.filters["q"], limit: query.limit, after: query.after)
        let rows = try await dependencies.database.withConnection { connection in
            try await repository.list(filter, scope: access.scope, on: connection)
        }
        return ListPage(rows: rows, limit: query.limit)
    }

    struct HistoryPage: ResponseEncodable {
        var items: [ProposalHistoryEntry]
    }

    @Sendable func history(request: Request, context: ServiceRequestContext) async throws -> HistoryPage {
        let proposal = try await readable(try context.uuidParameter("id"), context: context)
        return HistoryPage(items: try await dependencies.database.withConnection { try await repository.history(proposal.id, on: $0) })
    }

    struct RevisionPage: ResponseEncodable {
        var items: [ProposalRevision]
    }

    @Sendable func revisions(request: Request, context: ServiceRequestContext) async throws -> RevisionPage {
        let proposal = try await readable(try context.uuidParameter("id"), context: context)
        return RevisionPage(items: try await dependencies.database.withConnection { try await repository.revisions(proposal.id, on: $0) })
    }

    @Sendable func revision(request: Request, context: ServiceRequestContext) async throws -> ProposalRevision {
        let proposal = try await readable(try context.uuidParameter("id"), context: context)
        guard let number = context.parameters.get("revision", as: Int.self) else {
            throw HTTPProblem.validation([FieldProblem(field: "revision", problem: "must be a whole number")])
        }
        let all = try await dependencies.database.withConnection { try await repository.revisions(proposal.id, on: $0) }
        guard let revision = all.first(where: { $0.revision == number }) else {
            throw HTTPProblem.notFound("Revision \(number) of proposal \(proposal.id.lowercased)")
        }
        return revision
    }

    // MARK: Helpers

    /// The proposal if the caller may see it; 404 otherwise (ids can't be probed).
    private func readable(_ id: UUID, context: ServiceRequestContext) async throws -> Proposal {
        let access = ProposalAccess(caller: try context.requireCaller())
        let proposal = try await dependencies.database.withConnection { try await repository.find(id, on: $0) }
        guard let proposal, access.canRead(proposal) else { throw ProposalError.notFound(id) }
        return proposal
    }

    /// The proposal as the API answers it, with its ETag (and where it lives, when created).
    static func answer(_ proposal: Proposal, status: HTTPResponse.Status, location: String? = nil) throws -> Idempotency.Answer {
        var headers = ["ETag": proposal.etag]
        if let location { headers["Location"] = location }
        return try Idempotency.Answer(status: status, encoding: proposal, headers: headers)
    }
}

extension ProposalRevision: ResponseEncodable {}
