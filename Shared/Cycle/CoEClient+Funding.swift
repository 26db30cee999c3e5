import Events
import Foundation

/// Filters of funding's `GET /v1/commitments`; nil leaves a filter out.
public struct CommitmentFilter: Sendable, Equatable {
    public var status: CommitmentStatus?
    public var year: Int?
    public var region: String?
    /// The lead country.
    public var country: String?

    public init(status: CommitmentStatus? = nil, year: Int? = nil, region: String? = nil, country: String? = nil) {
        self.status = status
        self.year = year
        self.region = region
        self.country = country
    }

    var query: [(String, String?)] {
        [("status", status?.rawValue), ("year", year.map(String.init)), ("region", region), ("country", country)]
    }
}

// Funding (`:8083`): finance allocates envelopes, records payments, and another finance user verifies them.
extension CoEClient {
    /// Finance creates a region's envelope of an instrument for a year: 201. Another one of the
    /// same year, region and instrument is a 409 `envelope-exists` (thrown; its detail names the id).
    public func createEnvelope(
        year: Int, region: String, amount: Money, reason: String, instrument: String? = nil, as finance: Person, key: String? = nil
    ) async throws -> Envelope {
        struct Body: Encodable {
            var year: Int
            var region: String
            var instrument: String?
            var amount: Money
            var reason: String
        }
        let body = Body(year: year, region: region, instrument: instrument, amount: amount, reason: reason)
        let call = Call(.funding, .POST, "/v1/envelopes", body: try Self.encoded(body), idempotencyKey: key)
        return try decode(Envelope.self, from: try await send(call, as: finance, expecting: [201]), of: call)
    }

    /// Finance raises (positive `delta`) or cuts an envelope: 200. A raise commits the blocked
    /// commitments it now covers (`commitmentsUnblocked`).
    public func adjustEnvelope(_ id: UUID, delta: Money, reason: String, as finance: Person, key: String? = nil) async throws -> Envelope {
        struct Body: Encodable {
            var delta: Money
            var reason: String
        }
        let call = Call(.funding, .POST, "/v1/envelopes/\(id.lowercased)/adjustments", body: try Self.encoded(Body(delta: delta, reason: reason)), idempotencyKey: key)
        return try decode(Envelope.self, from: try await send(call, as: finance, expecting: [200]), of: call)
    }

    /// The envelopes `person` may see (answered whole, not paginated).
    public func envelopes(year: Int? = nil, region: String? = nil, instrument: String? = nil, as person: Person) async throws -> [Envelope] {
        struct Items: Decodable { var items: [Envelope] }
        let call = Call(.funding, .GET, "/v1/envelopes", query: [("year", year.map(String.init)), ("region", region), ("instrument", instrument)])
        return try decode(Items.self, from: try await send(call, as: person, expecting: [200]), of: call).items
    }

    /// Every commitment `person` may see that passes `filter`, newest approval first, all pages.
    public func commitments(_ filter: CommitmentFilter = CommitmentFilter(), as person: Person) async throws -> [Commitment] {
        try await allPages(.funding, "/v1/commitments", query: filter.query, of: Commitment.self, as: person)
    }

    /// One commitment with its payments.
    public func commitment(_ id: UUID, as person: Person) async throws -> Commitment {
        let call = Call(.funding, .GET, "/v1/commitments/\(id.lowercased)")
        return try decode(Commitment.self, from: try await send(call, as: person, expecting: [200]), of: call)
    }

    /// The commitment of a proposal, if funding has one. Funding lists no commitment by
    /// proposal, so this reads the list narrowed by the region and lead country given.
    public func commitment(ofProposal proposalID: UUID, region: String? = nil, leadCountry: String? = nil, as person: Person) async throws -> Commitment? {
        try await commitments(CommitmentFilter(region: region, country: leadCountry), as: person).first { $0.proposalId == proposalID }
    }

    /// Finance tries a blocked commitment again: 200 once the envelope covers it (409 `envelope-short` thrown otherwise).
    public func retryCommitment(_ id: UUID, as finance: Person, key: String? = nil) async throws -> Commitment {
        let call = Call(.funding, .POST, "/v1/commitments/\(id.lowercased)/retry", idempotencyKey: key)
        return try decode(Commitment.self, from: try await send(call, as: finance, expecting: [200]), of: call)
    }

    /// Finance records a payment or a recovery, pending until another finance user verifies it: 201.
    public func recordPayment(_ commitmentID: UUID, _ payment: PaymentRequest, as finance: Person, key: String? = nil) async throws -> RecordedPayment {
        let call = Call(.funding, .POST, "/v1/commitments/\(commitmentID.lowercased)/payments", body: try Self.encoded(payment), idempotencyKey: key)
        let reply = try await send(call, as: finance, expecting: [201])
        let commitment = try decode(Commitment.self, from: reply, of: call)
        guard let id = Self.id(inLocation: reply.header("Location")) ?? commitment.payments.max(by: { $0.sequence < $1.sequence })?.id else {
            throw CoEClientError(.unreadableResponse, method: "POST", path: call.path, status: reply.status, detail: "The answer names no payment")
        }
        return RecordedPayment(commitment: commitment, paymentID: id)
    }

    /// Another finance user verifies a pending payment: 200, it counts from now on (a final tranche closes the commitment).
    public func verifyPayment(_ commitmentID: UUID, payment paymentID: UUID, as finance: Person, key: String? = nil) async throws -> Commitment {
        let call = Call(
            .funding, .POST, "/v1/commitments/\(commitmentID.lowercased)/payments/\(paymentID.lowercased)/verification", idempotencyKey: key)
        return try decode(Commitment.self, from: try await send(call, as: finance, expecting: [200]), of: call)
    }

    /// Another finance user rejects a pending payment, with a reason: 200, it never counts.
    public func rejectPayment(
        _ commitmentID: UUID, payment paymentID: UUID, reason: String, as finance: Person, key: String? = nil
    ) async throws -> Commitment {
        struct Body: Encodable { var reason: String }
        let call = Call(
            .funding, .POST, "/v1/commitments/\(commitmentID.lowercased)/payments/\(paymentID.lowercased)/rejection",
            body: try Self.encoded(Body(reason: reason)), idempotencyKey: key)
        return try decode(Commitment.self, from: try await send(call, as: finance, expecting: [200]), of: call)
    }

    /// Payments and recoveries across commitments, oldest recorded first, all pages; `.pending` is finance's verification queue.
    public func payments(status: PaymentStatus? = nil, year: Int? = nil, region: String? = nil, as person: Person) async throws -> [QueuedPayment] {
        try await allPages(
            .funding, "/v1/payments", query: [("status", status?.rawValue), ("year", year.map(String.init)), ("region", region)],
            of: QueuedPayment.self, as: person)
    }

    /// How many commitments `person` sees in each status.
    public func commitmentCounts(as person: Person) async throws -> [CommitmentStatus: Int] {
        var counts: [CommitmentStatus: Int] = [:]
        for commitment in try await commitments(as: person) { counts[commitment.status, default: 0] += 1 }
        return counts
    }

    /// How many payments and recoveries `person` sees in each status.
    public func paymentCounts(as person: Person) async throws -> [PaymentStatus: Int] {
        var counts: [PaymentStatus: Int] = [:]
        for queued in try await payments(as: person) { counts[queued.payment.status, default: 0] += 1 }
        return counts
    }
}
