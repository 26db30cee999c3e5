import Events
import AMQP
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Messaging
import Storage

/// The command line of every service: `serve` (default), `migrate`, `dlq list`, `dlq replay`.
public struct ServiceCommand<S: ServiceDefinition>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "coe-\(S.name)",
            abstract: "The \(S.name) service of CoE Workflows.",
            discussion: "Configured with COE_* environment variables; the defaults serve the local stack (see README.md).",
            subcommands: [Serve.self, Migrate.self, Topology.self, DeadLetters.self, Unrouted.self, Token.self],
            defaultSubcommand: Serve.self)
    }

    public init() {}

    /// Runs a command body; an error leaves with its full description (PostgresNIO's errors
    /// otherwise print only a generic line), which names no secret: URLs are never in it.
    static func reporting<R>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let error as ValidationError {
            throw error
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw CommandFailure(description: String(reflecting: error))
        }
    }

    static func load() throws -> (ServiceConfiguration, Logger) {
        let (configuration, _, logger) = try loadWithSettings()
        return (configuration, logger)
    }

    /// The whole configuration, the service's own settings included; every bad value named at once.
    static func loadWithSettings() throws -> (ServiceConfiguration, S.Settings, Logger) {
        var reader = ConfigurationReader()
        let configuration = ServiceConfiguration(service: S.name, defaultPort: S.defaultPort, reader: &reader)
        let settings = S.settings(&reader)
        _ = AuthenticationConfiguration(reader: &reader)
        try reader.validate()
        // Every line written inside a request or a handled event names its trace (`trace_id`, `span_id`).
        LoggingSystem.bootstrap(
            { label, metadataProvider in StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider) },
            metadataProvider: Trace.metadataProvider)
        _ = PrometheusMetrics.registry
        return (configuration, settings, ServiceApplication.logger(for: S.name, level: configuration.logLevel))
    }

    struct Serve: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(abstract: "Migrate, then serve HTTP, consume events and relay the outbox until SIGTERM.")
        }

        func run() async throws {
            try await ServiceCommand.reporting { try await serve() }
        }

        func serve() async throws {
            let (configuration, settings, logger) = try ServiceCommand.loadWithSettings()
            let authentication = AuthenticationConfiguration()
            if ProcessInfo.processInfo.environment["COE_JWT_PRIVATE_KEY_FILE"] != nil {
                // Only `coe-<service> token` signs; a serving process never reads the private key.
                logger.warning("COE_JWT_PRIVATE_KEY_FILE is set for a serving process; it is ignored: only the token command reads it")
            }
            let authenticator = TokenAuthenticator(keys: try await authentication.verificationKeys(), configuration: authentication)
            let app = try ServiceApplication.build(
                S.self, configuration: configuration, settings: settings, authenticator: authenticator, logger: logger)
            logger.info("starting", metadata: ["http.port": "\(configuration.httpPort)", "amqp.url": "\(configuration.amqpURL)"])
            let bound = Duration.seconds(configuration.shutdownTimeoutSeconds)
            ShutdownWatchdog.arm(bound: bound, logger: logger)
            var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            // Graceful first; what has not stopped by 80 % of the bound is cancelled; the watchdog ends the rest.
            group.maximumGracefulShutdownDuration = bound * 0.8
            try await ServiceGroup(configuration: group).run()
        }
    }

    struct Token: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(abstract: "Mint an access token for local use, signed with COE_JWT_PRIVATE_KEY_FILE.")
        }

        @Option(help: "focal_point, secretariat, reviewer, finance or admin.") var role: String
        @Option(help: "The subject (user id).") var sub: String?
        @Option(help: "ISO 3166-1 alpha-2 country of a focal point.") var country: String?
        @Option(help: "Region code of a secretariat.") var region: String?
        @Option(help: "Display name.") var name: String?
        @Option(help: "E-mail address.") var email: String?
        @Option(help: "Minutes until it expires.") var minutes = 480

        func validate() throws {
            guard let role = Caller.Role(rawValue: role) else {
                throw ValidationError("--role must be one of \(Caller.Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if role == .focalPoint && country == nil { throw ValidationError("a focal point needs --country") }
            if role == .secretariat && region == nil { throw ValidationError("a secretariat needs --region") }
        }

        func run() async throws {
            let authentication = AuthenticationConfiguration()
            let claims = AccessClaims(
                sub: sub ?? "\(role)-\(country ?? region ?? "local")", name: name, email: email, role: role, country: country,
                region: region, issuer: authentication.issuer, audience: authentication.audience,
                expires: Date().addingTimeInterval(TimeInterval(minutes * 60)))
            print(try await authentication.signingKeys().sign(claims))
        }
    }

    struct Migrate: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(abstract: "Apply the database migrations of this service and exit.")
        }

        func run() async throws {
            try await ServiceCommand.reporting { try await migrate() }
        }

        func migrate() async throws {
            let (configuration, logger) = try ServiceCommand.load()
            let database = try configuration.database
            let migrator = try Migrator(schema: database.schema, migrations: try MessagingMigrations.load() + AuditLog.migrations() + S.migrations())
            let applied = try await migrator.migrate(database: database, logger: logger)
            print(applied.isEmpty ? "\(database.schema): up to date" : applied.map { "\(database.schema): applied \($0.set)/\($0.version)_\($0.name)" }.joined(separator: "\n"))
        }
    }

    struct Topology: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(
                abstract: "Declare what all services share on the broker (the events exchange, its alternate exchange and the unrouted keeper) and exit.",
                discussion: "An operator's step, run with the broker administrator's COE_AMQP_URL before least-privileged services start: they only check that the events exchange exists.")
        }

        func run() async throws {
            try await ServiceCommand.reporting {
                let (configuration, logger) = try ServiceCommand.load()
                let topology = configuration.topology(consuming: [])
                let connection = AMQPConnection(
                    configuration: .init(url: configuration.amqpURL, name: "\(S.name).topology", topology: topology.sharedTopology),
                    logger: logger)
                connection.start()
                var waited = 0
                while !connection.isConnected && waited < 300 {
                    try await Task.sleep(for: .milliseconds(100))
                    waited += 1
                }
                let connected = connection.isConnected
                await connection.shutdown()
                guard connected else {
                    throw CommandFailure(description: "could not declare the shared topology on \(configuration.amqpURL) within 30 s (see the log above)")
                }
                print("declared \(topology.exchange), \(topology.unroutedExchange) and \(topology.unroutedQueue)")
            }
        }
    }

    struct DeadLetters: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: "dlq", abstract: "Inspect and replay messages parked in the dead-letter queue.", subcommands: [List.self, Replay.self])
        }

        static func withQueue<R: Sendable>(_ body: (DeadLetterQueue) async throws -> R) async throws -> R {
            try await withConnection { connection, topology in try await body(DeadLetterQueue(connection: connection, topology: topology)) }
        }

        /// A connection with the service's topology for the duration of `body`, retrying while it comes up.
        static func withConnection<R: Sendable>(_ body: (AMQPConnection, MessagingTopology) async throws -> R) async throws -> R {
            let (configuration, logger) = try ServiceCommand.load()
            let topology = configuration.topology(consuming: S.consumedEvents.map(\.rawValue))
            let connection = AMQPConnection(
                configuration: .init(url: configuration.amqpURL, name: "\(S.name).tool", topology: topology.consumerTopology),
                logger: logger)
            connection.start()
            do {
                let result = try await List.retrying { try await body(connection, topology) }
                await connection.shutdown()
                return result
            } catch {
                await connection.shutdown()
                throw error
            }
        }

        struct List: AsyncParsableCommand {
            static var configuration: CommandConfiguration { CommandConfiguration(abstract: "Print parked messages as JSON lines, oldest first (they stay parked).") }

            @Option(help: "At most this many messages.") var limit = 100

            func run() async throws {
                let limit = self.limit
                let parked = try await DeadLetters.withQueue { queue in try await queue.list(limit: limit) }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for message in parked { print(String(decoding: try encoder.encode(message), as: UTF8.self)) }
                FileHandle.standardError.write(Data("\(parked.count) parked message(s)\n".utf8))
            }

            /// The connection comes up in the background: retry while it is not there yet.
            static func retrying<R>(_ body: () async throws -> R) async throws -> R {
                for _ in 0..<50 {
                    do { return try await body() } catch let error as AMQPError where error.code == .notConnected { try await Task.sleep(for: .milliseconds(100)) }
                }
                return try await body()
            }
        }

        struct Replay: AsyncParsableCommand {
            static var configuration: CommandConfiguration { CommandConfiguration(abstract: "Move parked messages back to the service's queue.") }

            @Option(name: .customLong("id"), help: "Replay only this message id (repeatable).") var ids: [String] = []
            @Flag(help: "Replay every parked message.") var all = false

            func validate() throws {
                guard all || !ids.isEmpty else { throw ValidationError("say which: --id MESSAGE_ID (repeatable) or --all") }
            }

            func run() async throws {
                let selection: Set<String>? = all ? nil : Set(ids.map { $0.lowercased() })
                let moved = try await DeadLetters.withQueue { queue in try await queue.replay(messageIDs: selection) }
                print("replayed \(moved) message(s)")
            }
        }
    }

    struct Unrouted: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(
                abstract: "Inspect and replay events no service was bound for when they were published (kept in <exchange>.unrouted).",
                subcommands: [List.self, Replay.self])
        }

        struct List: AsyncParsableCommand {
            static var configuration: CommandConfiguration { CommandConfiguration(abstract: "Print kept events as JSON lines, oldest first (they stay kept).") }

            @Option(help: "At most this many events.") var limit = 100

            func run() async throws {
                let limit = self.limit
                let kept = try await DeadLetters.withConnection { connection, topology in
                    try await UnroutedEvents(connection: connection, topology: topology).list(limit: limit)
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for message in kept { print(String(decoding: try encoder.encode(message), as: UTF8.self)) }
                FileHandle.standardError.write(Data("\(kept.count) kept event(s)\n".utf8))
            }
        }

        struct Replay: AsyncParsableCommand {
            static var configuration: CommandConfiguration {
                CommandConfiguration(abstract: "Publish kept events to the events exchange again; those still nobody's stay kept.")
            }

            @Option(name: .customLong("type"), help: "Replay only events of this type (repeatable).") var types: [String] = []
            @Flag(help: "Replay every kept event.") var all = false

            func validate() throws {
                guard all || !types.isEmpty else { throw ValidationError("say which: --type EVENT_TYPE (repeatable) or --all") }
            }

            func run() async throws {
                let selection: Set<String>? = all ? nil : Set(types)
                let moved = try await DeadLetters.withConnection { connection, topology in
                    try await UnroutedEvents(connection: connection, topology: topology).replay(types: selection)
                }
                print("republished \(moved) event(s)")
            }
        }
    }
}

/// A command that failed, with the whole story of why.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}
