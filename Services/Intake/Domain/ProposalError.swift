import Events
import Foundation

/// Why intake refuses a change to a proposal: the one error type of intake's domain.
///
/// Controllers map it to problem details (ProposalError+Problem.swift); event handlers park
/// the event that caused it, unapplied.
enum ProposalError: Error, Equatable, CustomStringConvertible {
    /// The proposal does not exist or the caller may not see it (404: ids can't be probed).
    case notFound(UUID)
    /// The caller sees it, but this act is not theirs.
    case forbidden(String)
    /// The state does not allow the action.
    case invalidState(ProposalStatus, ProposalAction)
    /// Fields are invalid or missing; every one is named.
    case invalid([FieldProblem], detail: String? = nil)
    /// `If-Match` names another version than the current one.
    case staleVersion(current: String, given: String)
    /// A decision that contradicts the proposal: for a revision never submitted or no longer
    /// under review, or approving more than was requested.
    case decisionRefused(String)

    var description: String {
        switch self {
        case .notFound(let id): "proposal \(id.lowercased) does not exist or is not visible"
        case .forbidden(let detail): detail
        case .invalidState(let status, let action):
            "\(status.withArticle) proposal can't be \(action.pastTense); it allows \(status.allowedActions.map(\.rawValue).joined(separator: ", "))"
        case .invalid(let problems, _): problems.map { "\($0.field) \($0.problem)" }.joined(separator: "; ")
        case .staleVersion(let current, let given): "If-Match \(given) is not the current version \(current)"
        case .decisionRefused(let reason): reason
        }
    }
}
