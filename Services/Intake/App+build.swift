import Foundation
import Hummingbird
import ServiceRuntime
import Storage

/// The intake service: owns proposals.
struct IntakeService: ServiceDefinition {
    static let name = "intake"
    static let defaultPort = 8081

    static func migrations() throws -> [Migration] {
        try ServiceResources.migrations(service: name, bundle: .module)
    }

    static func openAPIDocument() throws -> String {
        try ServiceResources.openAPIDocument(service: name, bundle: .module)
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies) {
        ProposalController(repository: ProposalRepository(client: dependencies.client, logger: dependencies.logger), relay: dependencies.relay)
            .addRoutes(to: router.group("proposals"))
    }
}
