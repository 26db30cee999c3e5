import AMQP
import Events
import Foundation
import Messaging
import Testing
import TestSupport

/// Stops the test database in the middle of a run: `deploy/test.sh` runs these on their own, after the rest.
@Suite("Database faults (FaultTests)", .serialized)
struct DatabaseFaultTests {
    @Test func databaseAwayMidRunParksNothingAndAppliesEveryEventOnce() async throws {
        try await withTestDatabase(migrations: [receivedTable]) { client, schema in
            let topology = MessagingTopology(
                exchange: TestEnvironment.uniqueName("ex"), service: TestEnvironment.uniqueName("svc"),
                consumes: [EventType.proposalSubmitted.rawValue], retryDelays: [.milliseconds(100), .milliseconds(100)])
            let harness = try MessagingHarness(client: client, schema: schema, topology: topology, handlers: [recordingHandler()])
            try await harness.run {
                let before = (0..<100).map { _ in testEvent() }
                for event in before { try await publishDirectly(event, to: harness.publisher, exchange: topology.exchange) }
                #expect(try await eventually { try await count(client, "SELECT count(*) FROM received") == 100 })

                try await TestDatabaseServer.stop()
                // Events keep arriving while the database is away; the consumer must neither ack nor park them.
                let during = (0..<200).map { _ in testEvent() }
                for event in during { try await publishDirectly(event, to: harness.publisher, exchange: topology.exchange) }
                try await Task.sleep(for: .seconds(3))
                #expect(try await harness.publisher.inspect(queue: topology.deadLetterQueue)?.messages == 0)
                try await TestDatabaseServer.start()

                let caughtUp = try await eventually(timeout: .seconds(60)) {
                    (try? await count(client, "SELECT count(*) FROM received")) == 300
                }
                #expect(caughtUp)
                try await Task.sleep(for: .milliseconds(500))
                #expect(try await count(client, "SELECT count(*) FROM received") == 300)
                #expect(try await count(client, "SELECT count(DISTINCT event_id) FROM received") == 300)
                #expect(try await harness.publisher.inspect(queue: topology.deadLetterQueue)?.messages == 0)
            }
        }
    }
}
