import Events
import Foundation
import Hummingbird
import Messaging
import ServiceRuntime
import Storage

/// The workflow service: owns review cases.
struct WorkflowService: ServiceDefinition {
    static let name = "workflow"
    static let defaultPort = 8082
    static let consumedEvents: [EventType] = [.proposalSubmitted, .proposalWithdrawn]

    static func migrations() throws -> [Migration] {
        try ServiceResources.migrations(service: name, bundle: .module)
    }

    static func openAPIDocument() throws -> String {
        try ServiceResources.openAPIDocument(service: name, bundle: .module)
    }

    static func handlers(_ dependencies: ServiceDependencies, settings: Void) -> [EventHandler] {
        ProposalHandlers(logger: dependencies.logger).handlers
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Void) {
        ReviewController(dependencies: dependencies).addRoutes(to: router.group("reviews"))
    }
}
