import Events
import Foundation
import HTTPTypes
import Hummingbird
import Messaging
import PostgresNIO
import ServiceRuntime
import Storage

/// `/v1/proposals`: focal points draft, edit, submit and withdraw; others read what their role allows.
struct ProposalController: Sendable {
    let client: PostgresClient
    let repository: ProposalRepository
    let idempotency: IdempotencyStore
    let rules: ProposalRules
    let relay: OutboxRelay
    let authenticator: TokenAuthenticator
    let logger: Logger

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.add(middleware: authenticator)
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
        let access = ProposalAccess(caller: caller)
        try access.checkCanCreate()
        let (body, raw) = try await Self.body(request, context: context)
        var draft = ProposalContent(leadCountry: caller.country)
        let applied = ProposalInput.apply(body, to: &draft)
        try check(draft, access: access, along: applied)
        let content = draft
        return try await idempotent(request, caller: caller, operation: "create", raw: raw) { connection in
            let proposal = try await repository.insert(content, createdBy: caller.sub, on: connection)
            try await repository.appendHistory(
                proposal.id, actor: caller.actor, action: "created", from: nil, to: .draft,
                changedFields: content.changedFields(since: ProposalContent()), on: connection)
            return (.created, proposal, "/v1/proposals/\(proposal.id.uuidString)")
        }
    }

    /// Changes fields of a draft or of a proposal in revision; needs `If-Match` with the current ETag.
    @Sendable func update(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let access = ProposalAccess(caller: caller)
        let id = try context.uuidParameter("id")
        guard let ifMatch = request.headers[.ifMatch] else {
            throw HTTPProblem(
                .preconditionRequired, type: "if-match-required",
                detail: "Send If-Match with the ETag you last read, so that no one's edit is overwritten.")
        }
        let (body, _) = try await Self.body(request, context: context)
        let proposal = try await client.withTransaction(logger: logger) { connection -> Proposal in
            var proposal = try await changeable(id, access: access, action: .update, on: connection)
            guard IfMatch.holds(ifMatch, current: proposal.etag) else {
                throw HTTPProblem(
                    .preconditionFailed, type: "stale-etag", title: "The proposal changed since you read it",
                    detail: "Your If-Match is \(ifMatch); the proposal is now at \(proposal.etag). Read it again and reapply your change.",
                    headers: [.eTag: proposal.etag])
            }
            let before = proposal.content
            let applied = ProposalInput.apply(body, to: &proposal.content)
            try check(proposal.content, access: access, along: applied)
            let changed = (try? applied.get()) ?? []
            guard !changed.isEmpty else { return proposal }
            let saved = try await repository.save(proposal, on: connection)
            try await repository.appendHistory(
                id, actor: caller.actor, action: "updated", from: proposal.status, to: proposal.status,
                changedFields: proposal.content.changedFields(since: before), on: connection)
            return saved
        }
        return try respond(proposal, status: .ok)
    }

    /// Submits a draft, or resubmits after a revision request: the revision grows and
    /// `proposal.submitted` goes out. Takes an `Idempotency-Key`.
    @Sendable func submit(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let access = ProposalAccess(caller: caller)
        let id = try context.uuidParameter("id")
        let raw = String(buffer: try await request.body.collect(upTo: context.maxUploadSize))
        let response = try await idempotent(request, caller: caller, operation: "submit:\(id.uuidString)", raw: raw) { connection in
            var proposal = try await changeable(id, access: access, action: .submit, on: connection)
            let problems = rules.problems(in: proposal.content) + rules.missingForSubmission(proposal.content)
            guard problems.isEmpty else {
                throw HTTPProblem.validation(problems, detail: "The proposal is not complete; \(problems.count) field(s) must be fixed before it can be submitted.")
            }
            let from = proposal.status
            if proposal.reference == nil { proposal.reference = try await repository.nextReference(on: connection) }
            proposal.revision += 1
            proposal.status = .submitted
            proposal.submittedAt = Date()
            proposal.decisionReasons = []
            let saved = try await repository.save(proposal, on: connection)
            try await repository.saveRevision(saved, by: caller.sub, on: connection)
            try await repository.appendHistory(
                id, actor: caller.actor, action: saved.revision == 1 ? "submitted" : "resubmitted", from: from, to: .submitted,
                detail: "revision \(saved.revision)", on: connection)
            try await Outbox.append(
                EventEnvelope(source: "intake", subject: id.uuidString, actor: caller.actor, data: Self.submittedEvent(saved)),
                on: connection, logger: logger)
            return (.ok, saved, nil)
        }
        relay.wake()
        return response
    }

    /// Withdraws a draft, submitted or revision-requested proposal; body `{"reason": "…"}` is optional.
    @Sendable func withdraw(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let access = ProposalAccess(caller: caller)
        let id = try context.uuidParameter("id")
        var given: String?
        if request.headers[.contentLength].map({ $0 != "0" }) ?? (request.headers[.transferEncoding] != nil) {
            let (body, _) = try await Self.body(request, context: context)
            var reader = JSONFieldReader()
            if case .object(let object) = body {
                reader.rejectUnknown(object, known: ["reason"])
                if let value = object["reason"], let text = reader.string(value, field: "reason") { given = text }
            } else {
                reader.problem("body", "must be a JSON object like {\"reason\": \"…\"}")
            }
            guard reader.problems.isEmpty else { throw HTTPProblem.validation(reader.problems) }
        }
        let reason = given
        let proposal = try await client.withTransaction(logger: logger) { connection -> Proposal in
            var proposal = try await changeable(id, access: access, action: .withdraw, on: connection)
            let from = proposal.status
            proposal.status = .withdrawn
            let saved = try await repository.save(proposal, on: connection)
            try await repository.appendHistory(id, actor: caller.actor, action: "withdrawn", from: from, to: .withdrawn, detail: reason, on: connection)
            if saved.revision > 0 {
                let event = ProposalWithdrawn(
                    proposalId: id, reference: saved.reference, revision: saved.revision, region: saved.content.region ?? "",
                    leadCountry: saved.content.leadCountry ?? "", reason: reason)
                try await Outbox.append(EventEnvelope(source: "intake", subject: id.uuidString, actor: caller.actor, data: event), on: connection, logger: logger)
            }
            return saved
        }
        relay.wake()
        return try respond(proposal, status: .ok)
    }

    // MARK: Read

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> Response {
        let proposal = try await readable(try context.uuidParameter("id"), context: context)
        if let ifNoneMatch = request.headers[.ifNoneMatch], ifNoneMatch == proposal.etag {
            return Response(status: .notModified, headers: [.eTag: proposal.etag])
        }
        return try respond(proposal, status: .ok)
    }

    /// `?status=&region=&country=&category=&q=&limit=&cursor=`, newest first, only what the caller may see.
    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> ListPage<Proposal> {
        let access = ProposalAccess(caller: try context.requireCaller())
        var query = ListParameters(request, filters: ["status", "region", "country", "category", "q"])
        query.require("status", oneOf: ProposalStatus.allCases.map(\.rawValue))
        try query.validate()
        let filter = ProposalRepository.Filter(
            status: query.filters["status"], region: query.filters["region"], country: query.filters["country"],
            category: query.filters["category"], text: query.filters["q"], limit: query.limit, after: query.after)
        let rows = try await client.withConnection { connection in
            try await repository.list(filter, scope: access.scope, on: connection)
        }
        return ListPage(rows: rows, limit: query.limit)
    }

    struct HistoryPage: ResponseEncodable {
        var items: [ProposalHistoryEntry]
    }

    @Sendable func history(request: Request, context: ServiceRequestContext) async throws -> HistoryPage {
        let proposal = try await readable(try context.uuidParameter("id"), context: context)
        return HistoryPage(items: try await client.withConnection { try await repository.history(proposal.id, on: $0) })
    }

    struct RevisionPage: ResponseEncodable {
        var items: [ProposalRevision]
    }

    @Sendable func revisions(request: Request, context: ServiceRequestContext) async throws -> RevisionPage {
        let proposal = try await readable(try context.uuidParameter("id"), context: context)
        return RevisionPage(items: try await client.withConnection { try await repository.revisions(proposal.id, on: $0) })
    }

    @Sendable func revision(request: Request, context: ServiceRequestContext) async throws -> ProposalRevision {
        let proposal = try await readable(try context.uuidParameter("id"), context: context)
        guard let number = context.parameters.get("revision", as: Int.self) else {
            throw HTTPProblem.validation([FieldProblem(field: "revision", problem: "must be a whole number")])
        }
        let all = try await client.withConnection { try await repository.revisions(proposal.id, on: $0) }
        guard let revision = all.first(where: { $0.revision == number }) else {
            throw HTTPProblem.notFound("Revision \(number) of proposal \(proposal.id.uuidString)")
        }
        return revision
    }

    // MARK: Helpers

    /// The proposal if the caller may see it; 404 otherwise (ids can't be probed).
    private func readable(_ id: UUID, context: ServiceRequestContext) async throws -> Proposal {
        let access = ProposalAccess(caller: try context.requireCaller())
        let proposal = try await client.withConnection { try await repository.find(id, on: $0) }
        guard let proposal, access.canRead(proposal) else { throw HTTPProblem.notFound("Proposal \(id.uuidString)") }
        return proposal
    }

    /// Locks the proposal for a change: 404 outside the caller's view, 403 when they may see but not
    /// change it, 409 naming the state and what it allows when the action doesn't fit.
    private func changeable(_ id: UUID, access: ProposalAccess, action: ProposalAction, on connection: PostgresConnection) async throws -> Proposal {
        guard let proposal = try await repository.lock(id, on: connection), access.canRead(proposal) else {
            throw HTTPProblem.notFound("Proposal \(id.uuidString)")
        }
        guard access.canChange(proposal) else {
            throw HTTPProblem(.forbidden, type: "forbidden", detail: "Only the focal point of \(proposal.content.leadCountry ?? "the lead country") changes this proposal.")
        }
        guard proposal.status.allows(action) else {
            var problem = HTTPProblem(
                .conflict, type: "invalid-state", title: "Not allowed in this state",
                detail: "A \(proposal.status.rawValue) proposal can't be \(action == .update ? "updated" : action == .submit ? "submitted" : "withdrawn").")
            problem.problem.state = proposal.status.rawValue
            problem.problem.allowedActions = proposal.status.allowedActions.map(\.rawValue)
            throw problem
        }
        return proposal
    }

    /// Every problem at once: those of reading the body (unknown fields, wrong types) and
    /// those of the values that could be read.
    private func check(_ content: ProposalContent, access: ProposalAccess, along applied: Result<[String], HTTPProblem>) throws {
        var problems: [FieldProblem] = []
        if case .failure(let problem) = applied { problems += problem.problem.errors ?? [] }
        let reported = Set(problems.map(\.field))
        problems += (rules.problems(in: content) + access.problems(leadCountry: content.leadCountry)).filter { !reported.contains($0.field) }
        if content.leadCountry == nil && access.caller.role == .focalPoint {
            problems.append(FieldProblem(field: "leadCountry", problem: "can't be cleared; it is your country, \(access.caller.country ?? "")"))
        }
        guard problems.isEmpty else { throw HTTPProblem.validation(problems) }
    }


    /// Runs `body` once per (caller, Idempotency-Key); without a key, just once.
    private func idempotent(
        _ request: Request, caller: Caller, operation: String, raw: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> (HTTPResponse.Status, Proposal, String?)
    ) async throws -> Response {
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        let stored: (Int, String, String?, String) = try await client.withTransaction(logger: logger) { connection in
            if let key {
                if case .replay(let status, let text, let location) = try await idempotency.begin(
                    caller: caller.sub, key: key, operation: operation, request: raw, on: connection)
                {
                    return (status, text, location, "")
                }
            }
            let (status, proposal, location) = try await body(connection)
            let text = String(decoding: try Self.encoder.encode(proposal), as: UTF8.self)
            if let key {
                try await idempotency.finish(caller: caller.sub, key: key, status: status.code, body: text, location: location, on: connection)
            }
            return (status.code, text, location, proposal.etag)
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        if let location = stored.2 { headers[.location] = location }
        if !stored.3.isEmpty { headers[.eTag] = stored.3 } else if let version = Self.version(in: stored.1) { headers[.eTag] = "\"\(version)\"" }
        return Response(status: .init(code: stored.0), headers: headers, body: .init(byteBuffer: ByteBuffer(string: stored.1)))
    }

    private func respond(_ proposal: Proposal, status: HTTPResponse.Status) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .eTag: proposal.etag],
            body: .init(byteBuffer: ByteBuffer(bytes: try Self.encoder.encode(proposal))))
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func version(in json: String) -> Int? {
        struct Versioned: Decodable { var version: Int }
        return try? JSONDecoder().decode(Versioned.self, from: Data(json.utf8)).version
    }

    static func body(_ request: Request, context: ServiceRequestContext) async throws -> (JSONValue, String) {
        try await ProblemJSONDecoder.jsonValue(request, context: context)
    }

    static func submittedEvent(_ proposal: Proposal) -> ProposalSubmitted {
        let content = proposal.content
        return ProposalSubmitted(
            proposalId: proposal.id, reference: proposal.reference ?? "", revision: proposal.revision, title: content.title ?? "",
            region: content.region ?? "", leadCountry: content.leadCountry ?? "", participatingCountries: content.participatingCountries,
            cbrnCategories: content.cbrnCategories, requestedBudget: content.requestedBudget ?? .zero,
            durationMonths: content.durationMonths, summary: content.summary, objectives: content.objectives,
            cbrnAreas: content.cbrnAreas, implementingPartners: content.implementingPartners.map { .init(name: $0.name, country: $0.country, role: $0.role) },
            contactName: content.contact?.name, contactEmail: content.contact?.email)
    }
}

extension ProposalRevision: ResponseEncodable {}
