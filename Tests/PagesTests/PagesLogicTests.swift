import Events
import Foundation
import Testing
@testable import Pages
import ServiceRuntime

/// The pages' pure rules, in microseconds: where a sign-in may send a browser back to, what a
/// form body gives, which language a request gets, how typed amounts become the API's decimals,
/// which form ids may become an `Idempotency-Key`, and the CSRF token's check.
@Suite("Pages: the rules without a server")
struct PagesLogicTests {
    @Test(arguments: ["/", "/proposals", "/proposals/5b7e?notice=x", "/reviews/abc", "/inbox?cursor=abc%2Fdef"])
    func aPathOfThisSiteIsWhereSignInReturns(_ next: String) {
        #expect(SignInController.safeNext(next) == next)
    }

    @Test(arguments: [
        nil, "", "//evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil", "/ /evil", "/\\evil.example", "\\\\evil",
        "https://evil.example", "https:evil.example", "javascript:alert(1)", "evil.example", "/signin", "/signin?next=/x", "/a\u{0}b", "/a\u{7F}",
        "/\u{00A0}/evil", "/" + String(repeating: "a", count: 2001),
    ])
    func anythingElseReturnsToTheStartPage(_ next: String?) {
        #expect(SignInController.safeNext(next) == "/")
    }

    @Test func aFormKeepsRepeatedFieldsInOrderAndDecodesAsBrowsersEncode() {
        let form = Form(encoded: "title=Border+monitors&participatingCountries=KG&participatingCountries=TJ&empty=&note=caf%C3%A9%20%26%20th%C3%A9&bad=%zz")
        #expect(form["title"] == "Border monitors")
        #expect(form.all("participatingCountries") == ["KG", "TJ"])
        #expect(form["empty"] == nil, "blank is absent")
        #expect(form.all("empty") == [""])
        #expect(form["note"] == "café & thé")
        #expect(form["bad"] == "%zz", "a malformed escape is kept as typed, for the API to judge")
        #expect(form["missing"] == nil && form.all("missing").isEmpty)
    }

    @Test func aFormOfManyRepeatedFieldsIsReadInLinearTime() {
        let body = (0..<20_000).map { "partner_name=\($0)" }.joined(separator: "&")
        let start = ContinuousClock.now
        let form = Form(encoded: body)
        for _ in 0..<1000 { _ = form.all("partner_name").count }
        #expect(form.all("partner_name").count == 20_000)
        #expect(ContinuousClock.now - start < .seconds(5), "a lookup is a dictionary's, not a scan of every field")
    }

    @Test func theLanguageIsTheQueryThenTheCookieThenAcceptLanguageThenEnglish() {
        #expect(Language.chosen(query: "fr", cookie: "en", acceptLanguage: "en") == .fr)
        #expect(Language.chosen(query: "xx", cookie: "fr", acceptLanguage: "en") == .fr)
        #expect(Language.chosen(query: nil, cookie: nil, acceptLanguage: "de-DE,fr-CA;q=0.8,en;q=0.5") == .fr)
        #expect(Language.chosen(query: nil, cookie: nil, acceptLanguage: "fr;q=0.2, en-GB;q=0.9") == .en)
        #expect(Language.chosen(query: nil, cookie: nil, acceptLanguage: "fr;q=0, de") == .en)
        #expect(Language.chosen(query: nil, cookie: "<script>", acceptLanguage: nil) == .en)
    }

    @Test func amountsAsPeopleTypeThemBecomeTheAPIsDecimals() {
        #expect(PageValue.decimal("1 250 000,50") == "1250000.50")
        #expect(PageValue.decimal("1\u{00A0}250\u{202F}000,5") == "1250000.5")
        #expect(PageValue.decimal("€1,250,000.00") == "1250000.00")
        #expect(PageValue.decimal("−250 000") == "-250000")
        #expect(PageValue.decimal("about a million") == "aboutamillion", "anything else goes as typed, for the API to refuse")
    }

