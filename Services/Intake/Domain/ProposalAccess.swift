import Events

/// Who may see and change which proposal: the one place intake's rules live.
///
/// | role | sees | changes |
/// |---|---|---|
/// | focal point | their country's proposals (as lead), drafts included | their country's, while the state allows |
/// | secretariat | their region's, except drafts | nothing |
/// | finance | all, except drafts | nothing |
/// | admin | all | nothing |
/// | reviewer | nothing: workflow shows an assigned reviewer what assessing needs | nothing |
///
/// A proposal outside the caller's view answers 404, never 403, so ids can't be probed.
struct ProposalAccess: Sendable {
    let caller: Caller

    /// What lists and reads are limited to; filters only narrow it.
    struct Scope: Sendable {
        var country: String?
        var region: String?
        var includeDrafts: Bool
        /// Sees nothing at all.
        var none = false
    }

    var scope: Scope {
        switch caller.role {
        case .focalPoint: Scope(country: caller.country ?? "-", region: nil, includeDrafts: true)
        case .secretariat: Scope(country: nil, region: caller.region ?? "-", includeDrafts: false)
        case .finance: Scope(country: nil, region: nil, includeDrafts: false)
        case .admin: Scope(country: nil, region: nil, includeDrafts: true)
        case .reviewer: Scope(country: nil, region: nil, includeDrafts: false, none: true)
        }
    }

    func canRead(_ proposal: Proposal) -> Bool {
        let scope = self.scope
        if scope.none { return false }
        if !scope.includeDrafts && proposal.status == .draft { return false }
        if let country = scope.country, proposal.content.leadCountry != country { return false }
        if let region = scope.region, proposal.content.region != region { return false }
        return true
    }

    /// 404 outside the caller's view, 403 when they see it but may not change it, 409 naming
    /// the state and what it allows when the action doesn't fit.
    func checkCanChange(_ proposal: Proposal, _ action: ProposalAction) throws(ProposalError) {
        try checkCanAct(on: proposal)
        guard proposal.status.allows(action) else { throw .invalidState(proposal.status, action) }
    }

    /// 404 outside the caller's view, 403 when they see it but changing it is not theirs;
    /// whatever the state (an Idempotency-Key replay is authorized with this before it answers).
    func checkCanAct(on proposal: Proposal) throws(ProposalError) {
        guard canRead(proposal) else { throw .notFound(proposal.id) }
        guard caller.role == .focalPoint && proposal.content.leadCountry == caller.country else {
            throw .forbidden("Only the focal point of \(proposal.content.leadCountry ?? "the lead country") changes this proposal.")
        }
    }

    /// Only focal points create proposals, and only for their own country.
    func checkCanCreate() throws(ProposalError) {
        guard caller.role == .focalPoint else { throw .forbidden("Only a National Focal Point creates proposals.") }
    }

    /// The lead country of a focal point's proposal is their own.
    func problems(leadCountry: String?) -> [FieldProblem] {
        guard caller.role == .focalPoint, let leadCountry, leadCountry != caller.country else { return [] }
        return [FieldProblem(field: "leadCountry", problem: "must be your own country, \(caller.country ?? "")")]
    }
}
