import Foundation
import Logging
import PostgresNIO
import Storage
import Synchronization
import Testing
import TestSupport

/// The outside tester's finding, reproduced small: a pool of connections, a burst of queries,
/// fast restarts of the server. PostgresNIO 1.33 can strand a lease request in such a restart
/// (a wait that neither ends nor can be cancelled); ``Database`` must bound every call and get
/// the pool serving again, so every worker keeps making progress.
@Suite("Database restarts under load (FaultTests)", .serialized)
struct DatabaseRestartFaultTests {
    @Test func everyCallIsBoundedAndEveryWorkerProgressesAcrossFastRestarts() async throws {
        let configuration = try DatabaseConfiguration(
            url: try TestEnvironment.databaseURL(), schema: TestEnvironment.uniqueName("rs"), maximumConnections: 8)
        let logger = {
            var logger = TestEnvironment.logger
            logger.logLevel = .critical
            return logger
        }()
        let database = Database(
            configuration: configuration, callTimeout: .seconds(3), probeInterval: .seconds(1), probeTimeout: .seconds(2), logger: logger)
        let workers = 32
        let calls = Shared(0)
        let longest = Shared(Duration.zero)
        let lastSuccess = Shared([ContinuousClock.Instant](repeating: .now, count: workers))
        let stop = Shared(false)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            for worker in 0..<workers {
                group.addTask {
                    while !stop.value {
                        let started = ContinuousClock.now
                        do {
                            try await database.rows("SELECT pg_sleep(0.002)", logger: logger)
                            lastSuccess.update { $0[worker] = .now }
                        } catch {
                            try? await Task.sleep(for: .milliseconds(20))
                        }
                        let took = ContinuousClock.now - started
                        longest.update { $0 = max($0, took) }
                        calls.update { $0 += 1 }
                    }
                }
            }
            try await Task.sleep(for: .seconds(1))
            for _ in 0..<3 {
                try await TestDatabaseServer.restart()
                let restarted = ContinuousClock.now
                // Progress within a bound after each restart, for every worker: not only final counts.
                let recovered = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                    lastSuccess.value.allSatisfy { $0 > restarted }
                }
                #expect(recovered, "workers without a success since the restart: \(lastSuccess.value.filter { $0 <= restarted }.count)")
                try await Task.sleep(for: .milliseconds(500))
            }
            // A replaced pool (what the watchdog does to a wedged one) serves at once, and the old one's calls finish.
            database.replacePool()
            let replaced = ContinuousClock.now
            #expect(await eventually(timeout: .seconds(30), every: .milliseconds(100)) { lastSuccess.value.allSatisfy { $0 > replaced } })
            #expect(database.replacements >= 1)
            stop.value = true
            // Every worker stops within its call bound: nothing waits for ever.
            let stopped = ContinuousClock.now
            group.cancelAll()
            try await group.waitForAll()
            #expect(ContinuousClock.now - stopped < .seconds(10))
        }
        #expect(calls.value > workers * 10)
        // No call waited past its bound (3 s) by more than scheduling slack.
        #expect(longest.value < .seconds(6), "longest call: \(longest.value)")
    }
}
