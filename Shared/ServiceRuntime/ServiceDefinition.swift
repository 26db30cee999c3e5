import Events
import Hummingbird
import Logging
import Messaging
import PostgresNIO
import Storage

/// What a service declares; ``ServiceApplication`` and ``ServiceCommand`` do the rest.
public protocol ServiceDefinition: Sendable {
    /// `intake`, `workflow`, `funding`, `notifications`: the schema, queue prefix and log label.
    static var name: String { get }
    static var defaultPort: Int { get }
    /// The event types the service consumes (its queue bindings).
    static var consumedEvents: [EventType] { get }
    /// The service's own numbered SQL migrations.
    static func migrations() throws -> [Migration]
    /// The OpenAPI 3.1 document served at `/openapi.yaml`.
    static func openAPIDocument() throws -> String
    static func handlers(_ dependencies: ServiceDependencies) -> [EventHandler]
    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies)
}

extension ServiceDefinition {
    public static var consumedEvents: [EventType] { [] }
    public static func handlers(_ dependencies: ServiceDependencies) -> [EventHandler] { [] }
}

/// What routes and handlers of a service work with.
public struct ServiceDependencies: Sendable {
    public let client: PostgresClient
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let relay: OutboxRelay
    /// Put it on every route group that needs a caller: `group.add(middleware: dependencies.authenticator)`.
    public let authenticator: TokenAuthenticator

    /// The actor the service records for its own, unattended actions.
    public var systemActor: EventActor { .system(configuration.service) }
}
