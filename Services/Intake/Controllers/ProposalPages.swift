import Cycle
import Events
import Foundation
import Hummingbird
import Pages
import ServiceRuntime

/// The pages of proposals: a focal point's list, the form to create and edit (with the API's
/// own validation, each problem beside its field), submit, withdraw, revise after a revision
/// request, and a proposal's page with its history, decision, commitment and payments. Every
/// read and change goes through intake's API as the signed-in person.
struct ProposalPages: Sendable {
    let pages: Pages

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.get("proposals", use: list)
        group.get("proposals/new", use: newForm)
        group.post("proposals/new", use: create)
        group.get("proposals/{id}", use: show)
        group.get("proposals/{id}/edit", use: editForm)
        group.post("proposals/{id}/edit", use: update)
        group.post("proposals/{id}/submit", use: submit)
        group.post("proposals/{id}/withdraw", use: withdraw)
    }

    // MARK: List

    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        let status = request.uri.queryParameters["status"].map(String.init).flatMap { ProposalStatus(rawValue: $0)?.rawValue }
        let (answer, cursor) = try await page.listPage(
            .intake, "/v1/proposals", query: [("status", status), ("limit", "50")],
            cursor: PageValue.cursor(request.uri.queryParameters["cursor"].map(String.init)))
        let rows = answer.items.map { row(of: $0, page: page) }
        let filters = ProposalStatus.allCases.map { value -> [String: Any] in
            var item: [String: Any] = ["value": value.rawValue, "label": page.label("status", value.rawValue)]
            if value.rawValue == status { item["selected"] = true }
            return item
        }
        let title = page.caller.role == .focalPoint ? page.strings["proposals_mine_title"] : page.strings["proposals_title"]
        return try await page.render(
            "proposals", title: title,
            [
                "proposals": rows, "filters": filters, "can_create": page.caller.role == .focalPoint, "empty": rows.isEmpty,
                "older": PageValue.optional(PageValue.cursor(answer.object["nextCursor"] as? String).map { next in
                    "/proposals?" + [status.map { "status=\($0)" }, "cursor=\(next)"].compactMap { $0 }.joined(separator: "&")
                }),
                "paged": cursor != nil,
            ])
    }

    func row(of proposal: [String: Any], page: PageRequest) -> [String: Any] {
        let status = proposal["status"] as? String ?? ""
        return [
            "id": proposal["id"] as? String ?? "", "reference": proposal["reference"] as? String ?? "—",
            "title": (proposal["title"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? page.strings["untitled"],
            "status": status, "status_label": page.label("status", status),
            "country": page.country(proposal["leadCountry"] as? String), "region": page.region(proposal["region"] as? String),
            "budget": page.language.euros(decimal: proposal["requestedBudget"] as? String),
            "updated": page.day(PageValue.date(proposal["updatedAt"])),
        ]
    }

    // MARK: Create and edit

    @Sendable func newForm(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        try page.require(.focalPoint)
        var values: [String: Any] = ["leadCountry": page.caller.country ?? ""]
        if let country = page.caller.country, let region = pages.reference.regions.first(where: { $0.countries.contains(country) }) {
            values["region"] = region.code
        }
        return try await form(page, proposal: values, action: "/proposals/new", problems: nil, status: .ok)
    }

    @Sendable func create(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        try page.require(.focalPoint)
        let body = Self.body(of: form)
        do {
            // The form's CSRF token is the person's; a key of the form's own makes a double click one proposal.
            let key = PageValue.key(form, "create")
            let created = try await page.client.change(.intake, "POST", "/v1/proposals", body: body, key: key, expecting: [201, 200], as: page.person)
            let id = created.object["id"] as? String ?? ""
            return page.redirect(to: "/proposals/\(id)", notice: "created")
        } catch let error as CoEClientError where error.status == 422 || error.status == 400 {
            return try await self.form(page, proposal: Self.echo(form), action: "/proposals/new", problems: error, status: .unprocessableContent)
        }
    }

    @Sendable func editForm(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        let id = try PageValue.id(context)
        let proposal = try await page.client.document(.intake, "/v1/proposals/\(id)", as: page.person)
        guard (proposal.object["allowedActions"] as? [String] ?? []).contains("update"), page.caller.role == .focalPoint else {
            throw PageError.forbidden
        }
        return try await form(page, proposal: Self.editable(proposal), action: "/proposals/\(id)/edit", problems: nil, status: .ok)
    }

    @Sendable func update(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        let id = try PageValue.id(context)
        let body = Self.body(of: form, clearing: true)
        let then = form["then"]
        do {
            _ = try await page.client.change(.intake, "PATCH", "/v1/proposals/\(id)", body: body, ifMatch: form["etag"], expecting: [200], as: page.person)
        } catch let error as CoEClientError where error.status == 422 || error.status == 400 {
            var values = Self.echo(form)
            values["etag"] = form["etag"] ?? ""
            return try await self.form(page, proposal: values, action: "/proposals/\(id)/edit", problems: error, status: .unprocessableContent)
        } catch let error as CoEClientError where error.status == 412 {
            // Someone saved in between: the form keeps what this person typed, with the current
            // version's tag, and says so; saving again overwrites knowingly.
            let current = try await page.client.document(.intake, "/v1/proposals/\(id)", as: page.person)
            var values = Self.echo(form)
            values["etag"] = current.etag ?? ""
            let stale = CoEClientError(.unexpectedStatus, status: 412, problem: Problem(detail: page.strings["notice_changed_elsewhere"]), detail: "")
            return try await self.form(page, proposal: values, action: "/proposals/\(id)/edit", problems: stale, status: .conflict)
        }
        if then == "submit" { return try await submitting(id, page: page, key: PageValue.key(form, "submit", id)) }
        return page.redirect(to: "/proposals/\(id)", notice: "saved")
    }

    /// The form of a proposal: `values` in the API's field names, `problems` from its answer.
    func form(_ page: PageRequest, proposal values: [String: Any], action: String, problems: CoEClientError?, status: HTTPResponse.Status) async throws -> Response {
        let (byField, general) = problems.map { page.fieldProblems($0) } ?? ([:], [])
        let strings = page.strings
        func field(_ name: String, _ value: String, label: String? = nil, hint: String? = nil) -> [String: Any] {
            var item: [String: Any] = ["name": name, "value": value, "label": label ?? strings["field_\(name)"]]
            if let hint = hint ?? strings.optional("hint_\(name)") { item["hint"] = hint }
            if let errors = byField[name] { item["errors"] = errors; item["invalid"] = true }
            return item
        }
        let objectives = (values["objectives"] as? [String] ?? []).joined(separator: "\n")
        let participating = Set(values["participatingCountries"] as? [String] ?? [])
        let categories = Set(values["cbrnCategories"] as? [String] ?? [])
        let areas = Set(values["cbrnAreas"] as? [String] ?? [])
        let contact = values["contact"] as? [String: Any] ?? [:]
        var partners = (values["implementingPartners"] as? [[String: Any]] ?? [])
        while partners.count < 3 { partners.append([:]) }
        let region = values["region"] as? String ?? ""
        let reference = pages.reference
        let data: [String: Any] = [
            "action": action, "etag": values["etag"] as? String ?? "", "form_id": PageValue.newFormID(),
            "editing": action.hasSuffix("/edit"),
            "problems": general.isEmpty && byField.isEmpty ? [] : general + byField.sorted { $0.key < $1.key }.flatMap { key, texts in
                texts.map { strings("problem_line", ["field": strings.optional("field_\(key)") ?? key, "problem": $0]) }
            },
            "has_problems": !(general.isEmpty && byField.isEmpty),
            "title_field": field("title", values["title"] as? String ?? ""),
            "summary_field": field("summary", values["summary"] as? String ?? ""),
            "objectives_field": field("objectives", objectives),
            "budget_field": field("requestedBudget", PageValue.text(values["requestedBudget"])),
            "duration_field": field("durationMonths", PageValue.text(values["durationMonths"])),
            "region_field": field("region", region),
            "lead_field": field("leadCountry", values["leadCountry"] as? String ?? ""),
            "participating_field": field("participatingCountries", ""),
            "categories_field": field("cbrnCategories", ""),
            "areas_field": field("cbrnAreas", ""),
            "partners_field": field("implementingPartners", ""),
            "contact_field": field("contact", ""),
            "contact_name": contact["name"] as? String ?? "", "contact_email": contact["email"] as? String ?? "",
            "contact_phone": contact["phone"] as? String ?? "",
            "regions": reference.regions.map { ["code": $0.code, "name": $0.name(in: page.language), "selected": $0.code == region] },
            "countries": reference.regions.map { item -> [String: Any] in
                [
                    "region": item.name(in: page.language), "code": item.code,
                    // The proposal's own region, and any holding a chosen country, open without a click.
                    "open": item.code == region || item.countries.contains { participating.contains($0) },
                    "countries": item.countries.map { code -> [String: Any] in
                        ["code": code, "name": reference.countryName(code, in: page.language), "checked": participating.contains(code),
                         "lead": code == (values["leadCountry"] as? String)]
                    },
                ]
            },
            "categories": reference.cbrnCategories.map { ["code": $0.code, "name": page.label("cbrn", $0.code), "checked": categories.contains($0.code)] },
            "areas": reference.cbrnAreas.map { ["code": $0.code, "name": page.label("area", $0.code), "checked": areas.contains($0.code)] },
            "partners": partners.enumerated().map { index, partner in
                ["number": index + 1, "name": partner["name"] as? String ?? "", "country": partner["country"] as? String ?? "", "role": partner["role"] as? String ?? ""]
            },
        ]
        let title = action.hasSuffix("/edit") ? strings["proposal_edit_title"] : strings["proposal_new_title"]
        return try await page.render("proposal-form", title: title, data, status: status)
    }

    /// The API's body from the form, as typed: the service, not the page, says what is wrong.
    /// A proposal as its edit form starts: the API's values and the version an edit must match.
    static func editable(_ proposal: CoEClient.Document) -> [String: Any] {
        var values = proposal.object
        values["etag"] = proposal.etag ?? ""
        return values
    }

    /// `clearing` sends blanks as null (an edit that empties a field) instead of leaving them out.
    static func body(of form: Form, clearing: Bool = false) -> [String: Any] {
        var body: [String: Any] = [:]
        func put(_ name: String, _ value: Any?) {
            if let value { body[name] = value } else if clearing { body[name] = NSNull() }
        }
        put("title", form["title"])
        put("summary", form["summary"])
        put("region", form["region"])
        put("leadCountry", form["leadCountry"])
        body["objectives"] = PageValue.lines(form["objectives"])
        body["participatingCountries"] = form.values("participatingCountries")
        body["cbrnCategories"] = form.values("cbrnCategories")
        body["cbrnAreas"] = form.values("cbrnAreas")
        // A budget is a decimal string in the API: `1 250 000,00` and `1,250,000.00` are read as people write them.
        put("requestedBudget", form["requestedBudget"].map(PageValue.decimal))
        if let months = form["durationMonths"] { body["durationMonths"] = Int(months).map { $0 as Any } ?? months } else if clearing { body["durationMonths"] = NSNull() }
        let names = form.all("partner_name"), countries = form.all("partner_country"), roles = form.all("partner_role")
        body["implementingPartners"] = names.indices.compactMap { index -> [String: Any]? in
            let name = names[index].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { return nil }
            var partner: [String: Any] = ["name": name]
            if index < countries.count, !countries[index].trimmingCharacters(in: .whitespaces).isEmpty { partner["country"] = countries[index].trimmingCharacters(in: .whitespaces).uppercased() }
            if index < roles.count, !roles[index].trimmingCharacters(in: .whitespaces).isEmpty { partner["role"] = roles[index].trimmingCharacters(in: .whitespaces) }
            return partner
        }
        if form["contact_name"] != nil || form["contact_email"] != nil || form["contact_phone"] != nil {
            var contact: [String: Any] = ["name": form["contact_name"] ?? "", "email": form["contact_email"] ?? ""]
            if let phone = form["contact_phone"] { contact["phone"] = phone }
            body["contact"] = contact
        } else if clearing {
            body["contact"] = NSNull()
        }
        return body
    }

    /// What the person typed, in the API's shape, to show the form again as it was sent.
    static func echo(_ form: Form) -> [String: Any] {
        var values = body(of: form)
        values["requestedBudget"] = form["requestedBudget"] ?? ""
        values["durationMonths"] = form["durationMonths"] ?? ""
        values["objectives"] = (form["objectives"] ?? "").split(whereSeparator: \.isNewline).map(String.init)
        values["implementingPartners"] = form.all("partner_name").indices.map { index in
            ["name": form.all("partner_name")[index], "country": form.all("partner_country").dropFirst(index).first ?? "",
             "role": form.all("partner_role").dropFirst(index).first ?? ""]
        }
        return values
    }

    // MARK: Submit and withdraw

    @Sendable func submit(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        let id = try PageValue.id(context)
        return try await submitting(id, page: page, key: PageValue.key(form, "submit", id))
    }

    /// Submits; when the proposal isn't complete, the form shows what is missing beside each field.
    func submitting(_ id: String, page: PageRequest, key: String?) async throws -> Response {
        do {
            // The form's own key: a double click replays the first answer instead of a 409.
            let key = key ?? "page-submit-\(id)-\(PageValue.newFormID())"
            _ = try await page.client.change(.intake, "POST", "/v1/proposals/\(id)/submit", body: nil, key: key, expecting: [200], as: page.person)
            return page.redirect(to: "/proposals/\(id)", notice: "submitted")
        } catch let error as CoEClientError where error.status == 422 {
            let proposal = try await page.client.document(.intake, "/v1/proposals/\(id)", as: page.person)
            return try await form(page, proposal: Self.editable(proposal), action: "/proposals/\(id)/edit", problems: error, status: .unprocessableContent)
        }
    }

    @Sendable func withdraw(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        let id = try PageValue.id(context)
        var body: [String: Any] = [:]
        if let reason = form["reason"] { body["reason"] = reason }
        do {
            _ = try await page.client.change(.intake, "POST", "/v1/proposals/\(id)/withdraw", body: body, expecting: [200], as: page.person)
        } catch let error as CoEClientError where error.status == 409 {
            // A second click of the same button: the first one withdrew it.
            let now = try await page.client.document(.intake, "/v1/proposals/\(id)", as: page.person)
            guard now.object["status"] as? String == "withdrawn" else { throw error }
        }
        return page.redirect(to: "/proposals/\(id)", notice: "withdrawn")
    }

    // MARK: One proposal

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        let id = try PageValue.id(context)
        async let historyAnswer = page.client.document(.intake, "/v1/proposals/\(id)/history", as: page.person)
        let answer = try await page.client.document(.intake, "/v1/proposals/\(id)", as: page.person)
        let proposal = answer.object
        let history = (try? await historyAnswer)?.items ?? []
        let status = proposal["status"] as? String ?? ""
        let actions = proposal["allowedActions"] as? [String] ?? []
        let mine = page.caller.role == .focalPoint
        var data = row(of: proposal, page: page)
        data["summary"] = proposal["summary"] as? String ?? ""
        data["objectives"] = proposal["objectives"] as? [String] ?? []
        data["participating"] = (proposal["participatingCountries"] as? [String] ?? []).map { page.country($0) }.joined(separator: ", ")
        data["categories"] = (proposal["cbrnCategories"] as? [String] ?? []).map { page.label("cbrn", $0) }.joined(separator: ", ")
        data["duration"] = PageValue.text(proposal["durationMonths"])
        data["revision"] = PageValue.text(proposal["revision"])
        data["submitted"] = PageValue.optional(page.day(PageValue.date(proposal["submittedAt"])))
        data["can_edit"] = mine && actions.contains("update")
        data["can_submit"] = mine && actions.contains("submit")
        data["can_withdraw"] = mine && actions.contains("withdraw")
        data["form_id"] = PageValue.newFormID()
        data["revision_requested"] = status == "revision_requested"
        data["decided"] = ["approved", "rejected"].contains(status)
        data["approved"] = status == "approved"
        data["approved_budget"] = page.language.euros(decimal: proposal["approvedBudget"] as? String)
        data["reasons"] = proposal["decisionReasons"] as? [String] ?? []
        data["has_reasons"] = !(proposal["decisionReasons"] as? [String] ?? []).isEmpty
        data["decided_on"] = page.day(PageValue.date(proposal["decidedAt"]))
        data["history"] = history.reversed().map { entry -> [String: Any] in
            let action = entry["action"] as? String ?? ""
            let actor = entry["actor"] as? [String: Any] ?? [:]
            var item: [String: Any] = [
                "when": page.moment(PageValue.date(entry["at"])), "action": page.label("history", action),
                "who": page.label("role", actor["role"] as? String ?? ""),
            ]
            // swift-mustache shows a section for an empty string: only what is there is set.
            if let detail = entry["detail"] as? String, !detail.isEmpty { item["detail"] = detail }
            let fields = (entry["changedFields"] as? [String] ?? []).map { page.strings.optional("field_\($0)") ?? $0 }
            if !fields.isEmpty { item["fields"] = fields.joined(separator: ", ") }
            return item
        }
        if status == "approved" {
            data["funding"] = try await funding(of: id, region: proposal["region"] as? String, lead: proposal["leadCountry"] as? String, page: page)
        }
        return try await page.render("proposal", title: data["title"] as? String ?? "", data)
    }

    /// The project's commitment and its payments, from funding as the same person sees them there.
    func funding(of proposalID: String, region: String?, lead: String?, page: PageRequest) async throws -> [String: Any]? {
        // Funding lists no commitment by proposal: the proposal's region and lead country narrow the list to a few.
        guard let id = UUID(uuidString: proposalID),
              let commitment = try? await page.client.commitment(ofProposal: id, region: region, leadCountry: lead, as: page.person)
        else { return nil }
        let payments = commitment.payments.map { payment -> [String: Any] in
            [
                "kind": page.label("tranche", payment.tranche?.rawValue ?? payment.kind),
                "amount": page.euros(payment.amount), "status": payment.status.rawValue,
                "status_label": page.label("payment", payment.status.rawValue), "date": page.language.day(iso: payment.valueDate),
            ]
        }
        return [
            "status": commitment.status.rawValue, "status_label": page.label("commitment", commitment.status.rawValue),
            "amount": page.euros(commitment.amount), "disbursed": page.euros(commitment.disbursed), "remaining": page.euros(commitment.remaining),
            "payments": payments, "has_payments": !payments.isEmpty,
        ]
    }
}
