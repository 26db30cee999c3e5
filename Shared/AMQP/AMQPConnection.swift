import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A RabbitMQ connection that lives on a thread of its own.
///
/// rabbitmq-c blocks, and one connection must never be used from two threads, so
/// every call into it happens on one dedicated `Thread`. Async code talks to that
/// thread through a mailbox (woken by a pipe the thread polls together with the
/// socket); results come back through continuations and deliveries through an
/// `AsyncStream`. Nothing here ever blocks Swift's cooperative pool or an event loop.
///
/// On every (re)connect the thread declares ``Configuration/topology``, opens a
/// publishing channel in confirm mode and, when ``Configuration/consumeQueue`` is
/// set, consumes with manual acks and a bounded prefetch. A lost connection fails
/// every unconfirmed publish (so the caller republishes), drops acks of deliveries
/// from the dead connection (the broker redelivers them), and reconnects with
/// exponential backoff.
///
/// ```swift
/// let connection = AMQPConnection(configuration: .init(url: try AMQPURL("amqp://localhost")), logger: logger)
/// // run it in a ServiceGroup, then:
/// try await connection.publish([AMQPMessage(exchange: "coe.events", routingKey: "proposal.submitted", body: bytes)])
/// ```
public final class AMQPConnection: Service, Sendable {
    public struct Configuration: Sendable {
        public var url: AMQPURL
        /// A short name for logs and metrics (`intake.publisher`).
        public var name: String
        public var topology: AMQPTopology
        /// The queue to consume from with manual acks, or nil for a publish-only connection.
        public var consumeQueue: String?
        /// How many unacknowledged deliveries the broker may send at once.
        public var prefetch: UInt16
        /// How many publishes may wait for their confirm at once.
        public var publishWindow: Int
        public var heartbeatSeconds: Int
        public var reconnectDelay: ClosedRange<Duration>
        /// How long a shutdown waits for outstanding confirms.
        public var shutdownGrace: Duration
        /// Every publish carries `user_id` = the connection's user, which the broker validates.
        /// Only tests of that validation turn it off, to send a message without or with a false one.
        public var stampsUserID = true

        public init(
            url: AMQPURL,
            name: String = "amqp",
            topology: AMQPTopology = .init(),
            consumeQueue: String? = nil,
            prefetch: UInt16 = 100,
            publishWindow: Int = 1000,
            heartbeatSeconds: Int = 10,
            reconnectDelay: ClosedRange<Duration> = .milliseconds(100) ... .seconds(5),
            shutdownGrace: Duration = .seconds(10)
        ) {
            self.url = url
            self.name = name
            self.topology = topology
            self.consumeQueue = consumeQueue
            self.prefetch = prefetch
            self.publishWindow = publishWindow
            self.heartbeatSeconds = heartbeatSeconds
            self.reconnectDelay = reconnectDelay
            self.shutdownGrace = shutdownGrace
        }
    }

    enum Command: Sendable {
        case publish([AMQPMessage], CheckedContinuation<Void, any Error>)
        case ack(tag: UInt64, generation: UInt64, multiple: Bool)
        case reject(tag: UInt64, generation: UInt64, requeue: Bool)
        case get(queue: String, CheckedContinuation<AMQPDelivery?, any Error>)
        case inspect(queue: String, CheckedContinuation<AMQPQueueState?, any Error>)
        case declare(AMQPTopology, CheckedContinuation<Void, any Error>)
        case purge(queue: String, CheckedContinuation<UInt32, any Error>)
        case stopConsuming(CheckedContinuation<Void, Never>?)
    }

    struct Mailbox {
        var commands: [Command] = []
        var stopRequested = false
        var threadStarted = false
        var finished = false
        var onFinish: [CheckedContinuation<Void, Never>] = []
    }

    public let configuration: Configuration
    let logger: Logger
    let mailbox = Mutex(Mailbox())
    let wakeRead: Int32
    let wakeWrite: Int32
    private let connected = Atomic<Bool>(false)
    private let connectionCount = Atomic<Int>(0)

