import Foundation

/// Where a broker is and how to log in, parsed from `amqp://user:password@host:port/vhost`.
public struct AMQPURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String

    public init(host: String = "127.0.0.1", port: Int = 5672, user: String = "guest", password: String = "guest", vhost: String = "/") {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.vhost = vhost
    }

    /// Parses `amqp://user:password@host:port/vhost`; the vhost is percent-decoded (`%2f` is `/`).
    public init(_ string: String) throws {
        guard let components = URLComponents(string: string), components.scheme == "amqp",
              let host = components.host, !host.isEmpty
        else {
            throw AMQPError(.invalidURL, "'\(Self.redacted(string))' is not an amqp://user:password@host:port/vhost URL")
        }
        self.host = host
        self.port = components.port ?? 5672
        self.user = components.percentEncodedUser?.removingPercentEncoding ?? "guest"
        self.password = components.percentEncodedPassword?.removingPercentEncoding ?? "guest"
        let path = components.percentEncodedPath
        if path.isEmpty || path == "/" {
            self.vhost = "/"
        } else {
            self.vhost = String(path.dropFirst()).removingPercentEncoding ?? "/"
        }
    }

    /// The URL without its password, for logs.
    public var description: String {
        let vhost = self.vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self.vhost
        return "amqp://\(user)@\(host):\(port)/\(vhost)"
    }

    static func redacted(_ string: String) -> String {
        guard var components = URLComponents(string: string) else { return "<unparseable>" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "<unparseable>"
    }
}

/// A value in an AMQP field table (message headers, queue arguments).
public enum AMQPFieldValue: Sendable, Equatable, Hashable {
    case string(String)
    case int(Int64)
    case bool(Bool)

    public var stringValue: String? {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .bool(let value): String(value)
        }
    }

    public var intValue: Int64? {
        switch self {
        case .int(let value): value
        case .string(let value): Int64(value)
        case .bool: nil
        }
    }
}

/// The basic properties of a message that this system uses.
public struct AMQPProperties: Sendable, Equatable {
    public var contentType: String?
    public var messageID: String?
    public var type: String?
    public var correlationID: String?
    /// Seconds since 1970, as AMQP carries it.
    public var timestamp: Int64?
    public var persistent: Bool
    public var headers: [String: AMQPFieldValue]
    /// The broker user that published the message. RabbitMQ refuses a message whose `user_id`
    /// is not the publishing connection's user, so a present value is true; every publish of
    /// ``AMQPConnection`` sets it to the connection's user.
    public var userID: String?

    public init(
        contentType: String? = "application/json",
        messageID: String? = nil,
        type: String? = nil,
        correlationID: String? = nil,
        timestamp: Int64? = nil,
        persistent: Bool = true,
        headers: [String: AMQPFieldValue] = [:],
        userID: String? = nil
    ) {
        self.contentType = contentType
        self.messageID = messageID
        self.type = type
        self.correlationID = correlationID
        self.timestamp = timestamp
        self.persistent = persistent
        self.headers = headers
        self.userID = userID
    }
}

/// A message to publish.
public struct AMQPMessage: Sendable, Equatable {
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    public var properties: AMQPProperties
    /// When true an unroutable message comes back and its publish fails.
    public var mandatory: Bool

    public init(exchange: String, routingKey: String, body: [UInt8], properties: AMQPProperties = .init(), mandatory: Bool = true) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.mandatory = mandatory
    }
}

/// A message received from a queue, as a value copy.
public struct AMQPDelivery: Sendable {
    public var deliveryTag: UInt64
    public var redelivered: Bool
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    public var properties: AMQPProperties
    /// The connection generation it arrived on: an ack on a newer connection would hit the wrong message.
    public var generation: UInt64

    public init(deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String, body: [UInt8], properties: AMQPProperties, generation: UInt64) {
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.generation = generation
    }
}

/// The one error type of the AMQP module.
public struct AMQPError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let invalidURL = Code(name: "invalidURL")
        public static let connectionFailed = Code(name: "connectionFailed")
        public static let connectionLost = Code(name: "connectionLost")
        public static let notConnected = Code(name: "notConnected")
        public static let channelClosed = Code(name: "channelClosed")
        public static let nacked = Code(name: "nacked")
        public static let unroutable = Code(name: "unroutable")
        public static let protocolError = Code(name: "protocolError")
        public static let shutdown = Code(name: "shutdown")
        public var description: String { name }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "AMQP \(code): \(message)" }
}
