import CRabbitMQ
import Foundation

/// What the broker sent, read by ``RabbitMQConnection/nextEvent(waitMilliseconds:)``.
enum RabbitMQEvent {
    case delivery(channel: UInt16, AMQPDelivery)
    case ack(tag: UInt64, multiple: Bool)
    case nack(tag: UInt64, multiple: Bool)
    case returned(messageID: String?, replyCode: UInt16, replyText: String)
    case channelClosed(channel: UInt16, replyCode: UInt16, replyText: String)
    case consumerCancelled(channel: UInt16)
}

/// The blocking rabbitmq-c connection. The only file that touches C pointers.
///
/// Not Sendable on purpose: one connection must never be used from two threads
/// (two publishers on one connection corrupt the frame stream), so an instance is
/// created, used and closed on the single thread of its ``AMQPConnection``.
final class RabbitMQConnection {
    private let state: amqp_connection_state_t
    private var isOpen = true

    /// Opens a TCP connection, logs in and returns once the broker accepted it.
    init(url: AMQPURL, heartbeatSeconds: Int, connectTimeoutSeconds: Int = 10) throws {
        guard let state = amqp_new_connection() else {
            throw AMQPError(.connectionFailed, "could not allocate a connection")
        }
        guard let socket = amqp_tcp_socket_new(state) else {
            amqp_destroy_connection(state)
            throw AMQPError(.connectionFailed, "could not create a TCP socket")
        }
        var timeout = timeval(tv_sec: connectTimeoutSeconds, tv_usec: 0)
        let status = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &timeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            amqp_destroy_connection(state)
            throw AMQPError(.connectionFailed, "cannot reach \(url): \(Self.statusText(status))")
        }
        let reply = coe_amqp_login_plain(state, url.vhost, 0, 131_072, Int32(heartbeatSeconds), url.user, url.password)
        if let error = Self.error(from: reply, state: state, doing: "log in to \(url)") {
            amqp_destroy_connection(state)
            throw AMQPError(.connectionFailed, error.message)
        }
        // Assigned last: a throwing init that had stored the state would also run deinit.
        self.state = state
    }

    deinit {
        if isOpen {
            amqp_destroy_connection(state)
        }
    }

    // MARK: Channels and topology

    func openChannel(_ channel: UInt16) throws {
        amqp_channel_open(state, channel)
        try check(channel, "open channel \(channel)")
    }

    func closeChannel(_ channel: UInt16) throws {
        let reply = amqp_channel_close(state, channel, AMQP_REPLY_SUCCESS)
        if let error = Self.error(from: reply, state: state, channel: channel, doing: "close channel \(channel)") { throw error }
    }

    func confirmSelect(channel: UInt16) throws {
        amqp_confirm_select(state, channel)
        try check(channel, "enable publisher confirms")
    }

    func qos(channel: UInt16, prefetch: UInt16) throws {
        amqp_basic_qos(state, channel, 0, prefetch, 0)
        try check(channel, "set prefetch \(prefetch)")
    }

    func declare(_ exchange: AMQPTopology.Exchange, channel: UInt16) throws {
        CArena.with { arena in
            _ = amqp_exchange_declare(
                state, channel, arena.bytes(exchange.name), arena.bytes(exchange.type),
                exchange.passive ? 1 : 0, 1, 0, 0, arena.table(exchange.arguments))
        }
        try check(channel, "declare exchange '\(exchange.name)'")
    }

    @discardableResult
    func declare(_ queue: AMQPTopology.Queue, channel: UInt16, passive: Bool = false) throws -> (messages: UInt32, consumers: UInt32) {
        let ok = CArena.with { arena in
            amqp_queue_declare(state, channel, arena.bytes(queue.name), passive ? 1 : 0, 1, 0, 0, arena.table(queue.arguments))
        }
        try check(channel, "declare queue '\(queue.name)'")
        guard let ok else { return (0, 0) }
        return (ok.pointee.message_count, ok.pointee.consumer_count)
    }

    func bind(_ binding: AMQPTopology.Binding, channel: UInt16) throws {
        CArena.with { arena in
            _ = amqp_queue_bind(
                state, channel, arena.bytes(binding.queue), arena.bytes(binding.exchange),
                arena.bytes(binding.routingKey), amqp_empty_table)
        }
        try check(channel, "bind '\(binding.queue)' to '\(binding.exchange)' with '\(binding.routingKey)'")
    }

    func purge(queue: String, channel: UInt16) throws -> UInt32 {
        let ok = CArena.with { arena in amqp_queue_purge(state, channel, arena.bytes(queue)) }
        try check(channel, "purge queue '\(queue)'")
        return ok?.pointee.message_count ?? 0
    }

    func consume(queue: String, channel: UInt16) throws -> String {
        let ok = CArena.with { arena in
            amqp_basic_consume(state, channel, arena.bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table)
        }
        try check(channel, "consume from '\(queue)'")
        guard let ok else { throw AMQPError(.protocolError, "basic.consume returned no consumer tag") }
        return Self.string(ok.pointee.consumer_tag) ?? ""
    }

    func cancel(consumerTag: String, channel: UInt16) throws {
        CArena.with { arena in _ = amqp_basic_cancel(state, channel, arena.bytes(consumerTag)) }
        try check(channel, "cancel consumer")
    }

    // MARK: Messages

    /// Sends one message; its confirm arrives later through ``nextEvent(waitMilliseconds:)``.
    func publish(_ message: AMQPMessage, channel: UInt16) throws {
        let status: Int32 = CArena.with { arena in
            var properties = arena.properties(message.properties)
            return message.body.withUnsafeBytes { raw in
                let body = amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress))
                return amqp_basic_publish(
                    state, channel, arena.bytes(message.exchange), arena.bytes(message.routingKey),
                    message.mandatory ? 1 : 0, 0, &properties, body)
            }
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError(.connectionLost, "publish failed: \(Self.statusText(status))")
        }
    }

    func ack(tag: UInt64, multiple: Bool, channel: UInt16) throws {
        let status = amqp_basic_ack(state, channel, tag, multiple ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError(.connectionLost, "ack failed: \(Self.statusText(status))")
        }
    }

    func reject(tag: UInt64, requeue: Bool, channel: UInt16) throws {
        let status = amqp_basic_reject(state, channel, tag, requeue ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError(.connectionLost, "reject failed: \(Self.statusText(status))")
        }
    }

    /// `basic.get` without auto-ack: the message stays unacknowledged until acked, rejected or the channel closes.
    func get(queue: String, channel: UInt16, generation: UInt64) throws -> AMQPDelivery? {
        let reply = CArena.with { arena in amqp_basic_get(state, channel, arena.bytes(queue), 0) }
        if let error = Self.error(from: reply, state: state, channel: channel, doing: "get from '\(queue)'") { throw error }
        guard reply.reply.id == COE_BASIC_GET_OK, let decoded = reply.reply.decoded else { return nil }
        let ok = decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        let (body, properties) = try readContent(channel: channel)
        return AMQPDelivery(
            deliveryTag: ok.delivery_tag, redelivered: ok.redelivered != 0,
            exchange: Self.string(ok.exchange) ?? "", routingKey: Self.string(ok.routing_key) ?? "",
            body: body, properties: properties, generation: generation)
    }

    // MARK: Reading

    /// The socket, for `poll` together with a wake-up pipe.
    var socketDescriptor: Int32 { amqp_get_sockfd(state) }

    /// Frames already read from the socket or bytes not yet decoded: poll would not see them.
    var hasBufferedInput: Bool { amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0 }

    /// Reads the next frame that matters, waiting at most `waitMilliseconds` (0: don't wait).
    ///
    /// Heartbeats are sent and checked inside rabbitmq-c while we are in here, so the
    /// owning thread calls this at least every second even when idle.
    /// Returns nil when nothing arrived in time. Throws when the connection is gone.
    func nextEvent(waitMilliseconds: Int) throws -> RabbitMQEvent? {
        amqp_maybe_release_buffers(state)
        var frame = amqp_frame_t()
        var timeout = timeval(tv_sec: waitMilliseconds / 1000, tv_usec: Int((waitMilliseconds % 1000) * 1000))
        let status = amqp_simple_wait_frame_noblock(state, &frame, &timeout)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError(.connectionLost, "connection lost: \(Self.statusText(status))")
        }
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return nil }
        let method = frame.payload.method
        let channel = frame.channel
        switch method.id {
        case COE_BASIC_DELIVER:
            let deliver = method.decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            let (body, properties) = try readContent(channel: channel)
            let delivery = AMQPDelivery(
                deliveryTag: deliver.delivery_tag, redelivered: deliver.redelivered != 0,
                exchange: Self.string(deliver.exchange) ?? "", routingKey: Self.string(deliver.routing_key) ?? "",
                body: body, properties: properties, generation: 0)
            return .delivery(channel: channel, delivery)
        case COE_BASIC_ACK:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            return .ack(tag: ack.delivery_tag, multiple: ack.multiple != 0)
        case COE_BASIC_NACK:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            return .nack(tag: nack.delivery_tag, multiple: nack.multiple != 0)
        case COE_BASIC_RETURN:
            let returned = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let (_, properties) = try readContent(channel: channel)
            return .returned(
                messageID: properties.messageID, replyCode: returned.reply_code,
                replyText: Self.string(returned.reply_text) ?? "")
        case COE_BASIC_CANCEL:
            return .consumerCancelled(channel: channel)
        case COE_CHANNEL_CLOSE:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var closeOK = amqp_channel_close_ok_t(dummy: 0)
            amqp_send_method(state, channel, COE_CHANNEL_CLOSE_OK, &closeOK)
            return .channelClosed(channel: channel, replyCode: close.reply_code, replyText: Self.string(close.reply_text) ?? "")
        case COE_CONNECTION_CLOSE:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var closeOK = amqp_connection_close_ok_t(dummy: 0)
            amqp_send_method(state, 0, COE_CONNECTION_CLOSE_OK, &closeOK)
            throw AMQPError(
                .connectionLost,
                "broker closed the connection: \(close.reply_code) \(Self.string(close.reply_text) ?? "")")
        default:
            return nil
        }
    }

    /// Closes politely when the broker still listens, then frees the connection.
    func close() {
        guard isOpen else { return }
        isOpen = false
        _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        amqp_destroy_connection(state)
    }

    // MARK: Helpers

    private func readContent(channel: UInt16) throws -> ([UInt8], AMQPProperties) {
        var message = amqp_message_t()
        let reply = amqp_read_message(state, channel, &message, 0)
        if let error = Self.error(from: reply, state: state, channel: channel, doing: "read a message body") {
            throw AMQPError(.connectionLost, error.message)
        }
        defer { amqp_destroy_message(&message) }
        let body: [UInt8]
        if message.body.len > 0, let bytes = message.body.bytes {
            body = Array(UnsafeRawBufferPointer(start: bytes, count: message.body.len))
        } else {
            body = []
        }
        return (body, Self.properties(message.properties))
    }

    private func check(_ channel: UInt16, _ doing: @autoclosure () -> String) throws {
        if let error = Self.error(from: amqp_get_rpc_reply(state), state: state, channel: channel, doing: doing()) { throw error }
    }

    private static func error(from reply: amqp_rpc_reply_t, state: amqp_connection_state_t, channel: UInt16 = 0, doing: String) -> AMQPError? {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return nil
        case AMQP_RESPONSE_NONE:
            return AMQPError(.protocolError, "could not \(doing): missing RPC reply")
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return AMQPError(.connectionLost, "could not \(doing): \(statusText(reply.library_error))")
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            switch reply.reply.id {
            case COE_CONNECTION_CLOSE:
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                var closeOK = amqp_connection_close_ok_t(dummy: 0)
                amqp_send_method(state, 0, COE_CONNECTION_CLOSE_OK, &closeOK)
                return AMQPError(.connectionLost, "could not \(doing): broker closed the connection: \(close.reply_code) \(string(close.reply_text) ?? "")")
            case COE_CHANNEL_CLOSE:
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                var closeOK = amqp_channel_close_ok_t(dummy: 0)
                amqp_send_method(state, channel, COE_CHANNEL_CLOSE_OK, &closeOK)
                return AMQPError(.channelClosed, "could not \(doing): \(close.reply_code) \(string(close.reply_text) ?? "")")
            default:
                return AMQPError(.protocolError, "could not \(doing): unexpected server method \(reply.reply.id)")
            }
        default:
            return AMQPError(.protocolError, "could not \(doing): unknown reply type")
        }
    }

    static func statusText(_ status: Int32) -> String {
        guard let text = amqp_error_string2(status) else { return "status \(status)" }
        return String(cString: text)
    }

    static func string(_ bytes: amqp_bytes_t) -> String? {
        guard bytes.len > 0, let pointer = bytes.bytes else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: bytes.len), as: UTF8.self)
    }

    static func properties(_ raw: amqp_basic_properties_t) -> AMQPProperties {
        let flags = raw._flags
        func has(_ flag: Int32) -> Bool { flags & amqp_flags_t(flag) != 0 }
        var properties = AMQPProperties(contentType: nil, persistent: false)
        if has(AMQP_BASIC_CONTENT_TYPE_FLAG) { properties.contentType = string(raw.content_type) }
        if has(AMQP_BASIC_MESSAGE_ID_FLAG) { properties.messageID = string(raw.message_id) }
        if has(AMQP_BASIC_TYPE_FLAG) { properties.type = string(raw.type) }
        if has(AMQP_BASIC_CORRELATION_ID_FLAG) { properties.correlationID = string(raw.correlation_id) }
        if has(AMQP_BASIC_TIMESTAMP_FLAG) { properties.timestamp = Int64(raw.timestamp) }
        if has(AMQP_BASIC_DELIVERY_MODE_FLAG) { properties.persistent = raw.delivery_mode == 2 }
        if has(AMQP_BASIC_HEADERS_FLAG) { properties.headers = fields(raw.headers) }
        if has(AMQP_BASIC_USER_ID_FLAG) { properties.userID = string(raw.user_id) }
        return properties
    }

    static func fields(_ table: amqp_table_t) -> [String: AMQPFieldValue] {
        guard table.num_entries > 0, let entries = table.entries else { return [:] }
        var result: [String: AMQPFieldValue] = [:]
        for index in 0..<Int(table.num_entries) {
            let entry = entries[index]
            guard let key = string(entry.key) else { continue }
            let value = entry.value
            switch Int(value.kind) {
            case Int(UInt8(ascii: "S")), Int(UInt8(ascii: "x")):
                result[key] = .string(string(value.value.bytes) ?? "")
            case Int(UInt8(ascii: "t")):
                result[key] = .bool(value.value.boolean != 0)
            case Int(UInt8(ascii: "b")): result[key] = .int(Int64(value.value.i8))
            case Int(UInt8(ascii: "B")): result[key] = .int(Int64(value.value.u8))
            case Int(UInt8(ascii: "s")): result[key] = .int(Int64(value.value.i16))
            case Int(UInt8(ascii: "u")): result[key] = .int(Int64(value.value.u16))
            case Int(UInt8(ascii: "I")): result[key] = .int(Int64(value.value.i32))
            case Int(UInt8(ascii: "i")): result[key] = .int(Int64(value.value.u32))
            case Int(UInt8(ascii: "l")): result[key] = .int(value.value.i64)
            case Int(UInt8(ascii: "L")): result[key] = .int(Int64(bitPattern: value.value.u64))
            case Int(UInt8(ascii: "T")): result[key] = .int(Int64(bitPattern: value.value.u64))
            default:
                continue  // arrays, nested tables (x-death), decimals: not used by this system
            }
        }
        return result
    }
}

