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

    static func handlers(_ dependencies: ServiceDependencies) -> [EventHandler] {
        [ProposalSubmittedHandler().handler, ProposalWithdrawnHandler().handler]
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies) {
        ReviewController(
            client: dependencies.client, repository: ReviewCaseRepository(logger: dependencies.logger),
            relay: dependencies.relay, authenticator: dependencies.authenticator, logger: dependencies.logger)
            .addRoutes(to: router.group("reviews"))
    }
}
