import AMQP
import Crypto
import Events
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Storage
import Synchronization
import Tracing

/// The headers a failed message carries through the retry queues and into the DLQ.
public enum FailureHeader {
    public static let attempts = "x-coe-attempts"
    public static let error = "x-coe-error"
    public static let firstFailureAt = "x-coe-first-failure-at"
    public static let parkedAt = "x-coe-parked-at"
    public static let originalRoutingKey = "x-coe-original-routing-key"
    public static let consumer = "x-coe-consumer"
}

/// Consumes a service's queue: each event is handled once, in one transaction, then acked.
///
/// For every delivery: decode the envelope (a body that isn't one goes to the DLQ at
/// once), then in one transaction record `(consumer, message id)` in the inbox and run
/// the handler. A message already in the inbox is a redelivery: acked and skipped.
/// The ack goes out only after the commit. A handler that throws is retried through the
/// delay queues, then parked in the DLQ with headers that say why; while the database
/// is unreachable the message is neither acked nor retried but waits, in place, for it
/// to come back. Deliveries are spread over lanes by subject, so the events of one
/// subject are handled in order while other subjects proceed in parallel.
public final class EventConsumer: Service, Sendable {
    public struct Configuration: Sendable {
        /// How many subjects are handled at once.
        public var lanes: Int
        public var transientRetryDelay: ClosedRange<Duration>

        public init(lanes: Int = 8, transientRetryDelay: ClosedRange<Duration> = .milliseconds(100) ... .seconds(5)) {
            self.lanes = max(1, lanes)
            self.transientRetryDelay = transientRetryDelay
        }
    }

    private let consumer: String
    private let connection: AMQPConnection
    private let database: Database
    private let topology: MessagingTopology
    private let handlers: [String: EventHandler]
    private let configuration: Configuration
    private let senders: SenderPolicy
    /// This service's broker user: what its own copies (retries, parking, DLQ replays) carry.
    private let ownUser: String
    private let logger: Logger
    private let ready: @Sendable () async throws -> Void
    private let stopping = Atomic<Bool>(false)
    /// Deliveries being handled now, and when the last one finished (uptime nanoseconds): a
    /// consumer with work in hand and no finish for long is stalled (readiness says so).
    private let inFlight = Atomic<Int>(0)
    private let lastFinished = Atomic<UInt64>(DispatchTime.now().uptimeNanoseconds)

    /// - Parameters:
    ///   - consumer: the inbox name of this consumer (the service name).
    ///   - connection: a connection consuming ``MessagingTopology/eventsQueue``.
    ///   - senders: who may have sent which event; anything else is parked unapplied.
    ///   - ready: awaited before the first delivery is handled (e.g. until migrations ran).
    public init(
        consumer: String, connection: AMQPConnection, database: Database, topology: MessagingTopology,
        handlers: [EventHandler], senders: SenderPolicy, configuration: Configuration = .init(), logger: Logger,
        ready: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.consumer = consumer
        self.connection = connection
        self.database = database
        self.topology = topology
        self.handlers = Dictionary(handlers.map { ("\($0.eventType)/v\($0.version)", $0) }) { first, _ in first }
        self.configuration = configuration
        self.senders = senders
        self.ownUser = connection.configuration.url.user
        var logger = logger
        logger[metadataKey: "component"] = "event-consumer"
        self.logger = logger
        self.ready = ready
        // Every series exists from the start at 0, so a rate or increase sees the first failure too.
        for type in Set(handlers.map(\.eventType)) {
            let dimensions = [("service", topology.service), ("type", type)]
            for outcome in ["handled", "duplicate"] {
                _ = Counter(label: "coe_messages_consumed_total", dimensions: dimensions + [("outcome", outcome)])
            }
            for label in ["coe_messages_retried_total", "coe_messages_dead_lettered_total", "coe_messages_refused_total"] {
                _ = Counter(label: label, dimensions: dimensions)
            }
        }
    }

