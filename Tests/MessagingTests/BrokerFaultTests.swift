import AMQP
import Events
import Foundation
import Messaging
import Testing
import TestSupport

/// Stops the test broker in the middle of a run: `deploy/test.sh` runs these on their own, after the rest.
@Suite("Broker faults (FaultTests)", .serialized)
struct BrokerFaultTests {
    @Test func brokerStoppedAndStartedMidRunLosesNothingAndAppliesNothingTwice() async throws {
        try await withTestDatabase(migrations: [receivedTable]) { client, schema in
            let topology = MessagingTopology(
                exchange: TestEnvironment.uniqueName("ex"), service: TestEnvironment.uniqueName("svc"),
                consumes: [EventType.proposalSubmitted.rawValue], retryDelays: [.milliseconds(200), .milliseconds(400), .milliseconds(800)])
            let harness = try MessagingHarness(client: client, schema: schema, topology: topology, handlers: [recordingHandler()])
            let batches = 40
            let perBatch = 50
            try await harness.run {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // Writers keep committing while the broker is away: the outbox holds the events.
                        for _ in 0..<batches {
                            try await appendToOutbox(client, (0..<perBatch).map { _ in testEvent() })
                            try await Task.sleep(for: .milliseconds(75))
                        }
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(1))
                        try await TestBroker.stop()
                        try await Task.sleep(for: .seconds(2))
                        try await TestBroker.start()
                    }
                    try await group.waitForAll()
                }
                let total = batches * perBatch
                let arrived = try await eventually(timeout: .seconds(120)) {
                    try await count(client, "SELECT count(*) FROM received") >= total
                }
                #expect(arrived)
                try await Task.sleep(for: .seconds(1))  // let any late duplicate arrive, to be counted
                #expect(try await count(client, "SELECT count(*) FROM received") == total)
                #expect(try await count(client, "SELECT count(DISTINCT event_id) FROM received") == total)
                #expect(try await count(client, "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL") == 0)
                // Both connections really went down and came back.
                #expect(harness.publisher.connectCount >= 2)
                #expect(harness.consumerConnection.connectCount >= 2)
                #expect(try await harness.publisher.inspect(queue: topology.deadLetterQueue)?.messages == 0)
            }
        }
    }
}
