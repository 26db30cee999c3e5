import Events
import Foundation
import Hummingbird
import Messaging
import Pages
import ServiceRuntime
import Storage

/// The funding service: owns envelopes, commitments and the movements of money against them.
struct FundingService: ServiceDefinition {
    static let name = "funding"
    static let defaultPort = 8083
    static let consumedEvents: [EventType] = [.proposalApproved]

    /// Funding's own settings.
    struct Settings: Sendable {
        /// The instrument approvals are committed against (`IfS`).
        var instrument: String
        /// Who publishes the IATI export.
        var reportingOrg: IATIExport.Organisation
        /// Regions (what envelopes are for) and countries (what the export names).
        var reference: ReferenceData
    }

    /// `COE_FUNDING_INSTRUMENT` (`IfS`), `COE_IATI_REPORTING_ORG_REF` (`XI-IATI-EC_FPI`), `COE_IATI_REPORTING_ORG_NAME`.
    static func settings(_ reader: inout ConfigurationReader) -> Settings {
        let instrument = reader.value("COE_FUNDING_INSTRUMENT", "IfS")
        if !FundingInputs.isInstrumentCode(instrument) {
            reader.problem("COE_FUNDING_INSTRUMENT='\(instrument)' must be a code of 1 to 20 letters, digits, '-' or '_', starting with a letter")
        }
        let standard = IATIExport.standardReportingOrg
        let ref = reader.value("COE_IATI_REPORTING_ORG_REF", standard.ref)
        let name = reader.value("COE_IATI_REPORTING_ORG_NAME", standard.name)
        if ref.isEmpty || ref.count > 100 || ref.contains(where: { $0.isWhitespace }) {
            reader.problem("COE_IATI_REPORTING_ORG_REF='\(ref)' must be an IATI organisation identifier such as XI-IATI-EC_FPI")
        }
        var reference = ReferenceData(regions: [], countries: [:], cbrnCategories: [], cbrnAreas: [])
        do { reference = try ReferenceData.load() } catch { reader.problem("funding's reference data can't be read: \(error)") }
        return Settings(instrument: instrument, reportingOrg: .init(ref: ref, name: name), reference: reference)
    }

    static func migrations() throws -> [Migration] {
        try ServiceResources.migrations(service: name, bundle: .module)
    }

    static func openAPIDocument() throws -> String {
        try ServiceResources.openAPIDocument(service: name, bundle: .module)
    }

    static func handlers(_ dependencies: ServiceDependencies, settings: Settings) -> [EventHandler] {
        ApprovalHandlers(instrument: settings.instrument, reference: settings.reference, logger: dependencies.logger).handlers
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings) {
        EnvelopeController(dependencies: dependencies, settings: settings).addRoutes(to: router)
        CommitmentController(dependencies: dependencies).addRoutes(to: router)
        ReportController(dependencies: dependencies, settings: settings).addRoutes(to: router)
    }

    /// The pages of envelopes, commitments and payments (`/funding…`), calling this service's API as the signed-in person.
    static func addPages(to router: Router<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings) throws {
        let pages = try Pages.make(service: .module, authenticator: dependencies.authenticator, logger: dependencies.logger)
        FundingPages(pages: pages).addRoutes(to: pages.group(on: router))
    }
}
