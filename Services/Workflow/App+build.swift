import Events
import Foundation
import Hummingbird
import Messaging
import Pages
import ServiceLifecycle
import ServiceRuntime
import Storage

/// The workflow service: owns review cases, their assessments and decisions.
struct WorkflowService: ServiceDefinition {
    static let name = "workflow"
    static let defaultPort = 8082
    static let consumedEvents: [EventType] = [.proposalSubmitted, .proposalWithdrawn]

    /// Workflow's own settings: the call's rules and how often the overdue job looks.
    struct Settings: Sendable {
        var rules: ReviewRules
        var overdueCheckInterval: Duration
    }

    /// `COE_WORKFLOW_RUBRIC` (`key=weight,…`, weights summing to 100), `COE_WORKFLOW_CHECKLIST`
    /// (`key,…`), `COE_WORKFLOW_MIN_ASSESSMENTS`, `COE_WORKFLOW_PREFINANCING_CAP_PERCENT`,
    /// `COE_WORKFLOW_{SCREENING,TECHNICAL,DECISION}_DAYS`, `COE_WORKFLOW_OVERDUE_CHECK_SECONDS`.
    static func settings(_ reader: inout ConfigurationReader) -> Settings {
        var rules = ReviewRules.standard
        let rubric = reader.value("COE_WORKFLOW_RUBRIC", "")
        if !rubric.isEmpty {
            if let criteria = ReviewRules.criteria(parsing: rubric) { rules.criteria = criteria } else {
                reader.problem("COE_WORKFLOW_RUBRIC='\(rubric)' must be criteria like relevance=40,feasibility=60 (snake_case keys, whole weights)")
            }
        }
        let checklist = reader.value("COE_WORKFLOW_CHECKLIST", "")
        if !checklist.isEmpty {
            if let items = ReviewRules.checklist(parsing: checklist) { rules.checklist = items } else {
                reader.problem("COE_WORKFLOW_CHECKLIST='\(checklist)' must be items like membership,cross_border (snake_case keys)")
            }
        }
        rules.minimumAssessments = reader.integer("COE_WORKFLOW_MIN_ASSESSMENTS", rules.minimumAssessments, in: 1...20)
        rules.preFinancingCapPercent = reader.integer("COE_WORKFLOW_PREFINANCING_CAP_PERCENT", rules.preFinancingCapPercent, in: 0...100)
        rules.screeningDays = reader.integer("COE_WORKFLOW_SCREENING_DAYS", rules.screeningDays, in: 1...365)
        rules.technicalDays = reader.integer("COE_WORKFLOW_TECHNICAL_DAYS", rules.technicalDays, in: 1...365)
        rules.decisionDays = reader.integer("COE_WORKFLOW_DECISION_DAYS", rules.decisionDays, in: 1...365)
        for problem in rules.problems { reader.problem("workflow's rules: \(problem)") }
        let interval = reader.integer("COE_WORKFLOW_OVERDUE_CHECK_SECONDS", 60, in: 1...86_400)
        return Settings(rules: rules, overdueCheckInterval: .seconds(interval))
    }

    static func migrations() throws -> [Migration] {
        try ServiceResources.migrations(service: name, bundle: .module)
    }

    static func openAPIDocument() throws -> String {
        try ServiceResources.openAPIDocument(service: name, bundle: .module)
    }

    static func handlers(_ dependencies: ServiceDependencies, settings: Settings) -> [EventHandler] {
        ProposalHandlers(rules: settings.rules, system: dependencies.systemActor, logger: dependencies.logger).handlers
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings) {
        ReviewController(dependencies: dependencies, rules: settings.rules).addRoutes(to: router)
    }

    /// The pages of reviews: each person's work list and the case page with its forms.
    static func addPages(to router: Router<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings) throws {
        let pages = try Pages.make(service: .module, authenticator: dependencies.authenticator, logger: dependencies.logger)
        let group = pages.group(on: router)
        ReviewPages(pages: pages).addRoutes(to: group)
        ReviewCasePages(pages: pages).addRoutes(to: group)
    }

    static func services(_ dependencies: ServiceDependencies, settings: Settings) -> [any Service] {
        [OverdueReminders(
            database: dependencies.database, wake: { [relay = dependencies.relay] in relay.wake() }, rules: settings.rules, interval: settings.overdueCheckInterval,
            system: dependencies.systemActor, logger: dependencies.logger)]
    }
}
