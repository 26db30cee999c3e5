import Foundation

/// Filters of intake's `GET /v1/proposals`; nil leaves a filter out.
public struct ProposalFilter: Sendable, Equatable {
    public var status: ProposalStatus?
    public var region: String?
    /// Lead or participating.
    public var country: String?
    public var category: String?
    /// Words of the title.
    public var text: String?

    public init(status: ProposalStatus? = nil, region: String? = nil, country: String? = nil, category: String? = nil, text: String? = nil) {
        self.status = status
        self.region = region
        self.country = country
        self.category = category
        self.text = text
    }

    var query: [(String, String?)] {
        [("status", status?.rawValue), ("region", region), ("country", country), ("category", category), ("q", text)]
    }
}

// Intake (`:8081`): a focal point drafts, edits, submits, withdraws and revises; others read.
extension CoEClient {
    /// A focal point creates a draft (it may be incomplete): 201. A repeat with the same `key`
    /// answers the proposal the first request made.
    public func createProposal(_ draft: ProposalDraft, as focalPoint: Person, key: String? = nil) async throws -> Proposal {
        try await proposalChange(Call(.intake, .POST, "/v1/proposals", body: try Self.encoded(draft), idempotencyKey: key), as: focalPoint, expecting: 201)
    }

    /// The proposal as `person` may see it; a 404 (outside their view, or none) throws.
    public func proposal(_ id: UUID, as person: Person) async throws -> Proposal {
        try await proposalChange(Call(.intake, .GET, "/v1/proposals/\(id.lowercased)"), as: person, expecting: 200)
    }

    /// The proposal, or nil while intake answers 404 (a wait's probe).
    public func proposalIfVisible(_ id: UUID, as person: Person) async throws -> Proposal? {
        let call = Call(.intake, .GET, "/v1/proposals/\(id.lowercased)")
        let reply = try await send(call, as: person, expecting: [200, 404])
        return reply.status == 404 ? nil : try proposal(from: reply, of: call)
    }

    /// The focal point edits a draft or a proposal in revision: the fields `changes` has replace
    /// those of the proposal. `etag` is what they last read (412 when someone changed it since).
    public func updateProposal(_ id: UUID, _ changes: ProposalDraft, ifMatch etag: String, as focalPoint: Person) async throws -> Proposal {
        try await proposalChange(
            Call(.intake, .PATCH, "/v1/proposals/\(id.lowercased)", body: try Self.encoded(changes), ifMatch: etag), as: focalPoint, expecting: 200)
    }

    /// The focal point submits a draft, or resubmits after a revision request: the revision grows
    /// and `proposal.submitted` goes to workflow. Use one key per submission (`…-submit-1`, `…-submit-2`):
    /// a resubmission with the first submission's key would only replay the first answer.
    public func submitProposal(_ id: UUID, as focalPoint: Person, key: String? = nil) async throws -> Proposal {
        try await proposalChange(Call(.intake, .POST, "/v1/proposals/\(id.lowercased)/submit", idempotencyKey: key), as: focalPoint, expecting: 200)
    }

    /// The focal point withdraws a draft, a submitted proposal or one in revision.
    ///
    /// Intake keeps no `Idempotency-Key` for a withdrawal (the key is sent, and ignored). It is
    /// retried all the same: a repeat of a withdrawal that went through can only be refused, as a
    /// 409 `invalid-state` with state `withdrawn` (thrown; `CoEClientError.problem?.state` says so).
    public func withdrawProposal(_ id: UUID, reason: String? = nil, as focalPoint: Person, key: String? = nil) async throws -> Proposal {
        struct Body: Encodable { var reason: String? }
        let body = try reason.map { try Self.encoded(Body(reason: $0)) }
        return try await proposalChange(
            Call(.intake, .POST, "/v1/proposals/\(id.lowercased)/withdraw", body: body, idempotencyKey: key, repeatable: true), as: focalPoint,
            expecting: 200)
    }

    /// After a revision request, the focal point edits what `changes` has (when it is not in
    /// already) and resubmits with `key`: the next review round opens at workflow.
    public func reviseAndResubmit(_ id: UUID, _ changes: ProposalDraft, as focalPoint: Person, key: String? = nil) async throws -> Proposal {
        let current = try await proposal(id, as: focalPoint)
        if current.status == .revisionRequested, changes.differs(from: current) {
            try await editProposal(id, changes, from: current, as: focalPoint)
        }
        return try await submitProposal(id, as: focalPoint, key: key)
    }

    /// Edits unless `changes` are in already: when a retried edit finds the ETag stale (the
    /// first attempt went through, its answer lost), the proposal is read again to see.
    public func editProposal(_ id: UUID, _ changes: ProposalDraft, from current: Proposal, as focalPoint: Person) async throws {
        do {
            _ = try await updateProposal(id, changes, ifMatch: current.etag, as: focalPoint)
        } catch let error as CoEClientError where error.status == 412 {
            guard changes.differs(from: try await proposal(id, as: focalPoint)) else { return }
            throw error
        }
    }

    /// Every proposal `person` may see that passes `filter`, newest first, all pages.
    public func proposals(_ filter: ProposalFilter = ProposalFilter(), as person: Person) async throws -> [Proposal] {
        try await allPages(.intake, "/v1/proposals", query: filter.query, of: Proposal.self, as: person)
    }

    /// How many proposals `person` sees in each status (an admin sees every one, drafts included).
    public func proposalCounts(as person: Person) async throws -> [ProposalStatus: Int] {
        var counts: [ProposalStatus: Int] = [:]
        for proposal in try await proposals(as: person) { counts[proposal.status, default: 0] += 1 }
        return counts
    }

    // MARK: Helpers

    private func proposalChange(_ call: Call, as person: Person, expecting status: Int) async throws -> Proposal {
        try proposal(from: try await send(call, as: person, expecting: [status]), of: call)
    }

    /// The proposal of an answer, with the answer's `ETag`.
    private func proposal(from reply: Reply, of call: Call) throws -> Proposal {
        var proposal = try decode(Proposal.self, from: reply, of: call)
        if let etag = reply.header("ETag") { proposal.etag = etag }
        return proposal
    }
}
