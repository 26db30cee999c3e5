import Foundation
import Logging
import PostgresNIO
import Storage
import Testing
import TestSupport

/// The pool watchdog, on its own: a pool that stops serving while the server answers is
/// replaced by itself; a pool that is merely busy is left alone.
@Suite("Database pool watchdog (a wedged pool: run with the fault tests, one at a time)")
struct DatabaseWatchdogFaultTests {
    static let logger: Logger = {
        var logger = TestEnvironment.logger
        logger.logLevel = .critical
        return logger
    }()

    /// A small pool, probed every 300 ms.
    static func database(connections: Int, callTimeout: Duration, probeTimeout: Duration) throws -> Database {
        let configuration = try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: "public", maximumConnections: connections)
        return Database(
            configuration: configuration, callTimeout: callTimeout, probeInterval: .milliseconds(300), probeTimeout: probeTimeout, logger: logger)
    }

    @Test func aPoolThatStopsServingIsReplacedAndCallsGoThroughAgain() async throws {
        // One connection, held for ever by a call that never returns: the pool can lease nothing,
        // while a fresh connection to the server works — what a lost lease looks like from outside.
        // The fresh connection gets 2 s: on two cores busy with the other suites it once took longer than 0.5 s.
        let database = try Self.database(connections: 1, callTimeout: .seconds(2), probeTimeout: .seconds(2))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            let wedged = database.client
            group.addTask {
                try? await wedged.withConnection { _ in try await Task.sleep(for: .seconds(3600)) }
            }
            try await Task.sleep(for: .milliseconds(200))
            await #expect(throws: DatabaseUnavailable.self) { try await database.rows("SELECT 1", logger: Self.logger) }
            let replaced = await eventually(timeout: .seconds(30), every: .milliseconds(100)) { database.replacements >= 1 }
            #expect(replaced, "last probe: \(database.lastProbe)")
            let rows = try await database.rows("SELECT 41 + 1", logger: Self.logger)
            #expect(try rows.first?.decode(Int.self) == 42)
            group.cancelAll()
        }
    }

    @Test func aBusyPoolThatStillServesIsNotReplaced() async throws {
        let database = try Self.database(connections: 2, callTimeout: .seconds(5), probeTimeout: .milliseconds(200))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            // Both connections busy most of the time, but calls keep completing: probes may time out, yet nothing is replaced.
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<20 { _ = try? await database.rows("SELECT pg_sleep(0.15)", logger: Self.logger) }
                }
            }
            try await Task.sleep(for: .seconds(4))
            #expect(database.replacements == 0)
            group.cancelAll()
        }
    }
}
