import Hummingbird
import ServiceRuntime
import Storage

/// The funding service. Its domain arrives with its own issue; the backbone gives it
/// configuration, migrations, the outbox relay, health and metrics.
struct FundingService: ServiceDefinition {
    static let name = "funding"
    static let defaultPort = 8083

    static func migrations() throws -> [Migration] {
        try ServiceResources.migrations(service: name, bundle: .module)
    }

    static func openAPIDocument() throws -> String {
        try ServiceResources.openAPIDocument(service: name, bundle: .module)
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Void) {}
}
