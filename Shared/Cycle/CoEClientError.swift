/// What went wrong with a step a client took: which request, what the service answered, and
/// the problem details it gave, so a failing test or load says what to look at.
public struct CoEClientError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The service answered a status the step does not expect.
        case unexpectedStatus
        /// The service could not be reached, also after the retries.
        case unreachable
        /// The answer is not the JSON the step expects.
        case unreadableResponse
        /// What was awaited did not happen in time.
        case timedOut
        /// The caller's input is not something the services would take (a draft, a file, a setting).
        case invalidInput
    }

    public var code: Code
    /// `GET`, `POST`, …; nil when no request was made.
    public var method: String?
    /// The request's path and query, or what was awaited.
    public var path: String?
    public var status: Int?
    public var problem: Problem?
    /// The body when it was not problem details (cut to 2000 characters).
    public var body: String?
    /// A sentence a person can act on.
    public var detail: String

    public init(
        _ code: Code, method: String? = nil, path: String? = nil, status: Int? = nil, problem: Problem? = nil, body: String? = nil,
        detail: String
    ) {
        self.code = code
        self.method = method
        self.path = path
        self.status = status
        self.problem = problem
        self.body = body.map { $0.count > 2000 ? String($0.prefix(2000)) + "…" : $0 }
        self.detail = detail
    }

    /// The problem's name (`invalid-state`, `four-eyes`, …) when the service gave one.
    public var problemName: String? { problem?.name }

    public var description: String {
        var text = ""
        if let method, let path { text += "\(method) \(path): " } else if let path { text += "\(path): " }
        text += detail
        if let status { text += " [\(status)]" }
        if let problem {
            if let name = problem.name { text += " \(name)" }
            if let detail = problem.detail { text += ": \(detail)" }
            if let errors = problem.errors, !errors.isEmpty {
                text += " (" + errors.map { "\($0.field) \($0.problem)" }.joined(separator: "; ") + ")"
            }
            if let state = problem.state { text += " state \(state), allowed \(problem.allowedActions ?? [])" }
        } else if let body, !body.isEmpty {
            text += " body: \(body)"
        }
        return text
    }
}
