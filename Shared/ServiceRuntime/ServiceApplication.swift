import AMQP
import Events
import Foundation
import Hummingbird
import Logging
import Messaging
import PostgresNIO
import ServiceLifecycle
import Storage

/// Builds and runs one service: its HTTP API, event consumer and outbox relay side by side,
/// under one ServiceGroup that shuts them down gracefully together on SIGTERM.
///
/// Shutdown runs in reverse order of start: the HTTP server stops taking requests, the
/// consumer stops consuming and finishes in-flight handlers, the relay flushes, then the
/// AMQP connections and the database pool close.
public enum ServiceApplication {
    public static func build<S: ServiceDefinition>(
        _ service: S.Type, configuration: ServiceConfiguration, settings: S.Settings, authenticator: TokenAuthenticator, logger: Logger
    ) throws -> some ApplicationProtocol {
        // Before anything is built: components capture the tracer when they are made (HTTP clients do).
        Trace.bootstrap()
        let databaseConfiguration = try configuration.database
        let database = Database(configuration: databaseConfiguration, callTimeout: .seconds(configuration.databaseCallTimeoutSeconds), logger: logger)
        let monitor = OutboxMonitor(configuration: databaseConfiguration, service: S.name, logger: logger)
        let topology = configuration.topology(consuming: S.consumedEvents.map(\.rawValue))
        let migrations = try MessagingMigrations.load() + AuditLog.migrations() + S.migrations()
        let migrator = try Migrator(schema: databaseConfiguration.schema, migrations: migrations)
        let gate = StartupGate()

        let publisher = AMQPConnection(
            configuration: .init(
                url: configuration.amqpURL, name: "\(S.name).publisher", topology: topology.publisherTopology,
                heartbeatSeconds: configuration.heartbeatSeconds),
            logger: logger)
        let relay = OutboxRelay(
            database: database, connection: publisher, topology: topology, schema: databaseConfiguration.schema, logger: logger,
            ready: { try await gate.wait() })
        let audit = AuditLog(database: database, logger: logger)
        let dependencies = ServiceDependencies(
            database: database, configuration: configuration, logger: logger, relay: relay,
            authenticator: authenticator.auditing(to: audit))

        var services: [any Service] = [database, monitor, publisher]
        var connections = [publisher]
        var consumer: EventConsumer?
        var queueDepths: QueueDepths?
        if !S.consumedEvents.isEmpty {
            let consumerConnection = AMQPConnection(
                configuration: .init(
                    url: configuration.amqpURL, name: "\(S.name).consumer", topology: topology.consumerTopology,
                    consumeQueue: topology.eventsQueue, prefetch: configuration.prefetch,
                    heartbeatSeconds: configuration.heartbeatSeconds),
                logger: logger)
            services.append(consumerConnection)
            connections.append(consumerConnection)
            consumer = EventConsumer(
                consumer: S.name, connection: consumerConnection, database: database, topology: topology,
                handlers: S.handlers(dependencies, settings: settings), senders: configuration.senders,
                configuration: .init(lanes: configuration.consumerLanes), logger: logger,
                ready: { try await gate.wait() })
            // Measured on the publisher's connection: a failed probe must never cost the consumer its deliveries.
            queueDepths = QueueDepths(connection: publisher, topology: topology)
        }
        // Jobs (the runtime's retention, a service's own) use their tables: they start once the migrations ran.
        let messagingRetention = PeriodicJob("messaging retention", every: .seconds(3600), logger: logger) {
            try await MessagingRetention().sweep(database, at: Date(), logger: logger)
        }
        services += ([IdempotencyRetention(database: database, logger: logger), messagingRetention] + S.services(dependencies, settings: settings))
            .map { AfterMigrations(gate: gate, service: $0) }
        services.append(relay)
        if let consumer { services.append(consumer) }
        if let queueDepths { services.append(queueDepths.job(logger: logger)) }

        let router = Router(context: ServiceRequestContext.self, options: .autoGenerateHeadEndpoints)
        // Outermost: a request continues the caller's `traceparent` (or starts a trace), and
        // everything inside (the answer's own `traceparent`, logs, events) is in that span.
        router.middlewares.add(TracingMiddleware())
        router.middlewares.add(ResponseHeadersMiddleware())
        router.middlewares.add(ProblemDetailsMiddleware())
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(RequestDeadlineMiddleware(limit: .seconds(configuration.requestTimeoutSeconds)))
        router.middlewares.add(LogRequestsMiddleware(.debug))
        HealthController(
            database: database, connections: connections, gate: gate.probe, monitor: monitor, consumer: consumer
        ).addRoutes(to: router)
        PrometheusMetrics.addRoutes(to: router, token: authenticator.configuration.metricsToken)
        let openAPI = try S.openAPIDocument()
        router.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(string: openAPI)))
        }
        audit.addRoutes(to: router.group("v1/audit"), authenticator: authenticator)
        S.addRoutes(to: router.group("v1"), dependencies: dependencies, settings: settings)
        try S.addPages(to: router, dependencies: dependencies, settings: settings)
        MethodNotAllowed.register(on: router)

        var app = Application(
            router: router,
            // An idle keep-alive connection is closed after a minute; bodies are capped by the context (1 MiB).
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "coe-\(S.name)"),
            services: services,
            logger: logger)
        app.beforeServerStarts {
            let applied = try await migrator.migrate(database: databaseConfiguration, logger: logger)
            logger.info("database ready", metadata: ["db.schema": "\(databaseConfiguration.schema)", "migrations.applied": "\(applied.count)"])
            gate.open()
        }
        return app
    }

    /// The logger every service uses: one label, level from configuration.
    public static func logger(for service: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: "coe-\(service)")
        logger.logLevel = level
        return logger
    }
}
