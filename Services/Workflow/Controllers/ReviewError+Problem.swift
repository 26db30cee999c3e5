import Events
import ServiceRuntime

/// Workflow's one mapping from its domain errors to problem details.
extension ReviewError: ProblemConvertible {
    var problem: HTTPProblem {
        switch self {
        case .notFound(let id):
            return .notFound("A review case for proposal \(id.lowercased)")
        case .forbidden(let detail):
            return HTTPProblem(.forbidden, type: "forbidden", detail: detail)
        case .invalidStage(let stage, let act):
            return .invalidState(
                stage.rawValue, allowed: [],
                detail: "A case in \(stage.rawValue) can't be \(act); reviewers change during screening and technical assessment.")
        case .conflictOfInterest(let country, let involved):
            return .validation([FieldProblem(
                field: "country",
                problem: "conflict of interest: \(country) takes part in this proposal (\(involved.joined(separator: ", "))); choose a reviewer from elsewhere")])
        case .notAssigned(let reviewer):
            return .notFound("Reviewer \(reviewer) on this case")
        case .refused(let reason):
            return HTTPProblem(.conflict, type: "refused", detail: reason)
        }
    }
}
