import AMQP
import Foundation
import Events
import Logging
import Messaging
import Storage

/// A service's settings, read from `COE_*` environment variables.
///
/// Every default serves the local stack started by `deploy/up.sh`, so a newcomer sets nothing.
public struct ServiceConfiguration: Sendable {
    public var service: String
    public var databaseURL: String
    /// The schema the service owns (default: the service name).
    public var databaseSchema: String
    public var databaseMaxConnections: Int
    public var amqpURL: AMQPURL
    public var exchange: String
    /// The prefix of the service's queues (default: the service name).
    public var queuePrefix: String
    public var prefetch: UInt16
    public var consumerLanes: Int
    public var retryDelays: [Duration]
    public var heartbeatSeconds: Int
    /// Who may have sent which event (`COE_AMQP_SENDERS`, `COE_AMQP_OPERATORS`).
    public var senders: SenderPolicy
    /// Whether the service declares the shared exchanges and the unrouted keeper itself
    /// (`COE_AMQP_DECLARE_SHARED`; a single-user stack) or only checks that the operator did.
    public var declaresSharedTopology: Bool
    public var httpHost: String
    public var httpPort: Int
    public var logLevel: Logger.Level

    public static let defaultDatabaseURL = "postgres://coe:coe@127.0.0.1:25432/coe"
    public static let defaultAMQPURL = "amqp://coe:coe@127.0.0.1:26672/%2f"

    /// Reads the environment; names every bad value at once.
    public init(service: String, defaultPort: Int, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        var reader = ConfigurationReader(environment)
        self.init(service: service, defaultPort: defaultPort, reader: &reader)
        try reader.validate()
    }

