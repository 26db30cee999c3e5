import Events
import Foundation
import Hummingbird
import Messaging
import Pages
import ServiceRuntime
import Storage

/// The intake service: owns proposals.
struct IntakeService: ServiceDefinition {
    static let name = "intake"
    static let defaultPort = 8081
    static let consumedEvents: [EventType] = [.proposalRevisionRequested, .proposalApproved, .proposalRejected]

    /// Intake's own settings.
    struct Settings: Sendable {
        var reference: ReferenceData
        /// The largest budget one proposal may request (`COE_INTAKE_BUDGET_CEILING`).
        var budgetCeiling: Money

        var rules: ProposalRules { ProposalRules(reference: reference, budgetCeiling: budgetCeiling) }
    }

    static func settings(_ reader: inout ConfigurationReader) -> Settings {
        let ceiling = reader.money("COE_INTAKE_BUDGET_CEILING", Money(cents: 1_000_000_000))
        do {
            return Settings(reference: try ReferenceData.load(), budgetCeiling: ceiling)
        } catch {
            reader.problem("intake's reference data can't be read: \(error)")
            return Settings(reference: ReferenceData(regions: [], countries: [:], cbrnCategories: [], cbrnAreas: []), budgetCeiling: ceiling)
        }
    }

    static func migrations() throws -> [Migration] {
        try ServiceResources.migrations(service: name, bundle: .module)
    }

    static func openAPIDocument() throws -> String {
        try ServiceResources.openAPIDocument(service: name, bundle: .module)
    }

    static func handlers(_ dependencies: ServiceDependencies, settings: Settings) -> [EventHandler] {
        DecisionHandlers(logger: dependencies.logger).handlers
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings) {
        let document = settings.reference.document
        router.get("reference") { _, _ in ReferenceResponse(document: document) }
        ProposalController(dependencies: dependencies, rules: settings.rules).addRoutes(to: router.group("proposals"))
    }

    /// The start page, the development sign-in (where enabled) and the pages of proposals.
    static func addPages(to router: Router<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings) throws {
        let pages = try Pages.make(service: .module, authenticator: dependencies.authenticator, logger: dependencies.logger)
        let group = pages.group(on: router)
        try SignInController(pages: pages).addRoutes(to: group)
        ProposalPages(pages: pages).addRoutes(to: group)
    }
}

/// `GET /v1/reference`: regions, countries, CBRN categories and areas.
struct ReferenceResponse: ResponseEncodable {
    var document: ReferenceData.Document
    func encode(to encoder: any Encoder) throws { try document.encode(to: encoder) }
}
