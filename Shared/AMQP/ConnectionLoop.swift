import Foundation
import Logging

/// The state and loop of one ``AMQPConnection`` thread. Created, used and dropped on that thread only.
final class ConnectionLoop {
    static let publishChannel: UInt16 = 1
    static let consumeChannel: UInt16 = 2
    static let scratchChannel: UInt16 = 3

    private struct Batch {
        var remaining: Int
        var failure: AMQPError?
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Unconfirmed {
        let batch: Int
        let messageID: String
    }

    private let owner: AMQPConnection
    private let logger: Logger
    private var configuration: AMQPConnection.Configuration { owner.configuration }

    private var connection: RabbitMQConnection?
    private var generation: UInt64 = 0
    private var consuming = false
    private var consumingStopped = false
    private var consumerTag: String?

    private var nextBatchID = 0
    private var batches: [Int: Batch] = [:]
    /// Messages waiting for room in the publish window.
    private var outgoing: [(message: AMQPMessage, batch: Int)] = []
    private var outgoingHead = 0
    /// Published, waiting for a confirm, by delivery tag.
    private var unconfirmed: [UInt64: Unconfirmed] = [:]
    private var tagByMessageID: [String: UInt64] = [:]
    private var nextTag: UInt64 = 1
    private var lowestUnconfirmed: UInt64 = 1
    private var stopDeadline: ContinuousClock.Instant?

    init(owner: AMQPConnection) {
        self.owner = owner
        self.logger = owner.logger
    }

    // MARK: The loop

    func run() {
        var delay = configuration.reconnectDelay.lowerBound
        while !stopRequested() {
            do {
                try connect()
                delay = configuration.reconnectDelay.lowerBound
                try serve()
            } catch {
                disconnect(error: error as? AMQPError ?? AMQPError(.connectionLost, "\(error)"))
                if stopRequested() { break }
                logger.warning(
                    "AMQP connection lost, reconnecting",
                    metadata: ["error": "\(error)", "retry.in": "\(delay)"])
                sleep(delay)
                delay = min(delay * 2, configuration.reconnectDelay.upperBound)
            }
        }
        connection?.close()
        connection = nil
        finish()
    }

    private func connect() throws {
        let connection = try RabbitMQConnection(url: configuration.url, heartbeatSeconds: configuration.heartbeatSeconds)
        self.connection = connection
        generation += 1
        nextTag = 1
        lowestUnconfirmed = 1
        for channel in [Self.publishChannel, Self.consumeChannel] {
            try connection.openChannel(channel)
        }
        try connection.confirmSelect(channel: Self.publishChannel)
        let topology = configuration.topology
        for exchange in topology.exchanges { try connection.declare(exchange, channel: Self.publishChannel) }
        for queue in topology.queues { try connection.declare(queue, channel: Self.publishChannel) }
        for binding in topology.bindings { try connection.bind(binding, channel: Self.publishChannel) }
        if let queue = configuration.consumeQueue, !consumingStopped {
            try connection.qos(channel: Self.consumeChannel, prefetch: configuration.prefetch)
            consumerTag = try connection.consume(queue: queue, channel: Self.consumeChannel)
            consuming = true
        }
        owner.setConnected(true)
        logger.info(
            "AMQP connected",
            metadata: ["amqp.url": "\(configuration.url)", "amqp.queue": "\(configuration.consumeQueue ?? "-")"])
    }

    /// Serves one live connection until it fails (throws) or a requested stop is complete (returns).
    private func serve() throws {
        guard let connection else { return }
        while true {
            // Read the flag before draining: everything sent before a stop was requested
            // (the last acks of a consumer, say) is then executed before the connection closes.
            let stopping = stopRequested()
            for command in takeCommands() { try execute(command, on: connection) }
            if stopping {
                if stopDeadline == nil {
                    stopDeadline = .now + configuration.shutdownGrace
                    if consuming, let tag = consumerTag {
                        try? connection.cancel(consumerTag: tag, channel: Self.consumeChannel)
                        consuming = false
                    }
                }
                if (unconfirmed.isEmpty && outgoingHead == outgoing.count) || ContinuousClock.now >= stopDeadline! {
                    disconnect(error: AMQPError(.shutdown, "connection '\(configuration.name)' shut down before the broker confirmed"))
                    return
                }
            }
            try publishWithinWindow(on: connection)
            let canPublishMore = outgoingHead < outgoing.count && unconfirmed.count < configuration.publishWindow
            if !connection.hasBufferedInput && !canPublishMore {
                waitForInput(socket: connection.socketDescriptor, milliseconds: 1000)
            }
            // Read whatever is there without blocking; this also sends heartbeats when due.
            while let event = try connection.nextEvent(waitMilliseconds: 0) {
                try handle(event)
            }
        }
    }

