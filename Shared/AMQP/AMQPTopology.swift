/// Exchanges, queues and bindings a connection declares each time it connects.
public struct AMQPTopology: Sendable, Equatable {
    public struct Exchange: Sendable, Equatable {
        public var name: String
        public var type: String
        public var arguments: [String: AMQPFieldValue]
        /// Only checks that the exchange exists (404 closes the channel otherwise): needs no
        /// configure permission, so a user can't delete or redeclare what it merely uses.
        public var passive: Bool
        public init(name: String, type: String = "topic", arguments: [String: AMQPFieldValue] = [:], passive: Bool = false) {
            self.name = name
            self.type = type
            self.arguments = arguments
            self.passive = passive
        }
    }

    public struct Queue: Sendable, Equatable {
        public var name: String
        public var arguments: [String: AMQPFieldValue]
        public init(name: String, arguments: [String: AMQPFieldValue] = [:]) {
            self.name = name
            self.arguments = arguments
        }

        /// A durable quorum queue.
        public static func quorum(_ name: String, arguments: [String: AMQPFieldValue] = [:]) -> Queue {
            Queue(name: name, arguments: arguments.merging(["x-queue-type": .string("quorum")]) { $1 })
        }
    }

    public struct Binding: Sendable, Equatable {
        public var queue: String
        public var exchange: String
        public var routingKey: String
        public init(queue: String, exchange: String, routingKey: String) {
            self.queue = queue
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    public var exchanges: [Exchange]
    public var queues: [Queue]
    public var bindings: [Binding]

    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    public static func + (lhs: AMQPTopology, rhs: AMQPTopology) -> AMQPTopology {
        AMQPTopology(exchanges: lhs.exchanges + rhs.exchanges, queues: lhs.queues + rhs.queues, bindings: lhs.bindings + rhs.bindings)
    }
}
