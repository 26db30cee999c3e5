import Hummingbird

/// Answers 503 (problem type `timeout`) when a request runs past its deadline.
///
/// The handler runs in a child task next to a timer; when the timer wins, the handler is
/// cancelled and the client gets the 503 as soon as the handler has unwound (database
/// work is also bounded by PostgreSQL's `statement_timeout`). A change the handler
/// committed just before the deadline stays committed: clients retry with the
/// `Idempotency-Key` the API takes on creating writes.
public struct RequestDeadlineMiddleware<Context: RequestContext & Sendable>: RouterMiddleware {
    public let limit: Duration

    public init(limit: Duration) {
        self.limit = limit
    }

    struct DeadlinePassed: Error {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // `next` is called exactly once, from one child task, while this task only waits for
        // it, and the task group ends before this function returns: it neither escapes nor is
        // used concurrently, although its type can't say so.
        let limit = self.limit
        do {
            return try await withoutActuallyEscaping(next) { next in
                nonisolated(unsafe) let next = next
                return try await withThrowingTaskGroup(of: Response.self) { group in
                    group.addTask { try await next(request, context) }
                    group.addTask {
                        try await Task.sleep(for: limit)
                        throw DeadlinePassed()
                    }
                    defer { group.cancelAll() }
                    guard let first = try await group.next() else { throw DeadlinePassed() }
                    return first
                }
            }
        } catch is DeadlinePassed {
            context.logger.warning("request deadline passed", metadata: ["deadline": "\(limit)"])
            throw HTTPProblem(
                .serviceUnavailable, type: "timeout", title: "The request took too long",
                detail: "The service did not finish within \(limit); nothing is guaranteed about its effect. Retry later, with the same Idempotency-Key where the operation takes one.",
                headers: [.retryAfter: "1"])
        }
    }
}