    /// Reads the settings every service has, adding each bad value to `reader`'s problems.
    public init(service: String, defaultPort: Int, reader: inout ConfigurationReader) {
        func value(_ name: String, _ fallback: String) -> String { reader.value(name, fallback) }
        func integer(_ name: String, _ fallback: Int, in range: ClosedRange<Int>) -> Int { reader.integer(name, fallback, in: range) }
        func problem(_ text: String) { reader.problem(text) }
        self.service = service
        self.databaseURL = value("COE_DATABASE_URL", Self.defaultDatabaseURL)
        self.databaseSchema = value("COE_DATABASE_SCHEMA", service)
        self.databaseMaxConnections = integer("COE_DATABASE_MAX_CONNECTIONS", 20, in: 2...500)
        self.statementTimeoutSeconds = integer("COE_DATABASE_STATEMENT_TIMEOUT", 15, in: 1...3600)
        self.requestTimeoutSeconds = integer("COE_HTTP_REQUEST_TIMEOUT", 30, in: 1...3600)
        self.databaseCallTimeoutSeconds = integer("COE_DATABASE_CALL_TIMEOUT", 20, in: 1...3600)
        self.shutdownTimeoutSeconds = integer("COE_SHUTDOWN_TIMEOUT", 30, in: 1...3600)
        let amqp = value("COE_AMQP_URL", Self.defaultAMQPURL)
        do {
            self.amqpURL = try AMQPURL(amqp)
        } catch {
            problem("COE_AMQP_URL: \(error)")
            self.amqpURL = AMQPURL()
        }
        self.exchange = value("COE_AMQP_EXCHANGE", "coe.events")
        self.queuePrefix = value("COE_AMQP_QUEUE_PREFIX", service)
        self.prefetch = UInt16(integer("COE_AMQP_PREFETCH", 100, in: 1...5000))
        self.consumerLanes = integer("COE_CONSUMER_LANES", 8, in: 1...256)
        self.heartbeatSeconds = integer("COE_AMQP_HEARTBEAT", 10, in: 0...600)
        // The broker user each service publishes as (default: its name, as provisioning makes them),
        // and the operators whose replays keep the original sender.
        let senderList = value("COE_AMQP_SENDERS", "")
        var users: [ServiceName: String] = [:]
        for pair in senderList.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let service = ServiceName(rawValue: parts[0]), !parts[1].isEmpty {
                users[service] = parts[1]
            } else {
                problem("COE_AMQP_SENDERS: '\(pair)' is not service=user with a service among \(ServiceName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let operatorList = value("COE_AMQP_OPERATORS", "coe")
        let operators = operatorList == "none" ? [] : operatorList.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if senderList.isEmpty, amqpURL.user != service {
            // One broker user for every service (a single-user stack, a service run by hand with
            // the admin's URL): each publishes as that user. The check then can't tell services
            // apart, but fails closed: events from anyone else are parked.
            for name in ServiceName.allCases { users[name] = amqpURL.user }
        }
        self.senders = SenderPolicy(users: users, relays: Set(operators))
        let declareShared = value("COE_AMQP_DECLARE_SHARED", senderList.isEmpty && amqpURL.user != service ? "true" : "false")
        if declareShared == "true" || declareShared == "false" {
            self.declaresSharedTopology = declareShared == "true"
        } else {
            problem("COE_AMQP_DECLARE_SHARED='\(declareShared)' must be true or false")
            self.declaresSharedTopology = false
        }
        let delays = value("COE_RETRY_DELAYS", "1s,10s,60s")
        if let parsed = Self.parseDelays(delays) {
            self.retryDelays = parsed
        } else {
            problem("COE_RETRY_DELAYS='\(delays)' must be a comma-separated list like 1s,10s,60s or 250ms")
            self.retryDelays = [.seconds(1), .seconds(10), .seconds(60)]
        }
        self.httpHost = value("COE_HTTP_HOST", "127.0.0.1")
        self.httpPort = integer("COE_HTTP_PORT", defaultPort, in: 0...65535)
        let level = value("COE_LOG_LEVEL", "info")
        if let parsed = Logger.Level(rawValue: level.lowercased()) {
            self.logLevel = parsed
        } else {
            problem("COE_LOG_LEVEL='\(level)' must be one of trace, debug, info, notice, warning, error, critical")
            self.logLevel = .info
        }
        do {
            _ = try DatabaseConfiguration(url: databaseURL, schema: databaseSchema)
        } catch {
            problem("COE_DATABASE_URL/COE_DATABASE_SCHEMA: \(error)")
        }
    }

    /// PostgreSQL cancels a statement running longer than this (`COE_DATABASE_STATEMENT_TIMEOUT`, seconds).
    public var statementTimeoutSeconds: Int = 15

    /// The bound of any one database call, lease and commit included (`COE_DATABASE_CALL_TIMEOUT`, seconds).
    public var databaseCallTimeoutSeconds: Int = 20

    /// SIGTERM ends the process within this many seconds, whatever is stuck (`COE_SHUTDOWN_TIMEOUT`).
    public var shutdownTimeoutSeconds: Int = 30

    /// A request still running after this many seconds is cancelled and answered 503 (`COE_HTTP_REQUEST_TIMEOUT`).
    public var requestTimeoutSeconds: Int = 30

    public var database: DatabaseConfiguration {
        get throws {
            var database = try DatabaseConfiguration(url: databaseURL, schema: databaseSchema, maximumConnections: databaseMaxConnections)
            database.statementTimeout = .seconds(statementTimeoutSeconds)
            return database
        }
    }

    public func topology(consuming events: [String]) -> MessagingTopology {
        var topology = MessagingTopology(exchange: exchange, service: queuePrefix, consumes: events, retryDelays: retryDelays)
        topology.declaresShared = declaresSharedTopology
        return topology
    }

    static func parseDelays(_ text: String) -> [Duration]? {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var delays: [Duration] = []
        for part in parts {
            if part.hasSuffix("ms"), let value = Int(part.dropLast(2)), value > 0 {
                delays.append(.milliseconds(value))
            } else if part.hasSuffix("s"), let value = Int(part.dropLast()), value > 0 {
                delays.append(.seconds(value))
            } else if part.hasSuffix("m"), let value = Int(part.dropLast()), value > 0 {
                delays.append(.seconds(value * 60))
            } else {
                return nil
            }
        }
        return delays.isEmpty ? nil : delays
    }
}

/// Reads `COE_*` settings from the environment and collects every bad value, so a service
/// that can't run says everything that is wrong at once, at start.
public struct ConfigurationReader: Sendable {
    public let environment: [String: String]
    public private(set) var problems: [String] = []

    public init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public mutating func problem(_ text: String) { problems.append(text) }

    /// The trimmed value, or `fallback` when unset or blank.
    public func value(_ name: String, _ fallback: String) -> String {
        let value = environment[name]?.trimmingCharacters(in: .whitespaces) ?? ""
        return value.isEmpty ? fallback : value
    }

    public mutating func integer(_ name: String, _ fallback: Int, in range: ClosedRange<Int>) -> Int {
        let text = value(name, String(fallback))
        guard let number = Int(text), range.contains(number) else {
            problem("\(name)='\(text)' must be a whole number in \(range.lowerBound)...\(range.upperBound)")
            return fallback
        }
        return number
    }

    /// An amount of euros like `10000000.00`.
    public mutating func money(_ name: String, _ fallback: Money) -> Money {
        let text = value(name, fallback.description)
        guard let money = Money(text), money > .zero else {
            problem("\(name)='\(text)' must be a positive amount like 10000000.00")
            return fallback
        }
        return money
    }

    /// Throws naming every problem found.
    public func validate() throws {
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
    }
}

/// Configuration that can't run, with every problem named.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String { "invalid configuration:\n  - " + problems.joined(separator: "\n  - ") }
}
