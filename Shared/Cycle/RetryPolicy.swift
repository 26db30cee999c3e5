/// How often and how patiently a request is tried again when the service could not be reached
/// or answered 503 (its database away or slow, a request past its time).
///
/// Only a request that is safe to repeat is retried: a read, or a write that carries an
/// `Idempotency-Key` (the service answers a repeat with the first answer) or an `If-Match`
/// (a repeat of an edit that went through is refused as stale instead of applied twice).
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var attempts: Int
    /// The wait before the second attempt; doubled for each one after.
    public var initialDelay: Duration
    /// No wait is longer, a `Retry-After` included.
    public var maximumDelay: Duration

    public init(attempts: Int = 5, initialDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(5)) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// Four retries over about six seconds (0.2, 0.4, 0.8, 1.6 s, or what `Retry-After` asks, up to 5 s).
    public static let standard = RetryPolicy()
    /// One attempt: what a test that counts failures wants.
    public static let none = RetryPolicy(attempts: 1)

    /// The wait after failed attempt `attempt` (1-based): doubling from `initialDelay`, at least
    /// what the service asked for, at most `maximumDelay`; between half and all of it, so that
    /// many clients refused at once don't come back at once.
    func delay(after attempt: Int, retryAfter: Duration?) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(1, attempt) where delay < maximumDelay { delay = delay * 2 }
        if let retryAfter, retryAfter > delay { delay = retryAfter }
        delay = min(delay, maximumDelay)
        return delay * Double.random(in: 0.5...1.0)
    }
}

extension Duration {
    /// Whole milliseconds, for NIO's `TimeAmount` and for logs.
    public var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
