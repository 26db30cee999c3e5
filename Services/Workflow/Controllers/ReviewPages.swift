import Cycle
import Events
import Foundation
import Hummingbird
import Pages
import ServiceRuntime

/// `/reviews`: each person's work list. The region's secretariat sees its queue (screening,
/// technical assessment, awaiting the decision) with the overdue cases apart; a reviewer the
/// cases they are assigned to and whether their assessment is in; the programme manager the
/// cases awaiting a decision, ranked by region, beside the region's envelope. Every list is
/// what workflow's API answers the person: the page filters nothing the API should.
struct ReviewPages: Sendable {
    let pages: Pages

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.get("reviews", use: list)
    }

    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        switch page.caller.role {
        case .secretariat: return try await queue(page)
        case .reviewer: return try await assignments(page)
        case .admin: return try await decisions(page)
        // A focal point follows their proposals in intake, finance its commitments in funding.
        case .focalPoint, .finance: throw PageError.forbidden
        }
    }

    // MARK: The secretariat's queue

    func queue(_ page: PageRequest) async throws -> Response {
        async let screening = Self.cases(page, [("stage", "screening")])
        async let technical = Self.cases(page, [("stage", "technical")])
        async let decision = Self.cases(page, [("stage", "decision")])
        let rules = try? await page.client.document(.workflow, "/v1/review-rules", as: page.person).object
        let needed = (rules?["minimumAssessments"] as? NSNumber)?.intValue
        let stages = [("screening", try await screening), ("technical", try await technical), ("decision", try await decision)]
        var overdue: [[String: Any]] = []
        let sections = stages.map { stage, items -> [String: Any] in
            let rows = items.map { item -> [String: Any] in
                var row = Self.row(of: item, page: page)
                let assignments = item["assignments"] as? [[String: Any]] ?? []
                row["reviewers"] = assignments.isEmpty ? page.strings["reviewers_none"] : assignments.map { $0["name"] as? String ?? "" }.joined(separator: ", ")
                let count = (item["scores"] as? [String: Any])?["assessments"] as? NSNumber
                if stage != "screening", let count {
                    row["assessments"] = needed.map { page.strings("assessments_of", ["count": count.stringValue, "needed": String($0)]) } ?? count.stringValue
                }
                if row["overdue"] as? Bool == true { overdue.append(row) }
                return row
            }
            var section: [String: Any] = [
                "stage": stage, "heading": page.label("stage", stage), "caption": page.strings("queue_caption", ["stage": page.label("stage", stage)]),
                "rows": rows, "count": rows.count,
            ]
            if rows.isEmpty { section["empty"] = true }
            return section
        }
        var data: [String: Any] = ["sections": sections, "intro": page.strings("queue_intro", ["region": page.region(page.caller.region)])]
        if !overdue.isEmpty {
            data["overdue_cases"] = overdue
            data["has_overdue"] = true
        }
        return try await page.render("reviews-queue", title: page.strings["queue_title"], data)
    }

    // MARK: A reviewer's assignments

    func assignments(_ page: PageRequest) async throws -> Response {
        let items = try await Self.cases(page, [("assigned", "me")])
        let me = page.caller.sub
        let rows = items.map { item -> (order: Int, row: [String: Any]) in
            var row = Self.row(of: item, page: page)
            let actions = item["allowedActions"] as? [String] ?? []
            let round = (item["rounds"] as? [[String: Any]])?.last
            let mine = (round?["assessments"] as? [[String: Any]] ?? []).first { $0["reviewer"] as? String == me }
            let stage = item["stage"] as? String ?? ""
            let (state, order): (String, Int)
            if actions.contains("assess") {
                (state, order) = ("to_assess", 0)
            } else if actions.contains("amend") {
                (state, order) = ("assessed_open", 1)
            } else if mine != nil {
                (state, order) = ("assessed", 3)
            } else if stage == "screening" {
                (state, order) = ("not_open", 2)
            } else {
                (state, order) = ("closed", 4)
            }
            row["mine"] = state
            row["mine_label"] = page.strings["assignment_\(state)"]
            if let total = mine?["weightedTotal"] as? String { row["my_total"] = Self.score(total, page: page) }
            return (order, row)
        }
        let ordered = rows.sorted { $0.order < $1.order }.map(\.row)
        var data: [String: Any] = ["rows": ordered]
        if ordered.isEmpty { data["empty"] = true }
        return try await page.render("reviews-assignments", title: page.strings["assignments_title"], data)
    }

    // MARK: The programme manager's decisions

    func decisions(_ page: PageRequest) async throws -> Response {
        let year = UTC.year(of: Date())
        async let listed = Self.cases(page, [("stage", "decision")])
        // Funding away must not hide the queue: the envelopes are shown when they come.
        async let funded = try? page.client.envelopes(year: year, as: page.person)
        let items = try await listed
        let envelopes = await funded
        var due: [String: [String: Any]] = [:]
        for item in items { if let id = item["proposalId"] as? String { due[id] = Self.row(of: item, page: page) } }
        let regions = Set(items.compactMap { $0["region"] as? String }).sorted()
        // Each region's ranking at once, not one after another.
        let rankings = try await withThrowingTaskGroup(of: (String, CoEClient.Document).self) { group in
            for region in regions {
                group.addTask { (region, try await page.client.document(.workflow, "/v1/rankings", query: [("region", region)], as: page.person)) }
            }
            return try await group.reduce(into: [String: CoEClient.Document]()) { $0[$1.0] = $1.1 }
        }
        var sections: [[String: Any]] = []
        for region in regions {
            let ranking = rankings[region]?.items ?? []
            let available = envelopes.flatMap { list in try? Money.sum(list.filter { $0.region == region }.map(\.available)) }
            let rows = ranking.map { entry -> [String: Any] in
                let id = entry["proposalId"] as? String ?? ""
                var row = due[id] ?? [:]
                row["id"] = id
                row["rank"] = PageValue.text(entry["rank"])
                row["reference"] = entry["reference"] as? String ?? ""
                row["title"] = entry["title"] as? String ?? ""
                row["country"] = page.country(entry["leadCountry"] as? String)
                let scores = entry["scores"] as? [String: Any] ?? [:]
                row["weighted"] = Self.score(scores["weightedScore"] as? String, page: page)
                row["assessments"] = PageValue.text(scores["assessments"])
                let recommendations = (entry["recommendations"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }
                row["recommendations"] = recommendations.map { "\(page.label("recommendation", $0.key)) × \(PageValue.text($0.value))" }.joined(separator: ", ")
                row["requested"] = page.language.euros(decimal: entry["requestedBudget"] as? String)
                row["cumulative"] = page.language.euros(decimal: entry["cumulativeRequested"] as? String)
                if let available, let cumulative = (entry["cumulativeRequested"] as? String).flatMap(Money.init) {
                    row["fits"] = cumulative <= available
                    row["fit_label"] = page.strings[cumulative <= available ? "ranking_fits" : "ranking_beyond"]
                }
                return row
            }
            var section: [String: Any] = [
                "region": region, "region_name": page.region(region), "rows": rows,
                "caption": page.strings("ranking_caption", ["region": page.region(region)]),
            ]
            for (key, value) in Self.envelope(envelopes, region: region, year: year, page: page) { section[key] = value }
            sections.append(section)
        }
        var data: [String: Any] = ["sections": sections, "intro": page.strings("decisions_intro", ["year": String(year)])]
        if sections.isEmpty { data["empty"] = true }
        return try await page.render("reviews-decisions", title: page.strings["decisions_title"], data)
    }

    /// What a page shows of a region's envelope: `envelope`, or why there is none to show
    /// (`envelope_none`: funding has none for the year; `envelope_unavailable`: funding didn't answer).
    static func envelope(_ envelopes: [Envelope]?, region: String, year: Int, page: PageRequest) -> [String: Any] {
        guard let envelopes else { return ["envelope_unavailable": true] }
        guard let envelope = envelope(of: envelopes.filter { $0.region == region }, page: page) else {
            return ["envelope_none": page.strings("envelope_none", ["region": page.region(region), "year": String(year)])]
        }
        return ["envelope": envelope]
    }

    /// A region's envelopes of the year (one per instrument) as one: its amount, what is committed, what is left.
    static func envelope(of envelopes: [Envelope], page: PageRequest) -> [String: Any]? {
        guard !envelopes.isEmpty, let amount = try? Money.sum(envelopes.map(\.amount)), let committed = try? Money.sum(envelopes.map(\.committed)),
              let available = try? Money.sum(envelopes.map(\.available))
        else { return nil }
        return [
            "amount": page.euros(amount), "committed": page.euros(committed), "available": page.euros(available),
        ]
    }

    // MARK: Shared by the pages of reviews

    /// What every list shows of a case.
    static func row(of item: [String: Any], page: PageRequest) -> [String: Any] {
        let stage = item["stage"] as? String ?? ""
        var row: [String: Any] = [
            "id": item["proposalId"] as? String ?? "", "reference": item["reference"] as? String ?? "",
            "title": item["title"] as? String ?? "", "country": page.country(item["leadCountry"] as? String),
            "stage": stage, "stage_label": page.label("stage", stage),
            "budget": page.language.euros(decimal: item["requestedBudget"] as? String),
            "overdue": item["overdue"] as? Bool ?? false,
        ]
        if let due = PageValue.date(item["dueAt"]) { row["due"] = page.day(due) }
        return row
    }

    /// Every case of `/v1/reviews` with `query` that the person sees, page after page (at most 1000).
    static func cases(_ page: PageRequest, _ query: [(String, String?)]) async throws -> [[String: Any]] {
        try await page.client.documentItems(.workflow, "/v1/reviews", query: query, maxPages: 10, as: page.person)
    }

    /// A reviewer's nationality: the reference data names the partner countries, reviewers come
    /// from anywhere (the EU member states first of all), so the language's own name stands in.
    static func nationality(_ code: String?, page: PageRequest) -> String {
        guard let code, !code.isEmpty else { return "" }
        let name = page.country(code)
        guard name == code else { return name }
        return Locale(identifier: page.language.rawValue).localizedString(forRegionCode: code) ?? code
    }

    /// A score of the API (`"72.50"`) as the language writes a decimal: `72,50` in French; `—` for none.
    static func score(_ text: String?, page: PageRequest) -> String {
        guard let text, !text.isEmpty else { return "—" }
        return page.language == .fr ? text.replacingOccurrences(of: ".", with: ",") : text
    }

}