    public func run() async throws {
        try await ready()
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                var lanes: [AsyncStream<AMQPDelivery>.Continuation] = []
                for _ in 0..<configuration.lanes {
                    let (stream, continuation) = AsyncStream.makeStream(of: AMQPDelivery.self)
                    lanes.append(continuation)
                    group.addTask {
                        for await delivery in stream { await self.process(delivery) }
                    }
                }
                for await delivery in connection.deliveries.cancelOnGracefulShutdown() {
                    lanes[lane(for: delivery)].yield(delivery)
                }
                // Deliveries already handed to a lane finish; the rest are requeued by the broker.
                for lane in lanes { lane.finish() }
                await group.waitForAll()
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .releasing)
            self.connection.requestStopConsuming()
        }
    }

    /// Whether deliveries are in hand but none has finished for `bound`.
    public func isStalled(after bound: Duration) -> Bool {
        guard inFlight.load(ordering: .relaxed) > 0 else { return false }
        let idle = DispatchTime.now().uptimeNanoseconds &- lastFinished.load(ordering: .relaxed)
        return Int64(idle) > bound.nanoseconds
    }

    private func lane(for delivery: AMQPDelivery) -> Int {
        let key = delivery.properties.headers["x-coe-subject"]?.stringValue ?? delivery.properties.messageID ?? ""
        var hash: UInt64 = 14_695_981_039_346_656_037  // FNV-1a: stable, unlike hashValue
        for byte in key.utf8 {
            hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211
        }
        return Int(hash % UInt64(configuration.lanes))
    }

    // MARK: One delivery

    func process(_ delivery: AMQPDelivery) async {
        inFlight.add(1, ordering: .relaxed)
        defer {
            lastFinished.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            inFlight.subtract(1, ordering: .relaxed)
        }
        // Who sent it, once: a park or retry below records the same sender for its copy.
        let sender: String?
        do {
            sender = try await self.sender(of: delivery)
        } catch {
            // The record of a relayed copy could not be read (the database is away): try again later.
            logger.warning("sender not verified yet; the message waits", metadata: ["error": "\(String(reflecting: error))"])
            try? await Task.sleep(for: .seconds(1))
            connection.reject(delivery, requeue: true)
            return
        }
        let metadata: EventMetadata
        do {
            metadata = try EventCoding.decoder().decode(EventMetadata.self, from: Data(delivery.body))
        } catch {
            await park(delivery, sender: sender, type: delivery.properties.type ?? "unknown", reason: "not an event envelope: \(DecodingErrorDescription(error))")
            return
        }
        // The handler continues the producer's trace (the envelope's own context; the AMQP
        // header for a producer that only set that), and so do the events it causes.
        let parent = Trace.context(continuing: metadata.traceparent, delivery.properties.headers[Trace.traceparentHeader]?.stringValue)
        await withSpan("\(consumer) handles \(metadata.type)", context: parent, ofKind: .consumer) { _ in
            await self.handle(delivery, metadata: metadata, sender: sender)
        }
    }

    private func handle(_ delivery: AMQPDelivery, metadata: EventMetadata, sender: String?) async {
        var logger = self.logger
        logger[metadataKey: "event.id"] = "\(metadata.id.lowercased)"
        logger[metadataKey: "event.type"] = "\(metadata.type)"
        if let refusal = senders.refusal(type: metadata.type, source: metadata.source, sender: sender) {
            Counter(label: "coe_messages_refused_total", dimensions: [("service", topology.service), ("type", metadata.type)]).increment()
            await park(delivery, sender: sender, type: metadata.type, reason: "refused: \(refusal)")
            return
        }
        guard let handler = handlers["\(metadata.type)/v\(metadata.version)"] else {
            await park(delivery, sender: sender, type: metadata.type, reason: "\(consumer) has no handler for \(metadata.type) version \(metadata.version)")
            return
        }
        let dimensions = [("service", topology.service), ("type", metadata.type)]
        let started = ContinuousClock.now
        var transientDelay = configuration.transientRetryDelay.lowerBound
        while true {
            do {
                let handled = try await handleOnce(delivery, metadata: metadata, handler: handler, logger: logger)
                connection.ack(delivery)
                Timer(label: "coe_handler_duration_seconds", dimensions: dimensions)
                    .recordNanoseconds((ContinuousClock.now - started).nanoseconds)
                Counter(label: "coe_messages_consumed_total", dimensions: dimensions + [("outcome", handled ? "handled" : "duplicate")])
                    .increment()
                if handled {
                    // One line per event, with its trace: how an operator follows a proposal across the services.
                    logger.info("event handled", metadata: ["event.subject": "\(metadata.subject)", "event.source": "\(metadata.source)"])
                } else {
                    logger.debug("duplicate delivery skipped")
                }
                return
            } catch {
                // A shutdown's cancellation is no failure of the handler: leave the message unacked
                // (the broker redelivers it), never count it as an attempt or park it.
                if stopping.load(ordering: .acquiring) || Task.isCancelled || error is CancellationError { return }
                let cause = DatabaseFailure.underlying(error)
                if let messaging = cause as? MessagingError, messaging.isPoison {
                    await park(delivery, sender: sender, type: metadata.type, reason: messaging.description)
                    return
                }
                if DatabaseFailure.isTransient(error) {
                    // The database is away: keep the message unacked and try again in place.
                    if stopping.load(ordering: .acquiring) { return }
                    logger.warning(
                        "database unavailable, handler waits", metadata: ["error": "\(String(reflecting: cause))", "retry.in": "\(transientDelay)"])
                    try? await Task.sleep(for: transientDelay)
                    transientDelay = min(transientDelay * 2, configuration.transientRetryDelay.upperBound)
                    continue
                }
                await retryOrPark(delivery, sender: sender, metadata: metadata, error: cause, logger: logger)
                return
            }
        }
    }

    /// Runs the handler in one transaction that first records the message in the inbox.
    /// Returns false when the inbox already had it (a redelivery).
    private func handleOnce(_ delivery: AMQPDelivery, metadata: EventMetadata, handler: EventHandler, logger: Logger) async throws -> Bool {
        let consumer = self.consumer
        return try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO inbox (consumer, message_id, event_type) VALUES (\(consumer), \(metadata.id), \(metadata.type))
                ON CONFLICT DO NOTHING RETURNING 1
                """,
                logger: logger)
            var inserted = false
            for try await _ in rows { inserted = true }
            guard inserted else { return false }
            try await handler.body(delivery.body, EventContext(connection: connection, metadata: metadata, logger: logger))
            return true
        }
    }

    // MARK: Failures

    private func retryOrPark(_ delivery: AMQPDelivery, sender: String?, metadata: EventMetadata, error: any Error, logger: Logger) async {
        let attempts = previousAttempts(delivery) + 1
        let reason = String(reflecting: error)
        guard attempts <= topology.retryDelays.count else {
            await park(delivery, sender: sender, type: metadata.type, reason: reason, attempts: attempts)
            return
        }
        let queue = topology.retryQueue(attempt: attempts)
        logger.warning(
            "handler failed, retrying later",
            metadata: ["error": "\(reason)", "attempt": "\(attempts)", "amqp.queue": "\(queue)"])
        Counter(label: "coe_messages_retried_total", dimensions: [("service", topology.service), ("type", metadata.type)]).increment()
        await move(delivery, sender: sender, to: queue, headers: failureHeaders(delivery, reason: reason, attempts: attempts))
    }

    /// How often the handler failed before: the count the service's own retries carry, never
    /// believed from anyone else and clamped to the retries there are (a forged
    /// `x-coe-attempts: 9223372036854775807` must not overflow into a crash on every redelivery).
    private func previousAttempts(_ delivery: AMQPDelivery) -> Int {
        guard delivery.properties.userID == ownUser, let counted = delivery.properties.headers[FailureHeader.attempts]?.intValue else { return 0 }
        return Int(min(max(counted, 0), Int64(topology.retryDelays.count)))
    }

    private func park(_ delivery: AMQPDelivery, sender: String?, type: String, reason: String, attempts: Int? = nil) async {
        let attempts = attempts ?? previousAttempts(delivery) + 1
        logger.error(
            "message parked in the dead-letter queue",
            metadata: ["error": "\(reason)", "attempts": "\(attempts)", "amqp.queue": "\(topology.deadLetterQueue)", "event.type": "\(type)"])
        Counter(label: "coe_messages_dead_lettered_total", dimensions: [("service", topology.service), ("type", type)]).increment()
        var headers = failureHeaders(delivery, reason: reason, attempts: attempts)
        headers[FailureHeader.parkedAt] = .string(Date().formatted(.iso8601))
        await move(delivery, sender: sender, to: topology.deadLetterQueue, headers: headers)
    }

    /// The broker user that originally published the delivery. A copy under this service's own
    /// user carries its original sender only if this service recorded it when it made the copy
    /// (``relayed_messages``): anyone holding the service's broker credentials could publish
    /// into its queue through its direct exchange with any header. Operators' copies keep
    /// theirs in the header (``SenderPolicy``).
    private func sender(of delivery: AMQPDelivery) async throws -> String? {
        let userID = delivery.properties.userID
        let header = delivery.properties.headers[SenderPolicy.senderHeader]?.stringValue
        if userID == ownUser, header != nil, let recorded = try await recordedSender(of: delivery.body) {
            return recorded.isEmpty ? nil : recorded
        }
        return senders.sender(userID: userID, header: header)
    }

    private func recordedSender(of body: [UInt8]) async throws -> String? {
        let hash = Self.hash(body)
        let rows = try await database.rows("SELECT sender FROM relayed_messages WHERE body_sha256 = \(hash)", logger: logger)
        return try rows.first?.decode(String.self)
    }

    /// Records who sent what this service is about to publish again under its own user.
    private func recordSender(_ sender: String?, of body: [UInt8]) async throws {
        let hash = Self.hash(body)
        try await database.rows(
            "INSERT INTO relayed_messages (body_sha256, sender) VALUES (\(hash), \(sender ?? "")) ON CONFLICT (body_sha256) DO NOTHING",
            logger: logger)
    }

    static func hash(_ body: [UInt8]) -> String {
        SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
    }

    private func failureHeaders(_ delivery: AMQPDelivery, reason: String, attempts: Int) -> [String: AMQPFieldValue] {
        var headers = delivery.properties.headers
        headers[SenderPolicy.senderHeader] = nil
        headers[FailureHeader.attempts] = .int(Int64(attempts))
        headers[FailureHeader.error] = .string(String(reason.prefix(2000)))
        headers[FailureHeader.consumer] = .string(consumer)
        if headers[FailureHeader.firstFailureAt] == nil {
            headers[FailureHeader.firstFailureAt] = .string(Date().formatted(.iso8601))
        }
        if headers[FailureHeader.originalRoutingKey] == nil {
            headers[FailureHeader.originalRoutingKey] = .string(delivery.routingKey)
        }
        return headers
    }

    /// Publishes a copy to `queue` (confirmed), then acks the original: a crash in between
    /// leaves a duplicate, never a loss, and the inbox absorbs the duplicate.
    private func move(_ delivery: AMQPDelivery, sender: String?, to queue: String, headers: [String: AMQPFieldValue]) async {
        var properties = delivery.properties
        properties.headers = headers
        properties.persistent = true
        do {
            // The copy goes out under this service's user: its original sender is recorded first,
            // and named in the header for people reading the DLQ (the header itself is not believed).
            try await recordSender(sender, of: delivery.body)
            properties.headers[SenderPolicy.senderHeader] = .string(sender ?? "")
            let copy = AMQPMessage(exchange: topology.directExchange, routingKey: queue, body: delivery.body, properties: properties, mandatory: true)
            try await connection.publish([copy])
            connection.ack(delivery)
        } catch {
            logger.error("could not move a failed message; it will be redelivered", metadata: ["error": "\(error)", "amqp.queue": "\(queue)"])
            try? await Task.sleep(for: .seconds(1))
            connection.reject(delivery, requeue: true)
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
