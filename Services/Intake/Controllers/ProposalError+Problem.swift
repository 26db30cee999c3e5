import Events
import ServiceRuntime

/// Intake's one mapping from its domain errors to problem details.
extension ProposalError: ProblemConvertible {
    var problem: HTTPProblem {
        switch self {
        case .notFound(let id):
            return .notFound("Proposal \(id.lowercased)")
        case .forbidden(let detail):
            return HTTPProblem(.forbidden, type: "forbidden", detail: detail)
        case .invalidState(let status, let action):
            return .invalidState(
                status.rawValue, allowed: status.allowedActions.map(\.rawValue), detail: "\(status.withArticle.prefix(1).uppercased())\(status.withArticle.dropFirst()) proposal can't be \(action.pastTense).")
        case .invalid(let problems, let detail):
            return .validation(problems, detail: detail)
        case .staleVersion(let current, let given):
            return HTTPProblem(
                .preconditionFailed, type: "stale-etag", title: "The proposal changed since you read it",
                detail: "Your If-Match is \(given); the proposal is now at \(current). Read it again and reapply your change.",
                headers: [.eTag: current])
        case .decisionRefused(let reason):
            return HTTPProblem(.conflict, type: "decision-refused", detail: reason)
        }
    }
}
