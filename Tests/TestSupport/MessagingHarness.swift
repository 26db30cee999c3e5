import AMQP
import Events
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceLifecycle
import Storage

/// A relay and a consumer of one test "service", with their two connections, running in a ServiceGroup.
public struct MessagingHarness: Sendable {
    public let topology: MessagingTopology
    public let publisher: AMQPConnection
    public let consumerConnection: AMQPConnection
    public let relay: OutboxRelay
    public let consumer: EventConsumer
    /// Bounded calls on the test's pool.
    public let database: Database

    public init(
        client: PostgresClient, schema: String, topology: MessagingTopology, handlers: [EventHandler],
        lanes: Int = 8, relayConfiguration: OutboxRelay.Configuration = .init(), senders: SenderPolicy? = nil
    ) throws {
        let url = try TestEnvironment.amqpURL()
        let logger = TestEnvironment.logger
        self.topology = topology
        self.publisher = AMQPConnection(
            configuration: .init(url: url, name: "\(topology.service).publisher", topology: topology.publisherTopology, heartbeatSeconds: 5),
            logger: logger)
        self.consumerConnection = AMQPConnection(
            configuration: .init(
                url: url, name: "\(topology.service).consumer", topology: topology.consumerTopology,
                consumeQueue: topology.eventsQueue, prefetch: 200, heartbeatSeconds: 5),
            logger: logger)
        let database = Database(
            wrapping: client, configuration: try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: schema), logger: logger)
        self.database = database
        self.relay = OutboxRelay(
            database: database, connection: publisher, topology: topology, schema: schema,
            configuration: relayConfiguration, logger: logger)
        self.consumer = EventConsumer(
            consumer: topology.service, connection: consumerConnection, database: database, topology: topology,
            handlers: handlers, senders: senders ?? .publishing(as: url.user), configuration: .init(lanes: lanes), logger: logger)
    }

    /// Runs everything while `body` runs, then shuts down gracefully.
    ///
    /// `body` starts once every connection is up. Until the consumer connection has declared
    /// the service's queue and bindings, the exchange routes its events to the unrouted queue,
    /// as it would for a service that was never deployed: a test that wrote to the outbox
    /// before that would lose its events to a race (on a slow machine, it did).
    public func run<Result: Sendable>(
        alongside additionalServices: [any Service] = [],
        connectTimeout: Duration = .seconds(60),
        _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        let group = ServiceGroup(
            configuration: .init(
                services: [publisher, consumerConnection] + additionalServices + [relay, consumer],
                gracefulShutdownSignals: [],
                logger: TestEnvironment.logger))
        let connections = [publisher, consumerConnection] + additionalServices.compactMap { $0 as? AMQPConnection }
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let connected = await eventually(timeout: connectTimeout, every: .milliseconds(20)) {
                    connections.allSatisfy(\.isConnected)
                }
                guard connected else {
                    let down = connections.filter { !$0.isConnected }.map(\.configuration.name)
                    throw HarnessError(message: "not connected to the broker after \(connectTimeout): \(down)")
                }
                let result = try await body()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension SenderPolicy {
    /// Every service publishing as one broker user: the test stack's, which the tests use for all of them.
    public static func publishing(as user: String) -> SenderPolicy {
        SenderPolicy(users: Dictionary(uniqueKeysWithValues: ServiceName.allCases.map { ($0, user) }))
    }
}

/// A test event: a proposal submission whose subject is the proposal.
public func testEvent(subject: UUID = UUID(), revision: Int = 1, source: String = "intake") -> EventEnvelope<ProposalSubmitted> {
    EventEnvelope(
        source: source, subject: subject.uuidString, actor: EventActor(sub: "tester", role: "focal_point"),
        data: ProposalSubmitted(
            proposalId: subject, reference: "CBRN-2026-0001", revision: revision, title: "Border detection equipment",
            region: "SEEE", leadCountry: "MD", participatingCountries: ["MD", "UA"], cbrnCategories: ["radiological", "nuclear"],
            requestedBudget: Money(cents: 125_000_000), durationMonths: 24))
}

/// Publishes an envelope straight to the exchange, as another service's relay would.
public func publishDirectly<P>(_ envelope: EventEnvelope<P>, to connection: AMQPConnection, exchange: String) async throws {
    try await connection.publish([
        AMQPMessage(
            exchange: exchange, routingKey: envelope.metadata.type, body: try EventCoding.encode(envelope),
            properties: AMQPProperties(
                messageID: envelope.metadata.id.lowercased, type: envelope.metadata.type,
                headers: ["x-coe-subject": .string(envelope.metadata.subject)]))
    ])
}

/// A connection that receives a copy of every event of a service process's isolation (its
/// `<isolation>.events` exchange) whose routing key matches `pattern`, on a queue of its own.
public func eventSpy(isolation: String, pattern: String) throws -> AMQPConnection {
    let exchange = "\(isolation).events"
    let queue = "\(isolation).spy"
    return AMQPConnection(
        configuration: .init(
            url: try TestEnvironment.amqpURL(), name: "spy",
            topology: MessagingTopology(exchange: exchange, service: isolation).publisherTopology
                + AMQPTopology(queues: [.quorum(queue)], bindings: [.init(queue: queue, exchange: exchange, routingKey: pattern)]),
            consumeQueue: queue),
        logger: TestEnvironment.logger)
}

/// What a service of an isolation parked in its dead-letter queue (each message's error),
/// read with `url`'s user once there are `count` (or, failing that, after 60 s).
public func parkedErrors(_ service: String, isolation: String, as url: AMQPURL, count: Int) async throws -> [String] {
    let tool = AMQPConnection(configuration: .init(url: url, name: "\(service).dlq-tool"), logger: TestEnvironment.logger)
    return try await withRunning(tool) {
        _ = await eventually { tool.isConnected }
        let dlq = DeadLetterQueue(connection: tool, topology: MessagingTopology(exchange: "\(isolation).events", service: "\(isolation).\(service)"))
        _ = await eventually { (try? await dlq.list().count) == count }
        return try await dlq.list().map(\.error)
    }
}
