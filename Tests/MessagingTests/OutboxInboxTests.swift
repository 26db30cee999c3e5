import AMQP
import Events
import Foundation
import Messaging
import PostgresNIO
import ServiceLifecycle
import Storage
import Testing
import TestSupport

/// A table the test handler writes: one row per handled event, in arrival order.
let receivedTable = Migration(
    set: "test", version: 1, name: "received",
    sql: """
        CREATE TABLE received (
            arrival BIGSERIAL PRIMARY KEY,
            event_id UUID NOT NULL,
            subject TEXT NOT NULL,
            revision INT NOT NULL
        );
        """)

/// Records each event; fails while `failing` says so for its subject.
func recordingHandler(failing: (@Sendable (String) -> Bool)? = nil) -> EventHandler {
    EventHandler.on(ProposalSubmitted.self) { envelope, context in
        if let failing, failing(envelope.metadata.subject) {
            throw TestFailure(message: "refusing \(envelope.metadata.subject)")
        }
        try await context.connection.query(
            """
            INSERT INTO received (event_id, subject, revision)
            VALUES (\(envelope.metadata.id), \(envelope.metadata.subject), \(envelope.data.revision))
            """,
            logger: context.logger)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

func appendToOutbox(_ client: PostgresClient, _ envelopes: [EventEnvelope<ProposalSubmitted>]) async throws {
    try await client.withTransaction(logger: TestEnvironment.logger) { connection in
        for envelope in envelopes {
            try await Outbox.append(envelope, on: connection, logger: TestEnvironment.logger)
        }
    }
}

@Suite("Outbox, relay, inbox and dead-letter queue against real PostgreSQL and RabbitMQ")
struct OutboxInboxTests {
    func topology(retryDelays: [Duration] = [.milliseconds(200), .milliseconds(400), .milliseconds(600)]) -> MessagingTopology {
        MessagingTopology(
            exchange: TestEnvironment.uniqueName("ex"), service: TestEnvironment.uniqueName("svc"),
            consumes: [EventType.proposalSubmitted.rawValue], retryDelays: retryDelays)
    }

    @Test func everyOutboxEventIsDeliveredExactlyOnceAndInOrderPerSubject() async throws {
        try await withTestDatabase(migrations: [receivedTable]) { client, schema in
            let topology = topology()
            let harness = try MessagingHarness(client: client, schema: schema, topology: topology, handlers: [recordingHandler()])
            // A second relay replica on the same outbox: SKIP LOCKED must keep each subject in order.
            let secondPublisher = AMQPConnection(
                configuration: .init(url: try TestEnvironment.amqpURL(), name: "replica", topology: topology.publisherTopology),
                logger: TestEnvironment.logger)
            let secondRelay = OutboxRelay(
                database: harness.database, connection: secondPublisher, topology: topology, schema: schema,
                configuration: .init(batchSize: 100), logger: TestEnvironment.logger)

            let subjects = (0..<40).map { _ in UUID() }
            let revisions = 50
            try await harness.run(alongside: [secondPublisher, secondRelay]) {
                // Four writers at once, each owning some subjects and writing their revisions in order.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<4 {
                        let mine = subjects.enumerated().filter { $0.offset % 4 == writer }.map(\.element)
                        group.addTask {
                            for revision in 1...revisions {
                                try await appendToOutbox(client, mine.map { testEvent(subject: $0, revision: revision) })
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let total = subjects.count * revisions
                let arrived = try await eventually(timeout: .seconds(180)) {
                    try await count(client, "SELECT count(*) FROM received") >= total
                }
                #expect(arrived)
                try await Task.sleep(for: .milliseconds(300))  // a late duplicate would show up now
                #expect(try await count(client, "SELECT count(*) FROM received") == total)
                #expect(try await count(client, "SELECT count(DISTINCT event_id) FROM received") == total)
                #expect(try await count(client, "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL") == 0)
                // Per subject, revisions arrived in the order they were written.
                let outOfOrder = try await count(
                    client,
                    """
                    SELECT count(*) FROM (
                        SELECT revision, lag(revision) OVER (PARTITION BY subject ORDER BY arrival) AS previous FROM received
                    ) ordered WHERE previous IS NOT NULL AND revision <= previous
                    """)
                #expect(outOfOrder == 0)
            }
        }
    }

    @Test func sameMessageDeliveredTwiceChangesStateOnce() async throws {
        try await withTestDatabase(migrations: [receivedTable]) { client, schema in
            let topology = topology()
            let harness = try MessagingHarness(client: client, schema: schema, topology: topology, handlers: [recordingHandler()])
            try await harness.run {
                let event = testEvent()
                for _ in 0..<3 {
                    try await publishDirectly(event, to: harness.publisher, exchange: topology.exchange)
                }
                let other = testEvent()
                try await publishDirectly(other, to: harness.publisher, exchange: topology.exchange)
                // Different subjects go through different lanes: wait for both, then give the copies time to be skipped.
                #expect(try await eventually { try await count(client, "SELECT count(*) FROM received") == 2 })
                try await Task.sleep(for: .milliseconds(500))
                #expect(try await count(client, "SELECT count(*) FROM received WHERE event_id = \(other.metadata.id)") == 1)
                #expect(try await count(client, "SELECT count(*) FROM received WHERE event_id = \(event.metadata.id)") == 1)
                #expect(try await count(client, "SELECT count(*) FROM inbox WHERE message_id = \(event.metadata.id)") == 1)
                // Every copy was acknowledged: the queue is empty.
                #expect(try await eventually { try await harness.publisher.inspect(queue: topology.eventsQueue)?.messages == 0 })
                #expect(try await harness.publisher.inspect(queue: topology.deadLetterQueue)?.messages == 0)
            }
        }
    }

    @Test func failingHandlerIsRetriedWithDelaysThenParkedWhileOthersFlowAndReplayBringsItBack() async throws {
        try await withTestDatabase(migrations: [receivedTable]) { client, schema in
            let topology = topology()
            let poison = UUID().uuidString
            let refusing = Shared(true)
            let attempts = Shared(0)
            let handler = recordingHandler(failing: { subject in
                guard subject == poison else { return false }
                attempts.update { $0 += 1 }
                return refusing.value
            })
            let harness = try MessagingHarness(client: client, schema: schema, topology: topology, handlers: [handler])
            try await harness.run {
                let bad = testEvent(subject: UUID(uuidString: poison)!)
                try await appendToOutbox(client, [bad])
                let good = (0..<50).map { _ in testEvent() }
                try await appendToOutbox(client, good)

                // The good ones flow while the bad one waits in the delay queues.
                #expect(try await eventually(timeout: .seconds(60)) { try await count(client, "SELECT count(*) FROM received") == 50 })
                let dlq = DeadLetterQueue(connection: harness.publisher, topology: topology)
                let parked = try await eventually(timeout: .seconds(60)) { try await dlq.list().count == 1 }
                #expect(parked)
                #expect(attempts.value == 1 + topology.retryDelays.count)

                let listed = try await dlq.list()
                #expect(listed.count == 1)
                #expect(listed.first?.messageID == bad.metadata.id.uuidString.lowercased())
                #expect(listed.first?.attempts == 1 + topology.retryDelays.count)
                #expect(listed.first?.error.contains("refusing \(poison)") == true)
                #expect(listed.first?.routingKey == EventType.proposalSubmitted.rawValue)
                #expect(listed.first?.firstFailureAt != nil)
                // Listing does not consume.
                #expect(try await dlq.list().count == 1)

                refusing.value = false
                #expect(try await dlq.replay() == 1)
                #expect(try await eventually { try await count(client, "SELECT count(*) FROM received WHERE subject = \(poison)") == 1 })
                #expect(try await dlq.list().isEmpty)
                #expect(try await count(client, "SELECT count(*) FROM received") == 51)
            }
        }
    }

    @Test(arguments: [
        ("not json", "{ this is not json"),
        ("unknown version", #"{"id":"6f1c1a56-08a3-4a52-9d8f-6d3f10e1a001","type":"proposal.submitted","version":99,"occurredAt":"2026-11-25T10:00:00Z","source":"intake","subject":"p","correlationId":"6f1c1a56-08a3-4a52-9d8f-6d3f10e1a001","causationId":null,"actor":{"sub":"a","role":"focal_point"},"traceparent":null,"data":{}}"#),
        ("payload of the wrong shape", #"{"id":"6f1c1a56-08a3-4a52-9d8f-6d3f10e1a002","type":"proposal.submitted","version":1,"occurredAt":"2026-11-25T10:00:00Z","source":"intake","subject":"p","correlationId":"6f1c1a56-08a3-4a52-9d8f-6d3f10e1a002","causationId":null,"actor":{"sub":"a","role":"focal_point"},"traceparent":null,"data":{"title":42}}"#),
    ])
    func poisonMessageGoesToTheDeadLetterQueueAtOnce(kind: String, text: String) async throws {
        let body = Array(text.utf8)
        try await withTestDatabase(migrations: [receivedTable]) { client, schema in
            let topology = topology(retryDelays: [.seconds(600)])
            let harness = try MessagingHarness(client: client, schema: schema, topology: topology, handlers: [recordingHandler()])
            try await harness.run {
                try await harness.publisher.publish([
                    AMQPMessage(exchange: topology.exchange, routingKey: EventType.proposalSubmitted.rawValue, body: body,
                                properties: AMQPProperties(messageID: "poison-\(kind)", type: "proposal.submitted"))
                ])
                // Straight to the DLQ, without waiting out the 10-minute retry delay.
                let dlq = DeadLetterQueue(connection: harness.publisher, topology: topology)
                #expect(try await eventually(timeout: .seconds(60)) { try await dlq.list().count == 1 }, "\(kind)")
                let parked = try #require(try await dlq.list().first)
                #expect(parked.attempts == 1)
                #expect(!parked.error.isEmpty)
                #expect(parked.body == String(decoding: body, as: UTF8.self))
                #expect(try await harness.publisher.inspect(queue: topology.retryQueue(attempt: 1))?.messages == 0)
                #expect(try await count(client, "SELECT count(*) FROM received") == 0)
            }
        }
    }

    /// A forged retry counter (the largest Int64, as a number and as text) must not overflow:
    /// the message is parked with a sane count and the consumer goes on handling others.
    @Test func aForgedAttemptCounterIsParkedWithoutCrashingTheConsumer() async throws {
        try await withTestDatabase(migrations: [receivedTable]) { client, schema in
            let topology = topology(retryDelays: [.seconds(600)])
            let harness = try MessagingHarness(client: client, schema: schema, topology: topology, handlers: [recordingHandler()])
            try await harness.run {
                for (index, counter) in [AMQPFieldValue.int(Int64.max), .string("9223372036854775807")].enumerated() {
                    try await harness.publisher.publish([
                        AMQPMessage(exchange: topology.exchange, routingKey: EventType.proposalSubmitted.rawValue, body: Array("{ not json".utf8),
                                    properties: AMQPProperties(messageID: "forged-\(index)", type: "proposal.submitted",
                                                               headers: [FailureHeader.attempts: counter]))
                    ])
                }
                let dlq = DeadLetterQueue(connection: harness.publisher, topology: topology)
                #expect(try await eventually(timeout: .seconds(60)) { try await dlq.list().count == 2 })
                #expect(try await dlq.list().allSatisfy { (1...2).contains($0.attempts) })
                // Still consuming.
                try await publishDirectly(testEvent(), to: harness.publisher, exchange: topology.exchange)
                #expect(try await eventually { try await count(client, "SELECT count(*) FROM received") == 1 })
            }
        }
    }
}
