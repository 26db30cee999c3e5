import Events
import Foundation

/// Who may see and do what with the money: the one place funding's rules of access live.
///
/// | role | sees | acts |
/// |---|---|---|
/// | finance | everything | creates and adjusts envelopes; records, verifies and rejects payments (never their own); retries blocked commitments |
/// | admin (programme manager) | everything | nothing |
/// | secretariat | their region's envelopes, commitments, payments and reports | nothing |
/// | focal point | their country's commitments (as lead) and their payments | nothing |
/// | reviewer | nothing (403): reviewers judge merit, not money | nothing |
///
/// A commitment or envelope outside the caller's view answers 404, never 403, so ids can't
/// be probed; lists leave it out.
struct FundingAccess: Sendable {
    let caller: Caller

    /// What lists and reads are limited to; filters only narrow it.
    struct Scope: Sendable, Equatable {
        var leadCountry: String?
        var region: String?
    }

    var scope: Scope {
        switch caller.role {
        case .focalPoint: Scope(leadCountry: caller.country ?? "-")
        case .secretariat: Scope(region: caller.region ?? "-")
        case .reviewer, .finance, .admin: Scope()
        }
    }

    /// Reviewers see nothing of funding.
    func checkCanRead() throws(FundingError) {
        guard caller.role != .reviewer else { throw .forbidden("Funding is not shown to reviewers: they judge merit, not money.") }
    }

    /// Envelopes, reports and the IATI export: finance, admins, and a secretariat for its region.
    func checkCanReadEnvelopes() throws(FundingError) {
        try checkCanRead()
        guard caller.role != .focalPoint else {
            throw .forbidden("Envelopes and reports are for finance, the programme manager and the regions' secretariats.")
        }
    }

    func canRead(_ commitment: Commitment) -> Bool {
        guard caller.role != .reviewer else { return false }
        let scope = self.scope
        if let country = scope.leadCountry, commitment.project.leadCountry != country { return false }
        if let region = scope.region, commitment.project.region != region { return false }
        return true
    }

    func canRead(_ envelope: Envelope) -> Bool {
        guard caller.role == .finance || caller.role == .admin || caller.role == .secretariat else { return false }
        return scope.region.map { $0 == envelope.region } ?? true
    }

    /// Only finance moves money and envelopes.
    func checkIsFinance(_ act: String) throws(FundingError) {
        guard caller.role == .finance else { throw .forbidden("Only finance \(act).") }
    }

    /// Whether the caller may verify or reject a movement now, and why not (four eyes: never
    /// one's own). The commitment's status and the money rules are checked when they act.
    func mayDecide(_ movement: Movement) -> (Bool, String?) {
        guard caller.role == .finance else { return (false, "Only finance verifies payments.") }
        guard movement.status == .pending else { return (false, "It is already \(movement.status.rawValue).") }
        guard movement.recordedBy.sub != caller.sub else {
            return (false, "You recorded it: another finance user verifies it (four eyes).")
        }
        return (true, nil)
    }

    /// What the caller may do to a commitment now.
    func allowedActions(on commitment: Commitment) -> [CommitmentAction] {
        caller.role == .finance ? commitment.status.allowedActions : []
    }
}
