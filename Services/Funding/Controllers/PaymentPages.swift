import Cycle
import Events
import Foundation
import HTTPTypes
import Hummingbird
import Pages
import ServiceRuntime

/// `/funding/payments`: finance's verification queue (what awaits a second pair of eyes,
/// across commitments), and verifying or rejecting one payment, from the queue or from its
/// commitment's page.
struct PaymentPages: Sendable {
    let pages: Pages
    /// The commitment's page, shown again when a decision made there is refused.
    let commitments: CommitmentPages

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.get("funding/payments", use: queue)
        group.post("funding/commitments/{id}/payments/{paymentId}/verify", use: verify)
        group.post("funding/commitments/{id}/payments/{paymentId}/reject", use: reject)
        for action in ["verify", "reject"] {
            group.get("funding/commitments/{id}/payments/{paymentId}/\(action)") { request, context in
                FundingPages.redirect(request, to: "/funding/commitments/\(try PageValue.id(context))")
            }
        }
    }

    // MARK: The queue

    @Sendable func queue(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        try page.require(.finance, .admin, .secretariat)
        let region = request.uri.queryParameters["region"].map(String.init).flatMap { pages.reference.region($0)?.code }
        return try await queue(page, region: region, problems: [], status: .ok)
    }

    func queue(_ page: PageRequest, region: String?, problems: [String], status: HTTPResponse.Status) async throws -> Response {
        let items = try await FundingPages.everything(page, "/v1/payments", query: [("status", "pending"), ("region", region)])
        let strings = page.strings
        let finance = page.caller.role == .finance
        let rows = items.map { item -> [String: Any] in
            let payment = item["payment"] as? [String: Any] ?? [:]
            let id = PageValue.text(payment["id"])
            let recorder = PageValue.text((payment["recordedBy"] as? [String: Any])?["sub"])
            let own = recorder == page.person.sub
            let kind = PageValue.text(payment["kind"])
            let label = kind == "recovery" ? strings["movement_recovery"] : page.label("tranche", PageValue.text(payment["tranche"]))
            let amount = page.language.euros(decimal: payment["amount"] as? String)
            let reference = PageValue.text(item["reference"])
            let mayDecide = (item["mayDecide"] as? Bool) ?? ((item["mayDecide"] as? NSNumber)?.boolValue ?? false)
            // The API's `why` is English for developers; the two reasons a page can know are written in the person's language.
            let why: String? =
                mayDecide ? nil
                : own && finance ? strings["four_eyes_queue"]
                : !finance ? strings["only_finance_verifies"]
                : (item["why"] as? String) ?? strings["cannot_decide"]
            return [
                "id": id, "commitment_id": PageValue.text(item["commitmentId"]), "proposal_id": PageValue.text(item["proposalId"]),
                "reference": reference, "title": PageValue.text(item["title"]), "region": page.region(item["region"] as? String),
                "country": page.country(item["leadCountry"] as? String), "label": label, "amount": amount,
                "value_date": page.language.day(iso: PageValue.text(payment["valueDate"])),
                "bank_reference": PageValue.text(payment["bankReference"]),
                "recorded_by": own ? strings("recorded_by_you", ["sub": recorder]) : recorder,
                "recorded_on": page.day(PageValue.date(payment["recordedAt"])),
                "may_decide": mayDecide, "four_eyes": !mayDecide && own && finance, "why": why.map { $0 as Any } ?? false, "back": "queue",
                "verify_label": strings("verify_label", ["payment": "\(reference) \(label) \(amount)"]),
            ]
        }
        let data: [String: Any] = [
            "payments": rows, "empty": rows.isEmpty, "problems": problems, "has_problems": !problems.isEmpty, "refused": true,
            "regions": pages.reference.regions.map { ["value": $0.code, "label": $0.name(in: page.language), "selected": $0.code == region] },
            "caption": strings("payments_caption", ["count": "\(rows.count)"]),
        ]
        return try await page.render("funding-payments", title: strings["payments_title"], data, status: status, path: "/funding/payments")
    }

    // MARK: Decisions

    /// Another finance user verifies a pending payment; it counts from now on. Back to where it was asked from.
    @Sendable func verify(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        try page.require(.finance)
        let id = try PageValue.id(context)
        let paymentID = try PageValue.id(context, "paymentId")
        let fromQueue = form["back"] == "queue"
        do {
            // A verification has no body: one key per payment makes a double click one verification.
            let verified = try await page.client.change(
                .funding, "POST", "/v1/commitments/\(id)/payments/\(paymentID)/verification", body: nil, key: "page-verify-\(paymentID)",
                expecting: [200], as: page.person)
            let notice = verified.object["status"] as? String == "closed" ? "payment_verified_closed" : "payment_verified"
            return page.redirect(to: fromQueue ? "/funding/payments" : "/funding/commitments/\(id)", notice: notice)
        } catch let error as CoEClientError where FundingPages.isRefusal(error) {
            let refusal = FundingRefusal(error, page: page)
            let status = HTTPResponse.Status(code: error.status ?? 409)
            if fromQueue { return try await queue(page, region: nil, problems: refusal.summary(page.strings), status: status) }
            let attempt = CommitmentPages.DecisionAttempt(paymentID: paymentID, reason: "", refusal: refusal)
            return try await commitments.show(page, id: id, record: nil, decision: attempt, status: status)
        }
    }

    /// Another finance user rejects a pending payment, with a reason; it never counts.
    @Sendable func reject(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        try page.require(.finance)
        let id = try PageValue.id(context)
        let paymentID = try PageValue.id(context, "paymentId")
        var body: [String: Any] = [:]
        if let reason = form["reason"] { body["reason"] = reason }
        do {
            let key = PageValue.key(form, "reject", paymentID) ?? "page-reject-\(paymentID)-\(PageValue.newFormID())"
            _ = try await page.client.change(
                .funding, "POST", "/v1/commitments/\(id)/payments/\(paymentID)/rejection", body: body, key: key, expecting: [200], as: page.person)
            return page.redirect(to: "/funding/commitments/\(id)", notice: "payment_rejected")
        } catch let error as CoEClientError where FundingPages.isRefusal(error) {
            let attempt = CommitmentPages.DecisionAttempt(paymentID: paymentID, reason: form.all("reason").first ?? "", refusal: FundingRefusal(error, page: page))
            return try await commitments.show(page, id: id, record: nil, decision: attempt, status: HTTPResponse.Status(code: error.status ?? 422))
        }
    }
}
