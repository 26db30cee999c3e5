import Events
import HTTPTypes
import Hummingbird
import Logging
import Messaging
import PostgresNIO
import ServiceLifecycle
import Storage

/// What a service declares; ``ServiceApplication`` and ``ServiceCommand`` do the rest.
public protocol ServiceDefinition: Sendable {
    /// The service's own settings, read with the rest of the configuration at start.
    associatedtype Settings: Sendable = Void

    /// `intake`, `workflow`, `funding`, `notifications`: the schema, queue prefix and log label.
    static var name: String { get }
    static var defaultPort: Int { get }
    /// The event types the service consumes (its queue bindings).
    static var consumedEvents: [EventType] { get }
    /// The service's own numbered SQL migrations.
    static func migrations() throws -> [Migration]
    /// The OpenAPI 3.1 document served at `/openapi.yaml`.
    static func openAPIDocument() throws -> String
    /// Reads the service's own settings; each bad value is added to the reader's problems
    /// (the service then does not start, and says all of them).
    static func settings(_ reader: inout ConfigurationReader) -> Settings
    static func handlers(_ dependencies: ServiceDependencies, settings: Settings) -> [EventHandler]
    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings)
    /// The service's pages for people (outside `/v1`), rendered from what it owns.
    static func addPages(to router: Router<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings) throws
    /// Long-running work of the service's own (a delivery worker, a scheduled job), run in the
    /// service group beside the HTTP server, consumer and relay, once the migrations ran, and
    /// shut down with them.
    static func services(_ dependencies: ServiceDependencies, settings: Settings) -> [any Service]
}

extension ServiceDefinition {
    public static var consumedEvents: [EventType] { [] }
    public static func handlers(_ dependencies: ServiceDependencies, settings: Settings) -> [EventHandler] { [] }
    public static func services(_ dependencies: ServiceDependencies, settings: Settings) -> [any Service] { [] }
    public static func addPages(to router: Router<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings) throws {}
}

extension ServiceDefinition where Settings == Void {
    public static func settings(_ reader: inout ConfigurationReader) {}
}

/// What routes and handlers of a service work with.
public struct ServiceDependencies: Sendable {
    /// Every call bounded (``Database``): no request waits on the database for ever.
    public let database: Database
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let relay: OutboxRelay
    /// Put it on every route group that needs a caller: `group.add(middleware: dependencies.authenticator)`.
    public let authenticator: TokenAuthenticator

    /// The actor the service records for its own, unattended actions.
    public var systemActor: EventActor { .system(configuration.service) }

    /// Runs one change of a request in one transaction: `body` loads and locks, lets the
    /// domain decide, saves and appends the events to the outbox, and returns its result with
    /// the status it answers; the request's audit record is written in the same transaction.
    /// Once committed, the relay is woken.
    public func transaction<Result: Sendable>(
        _ context: ServiceRequestContext,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> (Result, HTTPResponse.Status)
    ) async throws -> Result {
        let audit = context.audit
        let logger = context.logger
        let result = try await database.withTransaction(logger: logger) { connection in
            let (result, status) = try await body(connection)
            try await audit?.write(outcome: Int(status.code), on: connection, logger: logger)
            return result
        }
        audit?.committed()
        relay.wake()
        return result
    }
}
