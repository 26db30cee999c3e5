import AMQP
import Foundation
import Testing
import TestSupport

@Suite("AMQP client over rabbitmq-c")
struct AMQPConnectionTests {
    func connection(_ name: String, topology: AMQPTopology = .init(), consume queue: String? = nil, prefetch: UInt16 = 500) throws -> AMQPConnection {
        AMQPConnection(
            configuration: .init(url: try TestEnvironment.amqpURL(), name: name, topology: topology, consumeQueue: queue, prefetch: prefetch),
            logger: TestEnvironment.logger)
    }

    @Test func publishesManyWithConfirmsAndConsumesEveryMessageInOrder() async throws {
        let queue = TestEnvironment.uniqueName("q")
        let topology = AMQPTopology(queues: [.quorum(queue)])
        let publisher = try connection("publisher", topology: topology)
        let consumer = try connection("consumer", topology: topology, consume: queue)
        let count = 5000
        let messages = (0..<count).map { index in
            AMQPMessage(
                exchange: "", routingKey: queue, body: Array("message \(index)".utf8),
                properties: AMQPProperties(messageID: "m-\(index)", type: "test", headers: ["index": .int(Int64(index)), "flag": .bool(true)]))
        }
        try await withRunning(publisher) {
            // One call, thousands in flight: returns once the broker confirmed them all.
            try await publisher.publish(messages)
            let state = try await publisher.inspect(queue: queue)
            #expect(state?.messages == UInt32(count))

            let received = try await withRunning(consumer) {
                var received: [Int] = []
                for await delivery in consumer.deliveries {
                    #expect(delivery.properties.persistent)
                    #expect(delivery.properties.type == "test")
                    #expect(delivery.properties.headers["flag"] == .bool(true))
                    received.append(Int(delivery.properties.headers["index"]?.intValue ?? -1))
                    consumer.ack(delivery)
                    if received.count == count { break }
                }
                return received
            }
            #expect(received == Array(0..<count))
            let drained = try await eventually(timeout: .seconds(30)) { try await publisher.inspect(queue: queue)?.messages == 0 }
            let left = try await publisher.inspect(queue: queue)
            #expect(drained, "left: \(String(describing: left))")
        }
    }

    @Test func unroutableMandatoryMessageFailsThePublish() async throws {
        let exchange = TestEnvironment.uniqueName("x")
        let publisher = try connection("publisher", topology: AMQPTopology(exchanges: [.init(name: exchange)]))
        try await withRunning(publisher) {
        let error = await #expect(throws: AMQPError.self) {
            try await publisher.publish([AMQPMessage(exchange: exchange, routingKey: "nobody.listens", body: [1])])
        }
        #expect(error?.code == .unroutable)
        // The connection stays usable.
        let queue = TestEnvironment.uniqueName("q")
        _ = try await publisher.inspect(queue: queue)  // a round trip on the same connection
        #expect(publisher.isConnected)
        }
    }

    @Test func publishToMissingExchangeFailsAndTheConnectionRecovers() async throws {
        let queue = TestEnvironment.uniqueName("q")
        let publisher = try connection("publisher", topology: AMQPTopology(queues: [.quorum(queue)]))
        try await withRunning(publisher) {
        #expect(await eventually { publisher.isConnected })

        await #expect(throws: AMQPError.self) {
            try await publisher.publish([AMQPMessage(exchange: TestEnvironment.uniqueName("missing"), routingKey: "k", body: [1])])
        }
        // The broker closed the channel (404); the client reconnects and publishing works again.
        let recovered = try await eventually(timeout: .seconds(60)) {
            do {
                try await publisher.publish([AMQPMessage(exchange: "", routingKey: queue, body: [2])])
                return true
            } catch {
                return false
            }
        }
        #expect(recovered)
        #expect(publisher.connectCount >= 2)
        }
    }

    @Test func urlParsingKeepsCredentialsAndDecodesTheVhost() throws {
        let url = try AMQPURL("amqp://coe:s%40cret@broker.local:5673/%2fcoe")
        #expect(url.host == "broker.local")
        #expect(url.port == 5673)
        #expect(url.user == "coe")
        #expect(url.password == "s@cret")
        #expect(url.vhost == "/coe")
        #expect(!url.description.contains("cret"))
        #expect(throws: AMQPError.self) { try AMQPURL("http://example") }
    }
}