/// C memory that lives exactly as long as one rabbitmq-c call needs it.
///
/// `amqp_cstring_bytes(swiftString)` would point into a temporary freed after the
/// call that builds it; here every byte buffer and table is copied into malloc'd
/// memory and freed together when the call returns.
private final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    static func with<R>(_ body: (CArena) throws -> R) rethrows -> R {
        let arena = CArena()
        defer { arena.allocations.forEach { free($0) } }
        return try body(arena)
    }

    func bytes(_ string: String) -> amqp_bytes_t {
        let utf8 = Array(string.utf8)
        guard !utf8.isEmpty, let memory = malloc(utf8.count) else { return amqp_empty_bytes }
        allocations.append(memory)
        utf8.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: utf8.count) }
        return amqp_bytes_t(len: utf8.count, bytes: memory)
    }

    func table(_ fields: [String: AMQPFieldValue]) -> amqp_table_t {
        guard !fields.isEmpty else { return amqp_empty_table }
        let memory = malloc(MemoryLayout<amqp_table_entry_t>.stride * fields.count)!
        allocations.append(memory)
        let entries = memory.bindMemory(to: amqp_table_entry_t.self, capacity: fields.count)
        for (index, (key, value)) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
            var field = amqp_field_value_t()
            switch value {
            case .string(let string):
                field.kind = UInt8(ascii: "S")
                field.value.bytes = bytes(string)
            case .int(let int):
                field.kind = UInt8(ascii: "l")
                field.value.i64 = int
            case .bool(let bool):
                field.kind = UInt8(ascii: "t")
                field.value.boolean = bool ? 1 : 0
            }
            (entries + index).initialize(to: amqp_table_entry_t(key: bytes(key), value: field))
        }
        return amqp_table_t(num_entries: Int32(fields.count), entries: entries)
    }

    func properties(_ properties: AMQPProperties) -> amqp_basic_properties_t {
        var raw = amqp_basic_properties_t()
        var flags: Int32 = 0
        if let value = properties.contentType { raw.content_type = bytes(value); flags |= AMQP_BASIC_CONTENT_TYPE_FLAG }
        if let value = properties.messageID { raw.message_id = bytes(value); flags |= AMQP_BASIC_MESSAGE_ID_FLAG }
        if let value = properties.type { raw.type = bytes(value); flags |= AMQP_BASIC_TYPE_FLAG }
        if let value = properties.correlationID { raw.correlation_id = bytes(value); flags |= AMQP_BASIC_CORRELATION_ID_FLAG }
        if let value = properties.timestamp { raw.timestamp = UInt64(max(0, value)); flags |= AMQP_BASIC_TIMESTAMP_FLAG }
        raw.delivery_mode = properties.persistent ? 2 : 1
        flags |= AMQP_BASIC_DELIVERY_MODE_FLAG
        if !properties.headers.isEmpty { raw.headers = table(properties.headers); flags |= AMQP_BASIC_HEADERS_FLAG }
        if let value = properties.userID { raw.user_id = bytes(value); flags |= AMQP_BASIC_USER_ID_FLAG }
        raw._flags = amqp_flags_t(flags)
        return raw
    }
}
