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
        var held: [AMQPDelivery] = []
        defer { for delivery in held { connection.reject(delivery, requeue: true) } }
        while held.count < limit, let delivery = try await connection.get(from: topology.deadLetterQueue) {
            held.append(delivery)
        }
        return held.map(Self.parked)
    }

    /// Moves parked messages back to the events queue with their retry count reset; all of them
    /// when `messageIDs` is nil. Returns how many moved. Each is confirmed before it leaves the DLQ;
    /// one that fails again and comes back while the replay runs is not replayed twice.
    @discardableResult
    public func replay(messageIDs: Set<String>? = nil) async throws -> Int {
        var skipped: [AMQPDelivery] = []
        defer { for delivery in skipped { connection.reject(delivery, requeue: true) } }
        var moved = 0
        var replayed = Set<String>()
        while let delivery = try await connection.get(from: topology.deadLetterQueue) {
            let id = delivery.properties.messageID ?? ""
            // A message replayed in this run that is parked again already: leave it, and stop.
            if replayed.contains(id) {
                skipped.append(delivery)
                break
            }
            if let messageIDs, !messageIDs.contains(id) {
                skipped.append(delivery)
                continue
            }
            var properties = delivery.properties
            properties.headers[FailureHeader.attempts] = nil
            properties.headers[FailureHeader.parkedAt] = nil
            properties.headers["x-coe-replayed-at"] = .string(Date().formatted(.iso8601))
            let message = AMQPMessage(
                exchange: topology.directExchange, routingKey: topology.eventsQueue, body: delivery.body, properties: properties, mandatory: true)
            do {
                try await connection.publish([message])
            } catch {
                skipped.append(delivery)
                throw error
            }
            connection.ack(delivery)
            replayed.insert(id)
            moved += 1
        }
        return moved
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
