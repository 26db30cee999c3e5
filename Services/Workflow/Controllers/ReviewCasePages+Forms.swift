import Cycle
import Events
import Foundation
import Hummingbird
import Pages
import ServiceRuntime

// The case page's forms, each sent to workflow's API as the person typed it: the API, not the
// page, says what is wrong. A refusal (422, 409, or 400 for what can't be read) shows the case
// page again with the form as typed; success is a 303 back to the case with a notice.
extension ReviewCasePages {
    /// The secretariat's screening: every item of the checklist met or not, the outcome, the reasons.
    @Sendable func screen(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        let id = try PageValue.id(context)
        let met = Set(form.values("met"))
        var answers: [String: Any] = [:]
        // The form lists the checklist it showed; an unticked box is an item not met.
        for key in form.values("item") {
            var answer: [String: Any] = ["met": met.contains(key)]
            if let note = form["note_\(key)"] { answer["note"] = note }
            answers[key] = answer
        }
        var body: [String: Any] = ["answers": answers, "reasons": PageValue.lines(form["reasons"])]
        if let outcome = form["outcome"] { body["outcome"] = outcome }
        return try await attempt(page, id: id, form: form, name: "screening") {
            _ = try await page.client.change(
                .workflow, "POST", "/v1/reviews/\(id)/screening", body: body, key: PageValue.key(form, "screen", id), expecting: [200], as: page.person)
            return "screened"
        }
    }

    /// The secretariat assigns a reviewer chosen in the list, or one typed in.
    @Sendable func assign(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        let id = try PageValue.id(context)
        var body: [String: Any] = [:]
        var known: (reviewers: [Reviewer], fromDirectory: Bool)?
        if let sub = form["reviewer"] {
            // The list's reviewer as the list knows them: what the API needs is looked up again, not trusted from the form.
            let listed = await directory(page)
            known = listed
            guard let reviewer = listed.reviewers.first(where: { $0.sub == sub }) else {
                var refused = Refused("assign", fields: form, problems: [(path: "reviewer", text: page.strings["reviewer_not_listed"])])
                refused.directory = listed
                return try await render(page, id: id, refused: refused)
            }
            body = ["reviewer": reviewer.sub, "name": reviewer.name]
            if let email = reviewer.email, !email.isEmpty { body["email"] = email }
            if let country = reviewer.country { body["country"] = country }
        } else {
            for name in ["reviewer", "name", "email"] { if let value = form["other_\(name)"] { body[name] = value } }
            if let country = form["other_country"] { body["country"] = country.uppercased() }
        }
        return try await attempt(page, id: id, form: form, name: "assign", directory: known) {
            let answer = try await page.client.change(
                .workflow, "POST", "/v1/reviews/\(id)/assignments", body: body, key: PageValue.key(form, "assign", id), expecting: [200, 201], as: page.person)
            return answer.status == 200 ? "already_assigned" : "assigned"
        }
    }

    /// The secretariat takes a reviewer off the case.
    @Sendable func unassign(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        let id = try PageValue.id(context)
        guard let reviewer = form["reviewer"] else { throw PageError.badRequest("no reviewer named") }
        let path = reviewer.addingPercentEncoding(withAllowedCharacters: .urlUnreserved) ?? reviewer
        return try await attempt(page, id: id, form: form, name: "unassign") {
            _ = try await page.client.change(.workflow, "DELETE", "/v1/reviews/\(id)/assignments/\(path)", body: nil, expecting: [204], as: page.person)
            return "unassigned"
        }
    }

    /// An assigned reviewer's assessment, or its amendment (`PUT …/assessments/me`).
    @Sendable func assess(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        let id = try PageValue.id(context)
        var scores: [String: Any] = [:]
        for key in form.values("criterion") {
            var mark: [String: Any] = [:]
            // A score that is not a whole number goes as typed: the API names the problem.
            if let score = form["score_\(key)"] { mark["score"] = Int(score).map { $0 as Any } ?? score }
            if let comment = form["comment_\(key)"] { mark["comment"] = comment }
            if !mark.isEmpty { scores[key] = mark }
        }
        var body: [String: Any] = ["scores": scores, "noConflictOfInterest": form["noConflictOfInterest"] == "true"]
        if let recommendation = form["recommendation"] { body["recommendation"] = recommendation }
        if let comment = form["comment"] { body["comment"] = comment }
        let amending = form["mode"] == "amend"
        return try await attempt(page, id: id, form: form, name: "assessment") {
            if amending {
                _ = try await page.client.change(
                    .workflow, "PUT", "/v1/reviews/\(id)/assessments/me", body: body, key: PageValue.key(form, "amend", id), expecting: [200], as: page.person)
                return "amended"
            }
            _ = try await page.client.change(
                .workflow, "POST", "/v1/reviews/\(id)/assessments", body: body, key: PageValue.key(form, "assess", id), expecting: [201], as: page.person)
            return "assessed"
        }
    }

    /// The programme manager's decision: an approval with its budget and payment schedule, a rejection, or a revision request.
    @Sendable func decide(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        let id = try PageValue.id(context)
        var body: [String: Any] = ["reasons": PageValue.lines(form["reasons"])]
        let outcome = form["outcome"]
        if let outcome { body["outcome"] = outcome }
        var rows: [Int] = []
        // The budget and the schedule belong to an approval; the schedule's prefilled rows must not refuse a rejection.
        if outcome == "approved" {
            if let budget = form["approvedBudget"] { body["approvedBudget"] = PageValue.decimal(budget) }
            let tranches = form.all("tranche"), shares = form.all("share")
            var schedule: [[String: Any]] = []
            for index in 0..<max(tranches.count, shares.count) {
                let tranche = index < tranches.count ? tranches[index].trimmingCharacters(in: .whitespaces) : ""
                let share = index < shares.count ? shares[index].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "%", with: "") : ""
                if tranche.isEmpty && share.isEmpty { continue }
                var item: [String: Any] = [:]
                if !tranche.isEmpty { item["tranche"] = tranche }
                if !share.isEmpty { item["percent"] = Int(share.trimmingCharacters(in: .whitespaces)).map { $0 as Any } ?? share }
                schedule.append(item)
                rows.append(index)
            }
            body["paymentSchedule"] = schedule
        }
        return try await attempt(page, id: id, form: form, name: "decision", rows: rows) {
            _ = try await page.client.change(
                .workflow, "POST", "/v1/reviews/\(id)/decision", body: body, key: PageValue.key(form, "decide", id), expecting: [200], as: page.person)
            return "decided"
        }
    }

    // MARK: Helpers

    /// Runs `change`; on success back to the case with the notice it names, on a refusal the case page with the form as typed.
    func attempt(
        _ page: PageRequest, id: String, form: Form, name: String, rows: [Int] = [],
        directory: (reviewers: [Reviewer], fromDirectory: Bool)? = nil, _ change: () async throws -> String
    ) async throws -> Response {
        do {
            let notice = try await change()
            return page.redirect(to: "/reviews/\(id)", notice: notice)
        } catch let error as CoEClientError where [400, 409, 422].contains(error.status ?? 0) {
            var refused = Refused(name, fields: form, error: page.translated(error), rows: rows)
            refused.directory = directory
            return try await render(page, id: id, refused: refused)
        }
    }
}
