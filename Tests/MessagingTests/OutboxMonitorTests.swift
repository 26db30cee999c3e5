import Events
import Foundation
import Messaging
import Storage
import Testing
import TestSupport

/// The outbox monitor measures on a connection of its own, so a relay that makes no progress
/// shows in readiness even when the relay (or its pool) is what is stuck.
@Suite("Outbox monitor")
struct OutboxMonitorTests {
    @Test func eventsWaitingLongerThanTheBoundMeanTheRelayIsStalled() async throws {
        try await withTestDatabase { client, schema in
            let configuration = try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: schema)
            let monitor = OutboxMonitor(configuration: configuration, service: schema, stallAfter: .seconds(1), logger: TestEnvironment.logger)
            await monitor.measure()
            #expect(monitor.lastMeasurement?.count == 0 && !monitor.isStalled)

            // An event committed, and no relay running to publish it.
            try await client.withTransaction(logger: TestEnvironment.logger) { connection in
                try await Outbox.append(testEvent(), on: connection, logger: TestEnvironment.logger)
            }
            await monitor.measure()
            let first = try #require(monitor.lastMeasurement)
            // Stalled exactly when the waiting event is older than the bound, however slow this machine is.
            #expect(first.count == 1 && monitor.isStalled == (first.age > 1))
            let stalled = await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                await monitor.measure()
                return monitor.isStalled
            }
            #expect(stalled, "\(String(describing: monitor.lastMeasurement))")

            // Published and marked: no longer stalled.
            try await client.query("UPDATE outbox SET dispatched_at = now()", logger: TestEnvironment.logger)
            await monitor.measure()
            #expect(monitor.lastMeasurement?.count == 0 && !monitor.isStalled)
        }
    }
}
