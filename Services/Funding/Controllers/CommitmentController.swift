import Events
import Foundation
import Hummingbird
import Messaging
import ServiceRuntime

/// `/v1/commitments`: approved projects' commitments, their payments and recoveries with four
/// eyes, their ledgers; retrying a blocked one.
///
/// Each change decodes, then hands over: the store locks the envelope and the commitment, the
/// domain (`Commitment+Lifecycle.swift`) decides, the store saves with its events, in one
/// transaction with the request's audit record. Who sees what is ``FundingAccess``'s to say.
struct CommitmentController: Sendable {
    let dependencies: ServiceDependencies
    let store: FundingStore
    let idempotency: Idempotency

    init(dependencies: ServiceDependencies) {
        self.dependencies = dependencies
        self.store = FundingStore(logger: dependencies.logger)
        self.idempotency = Idempotency(logger: dependencies.logger)
    }

    func addRoutes(to router: RouterGroup<ServiceRequestContext>) {
        let commitments = router.group("commitments")
        commitments.add(middleware: dependencies.authenticator)
        commitments.get(use: list)
        commitments.get("{id}", use: show)
        commitments.get("{id}/ledger", use: ledger)
        commitments.post("{id}/retry", use: retry)
        commitments.post("{id}/payments", use: record)
        commitments.get("{id}/payments/{paymentId}", use: payment)
        commitments.post("{id}/payments/{paymentId}/verification", use: verify)
        commitments.post("{id}/payments/{paymentId}/rejection", use: reject)
        let payments = router.group("payments")
        payments.add(middleware: dependencies.authenticator)
        payments.get(use: queue)
    }

    // MARK: Read

    /// `?status=&year=&region=&country=&limit=&cursor=`, newest approval first, only what the caller may see.
    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> ListPage<CommitmentView> {
        let access = FundingAccess(caller: try context.requireCaller())
        var query = ListParameters(request, filters: ["status", "year", "region", "country"])
        query.require("status", oneOf: Commitment.Status.allCases.map(\.rawValue))
        let year = query.year()
        query.limitLength(of: "region", to: 10)
        query.limitLength(of: "country", to: 2)
        try query.validate()
        try access.checkCanRead()
        let filter = CommitmentRepository.Filter(
            status: query.filters["status"], year: year, region: query.filters["region"], country: query.filters["country"], limit: query.limit,
            after: query.after)
        let rows = try await dependencies.database.withConnection { connection in
            try await store.commitments.list(filter, scope: access.scope, on: connection)
        }
        return ListPage(rows: rows.map { (CommitmentView($0.0, access: access), $0.1) }, limit: query.limit)
    }

