import AMQP
import Events
import Foundation
import Messaging
import Testing
import TestSupport

@Suite("Events nobody was bound for are kept and can be replayed")
struct UnroutedEventsTests {
    @Test func keptEventsReachTheServiceDeployedLaterOnReplay() async throws {
        try await withTestDatabase(migrations: [receivedTable]) { client, schema in
            let topology = MessagingTopology(
                exchange: TestEnvironment.uniqueName("ex"), service: TestEnvironment.uniqueName("svc"),
                consumes: [EventType.proposalSubmitted.rawValue])
            let events = (0..<5).map { _ in testEvent() }
            // Published before the consuming service ever declared its queue: kept, not lost.
            let early = AMQPConnection(
                configuration: .init(url: try TestEnvironment.amqpURL(), name: "early", topology: topology.publisherTopology),
                logger: TestEnvironment.logger)
            try await withRunning(early) {
                #expect(await eventually { early.isConnected })
                for event in events { try await publishDirectly(event, to: early, exchange: topology.exchange) }
                try await early.publish([
                    AMQPMessage(
                        exchange: topology.exchange, routingKey: EventType.reviewAssigned.rawValue, body: Array("{}".utf8),
                        properties: AMQPProperties(messageID: "nobody-consumes-this", type: EventType.reviewAssigned.rawValue))
                ])
                let kept = try await UnroutedEvents(connection: early, topology: topology).list()
                #expect(kept.count == 6)
                #expect(kept.first?.messageID == events.first?.metadata.id.uuidString.lowercased())
            }

            let harness = try MessagingHarness(client: client, schema: schema, topology: topology, handlers: [recordingHandler()])
            try await harness.run {
                let unrouted = UnroutedEvents(connection: harness.publisher, topology: topology)
                // The service is up, yet nothing arrives by itself.
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await count(client, "SELECT count(*) FROM received") == 0)

                #expect(try await unrouted.replay(types: [EventType.proposalSubmitted.rawValue]) == 5)
                #expect(try await eventually { try await count(client, "SELECT count(DISTINCT event_id) FROM received") == 5 })
                #expect(try await unrouted.list().map(\.messageID) == ["nobody-consumes-this"])

                // Replaying everything: the event still nobody's comes back and stays kept; the run ends.
                #expect(try await unrouted.replay() == 1)
                #expect(try await eventually { try await unrouted.list().map(\.messageID) == ["nobody-consumes-this"] })
                #expect(try await count(client, "SELECT count(*) FROM received") == 5)
            }
        }
    }
}
