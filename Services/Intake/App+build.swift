import Events
import Foundation
import Hummingbird
import Messaging
import ServiceRuntime
import Storage

/// The intake service: owns proposals.
struct IntakeService: ServiceDefinition {
    static let name = "intake"
    static let defaultPort = 8081
    static let consumedEvents: [EventType] = [.proposalRevisionRequested, .proposalApproved, .proposalRejected]

    static func migrations() throws -> [Migration] {
        try ServiceResources.migrations(service: name, bundle: .module)
    }

    static func openAPIDocument() throws -> String {
        try ServiceResources.openAPIDocument(service: name, bundle: .module)
    }

    static func handlers(_ dependencies: ServiceDependencies) -> [EventHandler] {
        DecisionHandlers().handlers
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies) {
        // Reference data is read once at start; a broken file stops the service with the reason.
        let reference: ReferenceData
        do {
            reference = try ReferenceData.load()
        } catch {
            fatalError("intake cannot load its reference data: \(error)")
        }
        let ceilingText = ProcessInfo.processInfo.environment["COE_INTAKE_BUDGET_CEILING"] ?? "10000000.00"
        guard let ceiling = Money(ceilingText) else {
            fatalError("COE_INTAKE_BUDGET_CEILING='\(ceilingText)' is not an amount like 10000000.00")
        }
        let document = reference.document
        router.get("reference") { _, _ in ReferenceResponse(document: document) }
        ProposalController(
            client: dependencies.client, repository: ProposalRepository(logger: dependencies.logger),
            idempotency: IdempotencyStore(logger: dependencies.logger),
            rules: ProposalRules(reference: reference, budgetCeiling: ceiling), relay: dependencies.relay,
            authenticator: dependencies.authenticator, logger: dependencies.logger
        ).addRoutes(to: router.group("proposals"))
    }
}

/// `GET /v1/reference`: regions, countries, CBRN categories and areas.
struct ReferenceResponse: ResponseEncodable {
    var document: ReferenceData.Document
    func encode(to encoder: any Encoder) throws { try document.encode(to: encoder) }
}
