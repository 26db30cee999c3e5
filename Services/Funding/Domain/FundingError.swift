import Events
import Foundation

/// Why funding refuses a change: the one error type of funding's domain.
enum FundingError: Error, Equatable, CustomStringConvertible {
    /// A money rule, named, with by how much the request goes past it.
    struct RuleBreach: Equatable, Sendable {
        enum Rule: String, Sendable {
            /// Total disbursed would exceed the commitment.
            case exceedsCommitment = "exceeds-commitment"
            /// The pre-financing tranche would exceed the schedule's share.
            case preFinancingCap = "pre-financing-cap"
            /// A tranche out of the schedule's order.
            case trancheOrder = "tranche-order"
            /// A tranche the schedule does not have.
            case trancheNotInSchedule = "tranche-not-in-schedule"
            /// A recovery larger than what was disbursed.
            case exceedsDisbursed = "exceeds-disbursed"
            /// The one who recorded a payment can't verify or reject it.
            case fourEyes = "four-eyes"
            /// The envelope can't cover a commitment.
            case envelopeShort = "envelope-short"
            /// An envelope can't go below what is committed against it.
            case belowCommitted = "below-committed"
        }

        var rule: Rule
        var detail: String
        var excess: Money?
        /// The request's field the rule is about (for a 422).
        var field: String
    }

    /// Not there, or not visible to the caller (404: ids can't be probed).
    case notFound(String)
    /// The caller sees it, but this act is not theirs.
    case forbidden(String)
    /// The commitment's status does not allow the action.
    case invalidState(Commitment.Status, CommitmentAction)
    /// The payment was already verified or rejected.
    case paymentDecided(UUID, Movement.Status)
    /// What was sent breaks a money rule (422: the request itself can never pass).
    case invalidRequest(RuleBreach)
    /// The state reached since breaks a money rule (409: it may pass after another change).
    case conflict(RuleBreach)
    /// An envelope for the same year, region and instrument exists (`id`: it, when it could be read).
    case envelopeExists(Envelope.Key, id: UUID?)
    /// Field problems: every one named.
    case invalid([FieldProblem])
    /// An event contradicts funding's state (parked, never applied).
    case refused(String)

    var description: String {
        switch self {
        case .notFound(let what): "\(what) does not exist or is not visible to you"
        case .forbidden(let detail): detail
        case .invalidState(let status, let action):
            "\(status == .active ? "an" : "a") \(status.rawValue) commitment can't \(action.rawValue.replacingOccurrences(of: "_", with: " "))"
                + (status.allowedActions.isEmpty ? "" : "; it allows \(status.allowedActions.map(\.rawValue).joined(separator: ", "))")
        case .paymentDecided(let id, let status): "payment \(id.lowercased) is already \(status.rawValue)"
        case .invalidRequest(let breach), .conflict(let breach): breach.detail
        case .envelopeExists(let key, _): "\(key) exists; adjust it instead"
        case .invalid(let problems): problems.map { "\($0.field) \($0.problem)" }.joined(separator: "; ")
        case .refused(let reason): reason
        }
    }
}