    private func execute(_ command: AMQPConnection.Command, on connection: RabbitMQConnection) throws {
        switch command {
        case .publish(let messages, let continuation):
            if stopRequested() {
                continuation.resume(throwing: AMQPError(.shutdown, "connection '\(configuration.name)' is shutting down"))
                return
            }
            let id = nextBatchID
            nextBatchID += 1
            batches[id] = Batch(remaining: messages.count, failure: nil, continuation: continuation)
            for message in messages { outgoing.append((message, id)) }
        case .ack(let tag, let generation, let multiple):
            guard generation == self.generation else { return }
            try connection.ack(tag: tag, multiple: multiple, channel: Self.consumeChannel)
        case .reject(let tag, let generation, let requeue):
            guard generation == self.generation else { return }
            try connection.reject(tag: tag, requeue: requeue, channel: Self.consumeChannel)
        case .get(let queue, let continuation):
            do {
                continuation.resume(returning: try connection.get(queue: queue, channel: Self.consumeChannel, generation: generation))
            } catch {
                // A missing queue closes the consuming channel too: start over on a new connection.
                continuation.resume(throwing: error)
                throw error
            }
        case .inspect(let queue, let continuation):
            do {
                try connection.openChannel(Self.scratchChannel)
                let counts = try connection.declare(.init(name: queue), channel: Self.scratchChannel, passive: true)
                try connection.closeChannel(Self.scratchChannel)
                continuation.resume(returning: AMQPQueueState(messages: counts.messages, consumers: counts.consumers))
            } catch let error as AMQPError where error.code == .channelClosed {
                continuation.resume(returning: nil)  // 404: the broker closed the scratch channel
            } catch {
                continuation.resume(throwing: error)
                throw error
            }
        case .declare(let topology, let continuation):
            do {
                try connection.openChannel(Self.scratchChannel)
                for exchange in topology.exchanges { try connection.declare(exchange, channel: Self.scratchChannel) }
                for queue in topology.queues { try connection.declare(queue, channel: Self.scratchChannel) }
                for binding in topology.bindings { try connection.bind(binding, channel: Self.scratchChannel) }
                try connection.closeChannel(Self.scratchChannel)
                continuation.resume()
            } catch let error as AMQPError where error.code == .channelClosed {
                continuation.resume(throwing: error)  // refused: the broker closed the scratch channel only
            } catch {
                continuation.resume(throwing: error)
                throw error
            }
        case .purge(let queue, let continuation):
            do {
                continuation.resume(returning: try connection.purge(queue: queue, channel: Self.publishChannel))
            } catch {
                continuation.resume(throwing: error)
                throw error
            }
        case .stopConsuming(let continuation):
            consumingStopped = true
            if consuming, let tag = consumerTag {
                consuming = false
                defer { continuation?.resume() }
                try connection.cancel(consumerTag: tag, channel: Self.consumeChannel)
            } else {
                continuation?.resume()
            }
        }
    }

    private func publishWithinWindow(on connection: RabbitMQConnection) throws {
        while outgoingHead < outgoing.count && unconfirmed.count < configuration.publishWindow {
            var (message, batch) = outgoing[outgoingHead]
            outgoingHead += 1
            let messageID = message.properties.messageID ?? UUID().uuidString
            message.properties.messageID = messageID
            // The broker validates it against this connection's user: consumers can trust who sent what.
            if configuration.stampsUserID { message.properties.userID = configuration.url.user }
            try connection.publish(message, channel: Self.publishChannel)
            unconfirmed[nextTag] = Unconfirmed(batch: batch, messageID: messageID)
            tagByMessageID[messageID] = nextTag
            nextTag += 1
        }
        if outgoingHead == outgoing.count {
            outgoing.removeAll(keepingCapacity: true)
            outgoingHead = 0
        } else if outgoingHead > 4096 {
            outgoing.removeFirst(outgoingHead)
            outgoingHead = 0
        }
    }

    private func handle(_ event: RabbitMQEvent) throws {
        switch event {
        case .delivery(_, var delivery):
            delivery.generation = generation
            owner.deliveryContinuation.yield(delivery)
        case .ack(let tag, let multiple):
            confirm(tag: tag, multiple: multiple, failure: nil)
        case .nack(let tag, let multiple):
            confirm(tag: tag, multiple: multiple, failure: AMQPError(.nacked, "the broker refused the message (basic.nack)"))
        case .returned(let messageID, let replyCode, let replyText):
            // A return comes before the confirm of the same message; mark it, the ack completes it.
            if let messageID, let tag = tagByMessageID[messageID], let entry = unconfirmed[tag] {
                batches[entry.batch]?.failure = AMQPError(
                    .unroutable, "message \(messageID) was returned: \(replyCode) \(replyText)")
            }
        case .channelClosed(let channel, let replyCode, let replyText):
            throw AMQPError(.channelClosed, "the broker closed channel \(channel): \(replyCode) \(replyText)")
        case .consumerCancelled:
            consuming = false
            throw AMQPError(.channelClosed, "the broker cancelled the consumer (queue deleted?)")
        }
    }

