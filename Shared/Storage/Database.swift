import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// A service's database: every call bounded, and a pool that stops serving replaced.
///
/// PostgresNIO's pool (1.33) can lose a lease request while connections die in a restart of
/// the server: the caller then waits for ever, and cancellation can't end the wait (notes:
/// postgresnio-restarts.md). So no caller here awaits the pool directly. Every call runs in a
/// task of its own and the caller waits for the first of: its result, ``callTimeout``, or its
/// own cancellation (a request's deadline, a shutdown). A call given up on is cancelled and
/// left to finish on its own; the answer is a ``DatabaseUnavailable`` error, which the
/// services treat as transient (503, a message retried in place).
///
/// As a ``Service`` it runs the pool and watches it: when the pool fails to lease and query
/// within ``probeTimeout`` twice in a row while a fresh connection to the same server works,
/// the pool is wedged — a new one takes over at once and the old one is shut down.
public final class Database: Service, Sendable {
    public let configuration: DatabaseConfiguration
    /// The bound of any one call: lease, queries and commit together.
    public let callTimeout: Duration
    public let probeInterval: Duration
    public let probeTimeout: Duration
    private let logger: Logger
    private let owned: Bool
    private let state: Mutex<State>

    private struct State {
        var client: PostgresClient
        var wedgedProbes = 0
        var replacements = 0
        var runs: [Task<Void, Never>] = []
        var lastProbe: Probe = .unknown
        /// When a call through the pool last succeeded: a pool that still serves is busy, not wedged.
        var lastSuccess = ContinuousClock.now
    }

    /// What the last probe of the pool found.
    public enum Probe: String, Sendable {
        case unknown, ok, unreachable, wedged
    }

    /// A database whose pools this object makes, runs and replaces.
    public init(
        configuration: DatabaseConfiguration, callTimeout: Duration = .seconds(20), probeInterval: Duration = .seconds(5),
        probeTimeout: Duration = .seconds(5), logger: Logger
    ) {
        self.configuration = configuration
        self.callTimeout = callTimeout
        self.probeInterval = probeInterval
        self.probeTimeout = probeTimeout
        var logger = logger
        logger[metadataKey: "component"] = "database"
        self.logger = logger
        self.owned = true
        self.state = Mutex(State(client: configuration.makeClient(logger: logger)))
    }

    /// Bounded calls on a pool someone else runs (tests, tools); never replaced.
    public init(wrapping client: PostgresClient, configuration: DatabaseConfiguration, callTimeout: Duration = .seconds(20), logger: Logger) {
        self.configuration = configuration
        self.callTimeout = callTimeout
        self.probeInterval = .seconds(5)
        self.probeTimeout = .seconds(5)
        self.logger = logger
        self.owned = false
        self.state = Mutex(State(client: client))
    }

    /// The pool in use now.
    public var client: PostgresClient { state.withLock { $0.client } }
    /// How often a wedged pool was replaced.
    public var replacements: Int { state.withLock { $0.replacements } }
    public var lastProbe: Probe { state.withLock { $0.lastProbe } }

    // MARK: Bounded calls

