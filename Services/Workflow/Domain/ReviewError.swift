import Events
import Foundation

/// Why workflow refuses a change to a review case: the one error type of workflow's domain.
enum ReviewError: Error, Equatable, CustomStringConvertible {
    /// No case for the proposal, or not one the caller may see (404: ids can't be probed).
    case notFound(UUID)
    /// The caller sees the case, but this act is not theirs.
    case forbidden(String)
    /// The stage does not allow the action; the stage's allowed actions are named.
    case invalidState(ReviewStage, ReviewAction)
    /// A decision before the round has the assessments the rules require (`stage` is where the
    /// case is: `technical`, or `decision` when the required number was raised since it got there).
    case notEnoughAssessments(submitted: Int, required: Int, stage: ReviewStage = .technical)
    /// A reviewer from a country taking part in the proposal (`atAssessment`: found when assessing).
    case conflictOfInterest(country: String, involved: [String], atAssessment: Bool)
    /// The reviewer is not assigned to the case.
    case notAssigned(String)
    /// One assessment per reviewer per round: the reviewer already submitted theirs.
    case alreadyAssessed(reviewer: String, round: Int)
    /// An amendment by a reviewer who has not assessed the round.
    case nothingToAmend(reviewer: String, round: Int)
    /// A reviewer whose assessment stands can't be taken off the round.
    case assessmentStands(reviewer: String, round: Int)
    /// What was sent breaks the call's rules (checklist, rubric, budget, schedule): every problem named.
    case invalid([FieldProblem])
    /// An event contradicts the case (a submission of another proposal's case, …).
    case refused(String)

    var description: String {
        switch self {
        case .notFound(let id): "no review case for proposal \(id.lowercased) is visible"
        case .forbidden(let detail): detail
        case .invalidState(let stage, let action):
            "a case in \(stage.rawValue) can't \(action.rawValue); "
                + (stage.isFinal ? "nothing more happens to it" : "it allows \(stage.allowedActions.map(\.rawValue).joined(separator: ", "))")
        case .notEnoughAssessments(let submitted, let required, _):
            "the decision needs \(required) submitted assessments of the round; it has \(submitted)"
        case .conflictOfInterest(let country, let involved, _):
            "conflict of interest: \(country) takes part in this proposal (\(involved.joined(separator: ", ")))"
        case .notAssigned(let reviewer): "reviewer \(reviewer) is not assigned to this case"
        case .alreadyAssessed(let reviewer, let round):
            "reviewer \(reviewer) already assessed round \(round): one assessment per reviewer per round; amend it instead"
        case .nothingToAmend(let reviewer, let round): "reviewer \(reviewer) has no assessment of round \(round) to amend; submit one first"
        case .assessmentStands(let reviewer, let round):
            "reviewer \(reviewer) has assessed round \(round); an assessment stands, so its reviewer stays on the round"
        case .invalid(let problems): problems.map { "\($0.field) \($0.problem)" }.joined(separator: "; ")
        case .refused(let reason): reason
        }
    }
}
