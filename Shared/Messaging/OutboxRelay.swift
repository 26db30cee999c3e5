import AMQP
import Events
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Storage
import Synchronization

/// Publishes committed outbox rows to RabbitMQ with confirms and marks them dispatched.
///
/// Woken by LISTEN/NOTIFY the moment a transaction with events commits, and also polls,
/// so a lost notification only delays. Several replicas may relay at once: rows are
/// claimed with `FOR UPDATE SKIP LOCKED`, and a replica skips every row whose subject
/// has an earlier row still pending (claimed by another replica), so the events of one
/// subject reach the broker in the order they were written.
public final class OutboxRelay: Service, Sendable {
    public struct Configuration: Sendable {
        public var batchSize: Int
        public var pollInterval: Duration

        public init(batchSize: Int = 500, pollInterval: Duration = .seconds(1)) {
            self.batchSize = batchSize
            self.pollInterval = pollInterval
        }
    }

    private let database: Database
    private let connection: AMQPConnection
    private let topology: MessagingTopology
    private let schema: String
    private let configuration: Configuration
    private let logger: Logger
    private let ready: @Sendable () async throws -> Void
    private let doorbell = Doorbell()
    private let stopping = Atomic<Bool>(false)
    private let published: Counter

    /// - Parameters:
    ///   - schema: the service's schema, whose outbox this relays.
    ///   - ready: awaited before the first poll (e.g. until migrations ran).
    public init(
        database: Database, connection: AMQPConnection, topology: MessagingTopology, schema: String,
        configuration: Configuration = .init(), logger: Logger,
        ready: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.database = database
        self.connection = connection
        self.topology = topology
        self.schema = schema
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "component"] = "outbox-relay"
        self.logger = logger
        self.ready = ready
        let dimensions = [("service", topology.service)]
        self.published = Counter(label: "coe_messages_published_total", dimensions: dimensions)
    }

    public func run() async throws {
        try await ready()
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Each commit with events NOTIFYs `<schema>_outbox`; the relay also polls.
                    await ChannelListener(configuration: self.database.configuration, channel: "\(self.schema)_outbox", logger: self.logger)
                        .run { _ in self.doorbell.ring() }
                }
                await self.relayUntilStopped()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .releasing)
            self.doorbell.ring()
        }
    }

    /// Wakes the relay now (after a commit this process made itself, or in tests).
    public func wake() { doorbell.ring() }

    private var isStopping: Bool { stopping.load(ordering: .acquiring) || Task.isCancelled }

    private func relayUntilStopped() async {
        var failures = 0
        while !isStopping {
            do {
                try await drain()
                failures = 0
                await doorbell.wait(upTo: configuration.pollInterval)
            } catch {
                failures += 1
                let delay = Duration.milliseconds(min(5000, 100 * (1 << min(failures, 6))))
                let cause = DatabaseFailure.underlying(error)
                if failures == 1 || failures % 10 == 0 {
                    // String(reflecting:) gives PSQLError's SQLSTATE and message; its description is redacted.
                    logger.warning(
                        "outbox relay failed, retrying",
                        metadata: ["error": "\(String(reflecting: cause))", "failures": "\(failures)", "retry.in": "\(delay)"])
                }
                // New commits ring the doorbell; a backoff must not be cut short by them, only by a shutdown.
                let until = ContinuousClock.now + delay
                while !isStopping && ContinuousClock.now < until {
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
        }
        // Flush what was committed before the shutdown, if the broker still takes it.
        do {
            try await drain()
        } catch {
            logger.warning("outbox not flushed at shutdown; the next start publishes the rest", metadata: ["error": "\(error)"])
        }
    }

    /// Relays batches until the outbox has nothing ready. Rows held back behind another
    /// replica's earlier rows wait for the next poll instead of spinning.
    public func drain() async throws {
        while true {
            let (claimed, published) = try await relayBatch()
            if claimed < configuration.batchSize || published == 0 { return }
        }
    }

    private struct Row {
        var seq: Int64
        var eventID: UUID
        var type: String
        var subject: String
        var correlationID: UUID
        var occurredAt: Date
        var body: String
        var traceparent: String?
    }

    /// Claims, publishes and marks one batch in one transaction; returns how many rows it claimed and published.
    private func relayBatch() async throws -> (claimed: Int, published: Int) {
        let limit = configuration.batchSize
        let logger = self.logger
        return try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                WITH claimed AS (
                    SELECT seq, subject FROM outbox
                    WHERE dispatched_at IS NULL
                    ORDER BY seq
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                SELECT c.seq, o.event_id, o.event_type, o.subject, o.correlation_id, o.occurred_at, o.body, o.traceparent,
                       EXISTS (
                           SELECT 1 FROM outbox earlier
                           WHERE earlier.subject = c.subject AND earlier.dispatched_at IS NULL AND earlier.seq < c.seq
                             AND earlier.seq NOT IN (SELECT seq FROM claimed)
                       ) AS blocked
                FROM claimed c JOIN outbox o ON o.seq = c.seq
                ORDER BY c.seq
                """,
                logger: logger)
            var claimed = 0
            var batch: [Row] = []
            for try await (seq, id, type, subject, correlation, occurredAt, body, traceparent, blocked)
                in rows.decode((Int64, UUID, String, String, UUID, Date, String, String?, Bool).self)
            {
                claimed += 1
                // Another replica holds an earlier event of this subject: leave this one for later.
                if blocked { continue }
                batch.append(
                    Row(
                        seq: seq, eventID: id, type: type, subject: subject, correlationID: correlation, occurredAt: occurredAt, body: body,
                        traceparent: traceparent))
            }
            guard !batch.isEmpty else { return (claimed, 0) }
            try await self.connection.publish(batch.map(self.message(for:)))
            let sequences = batch.map(\.seq)
            // The mark need not wait for its own WAL flush (synchronous_commit off for this
            // transaction, set in the same round trip): losing it on a crash only publishes the
            // batch again, which every consumer's inbox drops. The events themselves were made
            // durable by the transaction that wrote them.
            try await connection.query(
                """
                UPDATE outbox SET dispatched_at = clock_timestamp(), claimed_at = now()
                FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
                WHERE seq = ANY(\(sequences))
                """,
                logger: logger)
            self.published.increment(by: batch.count)
            logger.debug("relayed outbox batch", metadata: ["outbox.count": "\(batch.count)"])
            return (claimed, batch.count)
        }
    }

    private func message(for row: Row) -> AMQPMessage {
        var headers: [String: AMQPFieldValue] = ["x-coe-subject": .string(row.subject), "x-coe-source": .string(topology.service)]
        // For the broker's tools and other consumers; ours read the envelope's own `traceparent`.
        if let traceparent = row.traceparent { headers[Trace.traceparentHeader] = .string(traceparent) }
        return AMQPMessage(
            exchange: topology.exchange,
            routingKey: row.type,
            body: Array(row.body.utf8),
            properties: AMQPProperties(
                contentType: "application/json",
                messageID: row.eventID.lowercased,
                type: row.type,
                correlationID: row.correlationID.lowercased,
                timestamp: Int64(row.occurredAt.timeIntervalSince1970),
                persistent: true,
                headers: headers),
            mandatory: true)
    }
}

extension Duration {
    var timeInterval: TimeInterval { seconds }
}
