import Events
import ServiceRuntime

/// Notifications' one mapping from its domain errors to problem details.
extension NotificationError: ProblemConvertible {
    var problem: HTTPProblem {
        switch self {
        case .notFound(let what):
            return .notFound(what)
        case .forbidden(let detail):
            return HTTPProblem(.forbidden, type: "forbidden", detail: detail)
        case .invalid(let problems):
            return .validation(problems)
        case .invalidState(let state, let allowed, let detail):
            return .invalidState(state, allowed: allowed, detail: detail)
        case .notInDirectory:
            return HTTPProblem(.notFound, type: "not-in-directory", title: "Not in the recipients directory", detail: description.prefix(1).uppercased() + description.dropFirst() + ".")
        case .recipientExists(let sub, let id):
            return HTTPProblem(
                .conflict, type: "recipient-exists", title: "The recipient exists",
                detail: "A recipient with sub '\(sub)' exists already; its id is \(id.lowercased). Change it with PATCH.")
        }
    }
}