    private func confirm(tag: UInt64, multiple: Bool, failure: AMQPError?) {
        if multiple {
            var current = lowestUnconfirmed
            while current <= tag {
                settle(tag: current, failure: failure)
                current += 1
            }
        } else {
            settle(tag: tag, failure: failure)
        }
        while lowestUnconfirmed < nextTag && unconfirmed[lowestUnconfirmed] == nil {
            lowestUnconfirmed += 1
        }
    }

    private func settle(tag: UInt64, failure: AMQPError?) {
        guard let entry = unconfirmed.removeValue(forKey: tag) else { return }
        tagByMessageID.removeValue(forKey: entry.messageID)
        guard var batch = batches[entry.batch] else { return }
        batch.remaining -= 1
        if let failure, batch.failure == nil { batch.failure = failure }
        if batch.remaining == 0 {
            batches.removeValue(forKey: entry.batch)
            if let failure = batch.failure {
                batch.continuation.resume(throwing: failure)
            } else {
                batch.continuation.resume()
            }
        } else {
            batches[entry.batch] = batch
        }
    }

    /// Fails everything that was waiting on this connection and forgets it.
    private func disconnect(error: AMQPError) {
        owner.setConnected(false)
        consuming = false
        consumerTag = nil
        if let connection {
            connection.close()
            self.connection = nil
        }
        for (_, batch) in batches {
            batch.continuation.resume(throwing: error)
        }
        batches.removeAll()
        outgoing.removeAll()
        outgoingHead = 0
        unconfirmed.removeAll()
        tagByMessageID.removeAll()
    }

    private func finish() {
        owner.setConnected(false)
        let (commands, waiters) = owner.mailbox.withLock { state in
            state.finished = true
            defer {
                state.commands.removeAll()
                state.onFinish.removeAll()
            }
            return (state.commands, state.onFinish)
        }
        let error = AMQPError(.shutdown, "connection '\(configuration.name)' is shut down")
        for command in commands { Self.fail(command, with: error) }
        owner.deliveryContinuation.finish()
        logger.info("AMQP connection closed")
        for waiter in waiters { waiter.resume() }
    }

    static func fail(_ command: AMQPConnection.Command, with error: AMQPError) {
        switch command {
        case .publish(_, let continuation): continuation.resume(throwing: error)
        case .get(_, let continuation): continuation.resume(throwing: error)
        case .inspect(_, let continuation): continuation.resume(throwing: error)
        case .declare(_, let continuation): continuation.resume(throwing: error)
        case .purge(_, let continuation): continuation.resume(throwing: error)
        case .stopConsuming(let continuation): continuation?.resume()
        case .ack, .reject: break  // the broker requeues what was not acked
        }
    }

    // MARK: Waiting

    private func stopRequested() -> Bool {
        owner.mailbox.withLock { $0.stopRequested }
    }

    private func takeCommands() -> [AMQPConnection.Command] {
        drainWakePipe()
        return owner.mailbox.withLock { state in
            defer { state.commands.removeAll(keepingCapacity: true) }
            return state.commands
        }
    }

    /// Sleeps for the backoff delay, answering commands meanwhile (there is no connection to run them on).
    private func sleep(_ delay: Duration) {
        let deadline = ContinuousClock.now + delay
        while !stopRequested() {
            let notConnected = AMQPError(.notConnected, "not connected to the broker (\(configuration.url)); reconnecting")
            for command in takeCommands() {
                if case .stopConsuming = command { consumingStopped = true }
                Self.fail(command, with: notConnected)
            }
            let left = deadline - .now
            guard left > .zero else { return }
            let milliseconds = Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
            waitForInput(socket: nil, milliseconds: max(1, milliseconds))
        }
    }

    private func waitForInput(socket: Int32?, milliseconds: Int) {
        var fds = [pollfd(fd: owner.wakeRead, events: Int16(POLLIN), revents: 0)]
        if let socket { fds.append(pollfd(fd: socket, events: Int16(POLLIN), revents: 0)) }
        _ = poll(&fds, nfds_t(fds.count), Int32(milliseconds))
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(owner.wakeRead, &buffer, buffer.count) > 0 {}
    }
}
