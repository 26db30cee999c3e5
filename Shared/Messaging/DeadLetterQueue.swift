import AMQP
import Foundation

/// A message parked in a service's DLQ, as `dlq list` shows it.
public struct ParkedMessage: Sendable, Codable, Equatable {
    public var messageID: String
    public var type: String
    public var routingKey: String
    public var error: String
    public var attempts: Int
    public var firstFailureAt: String?
    public var parkedAt: String?
    public var body: String
}

/// Inspects a service's dead-letter queue and moves parked messages back to its events queue.
public struct DeadLetterQueue: Sendable {
    let connection: AMQPConnection
    let topology: MessagingTopology

    /// - Parameter connection: a started connection (it needs no consumer).
    public init(connection: AMQPConnection, topology: MessagingTopology) {
        self.connection = connection
        self.topology = topology
    }

    /// The parked messages, oldest first, without removing them.
    public func list(limit: Int = 100) async throws -> [ParkedMessage] {
        try await QueueMover(connection: connection).peek(topology.deadLetterQueue, limit: limit).map(Self.parked)
    }

    /// Moves parked messages back to the events queue with their retry count reset; all of them
    /// when `messageIDs` is nil. Returns how many moved. Each is confirmed before it leaves the DLQ;
    /// one that fails again and comes back while the replay runs is not replayed twice.
    @discardableResult
    public func replay(messageIDs: Set<String>? = nil) async throws -> Int {
        try await QueueMover(connection: connection).move(from: topology.deadLetterQueue, selecting: messageIDs) { delivery in
            var properties = delivery.properties
            properties.headers[FailureHeader.attempts] = nil
            properties.headers[FailureHeader.parkedAt] = nil
            properties.headers["x-coe-replayed-at"] = .string(Date().formatted(.iso8601))
            return AMQPMessage(
                exchange: topology.directExchange, routingKey: topology.eventsQueue, body: delivery.body, properties: properties, mandatory: true)
        }
    }

    static func parked(_ delivery: AMQPDelivery) -> ParkedMessage {
        let headers = delivery.properties.headers
        return ParkedMessage(
            messageID: delivery.properties.messageID ?? "",
            type: delivery.properties.type ?? "",
            routingKey: headers[FailureHeader.originalRoutingKey]?.stringValue ?? delivery.routingKey,
            error: headers[FailureHeader.error]?.stringValue ?? "",
            attempts: Int(headers[FailureHeader.attempts]?.intValue ?? 0),
            firstFailureAt: headers[FailureHeader.firstFailureAt]?.stringValue,
            parkedAt: headers[FailureHeader.parkedAt]?.stringValue,
            body: String(decoding: delivery.body, as: UTF8.self))
    }
}

/// Events the exchange had no queue for (no service bound to their type yet), kept in
/// `coe.events.unrouted` by the exchange's alternate exchange.
///
/// Once the service that wants them is deployed, `replay` publishes them to the events
/// exchange again with their original routing key. Those still nobody's go back to the
/// unrouted queue; a message already replayed in this run that comes around again ends it.
public struct UnroutedEvents: Sendable {
    let connection: AMQPConnection
    let topology: MessagingTopology

    /// - Parameter connection: a started connection (it needs no consumer).
    public init(connection: AMQPConnection, topology: MessagingTopology) {
        self.connection = connection
        self.topology = topology
    }

    /// The kept events, oldest first, without removing them.
    public func list(limit: Int = 100) async throws -> [ParkedMessage] {
        try await QueueMover(connection: connection).peek(topology.unroutedQueue, limit: limit).map(DeadLetterQueue.parked)
    }

    /// Publishes kept events to the events exchange again (those of `types` only, when given).
    @discardableResult
    public func replay(types: Set<String>? = nil) async throws -> Int {
        try await QueueMover(connection: connection).move(from: topology.unroutedQueue, selecting: nil, where: { delivery in
            types.map { $0.contains(delivery.routingKey) } ?? true
        }) { delivery in
            var properties = delivery.properties
            properties.headers["x-coe-replayed-at"] = .string(Date().formatted(.iso8601))
            // The operator republishes under its own user_id; consumers trust this header from
            // operators only. It is kept only on a copy this operator made before (one that came
            // back still unrouted); otherwise it is the publisher's, and nothing it claimed counts.
            if delivery.properties.userID != connection.configuration.url.user {
                properties.headers[SenderPolicy.senderHeader] = .string(delivery.properties.userID ?? "")
            }
            // Not mandatory: an event still nobody's goes back to the unrouted queue, as it came.
            return AMQPMessage(exchange: topology.exchange, routingKey: delivery.routingKey, body: delivery.body, properties: properties, mandatory: false)
        }
    }
}

/// Takes messages off a queue one by one (`basic.get`) and moves or peeks at them.
struct QueueMover {
    let connection: AMQPConnection

    /// Up to `limit` messages, left in the queue.
    func peek(_ queue: String, limit: Int) async throws -> [AMQPDelivery] {
        var held: [AMQPDelivery] = []
        defer { for delivery in held { connection.reject(delivery, requeue: true) } }
        while held.count < limit, let delivery = try await connection.get(from: queue) {
            held.append(delivery)
        }
        return held
    }

    /// The header that marks the copies one run publishes, so that the run recognises them if they come back.
    static let runHeader = "x-coe-replay-run"

    /// Publishes `message(delivery)` for each selected message and acks the original once the
    /// copy is confirmed; the others go back to the queue. Stops when the queue is empty or a
    /// copy this run published comes back (parked again, or still unroutable): each copy carries
    /// the run's id in a header, so messages without ids or with duplicate ids can't loop or end
    /// the run early. Returns how many moved.
    func move(
        from queue: String, selecting messageIDs: Set<String>?,
        where include: (AMQPDelivery) -> Bool = { _ in true },
        _ message: (AMQPDelivery) -> AMQPMessage
    ) async throws -> Int {
        let run = UUID().uuidString
        var skipped: [AMQPDelivery] = []
        defer { for delivery in skipped { connection.reject(delivery, requeue: true) } }
        var moved = 0
        while let delivery = try await connection.get(from: queue) {
            if delivery.properties.headers[Self.runHeader]?.stringValue == run {
                skipped.append(delivery)
                break
            }
            // Ids compare without case: logs and older messages may show them upper-case.
            if let messageIDs, !messageIDs.contains((delivery.properties.messageID ?? "").lowercased()) {
                skipped.append(delivery)
                continue
            }
            guard include(delivery) else {
                skipped.append(delivery)
                continue
            }
            var copy = message(delivery)
            copy.properties.headers[Self.runHeader] = .string(run)
            do {
                try await connection.publish([copy])
            } catch {
                skipped.append(delivery)
                throw error
            }
            connection.ack(delivery)
            moved += 1
        }
        return moved
    }
}
