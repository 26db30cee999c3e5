import Cycle
import Events
import Foundation
import Hummingbird
import Pages
import ServiceRuntime

/// `/reviews/{proposalId}`: one case as the person may see it — the proposal it carries, its
/// stage and deadline, the screening, the reviewers, the assessments, the decision and the
/// history — with the forms of what the person may do now, as the case's `allowedActions`
/// say: the secretariat screens and assigns, an assigned reviewer assesses or amends, the
/// programme manager decides. A form the API refuses comes back as it was typed, with each of
/// the API's problems beside its field (`ReviewCasePages+Forms.swift` sends them).
struct ReviewCasePages: Sendable {
    let pages: Pages

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.get("reviews/{id}", use: show)
        group.post("reviews/{id}/screening", use: screen)
        group.post("reviews/{id}/assignments", use: assign)
        group.post("reviews/{id}/unassign", use: unassign)
        group.post("reviews/{id}/assessment", use: assess)
        group.post("reviews/{id}/decision", use: decide)
    }

    /// A form the API refused: what was typed, and the API's problems by JSON path.
    struct Refused: Sendable {
        /// `screening`, `assign`, `unassign`, `assessment` or `decision`.
        var form: String
        var fields: Form
        var problems: [(path: String, text: String)]
        var status: HTTPResponse.Status
        /// The decision's schedule: the form's row of each tranche sent (blank rows are not sent).
        var rows: [Int] = []
        /// The reviewers the refused assignment was checked against: the form shows them again
        /// without asking the directory twice.
        var directory: (reviewers: [Reviewer], fromDirectory: Bool)?

        init(_ form: String, fields: Form, error: CoEClientError, rows: [Int] = []) {
            self.form = form
            self.fields = fields
            self.rows = rows
            let listed = (error.problem?.errors ?? []).map { (path: $0.field, text: $0.problem) }
            problems = listed.isEmpty ? [(path: "", text: error.problem?.detail ?? error.detail)] : listed
            status = error.status == 409 ? .conflict : .unprocessableContent
        }

        init(_ form: String, fields: Form, problems: [(path: String, text: String)]) {
            self.form = form
            self.fields = fields
            self.problems = problems
            status = .unprocessableContent
        }

        /// The problems at `path` and below it (`scores.relevance` takes `scores.relevance.score`).
        func at(_ path: String) -> [String] {
            problems.filter { $0.path == path || $0.path.hasPrefix(path + ".") }.map(\.text)
        }

        func exactly(_ path: String) -> [String] { problems.filter { $0.path == path }.map(\.text) }
    }

    /// Someone the secretariat may assign, with what the API needs of them.
    struct Reviewer: Sendable {
        var sub: String
        var name: String
        var email: String?
        var country: String?
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        return try await render(page, id: try PageValue.id(context))
    }

    // MARK: The page

    /// The case page; with `refused`, that form as it was typed and the page's status the API's (422 or 409).
    func render(_ page: PageRequest, id: String, refused: Refused? = nil) async throws -> Response {
        async let historyAnswer = page.client.document(.workflow, "/v1/reviews/\(id)/history", as: page.person)
        async let rulesAnswer = page.client.document(.workflow, "/v1/review-rules", as: page.person)
        let reviewCase = try await page.client.document(.workflow, "/v1/reviews/\(id)", as: page.person).object
        let rules = (try? await rulesAnswer)?.object ?? [:]
        let history = (try? await historyAnswer)?.items ?? reviewCase["history"] as? [[String: Any]] ?? []
        let actions = Set(reviewCase["allowedActions"] as? [String] ?? [])
        let rounds = reviewCase["rounds"] as? [[String: Any]] ?? []
        let current = rounds.last ?? [:]
        let role = page.caller.role

        var data = ReviewPages.row(of: reviewCase, page: page)
        data["case_id"] = id
        data["round"] = PageValue.text(current["number"])
        data["revision"] = PageValue.text(reviewCase["revision"])
        data["facts"] = facts(of: reviewCase, page: page)
        switch role {
        case .secretariat: data["back"] = ["href": "/reviews", "label": page.strings["back_to_queue"]]
        case .reviewer: data["back"] = ["href": "/reviews", "label": page.strings["back_to_assignments"]]
        case .admin: data["back"] = ["href": "/reviews", "label": page.strings["back_to_decisions"]]
        case .focalPoint: data["back"] = ["href": "/proposals/\(id)", "label": page.strings["back_to_proposal"]]
        case .finance: break
        }
        if let refused {
            data["problems"] = summary(of: refused, rules: rules, page: page)
            data["has_problems"] = true
            // A 409 is not the person's typing to correct: the case is not (or no longer) where the form expected it.
            data["problems_heading"] = page.strings[refused.status == .conflict ? "refused_conflict_heading" : "form_problems_heading"]
        }

        if let screening = current["screening"] as? [String: Any] { data["screening_result"] = screeningResult(screening, rules: rules, page: page) }
        if actions.contains("screen") {
            data["screening_form"] = screeningForm(rules: rules, refused: refused?.form == "screening" ? refused : nil, page: page)
        }
        if data["screening_result"] != nil || data["screening_form"] != nil { data["show_screening"] = true }

        // Reviewers: shown to those who see who reviews (the API gives a reviewer only their own assignment).
        let assignments = reviewCase["assignments"] as? [[String: Any]] ?? []
        if role == .secretariat || role == .admin || role == .finance {
            data["reviewers"] = reviewers(assignments, round: current, canUnassign: actions.contains("unassign"), refused: refused, page: page)
        }
        if actions.contains("assign") {
            let involved = Set([reviewCase["leadCountry"] as? String].compactMap { $0 } + (reviewCase["participatingCountries"] as? [String] ?? []))
            data["assign_form"] = await assignForm(
                assigned: Set(assignments.compactMap { $0["reviewer"] as? String }), involved: involved,
                refused: refused?.form == "assign" ? refused : nil, page: page)
        }

        let assessments = current["assessments"] as? [[String: Any]] ?? []
        if !assessments.isEmpty {
            data["assessments"] = assessmentRows(assessments, rules: rules, page: page)
            data["has_assessments"] = true
        }
        if let scores = reviewCase["scores"] as? [String: Any], (scores["assessments"] as? NSNumber)?.intValue ?? 0 > 0 {
            data["scores_text"] = page.strings("scores_summary", [
                "count": PageValue.text(scores["assessments"]), "needed": PageValue.text(rules["minimumAssessments"]),
                "weighted": ReviewPages.score(scores["weightedScore"] as? String, page: page),
                "average": ReviewPages.score(scores["averageScore"] as? String, page: page),
            ])
        }
        if actions.contains("assess") || actions.contains("amend") {
            let own = assessments.first { $0["reviewer"] as? String == page.caller.sub }
            data["assessment_form"] = assessmentForm(
                rules: rules, amending: actions.contains("amend"), own: own, refused: refused?.form == "assessment" ? refused : nil, page: page)
        }
        if data["assessments"] != nil || data["assessment_form"] != nil || data["scores_text"] != nil { data["show_assessments"] = true }

        if let decision = current["decision"] as? [String: Any] { data["decision_result"] = decisionResult(decision, page: page) }
        if actions.contains("approve") || actions.contains("reject") || actions.contains("request_revision") {
            data["decision_form"] = await decisionForm(
                of: reviewCase, rules: rules, actions: actions, refused: refused?.form == "decision" ? refused : nil, page: page)
        }
        if data["decision_result"] != nil || data["decision_form"] != nil { data["show_decision"] = true }

        if rounds.count > 1 {
            data["earlier_rounds"] = rounds.dropLast().map { earlierRound($0, page: page) }
            data["has_earlier_rounds"] = true
        }
        data["history"] = history.reversed().map { entry -> [String: Any] in
            let action = entry["action"] as? String ?? ""
            let actor = entry["actor"] as? [String: Any] ?? [:]
            var item: [String: Any] = [
                "when": page.moment(PageValue.date(entry["at"])), "action": action, "action_label": page.label("review_history", action),
                "who": page.label("role", actor["role"] as? String ?? ""), "round": PageValue.text(entry["round"]),
            ]
            // swift-mustache shows a section for an empty string: only what is there is set.
            if let detail = entry["detail"] as? String, !detail.isEmpty { item["detail"] = detail }
            return item
        }
        let title = reviewCase["title"] as? String ?? page.strings["case_title"]
        return try await page.render("review-case", title: title, data, status: refused?.status ?? .ok)
    }

    // MARK: What the case carries

    func facts(of reviewCase: [String: Any], page: PageRequest) -> [String: Any] {
        let proposal = reviewCase["proposal"] as? [String: Any] ?? [:]
        var facts: [String: Any] = [
            "reference": reviewCase["reference"] as? String ?? "", "region": page.region(reviewCase["region"] as? String),
            "lead": page.country(reviewCase["leadCountry"] as? String),
            "participating": (reviewCase["participatingCountries"] as? [String] ?? []).map { page.country($0) }.joined(separator: ", "),
            "budget": page.language.euros(decimal: reviewCase["requestedBudget"] as? String),
            "categories": (proposal["cbrnCategories"] as? [String] ?? []).map { page.label("cbrn", $0) }.joined(separator: ", "),
            "areas": (proposal["cbrnAreas"] as? [String] ?? []).map { page.label("area", $0) }.joined(separator: ", "),
            "opened": page.day(PageValue.date(reviewCase["openedAt"])),
            "objectives": proposal["objectives"] as? [String] ?? [],
        ]
        if let months = proposal["durationMonths"] as? NSNumber { facts["duration"] = page.strings("months", ["count": months.stringValue]) }
        if let summary = proposal["summary"] as? String, !summary.isEmpty { facts["summary"] = summary }
        let partners = (proposal["implementingPartners"] as? [[String: Any]] ?? []).map { partner -> [String: Any] in
            var item: [String: Any] = ["name": partner["name"] as? String ?? ""]
            let detail = [(partner["country"] as? String).map { page.country($0) }, partner["role"] as? String].compactMap { $0 }.filter { !$0.isEmpty }
            if !detail.isEmpty { item["detail"] = detail.joined(separator: " · ") }
            return item
        }
        if !partners.isEmpty {
            facts["partners"] = partners
            facts["has_partners"] = true
        }
        if (facts["objectives"] as? [String])?.isEmpty == false { facts["has_objectives"] = true }
        return facts
    }

    // MARK: Screening

    func checklistLabel(_ item: [String: Any], page: PageRequest) -> String {
        let key = item["key"] as? String ?? item["item"] as? String ?? ""
        return page.strings.optional("checklist_\(key)") ?? item["label"] as? String ?? key
    }

    func screeningResult(_ screening: [String: Any], rules: [String: Any], page: PageRequest) -> [String: Any] {
        let outcome = screening["outcome"] as? String ?? ""
        let answers = (screening["answers"] as? [[String: Any]] ?? []).map { answer -> [String: Any] in
            let met = answer["met"] as? Bool ?? false
            var item: [String: Any] = ["label": checklistLabel(answer, page: page), "met_label": page.strings[met ? "answer_met" : "answer_not_met"]]
            if let note = answer["note"] as? String, !note.isEmpty { item["note"] = note }
            return item
        }
        var result: [String: Any] = [
            "outcome": outcome, "outcome_label": page.label("screening_outcome", outcome), "answers": answers,
            "when": page.day(PageValue.date(screening["screenedAt"])),
        ]
        let reasons = screening["reasons"] as? [String] ?? []
        if !reasons.isEmpty {
            result["reasons"] = reasons
            result["has_reasons"] = true
        }
        return result
    }

    func screeningForm(rules: [String: Any], refused: Refused?, page: PageRequest) -> [String: Any] {
        let typed = refused?.fields
        let met = Set(typed?.values("met") ?? [])
        let items = (rules["checklist"] as? [[String: Any]] ?? []).map { item -> [String: Any] in
            let key = item["key"] as? String ?? ""
            var field = Self.field("check-\(key)", problems: refused?.at("answers.\(key)") ?? [])
            field["key"] = key
            field["label"] = checklistLabel(item, page: page)
            field["checked"] = met.contains(key)
            field["note"] = typed?["note_\(key)"] ?? ""
            return field
        }
        let outcomes = Screening.Outcome.allCases.map(\.rawValue).map { value -> [String: Any] in
            ["value": value, "id": "screening-outcome-\(value)", "label": page.label("screening_outcome", value), "checked": typed?["outcome"] == value]
        }
        return [
            "items": items, "outcomes": outcomes, "form_id": PageValue.newFormID(),
            "outcome_field": Self.field("screening-outcome", problems: refused?.at("outcome") ?? []),
            "reasons_field": Self.field("screening-reasons", value: typed?["reasons"] ?? "", problems: refused?.at("reasons") ?? [], hint: true),
        ]
    }

    // MARK: Reviewers

    func reviewers(_ assignments: [[String: Any]], round: [String: Any], canUnassign: Bool, refused: Refused?, page: PageRequest) -> [String: Any] {
        let assessed = Set((round["assessments"] as? [[String: Any]] ?? []).compactMap { $0["reviewer"] as? String })
        let rows = assignments.map { assignment -> [String: Any] in
            let sub = assignment["reviewer"] as? String ?? ""
            var row: [String: Any] = [
                "sub": sub, "name": assignment["name"] as? String ?? sub, "country": ReviewPages.nationality(assignment["country"] as? String, page: page),
                "assigned_on": page.day(PageValue.date(assignment["assignedAt"])),
                "assessed_label": page.strings[assessed.contains(sub) ? "reviewer_assessed" : "reviewer_not_assessed"],
                "control": Self.controlID(sub),
                "unassign_label": page.strings("unassign_named", ["name": assignment["name"] as? String ?? sub]),
            ]
            // An assessment that is in keeps its reviewer on the round: no button that can only be refused.
            if canUnassign && !assessed.contains(sub) { row["can_unassign"] = true }
            if refused?.form == "unassign", refused?.fields["reviewer"] == sub {
                row["unassign_error"] = refused?.problems.map(\.text).joined(separator: " ") ?? ""
            }
            return row
        }
        var section: [String: Any] = ["rows": rows]
        if rows.isEmpty { section["empty"] = true }
        return section
    }

    /// The reviewers the secretariat may choose from: the active reviewers of the notifications
    /// directory (`/v1/reviewers`) when it answers, else the reviewers the API shows on the
    /// region's cases. Whoever the page can't list is typed in (sub, name, country, e-mail), as
    /// the API takes them.
    func directory(_ page: PageRequest) async -> (reviewers: [Reviewer], fromDirectory: Bool) {
        if let items = try? await page.client.documentItems(.notifications, "/v1/reviewers", query: [], maxPages: 10, as: page.person) {
            let listed = items.compactMap { item -> Reviewer? in
                guard let sub = item["sub"] as? String, let name = item["name"] as? String else { return nil }
                return Reviewer(sub: sub, name: name, email: item["email"] as? String, country: item["country"] as? String)
            }
            return (listed.sorted { $0.name < $1.name }, true)
        }
        var known: [String: Reviewer] = [:]
        for item in (try? await ReviewPages.cases(page, [])) ?? [] {
            for assignment in item["assignments"] as? [[String: Any]] ?? [] {
                guard let sub = assignment["reviewer"] as? String, let name = assignment["name"] as? String, known[sub] == nil else { continue }
                known[sub] = Reviewer(sub: sub, name: name, email: assignment["email"] as? String, country: assignment["country"] as? String)
            }
        }
        return (known.values.sorted { $0.name < $1.name }, false)
    }

    func assignForm(assigned: Set<String>, involved: Set<String>, refused: Refused?, page: PageRequest) async -> [String: Any] {
        let (reviewers, fromDirectory) = if let known = refused?.directory { known } else { await directory(page) }
        let typed = refused?.fields
        let chosen = typed?["reviewer"]
        let other = ["reviewer", "name", "country", "email"].map { typed?["other_\($0)"] }
        let usesList = chosen != nil || other.allSatisfy { $0 == nil }
        var conflicts: [[String: Any]] = []
        let options = reviewers.filter { !assigned.contains($0.sub) }.map { reviewer -> [String: Any] in
            let country = reviewer.country.map { ReviewPages.nationality($0, page: page) } ?? "—"
            var option: [String: Any] = ["sub": reviewer.sub, "selected": chosen == reviewer.sub, "conflict": false]
            if let code = reviewer.country, involved.contains(code) {
                option["conflict"] = true
                option["label"] = page.strings("reviewer_option_conflict", ["name": reviewer.name, "country": country])
                conflicts.append([
                    "sub": reviewer.sub,
                    "text": page.strings("reviewer_conflict_warning", ["name": reviewer.name, "country": country]),
                ])
            } else {
                option["label"] = page.strings("reviewer_option", ["name": reviewer.name, "country": country])
            }
            return option
        }
        var reviewerProblems: [String] = []
        var otherProblems: [String: [String]] = [:]
        for problem in refused?.problems ?? [] {
            let field = problem.path.split(separator: ".").first.map(String.init) ?? ""
            // Beside the list, each problem says which of the reviewer's details it is about.
            if usesList {
                let label = field.isEmpty ? nil : page.strings.optional("field_assign_\(field)")
                reviewerProblems.append(label.map { page.strings("problem_line", ["field": $0, "problem": problem.text]) } ?? problem.text)
            } else if ["reviewer", "name", "country", "email"].contains(field) {
                otherProblems[field, default: []].append(problem.text)
            }
        }
        var select = Self.field("reviewer", problems: reviewerProblems, hint: true)
        if !conflicts.isEmpty { select["describedby"] = ((select["describedby"] as? String).map { $0 + " " } ?? "") + "reviewer-conflicts" }
        var form: [String: Any] = [
            "options": options, "form_id": PageValue.newFormID(), "select": select,
            "source_hint": page.strings[fromDirectory ? "reviewer_source_directory" : "reviewer_source_cases"],
            "other_reviewer": Self.field("other-reviewer", value: other[0] ?? "", problems: otherProblems["reviewer"] ?? [], hint: true),
            "other_name": Self.field("other-name", value: other[1] ?? "", problems: otherProblems["name"] ?? []),
            "other_country": Self.field("other-country", value: other[2] ?? "", problems: otherProblems["country"] ?? [], hint: true),
            "other_email": Self.field("other-email", value: other[3] ?? "", problems: otherProblems["email"] ?? []),
        ]
        if !conflicts.isEmpty {
            form["conflicts"] = conflicts
            form["has_conflicts"] = true
        }
        if options.isEmpty || !usesList { form["other_open"] = true }
        return form
    }

    // MARK: Assessments

    func criterionLabel(_ key: String, rules: [String: Any], page: PageRequest) -> String {
        if let label = page.strings.optional("criterion_\(key)") { return label }
        let criterion = (rules["criteria"] as? [[String: Any]] ?? []).first { $0["key"] as? String == key }
        return criterion?["label"] as? String ?? key
    }

    func assessmentRows(_ assessments: [[String: Any]], rules: [String: Any], page: PageRequest) -> [[String: Any]] {
        assessments.enumerated().map { index, assessment -> [String: Any] in
            let reviewer = assessment["reviewer"] as? String ?? ""
            let country = assessment["reviewerCountry"] as? String ?? ""
            let recommendation = assessment["recommendation"] as? String ?? ""
            var row: [String: Any] = [
                "number": index + 1, "weighted": ReviewPages.score(assessment["weightedTotal"] as? String, page: page),
                "average": ReviewPages.score(assessment["averageScore"] as? String, page: page),
                "recommendation": recommendation, "recommendation_label": page.label("recommendation", recommendation),
                "submitted": page.day(PageValue.date(assessment["submittedAt"])),
                "scores": (assessment["scores"] as? [[String: Any]] ?? []).map { score -> [String: Any] in
                    let key = score["criterion"] as? String ?? ""
                    return [
                        "label": criterionLabel(key, rules: rules, page: page), "weight": PageValue.text(score["weight"]),
                        "score": PageValue.text(score["score"]), "comment": score["comment"] as? String ?? "",
                    ]
                },
            ]
            // A reviewer sees the others' assessments without their names (the API masks them as "--").
            if reviewer == page.caller.sub {
                row["who"] = page.strings["assessment_yours"]
            } else if country == "--" {
                row["who"] = page.strings("assessment_other", ["number": String(index + 1)])
            } else {
                row["who"] = assessment["reviewerName"] as? String ?? reviewer
                row["who_country"] = ReviewPages.nationality(country, page: page)
            }
            if let comment = assessment["comment"] as? String, !comment.isEmpty { row["comment"] = comment }
            if let amended = PageValue.date(assessment["amendedAt"]) { row["amended"] = page.day(amended) }
            return row
        }
    }

    func assessmentForm(rules: [String: Any], amending: Bool, own: [String: Any]?, refused: Refused?, page: PageRequest) -> [String: Any] {
        let typed = refused?.fields
        let previous = Dictionary(
            (own?["scores"] as? [[String: Any]] ?? []).compactMap { score in (score["criterion"] as? String).map { ($0, score) } },
            uniquingKeysWith: { first, _ in first })
        var weighted = 0, weights = 0, complete = true
        let criteria = (rules["criteria"] as? [[String: Any]] ?? []).map { criterion -> [String: Any] in
            let key = criterion["key"] as? String ?? ""
            let weight = (criterion["weight"] as? NSNumber)?.intValue ?? 0
            let score = typed.map { $0["score_\(key)"] ?? "" } ?? PageValue.text(previous[key]?["score"])
            let comment = typed.map { $0["comment_\(key)"] ?? "" } ?? (previous[key]?["comment"] as? String ?? "")
            if let value = Int(score) { weighted += weight * value; weights += weight } else { complete = false }
            var field = Self.field(
                "score-\(key)", value: score, problems: (refused?.exactly("scores.\(key)") ?? []) + (refused?.at("scores.\(key).score") ?? []), hint: true)
            field["key"] = key
            field["weight"] = String(weight)
            field["label"] = criterionLabel(key, rules: rules, page: page)
            field["weight_label"] = page.strings("criterion_weight", ["weight": String(weight)])
            field["comment"] = Self.field("comment-\(key)", value: comment, problems: refused?.at("scores.\(key).comment") ?? [])
            return field
        }
        let recommendation = typed?["recommendation"] ?? (refused == nil ? own?["recommendation"] as? String : nil)
        let recommendations = Assessment.Recommendation.allCases.map(\.rawValue).map { value -> [String: Any] in
            ["value": value, "id": "recommendation-\(value)", "label": page.label("recommendation", value), "checked": recommendation == value]
        }
        let comment = typed.map { $0["comment"] ?? "" } ?? (own?["comment"] as? String ?? "")
        var noConflict = Self.field("no-conflict", problems: refused?.at("noConflictOfInterest") ?? [], hint: true)
        noConflict["checked"] = typed?["noConflictOfInterest"] == "true"
        // The same total the script shows as the reviewer types: Σ weight × score / Σ weight.
        var total = complete && weights > 0 ? String(format: "%.1f / 100", Double(weighted) / Double(weights)) : "–"
        if page.language == .fr { total = total.replacingOccurrences(of: ".", with: ",") }
        return [
            "criteria": criteria, "recommendations": recommendations, "mode": amending ? "amend" : "assess", "amending": amending,
            "form_id": PageValue.newFormID(), "total": total, "no_conflict": noConflict,
            "recommendation_field": Self.field("recommendation", problems: refused?.at("recommendation") ?? []),
            "comment_field": Self.field("assessment-comments", value: comment, problems: refused?.at("comment") ?? []),
            "submit_label": page.strings[amending ? "assessment_amend" : "assessment_submit"],
        ]
    }

    // MARK: Decision

    func decisionResult(_ decision: [String: Any], page: PageRequest) -> [String: Any] {
        let outcome = decision["outcome"] as? String ?? ""
        var result: [String: Any] = [
            "outcome": outcome, "outcome_label": page.label("decided", outcome),
            "when": page.day(PageValue.date(decision["decidedAt"])),
        ]
        if let budget = decision["approvedBudget"] as? String { result["approved_budget"] = page.language.euros(decimal: budget) }
        let schedule = (decision["paymentSchedule"] as? [[String: Any]] ?? []).map { tranche -> [String: Any] in
            [
                "tranche": page.label("tranche", tranche["tranche"] as? String ?? ""), "percent": PageValue.text(tranche["percent"]),
                "amount": page.language.euros(decimal: tranche["amount"] as? String),
            ]
        }
        if !schedule.isEmpty {
            result["schedule"] = schedule
            result["has_schedule"] = true
        }
        let reasons = decision["reasons"] as? [String] ?? []
        if !reasons.isEmpty {
            result["reasons"] = reasons
            result["has_reasons"] = true
        }
        return result
    }

    func decisionForm(of reviewCase: [String: Any], rules: [String: Any], actions: Set<String>, refused: Refused?, page: PageRequest) async -> [String: Any] {
        let region = reviewCase["region"] as? String ?? ""
        let year = UTC.year(of: Date())
        async let envelopes = try? page.client.envelopes(year: year, region: region, as: page.person)
        async let ranking = try? page.client.document(.workflow, "/v1/rankings", query: [("region", region)], as: page.person)
        let typed = refused?.fields
        let cap = (rules["preFinancingCapPercent"] as? NSNumber)?.intValue ?? 40
        let outcomeActions = ["approved": "approve", "rejected": "reject", "revision_requested": "request_revision"]
        let ids = ["approved": "outcome-approve", "rejected": "outcome-reject", "revision_requested": "outcome-revision"]
        let outcomes = Decision.Outcome.allCases.map(\.rawValue).filter { actions.contains(outcomeActions[$0] ?? $0) }.map { value -> [String: Any] in
            ["value": value, "id": ids[value] ?? "outcome-\(value)", "label": page.label("decision_outcome", value), "checked": typed?["outcome"] == value]
        }
        // Without a script the form has four rows; a first approval is offered 40/40/20 (within the call's cap).
        var shares: [(tranche: String, share: String)]
        if let typed {
            let tranches = typed.all("tranche"), typedShares = typed.all("share")
            shares = (0..<max(tranches.count, typedShares.count)).map { index in
                (index < tranches.count ? tranches[index] : "", index < typedShares.count ? typedShares[index] : "")
            }
        } else {
            let first = min(40, cap)
            shares = [("pre_financing", String(first)), ("interim", String(80 - first)), ("final", "20")]
        }
        while shares.count < 4 { shares.append(("", "")) }
        // A problem of the n-th tranche sent belongs to the row it came from.
        var rowProblems: [Int: [String]] = [:]
        for (sent, row) in (refused?.rows ?? []).enumerated() { rowProblems[row, default: []] += refused?.at("paymentSchedule.\(sent)") ?? [] }
        let kinds = PaymentTranche.Kind.allCases.map(\.rawValue)
        let rows = shares.enumerated().map { index, row -> [String: Any] in
            var field = Self.field("share-\(index + 1)", value: row.share, problems: rowProblems[index] ?? [])
            field["number"] = index + 1
            field["tranches"] = ([""] + kinds).map { kind -> [String: Any] in
                ["value": kind, "label": kind.isEmpty ? "—" : page.label("tranche", kind), "selected": row.tranche == kind]
            }
            return field
        }
        let sum = shares.compactMap { Int($0.share.trimmingCharacters(in: .whitespaces)) }.reduce(0, +)
        var form: [String: Any] = [
            "outcomes": outcomes, "rows": rows, "sum": "\(sum) %", "form_id": PageValue.newFormID(),
            "outcome_field": Self.field("decision-outcome", problems: refused?.at("outcome") ?? []),
            "budget_field": Self.field("approvedBudget", value: typed?["approvedBudget"] ?? "", problems: refused?.at("approvedBudget") ?? [], hint: true),
            "schedule_field": Self.field("schedule", problems: refused?.exactly("paymentSchedule") ?? [], hint: true),
            "reasons_field": Self.field("decision-reasons", value: typed?["reasons"] ?? "", problems: refused?.at("reasons") ?? [], hint: true),
            "budget_hint": page.strings("approved_budget_hint", ["requested": page.language.euros(decimal: reviewCase["requestedBudget"] as? String)]),
            "schedule_hint": page.strings("schedule_hint", ["cap": String(cap)]),
            "envelope_heading": page.strings("envelope_heading", ["region": page.region(region), "year": String(year)]),
        ]
        for (key, value) in ReviewPages.envelope(await envelopes, region: region, year: year, page: page) { form[key] = value }
        let entries = (await ranking)?.items ?? []
        if let entry = entries.first(where: { $0["proposalId"] as? String == reviewCase["proposalId"] as? String }) {
            form["rank"] = page.strings("ranking_position", ["rank": PageValue.text(entry["rank"]), "count": String(entries.count), "region": page.region(region)])
            form["cumulative"] = page.language.euros(decimal: entry["cumulativeRequested"] as? String)
        }
        return form
    }

    func earlierRound(_ round: [String: Any], page: PageRequest) -> [String: Any] {
        var item: [String: Any] = ["number": PageValue.text(round["number"]), "revision": PageValue.text(round["revision"])]
        if let outcome = (round["screening"] as? [String: Any])?["outcome"] as? String { item["screening"] = page.label("screening_outcome", outcome) }
        item["assessments"] = String((round["assessments"] as? [Any] ?? []).count)
        if let decision = round["decision"] as? [String: Any] {
            item["decision"] = page.label("decided", decision["outcome"] as? String ?? "")
            let reasons = decision["reasons"] as? [String] ?? []
            if !reasons.isEmpty { item["reasons"] = reasons.joined(separator: "; ") }
        }
        return item
    }

    // MARK: Forms' pieces

    /// One control: its id, its value as typed, and the API's problems beside it, described by its hint and error.
    static func field(_ id: String, value: String = "", problems: [String], hint: Bool = false) -> [String: Any] {
        // Every key is set, false when empty: a section looks a missing key up in the enclosing
        // field (a criterion's comment would take the criterion's error).
        var item: [String: Any] = ["id": id, "value": value, "invalid": !problems.isEmpty, "field_error": false, "describedby": false]
        var described: [String] = []
        if hint { described.append("\(id)-hint") }
        if !problems.isEmpty {
            item["field_error"] = problems.joined(separator: "; ")
            described.append("\(id)-error")
        }
        if !described.isEmpty { item["describedby"] = described.joined(separator: " ") }
        return item
    }

    /// A reviewer's subject as an id attribute's part: letters, digits, `-` and `_` kept, anything else `_`.
    static func controlID(_ sub: String) -> String {
        String(sub.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
    }

    /// Every problem of a refused form, each with the words of the field it is about, for the summary at the top.
    func summary(of refused: Refused, rules: [String: Any], page: PageRequest) -> [String] {
        refused.problems.map { problem in
            let parts = problem.path.split(separator: ".").map(String.init)
            let label: String?
            switch parts.first {
            case nil: label = nil
            case "answers": label = parts.count > 1 ? checklistLabel(["key": parts[1]], page: page) : page.strings["field_answers"]
            case "scores": label = parts.count > 1 ? criterionLabel(parts[1], rules: rules, page: page) : page.strings["field_scores"]
            case "paymentSchedule":
                if parts.count > 1, let sent = Int(parts[1]), sent < refused.rows.count {
                    label = page.strings("field_schedule_row", ["number": String(refused.rows[sent] + 1)])
                } else {
                    label = page.strings["field_paymentSchedule"]
                }
            case let field?:
                label = page.strings.optional(refused.form == "assign" ? "field_assign_\(field)" : "field_\(field)")
            }
            return label.map { page.strings("problem_line", ["field": $0, "problem": problem.text]) } ?? problem.text
        }
    }
}