    /// `?status=&region=&year=&limit=&cursor=`: payments and recoveries across commitments, oldest
    /// recorded first — with `status=pending`, finance's verification queue, each saying
    /// whether the caller may decide it (never their own).
    @Sendable func queue(request: Request, context: ServiceRequestContext) async throws -> ListPage<QueuedPaymentView> {
        let access = FundingAccess(caller: try context.requireCaller())
        var query = ListParameters(request, filters: ["status", "year", "region"])
        query.require("status", oneOf: Movement.Status.allCases.map(\.rawValue))
        let year = query.year()
        query.limitLength(of: "region", to: 10)
        try query.validate()
        try access.checkCanRead()
        let status = query.filters["status"]
        let region = query.filters["region"]
        let (limit, after) = (query.limit, query.after)
        let rows = try await dependencies.database.withConnection { connection in
            try await store.commitments.payments(status: status, region: region, year: year, limit: limit, after: after, scope: access.scope, on: connection)
        }
        return ListPage(rows: rows.map { (QueuedPaymentView($0.0, access: access), $0.1) }, limit: limit)
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> CommitmentView {
        let (commitment, access) = try await readable(context)
        return CommitmentView(commitment, access: access)
    }

    /// One payment or recovery of the commitment (where `Location` points after recording it).
    @Sendable func payment(request: Request, context: ServiceRequestContext) async throws -> Movement {
        let paymentID = try context.uuidParameter("paymentId")
        let (commitment, _) = try await readable(context)
        guard let movement = commitment.movements.first(where: { $0.id == paymentID }) else {
            throw FundingError.notFound("Payment \(paymentID.lowercased) of this commitment")
        }
        return movement
    }

    /// Every movement with who recorded and who decided it, and the running balance; `format=csv` (or `Accept: text/csv`) for a download.
    @Sendable func ledger(request: Request, context: ServiceRequestContext) async throws -> Response {
        var query = ListParameters(request, filters: ["format"], paginated: false)
        let csv = FundingQuery.wantsCSV(request, &query)
        try query.validate()
        let (commitment, _) = try await readable(context)
        let ledger = Ledger(commitment)
        guard csv else { return try ledger.response(from: request, context: context) }
        let document = FundingCSV.ledger(ledger)
        return document.response(fileName: "ledger-\(commitment.project.reference.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }).csv")
    }

    // MARK: Changes

    /// Finance tries a blocked commitment again: 200 when the envelope now covers it; 409
    /// `envelope-short` saying by how much when it still does not.
    @Sendable func retry(request: Request, context: ServiceRequestContext) async throws -> Response {
        try await change(request, context, body: nil, operation: "retry", act: "retries blocked commitments") { commitment, envelope, _, now in
            (try commitment.retry(envelope: &envelope, at: now), .ok, [:])
        }
    }

    /// Finance records a payment of a tranche, or a recovery: 201, pending until another
    /// finance user verifies it. Takes an `Idempotency-Key`.
    @Sendable func record(request: Request, context: ServiceRequestContext) async throws -> Response {
        let body = try await JSONBody(request, context: context)
        let input = try PaymentRequest.parse(body, today: UTC.day(Date()))
        return try await change(request, context, body: body, operation: "record-payment", act: "records payments") { commitment, _, caller, now in
            let movement = try commitment.record(input, id: UUID(), by: caller.actor, at: now)
            return ([], .created, ["Location": "/v1/commitments/\(commitment.id.lowercased)/payments/\(movement.id.lowercased)"])
        }
    }

    /// Another finance user verifies a pending payment: 200; it counts from now on
    /// (`funding.disbursed`), and a final tranche closes the commitment (`funding.closed`).
    /// Takes an `Idempotency-Key`.
    @Sendable func verify(request: Request, context: ServiceRequestContext) async throws -> Response {
        let paymentID = try context.uuidParameter("paymentId")
        return try await change(request, context, body: nil, operation: "verify-payment", act: "verifies payments") { commitment, envelope, caller, now in
            (try commitment.verify(paymentID, envelope: &envelope, by: caller.actor, at: now), .ok, [:])
        }
    }

    /// Another finance user rejects a pending payment, with a reason: 200; it never counts.
    @Sendable func reject(request: Request, context: ServiceRequestContext) async throws -> Response {
        let paymentID = try context.uuidParameter("paymentId")
        let body = try await JSONBody(request, context: context)
        let input = try RejectionInput.parse(body)
        return try await change(request, context, body: body, operation: "reject-payment", act: "rejects payments") { commitment, _, caller, now in
            try commitment.reject(paymentID, reason: input.reason, by: caller.actor, at: now)
            return ([], .ok, [:])
        }
    }

    // MARK: Helpers

    /// One change of a commitment, the same way for every write: lock (envelope, then
    /// commitment), authorize, replay a stored answer for a repeated `Idempotency-Key`, let the
    /// domain decide, save with its events, answer with the commitment.
    private func change(
        _ request: Request, _ context: ServiceRequestContext, body: JSONBody?, operation: String, act: String,
        decide: @escaping @Sendable (inout Commitment, inout Envelope?, Caller, Date) throws -> ([any EventPayload], HTTPResponse.Status, [String: String])
    ) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.uuidParameter("id")
        let access = FundingAccess(caller: caller)
        try access.checkCanRead()
        let key = try Idempotency.request(request, caller: caller, operation: operation, body: body?.bytes ?? [])
        let store = self.store
        // Authorized before any lock is taken: a caller who may not act can't hold up finance's
        // work on the envelope. What this checks (the project's country and region) never changes.
        let found = try await dependencies.database.withConnection { try await store.commitments.find(id: id, lock: false, movements: false, on: $0) }
        guard let found, access.canRead(found) else { throw FundingError.notFound("Commitment \(id.lowercased)") }
        try access.checkIsFinance(act)
        let idempotency = self.idempotency
        let answer = try await dependencies.transaction(context) { connection in
            let answer = try await store.change(
                commitment: id, envelope: found.envelopeKey, cause: EventCause(actor: caller.actor), on: connection
            ) { commitment, envelope in
                var events: [any EventPayload] = []
                let answer = try await idempotency.answer(for: key, on: connection) {
                    let (caused, status, headers) = try decide(&commitment, &envelope, caller, Date())
                    events = caused
                    return try Idempotency.Answer(status: status, encoding: CommitmentView(commitment, access: access), headers: headers)
                }
                return (events, answer)
            }
            guard let answer else { throw FundingError.notFound("Commitment \(id.lowercased)") }
            return (answer, answer.status)
        }
        return answer.response
    }

    /// The path's commitment if the caller may see it; 404 otherwise (ids can't be probed).
    private func readable(_ context: ServiceRequestContext) async throws -> (Commitment, FundingAccess) {
        let access = FundingAccess(caller: try context.requireCaller())
        let id = try context.uuidParameter("id")
        try access.checkCanRead()
        let found = try await dependencies.database.withConnection { try await store.commitments.find(id: id, lock: false, on: $0) }
        guard let commitment = found, access.canRead(commitment) else { throw FundingError.notFound("Commitment \(id.lowercased)") }
        return (commitment, access)
    }
}