    public func withConnection<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        let client = self.client
        let result = try await bounded("connection") { try await client.withConnection(body) }
        state.withLock { $0.lastSuccess = .now }
        return result
    }

    public func withTransaction<Result: Sendable>(
        logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let client = self.client
        let result = try await bounded("transaction") {
            try await client.withTransaction(logger: logger) { connection -> Result in try await body(connection) }
        }
        state.withLock { $0.lastSuccess = .now }
        return result
    }

    /// Runs one statement and returns its rows, read to the end.
    @discardableResult
    public func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await withConnection { connection in
            var rows: [PostgresRow] = []
            for try await row in try await connection.query(query, logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// The first of: `operation`'s result, the call timeout, or the caller's cancellation.
    func bounded<Result: Sendable>(
        _ what: String, limit: Duration? = nil, _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await Self.bounded(what, limit: limit ?? callTimeout, operation)
    }

    /// The first of: `operation`'s result, `limit`, or the caller's cancellation. The operation
    /// runs in a task of its own, so a wait inside it that ignores cancellation delays no one.
    public static func bounded<Result: Sendable>(
        _ what: String, limit: Duration, _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try Task.checkCancellation()
        let outcome = Outcome<Result>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
                outcome.attach(continuation)
                let work = Task {
                    do { outcome.finish(.success(try await operation())) } catch { outcome.finish(.failure(error)) }
                }
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    if outcome.finish(.failure(DatabaseUnavailable(reason: "the database \(what) took longer than \(limit)"))) { work.cancel() }
                }
                outcome.onFinish { work.cancel(); timer.cancel() }
            }
        } onCancel: {
            outcome.finish(.failure(CancellationError()))
        }
    }

    // MARK: Running and watching the pool

    public func run() async throws {
        guard owned else { return }
        start(state.withLock { $0.client })
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.probeInterval)
                if Task.isCancelled { break }
                await self.probe()
            }
        }
        // The pools close once what runs on them has stopped (the group stops us last).
        let runs = state.withLock { state -> [Task<Void, Never>] in
            defer { state.runs = [] }
            return state.runs
        }
        for run in runs { run.cancel() }
        for run in runs { await run.value }
    }

    private func start(_ client: PostgresClient) {
        let run = Task { await client.run() }
        state.withLock { $0.runs.append(run) }
    }

    /// Leases and queries through the pool; when that fails, tells a wedged pool from a server that is away.
    func probe() async {
        let client = self.client
        let logger = self.logger
        let pool = await withinTimeout(probeTimeout) {
            try await client.withConnection { connection in _ = try await connection.query("SELECT 1", logger: logger) }
        }
        if pool {
            state.withLock { $0.lastProbe = .ok; $0.wedgedProbes = 0 }
            return
        }
        let configuration = self.configuration
        let direct = await withinTimeout(probeTimeout) {
            let connection = try await configuration.connect(logger: logger)
            do {
                try await connection.query("SELECT 1", logger: logger)
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        }
        guard direct else {
            state.withLock { $0.lastProbe = .unreachable; $0.wedgedProbes = 0 }
            logger.warning("database unreachable", metadata: ["db.schema": "\(configuration.schema)"])
            return
        }
        let probeTimeout = self.probeTimeout
        let confirmed = state.withLock { state -> Bool in
            // Calls that still complete mean a busy pool, not a wedged one: leave it be.
            guard ContinuousClock.now - state.lastSuccess > probeTimeout * 2 else { return false }
            state.lastProbe = .wedged
            state.wedgedProbes += 1
            return state.wedgedProbes >= 2
        }
        if confirmed { replacePool() }
    }

    /// A new pool takes over; the old one is shut down after a grace period for what it still serves.
    /// The watchdog does this on its own; it is public for tests and tools.
    public func replacePool() {
        let fresh = configuration.makeClient(logger: logger)
        let count = state.withLock { state -> Int in
            state.client = fresh
            state.wedgedProbes = 0
            state.replacements += 1
            return state.replacements
        }
        logger.error(
            "database pool stopped serving while the server answers; replaced it",
            metadata: ["db.schema": "\(configuration.schema)", "replacements": "\(count)"])
        start(fresh)
        let old = state.withLock { state -> Task<Void, Never>? in
            state.runs.count > 1 ? state.runs.removeFirst() : nil
        }
        if let old {
            Task {
                try? await Task.sleep(for: .seconds(10))
                old.cancel()
            }
        }
    }

    /// Whether `body` succeeded within `limit` (a wait that ignores cancellation is left behind, not awaited).
    private func withinTimeout(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async -> Bool {
        (try? await bounded("probe", limit: limit, body)) != nil
    }
}

/// The database did not answer in time or could not be reached: retry later.
public struct DatabaseUnavailable: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "DatabaseUnavailable: \(reason)" }
}

/// The one outcome of a bounded call: whoever finishes first wins, the rest are ignored.
private final class Outcome<Result: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result, any Error>?
        var early: Swift.Result<Result, any Error>?
        var done = false
        var onFinish: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func attach(_ continuation: CheckedContinuation<Result, any Error>) {
        let early = state.withLock { state -> Swift.Result<Result, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let run = state.withLock { state -> Bool in
            if state.done { return true }
            state.onFinish = action
            return false
        }
        if run { action() }
    }

    /// Returns true when this call decided the outcome.
    @discardableResult
    func finish(_ result: Swift.Result<Result, any Error>) -> Bool {
        let (continuation, action, decided) = state.withLock { state -> (CheckedContinuation<Result, any Error>?, (@Sendable () -> Void)?, Bool) in
            guard !state.done else { return (nil, nil, false) }
            state.done = true
            let continuation = state.continuation
            state.continuation = nil
            if continuation == nil { state.early = result }
            let action = state.onFinish
            state.onFinish = nil
            return (continuation, action, true)
        }
        continuation?.resume(with: result)
        action?()
        return decided
    }
}