    /// Messages from ``Configuration/consumeQueue``. Ack or reject each one.
    public let deliveries: AsyncStream<AMQPDelivery>
    let deliveryContinuation: AsyncStream<AMQPDelivery>.Continuation

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "amqp.connection"] = .string(configuration.name)
        self.logger = logger
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe() failed: the process is out of file descriptors")
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        self.wakeRead = fds[0]
        self.wakeWrite = fds[1]
        (self.deliveries, self.deliveryContinuation) = AsyncStream.makeStream(of: AMQPDelivery.self)
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// True while connected, with the topology declared.
    public var isConnected: Bool { connected.load(ordering: .acquiring) }

    /// How many times a connection was established (1 after the first connect).
    public var connectCount: Int { connectionCount.load(ordering: .acquiring) }

    // MARK: Lifecycle

    /// Runs the connection thread until graceful shutdown or cancellation, then flushes and closes.
    public func run() async throws {
        start()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await self.waitUntilFinished()
            } onCancel: {
                self.requestStop()
            }
        } onGracefulShutdown: {
            self.requestStop()
        }
    }

    /// Starts the connection thread; for use outside a ServiceGroup (tools, tests).
    public func start() {
        let shouldStart = mailbox.withLock { state -> Bool in
            guard !state.threadStarted else { return false }
            state.threadStarted = true
            return true
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in
            ConnectionLoop(owner: self).run()
        }
        thread.name = "amqp-\(configuration.name)"
        thread.start()
    }

    /// Asks the thread to finish outstanding confirms and close; returns when it has.
    public func shutdown() async {
        requestStop()
        await waitUntilFinished()
    }

    func requestStop() {
        mailbox.withLock { $0.stopRequested = true }
        wake()
    }

    func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = mailbox.withLock { state -> Bool in
                if state.finished || !state.threadStarted { return true }
                state.onFinish.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    // MARK: Operations

    /// Publishes persistent messages and returns once the broker confirmed every one.
    ///
    /// Many messages are in flight at once (up to ``Configuration/publishWindow``).
    /// Throws ``AMQPError`` when any message is nacked, returned as unroutable, or the
    /// connection is lost before its confirm arrived: then the caller must publish again
    /// (consumers are idempotent, so a duplicate is harmless, a loss is not).
    public func publish(_ messages: [AMQPMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            send(.publish(messages, continuation))
        }
    }

    /// Acknowledges a delivery. An ack for a delivery of an earlier connection is dropped:
    /// the broker already requeued that message.
    public func ack(_ delivery: AMQPDelivery, multiple: Bool = false) {
        send(.ack(tag: delivery.deliveryTag, generation: delivery.generation, multiple: multiple))
    }

    /// Rejects a delivery, requeueing it or dropping it.
    public func reject(_ delivery: AMQPDelivery, requeue: Bool) {
        send(.reject(tag: delivery.deliveryTag, generation: delivery.generation, requeue: requeue))
    }

    /// Takes one message from a queue without acknowledging it (`basic.get`); nil when the queue is empty.
    public func get(from queue: String) async throws -> AMQPDelivery? {
        try await withCheckedThrowingContinuation { continuation in
            send(.get(queue: queue, continuation))
        }
    }

    /// Counts of a queue (passive declare); nil when the queue does not exist.
    public func inspect(queue: String) async throws -> AMQPQueueState? {
        try await withCheckedThrowingContinuation { continuation in
            send(.inspect(queue: queue, continuation))
        }
    }

    /// Declares more topology now, on a channel of its own: a refusal (403, 406) is thrown and
    /// the connection stays up.
    public func declare(_ topology: AMQPTopology) async throws {
        try await withCheckedThrowingContinuation { continuation in
            send(.declare(topology, continuation))
        }
    }

    /// Removes every ready message from a queue; returns how many.
    @discardableResult
    public func purge(queue: String) async throws -> UInt32 {
        try await withCheckedThrowingContinuation { continuation in
            send(.purge(queue: queue, continuation))
        }
    }

    /// Stops receiving deliveries (`basic.cancel`); in-flight ones can still be acked.
    public func stopConsuming() async {
        await withCheckedContinuation { continuation in
            send(.stopConsuming(continuation))
        }
    }

    /// Asks the broker to stop deliveries without waiting for it.
    public func requestStopConsuming() {
        send(.stopConsuming(nil))
    }

    func send(_ command: Command) {
        let accepted = mailbox.withLock { state -> Bool in
            guard !state.finished else { return false }
            state.commands.append(command)
            return true
        }
        if accepted {
            wake()
        } else {
            ConnectionLoop.fail(command, with: AMQPError(.shutdown, "connection '\(configuration.name)' is shut down"))
        }
    }

    func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    func setConnected(_ value: Bool) {
        connected.store(value, ordering: .releasing)
        if value { connectionCount.add(1, ordering: .relaxed) }
    }
}

/// The message and consumer counts of a queue.
public struct AMQPQueueState: Sendable, Equatable {
    public var messages: UInt32
    public var consumers: UInt32
}
