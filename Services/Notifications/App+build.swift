import Hummingbird
import ServiceRuntime
import Storage

/// The notifications service. Its domain arrives with its own issue; the backbone gives it
/// configuration, migrations, the outbox relay, health and metrics.
struct NotificationsService: ServiceDefinition {
    static let name = "notifications"
    static let defaultPort = 8084

    static func migrations() throws -> [Migration] {
        try ServiceResources.migrations(service: name, bundle: .module)
    }

    static func openAPIDocument() throws -> String {
        try ServiceResources.openAPIDocument(service: name, bundle: .module)
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Void) {}
}
