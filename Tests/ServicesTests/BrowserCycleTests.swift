import Cycle
import Events
import Foundation
import Testing
import TestSupport

/// The whole cycle through the pages, in headless Chromium behind the real gateway, as the
/// people of the initiative take it: a focal point creates a proposal (and is shown a field's
/// problem first) and submits it; the secretariat screens it and assigns two reviewers; both
/// assess it; the programme manager approves it with a payment schedule; one finance officer
/// records the pre-financing and the other verifies it; the focal point then sees the approval,
/// the payment and the notification. Then a French-speaking focal point's pages, in French.
/// The screenshots of the main pages are kept (docs/screenshots when COE_SCREENSHOTS_DIR says so).
@Suite("Pages: the whole cycle in a browser, in English and French")
struct BrowserCycleTests {
    @Test func theWholeCycleThroughThePagesInEnglishAndAFocalPointsPagesInFrench() async throws {
        try await PageStack.run { stack in
            try await stack.openEnvelope(region: "CA")
            try await Browser.run(base: stack.url) { browser in
                let proposal = try await Self.focalPointCreatesAndSubmits(browser)
                try await Self.secretariatScreensAndAssigns(browser, proposal: proposal)
                for reviewer in ["rev-fr", "rev-de"] { try await Self.reviewerAssesses(browser, reviewer: reviewer, proposal: proposal) }
                try await Self.programmeManagerApproves(browser, proposal: proposal)
                let payment = try await Self.financeRecordsAndAnotherVerifies(browser, proposal: proposal)
                try await Self.focalPointSeesApprovalPaymentAndNotification(browser, stack: stack, proposal: proposal, payment: payment)
                try await Self.frenchFocalPoint(browser)
            }
        }
    }

