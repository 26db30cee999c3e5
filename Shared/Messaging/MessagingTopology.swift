import AMQP

/// The exchange and queue names of one service, and the RabbitMQ topology they make.
///
/// - `coe.events`: durable topic exchange; the routing key is the event type. Messages no
///   queue is bound for go to its alternate exchange `coe.events.alternate` and are kept in
///   the queue `coe.events.unrouted`, which only operators may read (it holds every
///   service's events). The two names differ so that a service's broker user can be allowed
///   to publish through the alternate exchange without being allowed to read the queue.
/// - `<service>.events`: the durable quorum queue the service consumes.
/// - `<service>.delay.<ms>ms`: one delay queue per retry delay; a message waits there for its
///   TTL, then dead-letters back into `<service>.events` (through `<service>.direct`). Queue
///   arguments can't change once a queue exists, so the name carries the delay: changing
///   `COE_RETRY_DELAYS` makes new queues instead of failing on the old ones, which drain
///   themselves (their TTL still returns every message to the events queue).
/// - `<service>.dlq`: parked messages, with headers saying why.
/// - `<service>.direct`: a direct exchange to the service's own queues (routing key = queue
///   name). Retries, parking and replays go through it rather than the default exchange, so a
///   service's broker user needs no write access to `amq.default`, through which it could
///   publish into any other service's queue.
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
    /// The exchange that routes to this service's own queues by their names.
    public var directExchange: String { "\(service).direct" }
    public var unroutedExchange: String { "\(exchange).alternate" }
    public var unroutedQueue: String { "\(exchange).unrouted" }

    /// The delay queue of retry `attempt` (1-based); past the last delay, the DLQ.
    public func retryQueue(attempt: Int) -> String {
        guard retryDelays.indices.contains(attempt - 1) else { return deadLetterQueue }
        return "\(service).delay.\(retryDelays[attempt - 1].milliseconds)ms"
    }

    /// Declares what all services share, the events exchange and the keeper of unrouted
    /// messages, when true; otherwise only checks that the events exchange exists (passively,
    /// needing no configure permission on it): least-privileged services, whose operator
    /// declared the shared part with ``sharedTopology`` (`coe-<service> topology`).
    public var declaresShared = true

    /// What the operator declares once: the events exchange with its alternate exchange, and
    /// the queue that keeps unrouted events, which only operators read.
    public var sharedTopology: AMQPTopology {
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

    /// What a publisher needs: the events exchange (and the shared part, when it declares it).
    public var publisherTopology: AMQPTopology {
        declaresShared ? sharedTopology : AMQPTopology(exchanges: [.init(name: exchange, type: "topic", passive: true)])
    }

    /// What a consumer needs as well: its queue and bindings, delay queues and the DLQ.
    public var consumerTopology: AMQPTopology {
        var queues: [AMQPTopology.Queue] = [.quorum(eventsQueue), .quorum(deadLetterQueue)]
        var delays = Set<Int64>()
        for (index, delay) in retryDelays.enumerated() where delays.insert(delay.milliseconds).inserted {
            queues.append(
                .quorum(
                    retryQueue(attempt: index + 1),
                    arguments: [
                        "x-message-ttl": .int(delay.milliseconds),
                        "x-dead-letter-exchange": .string(directExchange),
                        "x-dead-letter-routing-key": .string(eventsQueue),
                        // At-least-once dead-lettering: the broker keeps a message until the events queue has it.
                        "x-dead-letter-strategy": .string("at-least-once"),
                        "x-overflow": .string("reject-publish"),
                    ]))
        }
        var bindings = consumes.map { AMQPTopology.Binding(queue: eventsQueue, exchange: exchange, routingKey: $0) }
        bindings += queues.map { AMQPTopology.Binding(queue: $0.name, exchange: directExchange, routingKey: $0.name) }
        return publisherTopology
            + AMQPTopology(exchanges: [.init(name: directExchange, type: "direct")], queues: queues, bindings: bindings)
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
