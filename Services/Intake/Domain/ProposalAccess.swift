import ServiceRuntime

/// Who may see and change which proposal: the one place intake's rules live.
///
/// | role | sees | changes |
/// |---|---|---|
/// | focal point | their country's proposals (as lead), drafts included | their country's, while the state allows |
/// | secretariat | their region's, except drafts | nothing |
/// | reviewer, finance | all, except drafts | nothing |
/// | admin | all | nothing |
///
/// A proposal outside the caller's view answers 404, never 403, so ids can't be probed.
struct ProposalAccess: Sendable {
    let caller: Caller

    /// What lists and reads are limited to; filters only narrow it.
    struct Scope: Sendable {
        var country: String?
        var region: String?
        var includeDrafts: Bool
    }

    var scope: Scope {
        switch caller.role {
        case .focalPoint: Scope(country: caller.country ?? "-", region: nil, includeDrafts: true)
        case .secretariat: Scope(country: nil, region: caller.region ?? "-", includeDrafts: false)
        case .reviewer, .finance: Scope(country: nil, region: nil, includeDrafts: false)
        case .admin: Scope(country: nil, region: nil, includeDrafts: true)
        }
    }

    func canRead(_ proposal: Proposal) -> Bool {
        let scope = self.scope
        if !scope.includeDrafts && proposal.status == .draft { return false }
        if let country = scope.country, proposal.content.leadCountry != country { return false }
        if let region = scope.region, proposal.content.region != region { return false }
        return true
    }

    func canChange(_ proposal: Proposal) -> Bool {
        caller.role == .focalPoint && proposal.content.leadCountry == caller.country
    }

    /// Only focal points create proposals, and only for their own country.
    func checkCanCreate() throws {
        guard caller.role == .focalPoint else {
            throw HTTPProblem(.forbidden, type: "forbidden", detail: "Only a National Focal Point creates proposals.")
        }
    }

    /// The lead country of a focal point's proposal is their own.
    func problems(leadCountry: String?) -> [FieldProblem] {
        guard caller.role == .focalPoint, let leadCountry, leadCountry != caller.country else { return [] }
        return [FieldProblem(field: "leadCountry", problem: "must be your own country, \(caller.country ?? "")")]
    }
}
