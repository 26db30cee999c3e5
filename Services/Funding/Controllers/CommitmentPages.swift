import Cycle
import Events
import Foundation
import HTTPTypes
import Hummingbird
import Pages
import ServiceRuntime

/// `/funding/commitments`: the commitments a person may see (blocked ones first, since they
/// wait on finance), and one commitment with its schedule, payments, ledger and finance's
/// forms: retry a blocked one, record a payment or a recovery, verify or reject another's.
struct CommitmentPages: Sendable {
    let pages: Pages

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.get("funding/commitments", use: list)
        group.get("funding/commitments/{id}", use: show)
        group.post("funding/commitments/{id}/retry", use: retry)
        group.get("funding/commitments/{id}/retry") { request, context in
            FundingPages.redirect(request, to: "/funding/commitments/\(try PageValue.id(context))")
        }
        group.post("funding/commitments/{id}/payments", use: record)
        group.get("funding/commitments/{id}/payments") { request, context in
            FundingPages.redirect(request, to: "/funding/commitments/\(try PageValue.id(context))")
        }
    }

    /// A refused payment or recovery, shown again as it was typed.
    struct RecordAttempt {
        /// `disbursement` or `recovery`: which of the two forms was sent.
        var kind: String
        var values: [String: String]
        var refusal: FundingRefusal
    }

    /// A refused verification or rejection of one payment.
    struct DecisionAttempt {
        var paymentID: String
        var reason: String
        var refusal: FundingRefusal
    }

    // MARK: The list

    /// The filters the API takes, from the page's query; anything else is left out.
    struct Filters {
        var status: String?
        var region: String?
        var year: Int?

        var query: [(String, String?)] { [("status", status), ("region", region), ("year", year.map(String.init))] }
    }

    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        try Self.requireReader(page)
        return try await list(page, filters: filters(of: request), refusal: nil, status: .ok)
    }

    func filters(of request: Request) -> Filters {
        let query = request.uri.queryParameters
        return Filters(
            status: query["status"].map(String.init).flatMap { CommitmentStatus(rawValue: $0)?.rawValue },
            region: query["region"].map(String.init).flatMap { pages.reference.region($0)?.code },
            year: FundingPages.year(query["year"]))
    }

    func list(_ page: PageRequest, filters: Filters, refusal: [String]?, status: HTTPResponse.Status) async throws -> Response {
        let items = try await FundingPages.everything(page, "/v1/commitments", query: filters.query)
        let strings = page.strings
        let finance = page.caller.role == .finance
        let rows = items.map { row(of: $0, page: page, finance: finance) }
        // Blocked first: they wait on an envelope, and on finance to try them again.
        let groups = CommitmentStatus.allCases.compactMap { state -> [String: Any]? in
            let members = rows.filter { $0["status"] as? String == state.rawValue }
            guard !members.isEmpty else { return nil }
            return [
                "state": state.rawValue, "heading": strings["commitments_\(state.rawValue)_heading"],
                "caption": strings("commitments_caption", ["count": "\(members.count)", "state": page.label("commitment", state.rawValue)]),
                "rows": members, "is_blocked": state == .blocked, "help": strings.optional("commitments_\(state.rawValue)_help") ?? false,
            ]
        }
        let current = FundingPages.currentYear
        let data: [String: Any] = [
            "groups": groups, "empty": groups.isEmpty, "finance": finance,
            "statuses": CommitmentStatus.allCases.map {
                ["value": $0.rawValue, "label": page.label("commitment", $0.rawValue), "selected": $0.rawValue == filters.status]
            },
            "regions": pages.reference.regions.map { ["value": $0.code, "label": $0.name(in: page.language), "selected": $0.code == filters.region] },
            "years": Array((current - 5)...(current + 1)).reversed().map { ["value": "\($0)", "label": "\($0)", "selected": $0 == filters.year] },
            "problems": refusal ?? [], "has_problems": !(refusal ?? []).isEmpty, "refused": true,
        ]
        return try await page.render("funding-commitments", title: strings["commitments_title"], data, status: status, path: "/funding/commitments")
    }

    func row(of commitment: [String: Any], page: PageRequest, finance: Bool) -> [String: Any] {
        let status = PageValue.text(commitment["status"])
        let actions = commitment["allowedActions"] as? [String] ?? []
        return [
            "id": PageValue.text(commitment["id"]), "proposal_id": PageValue.text(commitment["proposalId"]),
            "reference": PageValue.text(commitment["reference"]), "title": PageValue.text(commitment["title"]),
            "region": page.region(commitment["region"] as? String), "country": page.country(commitment["leadCountry"] as? String),
            "year": PageValue.text(commitment["year"]), "status": status, "status_label": page.label("commitment", status),
            "amount": page.language.euros(decimal: commitment["amount"] as? String),
            "disbursed": page.language.euros(decimal: commitment["disbursed"] as? String),
            "remaining": page.language.euros(decimal: commitment["remaining"] as? String),
            "pending": page.language.euros(decimal: commitment["pending"] as? String),
            "shortfall": page.language.euros(decimal: commitment["shortfall"] as? String),
            "can_retry": finance && actions.contains("retry"),
        ]
    }

    // MARK: One commitment

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        try Self.requireReader(page)
        return try await show(page, id: try PageValue.id(context), record: nil, decision: nil, status: .ok)
    }

    func show(_ page: PageRequest, id: String, record: RecordAttempt?, decision: DecisionAttempt?, general: [String] = [], status: HTTPResponse.Status) async throws -> Response {
        async let ledgerAnswer = page.client.document(.funding, "/v1/commitments/\(id)/ledger", as: page.person)
        let commitment = try await page.client.document(.funding, "/v1/commitments/\(id)", as: page.person).object
        let ledger = try await ledgerAnswer.object
        let strings = page.strings
        let language = page.language
        let finance = page.caller.role == .finance
        let actions = commitment["allowedActions"] as? [String] ?? []
        let payments = commitment["payments"] as? [[String: Any]] ?? []
        let schedule = commitment["paymentSchedule"] as? [[String: Any]] ?? []
        let state = PageValue.text(commitment["status"])
        let reference = PageValue.text(commitment["reference"])

        var data = row(of: commitment, page: page, finance: finance)
        data["participating"] = PageValue.optional(
            (commitment["participatingCountries"] as? [String] ?? []).map { page.country($0) }.joined(separator: ", "))
        // The page's title is the layout's; the project's own goes in its line and the facts.
        data["project_title"] = PageValue.text(commitment["title"])
        data["blocked_text"] = strings("blocked_text", ["shortfall": page.language.euros(decimal: commitment["shortfall"] as? String)])
        data["instrument"] = PageValue.text(commitment["instrument"])
        data["released"] = page.language.euros(decimal: commitment["released"] as? String)
        data["is_closed"] = state == "closed"
        data["is_blocked"] = state == "blocked"
        data["approved_on"] = page.day(PageValue.date(commitment["approvedAt"]))
        data["committed_on"] = PageValue.optional(page.day(PageValue.date(commitment["committedAt"])))
        data["closed_on"] = PageValue.optional(page.day(PageValue.date(commitment["closedAt"])))
        data["schedule"] = schedule.map { tranche in scheduleRow(tranche, payments: payments, page: page) }
        data["payments"] = payments.sorted { ($0["sequence"] as? NSNumber)?.intValue ?? 0 < ($1["sequence"] as? NSNumber)?.intValue ?? 0 }.map {
            paymentRow($0, commitmentID: id, reference: reference, finance: finance && actions.contains("verify"), decision: decision, page: page)
        }
        data["has_payments"] = !payments.isEmpty
        data["ledger"] = (ledger["entries"] as? [[String: Any]] ?? []).map { ledgerRow($0, page: page) }
        data["has_ledger"] = !((ledger["entries"] as? [Any]) ?? []).isEmpty
        data["ledger_csv"] = "/v1/commitments/\(id)/ledger?format=csv"
        data["problems"] = general
        data["has_problems"] = !general.isEmpty
        data["refused"] = true
        // A refused form may be far down the page: a link to it comes first.
        if let record {
            data["jump"] = record.kind == "recovery" ? "record-recovery" : "record-payment"
        } else if let decision {
            data["jump"] = "payment-\(decision.paymentID)"
        } else {
            data["jump"] = false
        }

        if finance && actions.contains("record_payment") {
            let mine = record?.kind == "disbursement" ? record : nil
            let refusal = mine?.refusal ?? FundingRefusal()
            let chosen = mine?.values["tranche"] ?? nextTranche(schedule: schedule, payments: payments)
            data["record"] = [
                "form_id": PageValue.newFormID(), "problems": refusal.summary(strings), "has_problems": !refusal.isEmpty,
                "refused": false,
                "tranche_field": refusal.field("tranche", name: "tranche", value: chosen, label: strings["field_tranche"], required: true),
                "tranches": schedule.map { tranche -> [String: Any] in
                    let kind = PageValue.text(tranche["tranche"])
                    return [
                        "value": kind, "selected": kind == chosen,
                        "label": strings("tranche_option", [
                            "tranche": page.label("tranche", kind), "percent": PageValue.text(tranche["percent"]),
                            "amount": language.euros(decimal: tranche["amount"] as? String),
                        ]),
                    ]
                },
                "amount_field": refusal.field(
                    "amount", name: "amount", value: mine?.values["amount"] ?? "", label: strings["field_amount"], hint: strings["hint_amount"],
                    required: true, inputmode: "decimal"),
                "date_field": refusal.field(
                    "valueDate", name: "valueDate", value: mine?.values["valueDate"] ?? "", label: strings["field_valueDate"], type: "date",
                    hint: strings["hint_valueDate"], required: true),
                "bank_field": refusal.field(
                    "bankReference", name: "bankReference", value: mine?.values["bankReference"] ?? "", label: strings["field_bankReference"],
                    required: true),
                "note_field": refusal.field("note", name: "note", value: mine?.values["note"] ?? "", label: strings["field_note"]),
            ]
        }
        if finance && actions.contains("record_recovery") && PageValue.money(commitment["disbursed"]) > .zero {
            let mine = record?.kind == "recovery" ? record : nil
            let refusal = mine?.refusal ?? FundingRefusal()
            data["recovery"] = [
                "form_id": PageValue.newFormID(), "problems": refusal.summary(strings), "has_problems": !refusal.isEmpty,
                "refused": false, "open": mine != nil,
                "amount_field": refusal.field(
                    "recovery-amount", name: "amount", value: mine?.values["amount"] ?? "", label: strings["field_amount"],
                    hint: strings["hint_recovery_amount"], required: true, inputmode: "decimal"),
                "date_field": refusal.field(
                    "recovery-valueDate", name: "valueDate", value: mine?.values["valueDate"] ?? "", label: strings["field_valueDate"],
                    type: "date", hint: strings["hint_valueDate"], required: true),
                "bank_field": refusal.field(
                    "recovery-bankReference", name: "bankReference", value: mine?.values["bankReference"] ?? "",
                    label: strings["field_bankReference"], required: true),
                "reason_field": refusal.field(
                    "recovery-reason", name: "reason", value: mine?.values["reason"] ?? "", label: strings["field_recovery_reason"], required: true),
            ]
        }
        let title = strings("commitment_title", ["reference": reference])
        return try await page.render("funding-commitment", title: title, data, status: status, path: "/funding/commitments/\(id)")
    }

    /// A tranche of the schedule: what it was to pay, what is verified and what awaits verification.
    func scheduleRow(_ tranche: [String: Any], payments: [[String: Any]], page: PageRequest) -> [String: Any] {
        let kind = PageValue.text(tranche["tranche"])
        let scheduled = PageValue.money(tranche["amount"])
        let ofTranche = payments.filter { PageValue.text($0["kind"]) == "disbursement" && PageValue.text($0["tranche"]) == kind }
        func sum(_ status: String) -> Money {
            Money(cents: ofTranche.filter { PageValue.text($0["status"]) == status }.reduce(0) { $0 &+ PageValue.money($1["amount"]).cents })
        }
        let verified = sum("verified"), pending = sum("pending")
        let (state, css): (String, String) =
            verified >= scheduled ? ("paid", "verified")
            : pending > .zero ? ("awaiting", "pending")
            : verified > .zero ? ("part_paid", "submitted")
            : ("not_paid", "none")
        return [
            "tranche": page.label("tranche", kind), "code": kind, "percent": PageValue.text(tranche["percent"]),
            "scheduled": page.euros(scheduled), "verified": page.euros(verified), "pending": page.euros(pending),
            "state": css, "state_label": page.strings["schedule_\(state)"],
        ]
    }

    /// The tranche a new payment most likely pays: the first of the schedule with no verified payment yet.
    func nextTranche(schedule: [[String: Any]], payments: [[String: Any]]) -> String {
        let paid = Set(payments.filter { PageValue.text($0["kind"]) == "disbursement" && PageValue.text($0["status"]) == "verified" }
            .map { PageValue.text($0["tranche"]) })
        let kinds = schedule.map { PageValue.text($0["tranche"]) }
        return kinds.first { !paid.contains($0) } ?? kinds.first ?? ""
    }

    /// A payment or recovery, with what the person may do about it. Four eyes are the API's
    /// rule (the one who recorded a movement never decides it); the page reads who recorded it
    /// to say so instead of offering a button the API would refuse.
    func paymentRow(
        _ payment: [String: Any], commitmentID: String, reference: String, finance: Bool, decision: DecisionAttempt?, page: PageRequest
    ) -> [String: Any] {
        let strings = page.strings
        let id = PageValue.text(payment["id"])
        let kind = PageValue.text(payment["kind"])
        let status = PageValue.text(payment["status"])
        let recorder = PageValue.text((payment["recordedBy"] as? [String: Any])?["sub"])
        let decider = PageValue.text((payment["decidedBy"] as? [String: Any])?["sub"])
        let label = kind == "recovery" ? strings["movement_recovery"] : page.label("tranche", PageValue.text(payment["tranche"]))
        let amount = page.language.euros(decimal: payment["amount"] as? String)
        let pending = status == "pending"
        let own = recorder == page.person.sub
        let attempt = decision?.paymentID == id ? decision : nil
        let refusal = attempt?.refusal ?? FundingRefusal()
        return [
            "id": id, "commitment_id": commitmentID, "sequence": PageValue.text(payment["sequence"]), "label": label, "amount": amount,
            "value_date": page.language.day(iso: PageValue.text(payment["valueDate"])), "bank_reference": PageValue.text(payment["bankReference"]),
            "note": PageValue.optional(PageValue.text(payment["note"] ?? payment["reason"])), "status": status, "status_label": page.label("payment", status),
            "recorded_by": own ? strings("recorded_by_you", ["sub": recorder]) : recorder,
            "recorded_on": page.day(PageValue.date(payment["recordedAt"])),
            "decided_by": PageValue.optional(decider), "decided_on": page.day(PageValue.date(payment["decidedAt"])),
            "rejection_reason": PageValue.optional(PageValue.text(payment["rejectionReason"])),
            "may_decide": finance && pending && !own,
            "four_eyes": finance && pending && own,
            "back": "commitment", "form_id": PageValue.newFormID(),
            "verify_label": strings("verify_label", ["payment": "\(reference) \(label) \(amount)"]),
            "reject_label": strings("reject_label", ["payment": "\(reference) \(label) \(amount)"]),
            "reason_field": refusal.field(
                "reject-reason-\(id)", name: "reason", value: attempt?.reason ?? "", label: strings["field_rejection_reason"], required: true),
            // A verification refused is not a form to correct; a rejection's missing reason is.
            "problems": refusal.general, "has_problems": !refusal.general.isEmpty, "refused": refusal.byField.isEmpty,
        ]
    }

    func ledgerRow(_ entry: [String: Any], page: PageRequest) -> [String: Any] {
        let movement = PageValue.text(entry["movement"])
        let status = PageValue.text(entry["status"])
        return [
            "sequence": PageValue.text(entry["sequence"]), "value_date": page.language.day(iso: PageValue.text(entry["valueDate"])),
            "movement": movement == "recovery" ? page.strings["movement_recovery"] : page.label("tranche", PageValue.text(entry["tranche"])),
            "amount": page.language.euros(decimal: entry["amount"] as? String), "status": status, "status_label": page.label("payment", status),
            "bank_reference": PageValue.text(entry["bankReference"]), "recorded_by": PageValue.text(entry["recordedBy"]),
            "decided_by": PageValue.text(entry["decidedBy"]), "rejection_reason": PageValue.optional(PageValue.text(entry["rejectionReason"])),
            "disbursed_to_date": page.language.euros(decimal: entry["disbursedToDate"] as? String),
            "remaining": page.language.euros(decimal: entry["remaining"] as? String),
        ]
    }

    // MARK: Changes

    /// Finance tries a blocked commitment again; when the envelope still falls short, the page
    /// it came from says by how much.
    @Sendable func retry(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        try page.require(.finance)
        let id = try PageValue.id(context)
        let fromList = form["back"] == "list"
        do {
            // One key per commitment: a retry that succeeded is answered again, one refused is not kept.
            _ = try await page.client.change(.funding, "POST", "/v1/commitments/\(id)/retry", body: nil, key: "page-retry-\(id)", expecting: [200], as: page.person)
            return page.redirect(to: fromList ? "/funding/commitments" : "/funding/commitments/\(id)", notice: "retried")
        } catch let error as CoEClientError where FundingPages.isRefusal(error) {
            let refusal = FundingRefusal(error, page: page)
            let status = HTTPResponse.Status(code: error.status ?? 409)
            if fromList {
                let summary = refusal.summary(page.strings)
                let lines = form["reference"].map { reference in summary.map { page.strings("problem_line", ["field": reference, "problem": $0]) } } ?? summary
                return try await list(page, filters: filters(of: request), refusal: lines, status: status)
            }
            return try await show(page, id: id, record: nil, decision: nil, general: refusal.summary(page.strings), status: status)
        }
    }

    /// Finance records a payment of a tranche, or a recovery; pending until another finance user verifies it.
    @Sendable func record(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        try page.require(.finance)
        let id = try PageValue.id(context)
        let kind = form["kind"] == "recovery" ? "recovery" : "disbursement"
        var body: [String: Any] = ["kind": kind]
        if kind == "disbursement" {
            if let tranche = form["tranche"] { body["tranche"] = tranche }
            if let note = form["note"] { body["note"] = note }
        } else if let reason = form["reason"] {
            body["reason"] = reason
        }
        if let amount = form["amount"] { body["amount"] = PageValue.decimal(amount) }
        if let day = form["valueDate"] { body["valueDate"] = day }
        if let bank = form["bankReference"] { body["bankReference"] = bank }
        do {
            // A key of the form's own: a double click records one payment.
            let key = PageValue.key(form, "payment")
            _ = try await page.client.change(.funding, "POST", "/v1/commitments/\(id)/payments", body: body, key: key, expecting: [201], as: page.person)
            return page.redirect(to: "/funding/commitments/\(id)", notice: kind == "recovery" ? "recovery_recorded" : "payment_recorded")
        } catch let error as CoEClientError where FundingPages.isRefusal(error) {
            var values: [String: String] = [:]
            for name in ["tranche", "amount", "valueDate", "bankReference", "note", "reason"] { values[name] = form.all(name).first ?? "" }
            let attempt = RecordAttempt(kind: kind, values: values, refusal: FundingRefusal(error, page: page))
            return try await show(page, id: id, record: attempt, decision: nil, status: HTTPResponse.Status(code: error.status ?? 422))
        }
    }

    /// Everyone but reviewers sees commitments, each as far as funding's API lets them.
    static func requireReader(_ page: PageRequest) throws {
        try page.require(.finance, .admin, .secretariat, .focalPoint)
    }
}
