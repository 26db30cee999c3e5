import AMQP

/// The exchange and queue names of one service, and the RabbitMQ topology they make.
///
/// - `coe.events`: durable topic exchange; the routing key is the event type. Messages no
///   queue is bound for go to its alternate exchange and are kept in `coe.events.unrouted`.
/// - `<service>.events`: the durable quorum queue the service consumes.
/// - `<service>.retry.N`: delay queues; a message waits there for its TTL, then dead-letters
///   back into `<service>.events`.
/// - `<service>.dlq`: parked messages, with headers saying why.
public struct MessagingTopology: Sendable, Equatable {
    public var exchange: String
    /// The queue prefix, normally the service name.
    public var service: String
    /// The routing keys (event types) the service consumes.
    public var consumes: [String]
    /// How long a failed message waits before each retry; after the last it is parked.
    public var retryDelays: [Duration]

    public init(exchange: String = "coe.events", service: String, consumes: [String] = [], retryDelays: [Duration] = [.seconds(1), .seconds(10), .seconds(60)]) {
        self.exchange = exchange
        self.service = service
        self.consumes = consumes
        self.retryDelays = retryDelays
    }

    public var eventsQueue: String { "\(service).events" }
    public var deadLetterQueue: String { "\(service).dlq" }
    public var unroutedExchange: String { "\(exchange).unrouted" }
    public var unroutedQueue: String { "\(exchange).unrouted" }

    /// The delay queue of retry `attempt` (1-based).
    public func retryQueue(attempt: Int) -> String { "\(service).retry.\(attempt)" }

    /// What a publisher needs: the events exchange and the keeper of unrouted messages.
    public var publisherTopology: AMQPTopology {
        AMQPTopology(
            exchanges: [
                .init(name: unroutedExchange, type: "fanout"),
                .init(name: exchange, type: "topic", arguments: ["alternate-exchange": .string(unroutedExchange)]),
            ],
            queues: [
                .quorum(unroutedQueue, arguments: ["x-max-length": .int(100_000), "x-overflow": .string("drop-head")])
            ],
            bindings: [.init(queue: unroutedQueue, exchange: unroutedExchange, routingKey: "")])
    }

    /// What a consumer needs as well: its queue and bindings, delay queues and the DLQ.
    public var consumerTopology: AMQPTopology {
        var queues: [AMQPTopology.Queue] = [.quorum(eventsQueue), .quorum(deadLetterQueue)]
        for (index, delay) in retryDelays.enumerated() {
            queues.append(
                .quorum(
                    retryQueue(attempt: index + 1),
                    arguments: [
                        "x-message-ttl": .int(delay.milliseconds),
                        "x-dead-letter-exchange": .string(""),
                        "x-dead-letter-routing-key": .string(eventsQueue),
                        // At-least-once dead-lettering: the broker keeps a message until the events queue has it.
                        "x-dead-letter-strategy": .string("at-least-once"),
                        "x-overflow": .string("reject-publish"),
                    ]))
        }
        let bindings = consumes.map { AMQPTopology.Binding(queue: eventsQueue, exchange: exchange, routingKey: $0) }
        return publisherTopology + AMQPTopology(queues: queues, bindings: bindings)
    }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
