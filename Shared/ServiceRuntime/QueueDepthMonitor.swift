import AMQP
import Logging
import Messaging
import Metrics
import ServiceLifecycle

/// Measures the service's queues on the broker every 15 s: `coe_queue_messages{service,queue}`
/// for the events queue (the consumer's lag) and the dead-letter queue (parked events that
/// wait for an operator). Alerts read the DLQ's depth, not only how many were parked.
struct QueueDepthMonitor: Service {
    let connection: AMQPConnection
    let topology: MessagingTopology
    let logger: Logger
    var interval: Duration = .seconds(15)

    func run() async throws {
        let queues = [("events", topology.eventsQueue), ("dlq", topology.deadLetterQueue)]
        let gauges = queues.map { name, queue in
            (queue, Gauge(label: "coe_queue_messages", dimensions: [("service", topology.service), ("queue", name)]))
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                for (queue, gauge) in gauges where connection.isConnected {
                    do {
                        if let state = try await connection.inspect(queue: queue) { gauge.record(Int64(state.messages)) }
                    } catch {
                        logger.debug("queue not measured", metadata: ["amqp.queue": "\(queue)", "error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
