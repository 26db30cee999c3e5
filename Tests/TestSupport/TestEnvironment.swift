import AMQP
import Foundation
import Logging
import Messaging
import PostgresNIO
import Storage
import Synchronization

/// The PostgreSQL and RabbitMQ that `deploy/test.sh` started for this test run.
///
/// A test that needs them fails with ``MissingInfrastructure`` when they are not there:
/// it never skips silently.
public enum TestEnvironment {
    public struct MissingInfrastructure: Error, CustomStringConvertible {
        public let variable: String
        public var description: String {
            "\(variable) is not set: run the tests with deploy/test.sh, which starts PostgreSQL and RabbitMQ for them"
        }
    }

    public static func databaseURL() throws -> String {
        try variable("COE_TEST_DATABASE_URL")
    }

    public static func amqpURL() throws -> AMQPURL {
        try AMQPURL(try variable("COE_TEST_AMQP_URL"))
    }

    /// The folder of the built executables (`swift build --show-bin-path`).
    public static func binPath() throws -> String {
        try variable("COE_TEST_BIN_PATH")
    }

    public static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw MissingInfrastructure(variable: name)
        }
        return value
    }

    /// A name no other test uses: schemas, queue prefixes, exchanges.
    public static func uniqueName(_ prefix: String = "t") -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    public static let logger: Logger = {
        var logger = Logger(label: "coe.tests")
        let level = ProcessInfo.processInfo.environment["COE_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .warning
        return logger
    }()
}

/// A schema of its own in the test database, with the messaging tables and any extra SQL; dropped afterwards.
public func withTestDatabase<Result: Sendable>(
    schema: String = TestEnvironment.uniqueName("s"),
    migrations: [Migration] = [],
    statementTimeout: Duration? = nil,
    _ body: @Sendable (PostgresClient, String) async throws -> Result
) async throws -> Result {
    var configuration = try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: schema, maximumConnections: 30)
    if let statementTimeout { configuration.statementTimeout = statementTimeout }
    let migrator = try Migrator(schema: schema, migrations: try MessagingMigrations.load() + migrations)
    try await migrator.migrate(database: configuration, logger: TestEnvironment.logger)
    let client = configuration.makeClient(logger: TestEnvironment.logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        do {
            let result = try await body(client, schema)
            _ = try? await client.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: TestEnvironment.logger)
            return result
        } catch {
            _ = try? await client.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: TestEnvironment.logger)
            throw error
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
public func eventually(
    timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Counts rows: `try await count(client, "SELECT count(*) FROM received")`.
public func count(_ client: PostgresClient, _ query: PostgresQuery) async throws -> Int {
    let rows = try await client.query(query, logger: TestEnvironment.logger)
    for try await (value) in rows.decode(Int64.self) { return Int(value) }
    return 0
}

/// Stops and starts the test broker's RabbitMQ application (the node stays up), through deploy/local/rabbitmq.sh.
public enum TestBroker {
    public static func stop() async throws { try await runScript("COE_TEST_BROKER_SCRIPT", ["ctl", "stop_app"]) }
    public static func start() async throws { try await runScript("COE_TEST_BROKER_SCRIPT", ["ctl", "start_app"]) }
}

/// Runs one of the deploy/local scripts named by an environment variable and waits for it.
func runScript(_ variable: String, _ arguments: [String]) async throws {
    try await runBashScript(try TestEnvironment.variable(variable), arguments)
}

/// Runs a bash script with extra environment variables and waits for it, on a thread of its
/// own (posix_spawn + waitpid: Foundation's Process missed some exits here). A non-zero exit
/// throws, with the end of what the script printed.
public func runBashScript(_ script: String, _ arguments: [String], environment extra: [String: String] = [:]) async throws {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString).log").path
    let environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            let argv = (["/bin/bash", script] + arguments).map { strdup($0) } + [nil]
            defer {
                envp.forEach { free($0) }
                argv.forEach { free($0) }
            }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, argv, envp)
            guard spawned == 0 else {
                continuation.resume(throwing: ScriptFailure(message: "\(script): spawn failed (\(spawned))"))
                return
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            continuation.resume(returning: status)
        }
    }
    let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(atPath: log)
    guard status == 0 else {
        throw ScriptFailure(message: "\(script) \(arguments.joined(separator: " ")) exited with \(status):\n\(output.suffix(2000))")
    }
}

public struct ScriptFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Starts the connections, runs `body`, and shuts them down again, also when `body` throws.
public func withRunning<Result: Sendable>(
    _ connections: AMQPConnection..., body: () async throws -> Result
) async throws -> Result {
    for connection in connections { connection.start() }
    do {
        let result = try await body()
        for connection in connections { await connection.shutdown() }
        return result
    } catch {
        for connection in connections { await connection.shutdown() }
        throw error
    }
}

/// A value tests share with handlers running on other tasks.
public final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    public init(_ value: Value) { storage = Mutex(value) }
    public var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
    @discardableResult
    public func update<R: Sendable>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }
}

/// Stops and starts the test PostgreSQL (fast shutdown: sessions are cut), through deploy/local/postgres.sh.
public enum TestDatabaseServer {
    public static func stop() async throws { try await runScript("COE_TEST_POSTGRES_SCRIPT", ["stop"]) }
    public static func start() async throws { try await runScript("COE_TEST_POSTGRES_SCRIPT", ["start"]) }
    /// `pg_ctl restart -m fast`: every session cut, the server back at once.
    public static func restart() async throws { try await runScript("COE_TEST_POSTGRES_SCRIPT", ["restart"]) }
}
