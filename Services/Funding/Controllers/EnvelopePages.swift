import Cycle
import Events
import Foundation
import HTTPTypes
import Hummingbird
import Pages
import ServiceRuntime

/// `/funding`: the envelopes of a year by region, how much of each is committed and disbursed
/// (a chart and its table), the downloads, and finance's forms to create and adjust envelopes.
struct EnvelopePages: Sendable {
    let pages: Pages

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.get("funding", use: overview)
        group.post("funding/envelopes", use: create)
        group.get("funding/envelopes") { request, _ in FundingPages.redirect(request, to: "/funding") }
        group.post("funding/envelopes/{id}/adjust", use: adjust)
        group.get("funding/envelopes/{id}/adjust") { request, _ in FundingPages.redirect(request, to: "/funding") }
    }

    /// A refused form, to show it again as it was sent: `create`, or the id of the adjusted envelope.
    struct Attempt {
        var form: String
        var values: [String: String]
        var refusal: FundingRefusal
    }

    // MARK: Pages

    @Sendable func overview(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        // Envelopes are for finance, the programme manager and the regions' secretariats (FundingAccess).
        try page.require(.finance, .admin, .secretariat)
        let year = FundingPages.year(request.uri.queryParameters["year"]) ?? FundingPages.currentYear
        return try await render(page, year: year, attempt: nil, status: .ok)
    }

    func render(_ page: PageRequest, year: Int, attempt: Attempt?, status: HTTPResponse.Status) async throws -> Response {
        async let reportAnswer = page.client.document(.funding, "/v1/reports/regions", query: [("year", "\(year)")], as: page.person)
        let all = try await page.client.envelopes(as: page.person)
        let report = try await reportAnswer
        let strings = page.strings
        let language = page.language
        let finance = page.caller.role == .finance

        // The report has what envelopes don't: what was disbursed, counted as the API counts it.
        var figures: [String: [String: Any]] = [:]
        for row in report.object["rows"] as? [[String: Any]] ?? [] {
            figures["\(PageValue.text(row["region"]))|\(PageValue.text(row["instrument"]))"] = row
        }
        let envelopes = all.filter { $0.year == year }.sorted {
            ($0.region, $0.instrument) < ($1.region, $1.instrument)
        }
        let instruments = Set(envelopes.map(\.instrument))
        var bars: [SVGChart.Bar] = []
        var rows: [[String: Any]] = []
        var totals = (amount: Money.zero, committed: Money.zero, disbursed: Money.zero, available: Money.zero)
        for envelope in envelopes {
            let row = figures["\(envelope.region)|\(envelope.instrument)"] ?? [:]
            let disbursed = PageValue.money(row["disbursed"])
            // Committed but not yet paid: what the bar shows beside the disbursed part.
            let outstanding = Money(cents: max(0, envelope.committed.cents - disbursed.cents))
            let instrument = instruments.count > 1 ? " · \(envelope.instrument)" : ""
            let name = page.region(envelope.region) + " (\(envelope.region))" + instrument
            // The chart's labels have 190 of its units: a long region name is its code there (the table names it in full).
            let regionName = page.region(envelope.region)
            let short = (regionName.count > 24 ? envelope.region : regionName) + instrument
            let absorption = FundingPages.percent(row["absorptionRate"], language)
            bars.append(SVGChart.Bar(
                label: short, total: envelope.amount.cents, parts: [disbursed.cents, outstanding.cents],
                caption: strings("chart_caption", ["rate": absorption])))
            totals.amount = Money(cents: totals.amount.cents &+ envelope.amount.cents)
            totals.committed = Money(cents: totals.committed.cents &+ envelope.committed.cents)
            totals.disbursed = Money(cents: totals.disbursed.cents &+ disbursed.cents)
            totals.available = Money(cents: totals.available.cents &+ envelope.available.cents)
            let id = envelope.id.lowercased
            var item: [String: Any] = [
                "id": id, "region": name, "region_code": envelope.region,
                "amount": page.euros(envelope.amount), "committed": page.euros(envelope.committed), "disbursed": page.euros(disbursed),
                "outstanding": page.euros(outstanding), "available": page.euros(envelope.available), "absorption": absorption,
                "commitments_text": strings("envelope_commitments", ["count": "\((row["commitments"] as? NSNumber)?.intValue ?? 0)"]),
                "blocked_text": strings("envelope_blocked", ["count": "\((row["blocked"] as? NSNumber)?.intValue ?? 0)"]),
                "has_blocked": ((row["blocked"] as? NSNumber)?.intValue ?? 0) > 0,
                "adjust_legend": strings("adjust_legend", ["region": name, "year": "\(year)"]),
            ]
            let mine = attempt?.form == id ? attempt : nil
            let refusal = mine?.refusal ?? FundingRefusal()
            item["delta_field"] = refusal.field(
                "delta-\(id)", name: "delta", value: mine?.values["delta"] ?? "", label: strings["field_delta"], hint: strings["hint_delta"],
                required: true, inputmode: "decimal")
            item["reason_field"] = refusal.field(
                "reason-\(id)", name: "reason", value: mine?.values["reason"] ?? "", label: strings["field_reason"], required: true)
            item["problems"] = refusal.summary(strings)
            item["has_problems"] = !refusal.isEmpty
            item["refused"] = false
            rows.append(item)
        }

        let chart = envelopes.isEmpty
            ? ""
            : SVGChart.bars(bars, legend: [strings["chart_disbursed"], strings["chart_outstanding"]], title: strings("chart_title", ["year": "\(year)"]))
        var years = Set(all.map(\.year))
        years.insert(FundingPages.currentYear)
        years.insert(year)
        let committedProjects = (report.object["totals"] as? [String: Any]).map { PageValue.money($0["committed"]) > .zero } ?? false

        var data: [String: Any] = [
            "year": year, "envelopes": rows, "empty": rows.isEmpty, "chart": chart, "finance": finance,
            "years": years.sorted(by: >).map { ["value": $0, "selected": $0 == year] },
            "totals": [
                "amount": page.euros(totals.amount), "committed": page.euros(totals.committed), "disbursed": page.euros(totals.disbursed),
                "outstanding": page.euros(Money(cents: max(0, totals.committed.cents - totals.disbursed.cents))),
                "available": page.euros(totals.available),
                "absorption": FundingPages.percent((report.object["totals"] as? [String: Any])?["absorptionRate"], language),
            ],
            "downloads": [
                ["href": "/v1/reports/regions?year=\(year)&format=csv", "label": strings["download_regions"], "id": "download-regions"],
                ["href": "/v1/reports/countries?year=\(year)&format=csv", "label": strings["download_countries"], "id": "download-countries"],
            ],
            "has_iati": committedProjects, "iati_href": "/v1/exports/iati?year=\(year)",
            "caption": strings("envelopes_caption", ["year": "\(year)"]),
            // A refused form may be far down the page: a link to it comes first.
            "jump": attempt.map { $0.form == "create" ? "create-envelope" : "adjust-\($0.form)" as Any } ?? false,
        ]
        if finance {
            let creating = attempt?.form == "create" ? attempt : nil
            let refusal = creating?.refusal ?? FundingRefusal()
            let region = creating?.values["region"] ?? ""
            data["create"] = [
                "form_id": PageValue.newFormID(),
                "year_field": refusal.field(
                    "envelope-year", name: "year", value: creating?.values["year"] ?? "\(year)", label: strings["field_year"], type: "number",
                    required: true),
                "region_field": refusal.field("envelope-region", name: "region", value: region, label: strings["field_region"], required: true),
                "instrument_field": refusal.field(
                    "envelope-instrument", name: "instrument", value: creating?.values["instrument"] ?? "", label: strings["field_instrument"],
                    hint: strings["hint_instrument"]),
                "amount_field": refusal.field(
                    "envelope-amount", name: "amount", value: creating?.values["amount"] ?? "", label: strings["field_amount"],
                    hint: strings["hint_amount"], required: true, inputmode: "decimal"),
                "reason_field": refusal.field(
                    "envelope-reason", name: "reason", value: creating?.values["reason"] ?? "", label: strings["field_reason"], required: true),
                "regions": pages.reference.regions.map { ["code": $0.code, "name": $0.name(in: language), "selected": $0.code == region] },
                "problems": refusal.summary(strings), "has_problems": !refusal.isEmpty, "refused": false,
            ]
            data["form_id"] = PageValue.newFormID()
        }
        return try await page.render("funding-overview", title: strings["overview_title"], data, status: status, path: "/funding")
    }

    // MARK: Changes

    /// Finance creates an envelope; a refused one is shown again with the API's problems.
    @Sendable func create(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        try page.require(.finance)
        var body: [String: Any] = [:]
        if let year = form["year"] { body["year"] = Int(year).map { $0 as Any } ?? year }
        if let region = form["region"] { body["region"] = region }
        if let instrument = form["instrument"] { body["instrument"] = instrument }
        if let amount = form["amount"] { body["amount"] = PageValue.decimal(amount) }
        if let reason = form["reason"] { body["reason"] = reason }
        let year = form["year"].flatMap { FundingPages.year(Substring($0)) } ?? FundingPages.currentYear
        do {
            // A key of the form's own: a double click creates one envelope.
            let key = PageValue.key(form, "envelope")
            let created = try await page.client.change(.funding, "POST", "/v1/envelopes", body: body, key: key, expecting: [201], as: page.person)
            let unblocked = (created.object["commitmentsUnblocked"] as? [Any] ?? []).isEmpty == false
            return page.redirect(to: "/funding?year=\(year)", notice: unblocked ? "envelope_created_unblocked" : "envelope_created")
        } catch let error as CoEClientError where FundingPages.isRefusal(error) {
            let values = ["year": form["year"] ?? "", "region": form["region"] ?? "", "instrument": form["instrument"] ?? "",
                          "amount": form["amount"] ?? "", "reason": form["reason"] ?? ""]
            let attempt = Attempt(form: "create", values: values, refusal: FundingRefusal(error, page: page))
            return try await render(page, year: year, attempt: attempt, status: HTTPResponse.Status(code: error.status ?? 422))
        }
    }

    /// Finance raises or cuts an envelope, with a reason.
    @Sendable func adjust(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        try page.require(.finance)
        let id = try PageValue.id(context)
        var body: [String: Any] = [:]
        if let delta = form["delta"] { body["delta"] = PageValue.decimal(delta) }
        if let reason = form["reason"] { body["reason"] = reason }
        let year = form["year"].flatMap { FundingPages.year(Substring($0)) } ?? FundingPages.currentYear
        do {
            let key = PageValue.key(form, "adjust", id)
            let adjusted = try await page.client.change(
                .funding, "POST", "/v1/envelopes/\(id)/adjustments", body: body, key: key, expecting: [200], as: page.person)
            let unblocked = (adjusted.object["commitmentsUnblocked"] as? [Any] ?? []).isEmpty == false
            return page.redirect(to: "/funding?year=\(year)", notice: unblocked ? "envelope_adjusted_unblocked" : "envelope_adjusted")
        } catch let error as CoEClientError where FundingPages.isRefusal(error) {
            let attempt = Attempt(form: id, values: ["delta": form["delta"] ?? "", "reason": form["reason"] ?? ""], refusal: FundingRefusal(error, page: page))
            return try await render(page, year: year, attempt: attempt, status: HTTPResponse.Status(code: error.status ?? 422))
        }
    }
}
