import Events
import Foundation

/// Why workflow refuses a change to a review case: the one error type of workflow's domain.
enum ReviewError: Error, Equatable, CustomStringConvertible {
    /// No case for the proposal, or not one the caller may see (404: ids can't be probed).
    case notFound(UUID)
    /// The caller sees the case, but this act is not theirs.
    case forbidden(String)
    /// The stage does not allow the act.
    case invalidStage(ReviewStage, act: String)
    /// A reviewer from a country taking part in the proposal.
    case conflictOfInterest(country: String, involved: [String])
    /// The reviewer is not assigned to the case.
    case notAssigned(String)
    /// An event contradicts the case (a submission of another proposal's case, …).
    case refused(String)

    var description: String {
        switch self {
        case .notFound(let id): "no review case for proposal \(id.lowercased) is visible"
        case .forbidden(let detail): detail
        case .invalidStage(let stage, let act): "a case in \(stage.rawValue) can't be \(act)"
        case .conflictOfInterest(let country, let involved):
            "conflict of interest: \(country) takes part in this proposal (\(involved.joined(separator: ", ")))"
        case .notAssigned(let reviewer): "reviewer \(reviewer) is not assigned to this case"
        case .refused(let reason): reason
        }
    }
}