    @Test func onlyAPlainFormIDBecomesAnIdempotencyKey() {
        #expect(PageValue.key(Form(encoded: "form_id=0b3c-AF12"), "submit", "p1") == "page-submit-p1-0b3c-AF12")
        for bad in ["zz%00", "a%0Ab", "a%20b", "caf%C3%A9", String(repeating: "a", count: 65), ""] {
            #expect(PageValue.key(Form(encoded: "form_id=\(bad)"), "create") == nil, "\(bad)")
        }
        #expect(PageValue.key(Form(encoded: "title=x"), "create") == nil)
    }

    @Test func aCSRFTokenBelongsToItsSessionOnly() {
        let token = SessionCookie.csrfToken(for: "session-a")
        #expect(SessionCookie.verify(csrf: token, for: "session-a"))
        #expect(!SessionCookie.verify(csrf: token, for: "session-b"))
        #expect(!SessionCookie.verify(csrf: nil, for: "session-a"))
        #expect(!SessionCookie.verify(csrf: "", for: "session-a"))
        #expect(!SessionCookie.verify(csrf: String(token.dropLast()), for: "session-a"))
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }, "safe in a form field and a header")
    }

    @Test func aRefusedFormsLanguageSwitchGoesToItsPage() {
        #expect(PageRequest.parent(of: "/reviews/abc/screening") == "/reviews/abc")
        #expect(PageRequest.parent(of: "/proposals/new") == "/proposals")
        #expect(PageRequest.parent(of: "/signout") == "/")
    }

    @Test func theNavigationMarksOnlyTheLongestMatchingLinkAsCurrent() {
        let strings = Strings(language: .en, table: [:])
        let items = Navigation.items(for: .focalPoint, current: "/proposals/new", strings: strings)
        #expect(items.filter { $0["current"] as? Bool == true }.map { $0["href"] as? String } == ["/proposals/new"])
    }

    @Test func theAPIsCommonProblemsAreSaidInFrenchAndTheRestAsWritten() throws {
        let renderer = try PageRenderer.bundled(service: nil)
        let french = renderer.catalogue[.fr].problems
        #expect(french.translate("is required") == "est obligatoire")
        #expect(french.translate("must be 3 to 200 characters long (it is 2)") == "doit compter de 3 à 200 caractères (il en compte 2)")
        #expect(french.translate(#"must be an amount of euros with at most two decimals, like "1250000.00""#)
            == "doit être un montant en euros avec au plus deux décimales, par exemple «\u{00A0}1250000.00\u{00A0}»")
        #expect(french.translate("percentages must sum to 100; they sum to 90") == "les pourcentages doivent totaliser 100\u{00A0}; ils totalisent 90")
        #expect(french.translate("something no pattern knows") == "something no pattern knows")
        #expect(renderer.catalogue[.en].problems.translate("is required") == "is required", "English is the APIs' own")
    }

    @Test func amountsInAProblemAreWrittenAsTheLanguageWritesThem() throws {
        let french = try PageRenderer.bundled(service: nil).catalogue[.fr].problems
        let euros = { (text: String) in Language.fr.euros(decimal: text) }
        #expect(euros("1300000.00").hasSuffix("€") && !euros("1300000.00").contains("."))
        #expect(french.translate("must not exceed the requested budget: 1300000.00 is 50000.00 over the 1250000.00 requested")
            == "ne doit pas dépasser le budget demandé\u{00A0}: \(euros("1300000.00")) dépasse de \(euros("50000.00")) les \(euros("1250000.00")) demandés")
        // A rule's `{amount:…}` of something that is not an amount keeps it as it is.
        let rules = ProblemWords(rules: [.init(pattern: "^over by (.+)$", text: "dépasse de {amount:$1}")], language: .fr)
        #expect(rules.translate("over by 12.5.0") == "dépasse de 12.5.0")
        #expect(rules.translate("over by -0.01") == "dépasse de \(euros("-0.01"))")
    }
}
