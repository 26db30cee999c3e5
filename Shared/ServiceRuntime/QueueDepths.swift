import AMQP
import Logging
import Messaging
import Metrics
import Storage

/// The depth of the service's queues on the broker: `coe_queue_messages{service,queue}` for the
/// events queue (the consumer's lag) and the dead-letter queue (parked events that wait for an
/// operator). Alerts read the DLQ's depth, not only how many were parked. Run every 15 s as a
/// ``PeriodicJob``.
struct QueueDepths: Sendable {
    let connection: AMQPConnection
    private let queues: [(queue: String, gauge: Gauge)]

    init(connection: AMQPConnection, topology: MessagingTopology) {
        self.connection = connection
        self.queues = [("events", topology.eventsQueue), ("dlq", topology.deadLetterQueue)].map { name, queue in
            (queue, Gauge(label: "coe_queue_messages", dimensions: [("service", topology.service), ("queue", name)]))
        }
    }

    /// Measures each queue once (nothing while the broker is away: the last value stays).
    func measure() async throws {
        for (queue, gauge) in queues where connection.isConnected {
            if let state = try await connection.inspect(queue: queue) { gauge.record(Int64(state.messages)) }
        }
    }

    func job(logger: Logger) -> PeriodicJob {
        PeriodicJob("queue depth", every: .seconds(15), logger: logger) { try await measure() }
    }
}
