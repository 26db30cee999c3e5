import Events
import ServiceRuntime

/// Workflow's one mapping from its domain errors to problem details.
extension ReviewError: ProblemConvertible {
    /// The description as a sentence.
    private var sentence: String { description.prefix(1).uppercased() + description.dropFirst() + "." }

    var problem: HTTPProblem {
        switch self {
        case .notFound(let id):
            return .notFound("A review case for proposal \(id.lowercased)")
        case .forbidden(let detail):
            return HTTPProblem(.forbidden, type: "forbidden", detail: detail)
        case .invalidState(let stage, _):
            return .invalidState(stage.rawValue, allowed: stage.allowedActions.map(\.rawValue), detail: sentence)
        case .notEnoughAssessments(_, _, let stage):
            return .invalidState(
                stage.rawValue, allowed: stage.allowedActions.map(\.rawValue), detail: sentence, type: "not-enough-assessments",
                title: "Not enough assessments")
        case .conflictOfInterest(let country, let involved, let atAssessment):
            let detail = "conflict of interest: \(country) takes part in this proposal (\(involved.joined(separator: ", ")))"
            guard atAssessment else {
                return .validation([FieldProblem(field: "country", problem: "\(detail); choose a reviewer from elsewhere")])
            }
            return HTTPProblem(.conflict, type: "conflict-of-interest", detail: "You can't assess this proposal: \(detail). Ask the secretariat to unassign you.")
        case .notAssigned(let reviewer):
            return .notFound("Reviewer \(reviewer) on this case")
        case .alreadyAssessed, .nothingToAmend, .assessmentStands:
            return HTTPProblem(.conflict, type: "assessment-rule", detail: sentence)
        case .invalid(let problems):
            return .validation(problems)
        case .refused(let reason):
            return HTTPProblem(.conflict, type: "refused", detail: reason)
        }
    }
}
