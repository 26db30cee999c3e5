import Events
import Foundation
import Hummingbird
import Messaging
import ServiceRuntime

/// `/v1/envelopes`: each region's allocation per year and instrument, created and adjusted
/// by finance with a reason; every adjustment kept.
struct EnvelopeController: Sendable {
    let dependencies: ServiceDependencies
    let settings: FundingService.Settings
    let store: FundingStore
    let idempotency: Idempotency

    init(dependencies: ServiceDependencies, settings: FundingService.Settings) {
        self.dependencies = dependencies
        self.settings = settings
        self.store = FundingStore(logger: dependencies.logger)
        self.idempotency = Idempotency(logger: dependencies.logger)
    }

    func addRoutes(to router: RouterGroup<ServiceRequestContext>) {
        let envelopes = router.group("envelopes")
        envelopes.add(middleware: dependencies.authenticator)
        envelopes.get(use: list)
        envelopes.post(use: create)
        envelopes.get("{id}", use: show)
        envelopes.post("{id}/adjustments", use: adjust)
    }

    /// `?year=&region=&instrument=`: the envelopes the caller may see, answered whole.
    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> EnvelopePage {
        let access = FundingAccess(caller: try context.requireCaller())
        var query = ListParameters(request, filters: ["year", "region", "instrument"], paginated: false)
        let year = query.year()
        query.limitLength(of: "region", to: 10)
        query.limitLength(of: "instrument", to: 20)
        try query.validate()
        try access.checkCanReadEnvelopes()
        let region = query.filters["region"]
        let instrument = query.filters["instrument"]
        let envelopes = try await dependencies.database.withConnection { connection in
            try await store.envelopes.list(year: year, region: access.scope.region ?? region, instrument: instrument, on: connection)
        }
        return EnvelopePage(items: envelopes.filter { access.canRead($0) && (region == nil || $0.region == region) }.map { EnvelopeView($0) })
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> EnvelopeView {
        let access = FundingAccess(caller: try context.requireCaller())
        let id = try context.uuidParameter("id")
        try access.checkCanReadEnvelopes()
        let store = self.store
        let found: (Envelope, [Envelope.Adjustment])? = try await dependencies.database.withConnection { connection in
            guard let envelope = try await store.envelopes.find(id: id, lock: false, on: connection) else { return nil }
            return (envelope, try await store.envelopes.adjustments(of: id, on: connection))
        }
        guard let (envelope, adjustments) = found, access.canRead(envelope) else { throw FundingError.notFound("Envelope \(id.lowercased)") }
        return EnvelopeView(envelope, adjustments: adjustments)
    }

    /// Finance creates an envelope: 201; 409 when it exists. Blocked commitments waiting for it
    /// are committed at once, oldest approval first. Takes an `Idempotency-Key`.
    @Sendable func create(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await JSONBody(request, context: context)
        let input = try EnvelopeInput.parse(body, reference: settings.reference, defaultInstrument: settings.instrument)
        try FundingAccess(caller: caller).checkIsFinance("creates envelopes")
        let key = try Idempotency.request(request, caller: caller, operation: "create-envelope", body: body.bytes)
        let store = self.store
        let idempotency = self.idempotency
        let answer = try await dependencies.transaction(context) { connection in
            let answer = try await idempotency.answer(for: key, on: connection) {
                let (envelope, adjustment, unblocked) = try await store.create(
                    input.key, amount: input.amount, reason: input.reason, by: caller.actor, cause: EventCause(actor: caller.actor), at: Date(),
                    on: connection)
                return try Idempotency.Answer(
                    status: .created, encoding: EnvelopeView(envelope, adjustments: [adjustment], unblocked: unblocked),
                    headers: ["Location": "/v1/envelopes/\(envelope.id.lowercased)"])
            }
            return (answer, answer.status)
        }
        return answer.response
    }

    /// Finance raises (positive `delta`) or lowers an envelope, with a reason: 200. Lowering
    /// below what is committed is refused (409 `below-committed`, by how much); a raise commits
    /// the blocked commitments it now covers. Takes an `Idempotency-Key`.
    @Sendable func adjust(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let access = FundingAccess(caller: caller)
        let id = try context.uuidParameter("id")
        let body = try await JSONBody(request, context: context)
        let input = try AdjustmentInput.parse(body)
        try access.checkCanReadEnvelopes()
        let key = try Idempotency.request(request, caller: caller, operation: "adjust-envelope", body: body.bytes)
        let store = self.store
        let idempotency = self.idempotency
        let answer = try await dependencies.transaction(context) { connection in
            // Authorized first, on the locked envelope; a replay only then.
            guard let envelope = try await store.envelopes.find(id: id, lock: true, on: connection), access.canRead(envelope) else {
                throw FundingError.notFound("Envelope \(id.lowercased)")
            }
            try access.checkIsFinance("adjusts envelopes")
            let answer = try await idempotency.answer(for: key, on: connection) {
                let (envelope, unblocked) = try await store.adjust(
                    envelope, by: input.delta, reason: input.reason, actor: caller.actor, cause: EventCause(actor: caller.actor), at: Date(),
                    on: connection)
                let adjustments = try await store.envelopes.adjustments(of: id, on: connection)
                return try Idempotency.Answer(status: .ok, encoding: EnvelopeView(envelope, adjustments: adjustments, unblocked: unblocked))
            }
            return (answer, answer.status)
        }
        return answer.response
    }
}

/// Query parameters funding's lists share.
enum FundingQuery {
    /// `format=json|csv` or `Accept: text/csv`: whether to answer CSV.
    static func wantsCSV(_ request: Request, _ query: inout ListParameters) -> Bool {
        query.require("format", oneOf: ["json", "csv"])
        if let format = query.filters["format"] { return format == "csv" }
        let accept = request.headers[.accept] ?? ""
        return accept.contains("text/csv") && !accept.contains("application/json")
    }
}
