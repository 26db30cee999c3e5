import Events
import Foundation
import Hummingbird
import ServiceRuntime

/// `/v1/reports` (by year and region, by lead country; JSON or CSV) and `/v1/exports/iati`.
/// Finance and admins see everything, a secretariat its region; others are refused.
struct ReportController: Sendable {
    let dependencies: ServiceDependencies
    let settings: FundingService.Settings
    let store: FundingStore

    init(dependencies: ServiceDependencies, settings: FundingService.Settings) {
        self.dependencies = dependencies
        self.settings = settings
        self.store = FundingStore(logger: dependencies.logger)
    }

    static let rule = "committed = active commitments' amounts + closed ones' net disbursements; disbursed = verified payments − verified recoveries; "
        + "available = envelope − committed; remaining = committed − disbursed; commitmentRate = committed ÷ envelope, absorptionRate = disbursed ÷ envelope, "
        + "paymentRate = disbursed ÷ committed: percentages computed exactly in integer cents and rounded once to two decimals, half to even; null when the divisor is 0.00"

    func addRoutes(to router: RouterGroup<ServiceRequestContext>) {
        let reports = router.group("reports")
        reports.add(middleware: dependencies.authenticator)
        reports.get("regions", use: regions)
        reports.get("countries", use: countries)
        let exports = router.group("exports")
        exports.add(middleware: dependencies.authenticator)
        exports.get("iati", use: iati)
    }

    /// `?year=&region=&format=`: envelope, committed, available, disbursed, remaining and the rates per year, region and instrument.
    @Sendable func regions(request: Request, context: ServiceRequestContext) async throws -> Response {
        let access = FundingAccess(caller: try context.requireCaller())
        var query = ListParameters(request, filters: ["year", "region", "format"], paginated: false)
        let year = query.year()
        query.limitLength(of: "region", to: 10)
        let csv = FundingQuery.wantsCSV(request, &query)
        try query.validate()
        try access.checkCanReadEnvelopes()
        let region = query.filters["region"]
        let store = self.store
        let (rows, totals) = try await dependencies.database.withTransaction(logger: dependencies.logger) { connection in
            try await store.regionReport(year: year, region: region, scope: access.scope, on: connection)
        }
        guard csv else { return try RegionReportPage(rule: Self.rule, rows: rows, totals: totals).response(from: request, context: context) }
        let document = FundingCSV.regions(rows, totals: totals)
        return document.response(fileName: "funding-by-region\(Self.suffix(year, region)).csv")
    }

    /// `?year=&region=&country=&format=`: committed, disbursed, remaining and the payment rate per lead country.
    @Sendable func countries(request: Request, context: ServiceRequestContext) async throws -> Response {
        let access = FundingAccess(caller: try context.requireCaller())
        var query = ListParameters(request, filters: ["year", "region", "country", "format"], paginated: false)
        let year = query.year()
        query.limitLength(of: "region", to: 10)
        query.limitLength(of: "country", to: 2)
        let csv = FundingQuery.wantsCSV(request, &query)
        try query.validate()
        try access.checkCanReadEnvelopes()
        let region = query.filters["region"]
        let country = query.filters["country"]
        let lines = try await dependencies.database.withConnection { connection in
            try await store.commitments.reportLines(year: year, region: region, country: country, scope: access.scope, on: connection)
        }
        let (rows, totals) = FundingReport.byCountry(lines: lines)
        guard csv else { return try CountryReportPage(rule: Self.rule, rows: rows, totals: totals).response(from: request, context: context) }
        let document = FundingCSV.countries(rows, totals: totals)
        return document.response(fileName: "funding-by-country\(Self.suffix(year, region))\(country.map { "-\($0.filter(\.isLetter))" } ?? "").csv")
    }

    /// `?year=&region=`: the committed projects as an IATI 2.03 `iati-activities` document; 404
    /// when there is none (the standard requires at least one activity).
    @Sendable func iati(request: Request, context: ServiceRequestContext) async throws -> Response {
        let access = FundingAccess(caller: try context.requireCaller())
        var query = ListParameters(request, filters: ["year", "region"], paginated: false)
        let year = query.year()
        query.limitLength(of: "region", to: 10)
        try query.validate()
        try access.checkCanReadEnvelopes()
        let region = query.filters["region"]
        let found = try await dependencies.database.withConnection { connection in
            try await store.commitments.committed(year: year, region: region, scope: access.scope, on: connection)
        }
        guard let commitments = found else {
            throw FundingError.invalid([FieldProblem(
                field: year == nil ? "year" : "region",
                problem: "more than \(CommitmentRepository.exportLimit) projects match; export one year or one region at a time")])
        }
        guard !commitments.isEmpty else {
            throw FundingError.notFound("A committed project to export (an IATI document has at least one activity)")
        }
        let export = IATIExport(reportingOrg: settings.reportingOrg, reference: settings.reference)
        var headers = HTTPFields()
        headers[.contentType] = "application/xml; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"iati-activities\(Self.suffix(year, region)).xml\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: export.document(commitments, at: Date()))))
    }

    private static func suffix(_ year: Int?, _ region: String?) -> String {
        (year.map { "-\($0)" } ?? "") + (region.map { "-\($0.filter { $0.isLetter || $0.isNumber })" } ?? "")
    }
}