    /// The audit every screenshot runs finds what it looks for (a page made to fail each check).
    @Test func theAccessibilityAuditFindsWhatItChecks() async throws {
        let page = """
            <html><body><h1>One</h1><h1>Two</h1><input name="nameless"><button></button><a href="/x"></a>
            <p id="twice" style="color:#999;background:#fff">Faint grey text</p><p id="twice">again</p>
            <svg role="img"><rect width="1" height="1"/></svg><table><tr><td>no headers</td></tr></table></body></html>
            """
        try await Browser.run(base: "data:text/html;charset=utf-8,") { browser in
            try await browser.driver.go("data:text/html;charset=utf-8," + (page.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            let problems = try await browser.accessibilityProblems().joined(separator: "; ")
            for expected in ["unlabelled control nameless", "unnamed button", "unnamed a /x", "2 h1 elements", "no lang on html", "repeated id twice",
                             "chart without a title", "table without headers", "contrast 2.85 of \"Faint grey text\""] {
                #expect(problems.contains(expected), "\(expected) not in: \(problems)")
            }
        }
    }

    // MARK: Focal point

    static func focalPointCreatesAndSubmits(_ browser: Browser) async throws -> String {
        try await browser.go("/signin")
        try await browser.screenshot("sign-in")
        try await browser.signIn("fp-kz", next: "/proposals/new")
        #expect(try await browser.path() == "/proposals/new")
        #expect(try await browser.text("h1") == "New proposal")

        // A budget that is not an amount: the service's problem is shown beside the field, and what was typed stays.
        try await browser.fill("#title", "Radiation portal monitors at the Kazakh-Kyrgyz border")
        try await browser.fill("#requestedBudget", "about a million")
        try await browser.click("#save")
        #expect(try await browser.exists("#requestedBudget-error"), "the problem is next to its field")
        #expect(try await browser.text("#requestedBudget-error").contains("amount of euros"))
        #expect(try await browser.exists("#problems"), "and listed at the top")
        #expect(try await browser.driver.find("#title").property("value") as? String == "Radiation portal monitors at the Kazakh-Kyrgyz border")
        try await browser.screenshot("proposal-field-error")

        try await browser.fill("#summary", "Fixed and mobile radiation portal monitors at the two busiest crossings, with training for customs officers.")
        try await browser.fill("#objectives", "Detect illicit trafficking of radioactive material\nTrain 60 customs officers")
        try await browser.fill("#requestedBudget", "1,250,000.00")
        try await browser.fill("#durationMonths", "24")
        try await browser.driver.find("input[name=cbrnCategories][value=radiological]").click()
        try await browser.driver.find("input[name=cbrnCategories][value=nuclear]").click()
        try await browser.driver.find("input[name=cbrnAreas][value=border_control]").click()
        #expect(try await browser.exists("details#countries-CA[open]"), "the proposal's region is open")
        try await browser.driver.find("input[name=participatingCountries][value=KG]").click()
        try await browser.fill("#contact_name", "Aigerim Nurlanovna")
        try await browser.fill("#contact_email", "aigerim.nurlanovna@example.kz")
        try await browser.click("#save")
        let path = try await browser.path()
        #expect(path.hasPrefix("/proposals/") && path != "/proposals/new", "\(path)")
        let id = String(path.dropFirst("/proposals/".count))
        #expect(try await browser.text("#proposal-status") == "Draft")
        #expect(try await browser.pageText().contains("€1,250,000.00"))
        try await browser.click("#submit")
        #expect(try await browser.text("#proposal-status") == "Submitted")
        #expect(try await browser.text(".notice").contains("submitted"))
        try await browser.screenshot("proposal-submitted")
        try await browser.go("/proposals")
        #expect(try await browser.pageText().contains("Radiation portal monitors at the Kazakh-Kyrgyz border"))
        try await browser.screenshot("my-proposals")
        return id
    }

    // MARK: Review (workflow's pages)

    static func secretariatScreensAndAssigns(_ browser: Browser, proposal: String) async throws {
        try await browser.signIn("sec-ca", next: "/reviews")
        // The case opens when workflow has the submission: it comes through the bus.
        #expect(try await browser.eventually(reloading: "/reviews") { try await browser.exists("a[data-case=\"\(proposal)\"]") })
        try await browser.screenshot("review-queue")
        try await browser.click("a[data-case=\"\(proposal)\"]")
        // The screening checklist: every item met, eligible.
        for item in try await browser.driver.findAll("form#screening input[name=met]") where !(try await item.isSelected()) {
            try await item.click()
        }
        try await browser.driver.find("#screening-outcome-eligible").click()
        try await browser.fill("#screening-reasons", "Complete, cross-border and within the call's limits.")
        try await browser.screenshot("screening")
        try await browser.click("#screen")
        #expect(try await browser.driver.find("#case-stage").attribute("data-stage") == "technical")

        // A Kazakh reviewer would assess Kazakhstan's proposal: the page warns, and the service refuses.
        #expect(try await browser.exists("#reviewer option[value=\"rev-kz\"][data-conflict=\"true\"]"))
        #expect(try await browser.exists("#reviewer-conflicts li[data-conflict-reviewer=\"rev-kz\"]"))
        try await browser.select("#reviewer", value: "rev-kz")
        try await browser.click("#assign-reviewer")
        #expect(try await browser.exists("#reviewer-error"), "the refusal is shown beside the reviewer field")
        for reviewer in ["rev-fr", "rev-de"] {
            try await browser.select("#reviewer", value: reviewer)
            try await browser.click("#assign-reviewer")
            #expect(try await browser.exists("#reviewers-table tr[data-reviewer=\"\(reviewer)\"]"))
        }
        #expect(!(try await browser.exists("#reviewers-table tr[data-reviewer=\"rev-kz\"]")))
        try await browser.screenshot("case-assigned")
    }

    static func reviewerAssesses(_ browser: Browser, reviewer: String, proposal: String) async throws {
        try await browser.signIn(reviewer, next: "/reviews")
        #expect(try await browser.exists("a[data-case=\"\(proposal)\"]"))
        try await browser.click("a[data-case=\"\(proposal)\"]")
        // The declaration first, then every criterion scored and commented, and a recommendation.
        try await browser.driver.find("#no-conflict").click()
        for score in try await browser.driver.findAll("form#assessment input[name^=score_]") { try await score.fill("80") }
        for comment in try await browser.driver.findAll("form#assessment textarea[name^=comment_]") {
            try await comment.fill("Sound, well argued and feasible in the time given.")
        }
        try await browser.driver.find("#recommendation-fund").click()
        try await browser.fill("#assessment-comments", "Recommended for funding.")
        // The weighted total follows the scores as they are typed (the page's script).
        #expect(try await browser.text("#weighted-total").hasPrefix("80"))
        if reviewer == "rev-fr" { try await browser.screenshot("assessment") }
        try await browser.click("#assess")
        #expect(try await browser.exists("p.notice"))
    }

    static func programmeManagerApproves(_ browser: Browser, proposal: String) async throws {
        try await browser.signIn("pm", next: "/reviews")
        #expect(try await browser.eventually(reloading: "/reviews") { try await browser.exists("a[data-case=\"\(proposal)\"]") })
        try await browser.screenshot("decision-queue")
        try await browser.click("a[data-case=\"\(proposal)\"]")
        // Beside the decision: what the region's envelope still has.
        #expect(try await browser.text("#envelope-available").contains("€"))
        try await browser.driver.find("#outcome-approve").click()
        try await browser.fill("#approvedBudget", "1,250,000.00")
        try await browser.fill("#decision-reasons", "Strong assessments; a priority of the region's action plan.")
        try await browser.screenshot("decision")
        try await browser.click("#decide")
        #expect(try await browser.driver.find("#case-stage").attribute("data-stage") == "approved")
        #expect(try await browser.text("#approved-budget") == "€1,250,000.00")
    }

    // MARK: Finance (funding's pages)

    /// Alice records the pre-financing, can't verify her own request (the page says why), and Bob verifies it.
    static func financeRecordsAndAnotherVerifies(_ browser: Browser, proposal: String) async throws -> String {
        try await browser.signIn("fin-alice", next: "/funding")
        #expect(try await browser.exists("svg.chart[role=img]"), "the absorption chart")
        try await browser.screenshot("funding-envelopes")
        // The commitment is made when funding has workflow's approval: it comes through the bus.
        #expect(try await browser.eventually(reloading: "/funding/commitments") { try await browser.exists("a[data-proposal=\"\(proposal)\"]") })
        try await browser.click("a[data-proposal=\"\(proposal)\"]")
        try await browser.select("#tranche", value: "pre_financing")
        try await browser.fill("#amount", "500,000.00")
        let today = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        try await browser.driver.execute("document.getElementById('valueDate').value = arguments[0];", [today])
        try await browser.fill("#bankReference", "EC-IFS-2026-PF-0001")
        try await browser.click("#record")
        #expect(try await browser.exists("p.notice"))
        let row = try await browser.driver.find("table#payments tr[data-status=pending]")
        let payment = String(try #require(try await row.attribute("id")).dropFirst("payment-".count))
        #expect(try await browser.exists("#four-eyes-\(payment)"), "her own request: the page says why she can't verify it")
        #expect(!(try await browser.exists("#verify-\(payment)")))
        try await browser.screenshot("commitment")

        try await browser.signIn("fin-bob", next: "/funding/payments")
        #expect(try await browser.exists("#verify-\(payment)"))
        try await browser.screenshot("verification-queue")
        try await browser.click("#verify-\(payment)")
        #expect(try await browser.path() == "/funding/payments")
        #expect(try await browser.exists("p.notice"))
        #expect(!(try await browser.exists("#verify-\(payment)")), "verified: no longer in the queue")
        return payment
    }

    // MARK: The focal point again

    static func focalPointSeesApprovalPaymentAndNotification(_ browser: Browser, stack: PageStack, proposal: String, payment: String) async throws {
        try await browser.signIn("fp-kz", next: "/proposals/\(proposal)")
        // Intake learns of the approval through the bus.
        #expect(try await browser.eventually(reloading: "/proposals/\(proposal)") { try await browser.text("#proposal-status") == "Approved" })
        #expect(try await browser.text("#approved-budget") == "€1,250,000.00")
        #expect(try await browser.text("#disbursed") == "€500,000.00")
        #expect(try await browser.text("#payments").contains("Verified"))
        try await browser.screenshot("proposal-approved")
        #expect(try await browser.eventually(reloading: "/inbox") {
            try await browser.exists("li[data-event=\"proposal.approved\"][data-proposal=\"\(proposal)\"]")
        })
        #expect(Int(try await browser.text("#unread-count")) ?? 0 > 0)
        try await browser.screenshot("inbox")

        // The header's unread count follows the feed's stream through the gateway: reading
        // everything elsewhere (here, through the API) sets it to 0 on this open page, unreloaded.
        try await browser.go("/proposals")
        #expect(try await browser.text("[data-unread]") != "0")
        try await Task.sleep(for: .seconds(1))
        _ = try await stack.client.change(.notifications, "POST", "/v1/notifications/read-all", body: nil, expecting: [200, 204], as: stack.person("fp-kz"))
        var live = false
        for _ in 0..<100 where !live {
            live = try await browser.text("[data-unread]") == "0"
            if !live { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(live, "the badge was updated by the stream, without a reload")
        try await browser.go("/inbox")
        try await browser.click("li[data-event=\"proposal.approved\"][data-proposal=\"\(proposal)\"] h3 a")
        #expect(try await browser.path() == "/proposals/\(proposal)", "the notification leads to the proposal's page")

        // On a phone's width, the same page.
        try await browser.driver.resize(width: 390, height: 844)
        try await browser.go("/proposals/\(proposal)")
        let overflow = try await browser.driver.execute("return document.documentElement.scrollWidth > window.innerWidth + 1;") as? Bool
        #expect(overflow == false, "nothing wider than a phone's screen")
        try await browser.screenshot("proposal-phone")
        try await browser.driver.resize(width: 1280, height: 900)
    }

    // MARK: French

    static func frenchFocalPoint(_ browser: Browser) async throws {
        // The person's preference (French) is set at sign-in.
        try await browser.signIn("fp-ma", next: "/proposals/new")
        #expect(try await browser.driver.execute("return document.documentElement.lang;") as? String == "fr")
        #expect(try await browser.text("h1") == "Nouvelle proposition")
        // The service's problem, said in French beside the field.
        try await browser.fill("#title", "Renforcement de la biosécurité des laboratoires de Rabat")
        try await browser.fill("#requestedBudget", "beaucoup")
        try await browser.click("#save")
        #expect(try await browser.text("#requestedBudget-error").hasPrefix("doit être un montant en euros"))
        #expect(try await browser.text("#problems").contains("Budget demandé (EUR) : doit être un montant en euros"))
        try await browser.fill("#summary", "Mise à niveau de deux laboratoires de référence et formation du personnel.")
        try await browser.fill("#objectives", "Équiper deux laboratoires\nFormer 40 techniciens")
        try await browser.fill("#requestedBudget", "1 250 000,00")
        try await browser.fill("#durationMonths", "18")
        try await browser.driver.find("input[name=cbrnCategories][value=biological]").click()
        try await browser.driver.find("input[name=participatingCountries][value=SN]").click()
        try await browser.fill("#contact_name", "Youssef El Amrani")
        try await browser.fill("#contact_email", "youssef.elamrani@example.ma")
        try await browser.click("#save")
        let text = try await browser.pageText()
        #expect(try await browser.text("#proposal-status") == "Brouillon")
        #expect(text.contains("1 250 000,00 €"), "an amount as French readers write it")
        #expect(text.contains("Budget demandé (EUR)"))
        #expect(text.contains("novembre") || text.contains("décembre") || text.contains("janvier") || text.contains(" 20"), "a date in French")
        #expect(!text.contains("Radiation portal monitors"), "no other country's proposal")
        try await browser.screenshot("proposition-fr")
        try await browser.click("#submit")
        #expect(try await browser.text("#proposal-status") == "Soumise")
        try await browser.go("/proposals")
        #expect(try await browser.text("h1") == "Mes propositions")
        try await browser.go("/inbox")
        #expect(try await browser.driver.execute("return document.documentElement.lang;") as? String == "fr")
        // The switcher: the same page in English, and the choice is kept.
        try await browser.click("a.switch")
        #expect(try await browser.driver.execute("return document.documentElement.lang;") as? String == "en")
        try await browser.go("/proposals")
        #expect(try await browser.text("h1") == "My proposals")
    }
}
