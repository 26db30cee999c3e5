import Events
import Foundation
import Testing
import TestSupport

@testable import Notifications

/// Every message exists in English and French, names the proposal and links to it.
@Suite struct MessageRendererTests {
    static let samples = NotificationSamples(reference: "CBRN-2026-0042", region: "NAS", lead: "MA", reviewer: "rev-1")
    let renderer = NotificationFixtures.renderer

    static let cases: [(SampleEvent, Language)] = samples.all.flatMap { sample in Language.allCases.map { (sample, $0) } }

    @Test(arguments: cases)
    func everyEventRendersInEveryLanguage(_ sample: SampleEvent, language: Language) {
        var facts = NotificationFixtures.facts(sample)
        if facts.proposal != nil {
            facts.proposal = facts.proposal?.completed(
                by: .init(id: Self.samples.proposalID, reference: "CBRN-2026-0042", title: "Détection aux frontières", region: "NAS", leadCountry: "MA"))
        }
        let message = renderer.render(facts, for: "Amélie Durand", in: language)
        #expect(message.subject.hasPrefix("[CoE] "), "\(sample.type) \(language)")
        #expect(!message.subject.contains("\n") && message.subject.count <= 120)
        if sample.type != .fundingEnvelopeChanged { #expect(message.subject.contains("CBRN-2026-0042"), "\(sample.type) \(language): \(message.subject)") }
        #expect(message.text.contains(language == .en ? "Dear Amélie Durand," : "Bonjour Amélie Durand,"), "\(sample.type) \(language)")
        #expect(message.text.contains("https://coe.example.eu/"), "the link")
        for leftover in ["{{", "}}", "&amp;", "&#"] { #expect(!message.text.contains(leftover), "\(sample.type) \(language): \(leftover)") }
        #expect(!message.text.contains("\n\n\n"), "no runs of empty lines")
        #expect(message.html.contains("<html lang=\"\(language.rawValue)\">"))
        #expect(message.html.contains("href=\"https://coe.example.eu/"))
        #expect(message.html.contains(language == .en ? "Open in CoE Workflows" : "Ouvrir dans CoE Workflows"))
    }

    @Test func frenchMessagesAreInFrenchWithFrenchAmounts() {
        let message = renderer.render(NotificationFixtures.facts(Self.samples.approved), for: "Amélie", in: .fr)
        #expect(message.subject == "[CoE] CBRN-2026-0042 : proposition approuvée")
        #expect(message.text.contains("1\u{00A0}250\u{00A0}000,00\u{00A0}€"), "\(message.text)")
        #expect(message.text.contains("préfinancement"))
        #expect(message.text.contains("Maroc"), "the country's French name")
        #expect(message.text.contains("78,50"), "a decimal comma")
        let english = renderer.render(NotificationFixtures.facts(Self.samples.approved), for: "Amélie", in: .en)
        #expect(english.text.contains("€1,250,000.00"))
        #expect(english.text.contains("Morocco"))
    }

    @Test func htmlEscapesWhatPeopleWrote() {
        var samples = Self.samples
        samples.title = "<script>alert('x')</script> & co"
        let message = renderer.render(NotificationFixtures.facts(samples.approved), for: "Eve <eve@example.org>", in: .en)
        #expect(!message.html.contains("<script>"))
        #expect(message.html.contains("&lt;script&gt;"))
        #expect(message.text.contains("<script>alert('x')</script> & co"), "the plain text is as written")
    }

    @Test func aDigestListsItsItems() {
        let message = renderer.renderDigest(
            [.init(subject: "[CoE] CBRN-2026-0042: proposal approved", link: nil), .init(subject: "[CoE] CBRN-2026-0043: funds committed", link: nil)],
            for: "Amélie", day: "2026-11-30", in: .fr)
        #expect(message.subject.contains("30 novembre 2026"))
        #expect(message.text.contains("- [CoE] CBRN-2026-0042: proposal approved"))
        #expect(message.html.contains("<li>[CoE] CBRN-2026-0043: funds committed</li>"))
    }

    @Test func amountsAndDaysAreWrittenForTheLanguage() {
        #expect(Language.en.euros(Money(cents: 125_000_000)) == "€1,250,000.00")
        #expect(Language.fr.euros(Money(cents: 125_000_000)) == "1\u{00A0}250\u{00A0}000,00\u{00A0}€")
        #expect(Language.en.euros(Money(cents: -5)) == "-€0.05")
        #expect(Language.en.euros(Money(cents: Int64.min)) == "-€92,233,720,368,547,758.08")
        #expect(Language.fr.day(iso: "2026-03-01") == "1er mars 2026")
        #expect(Language.en.day(iso: "2026-03-01") == "1 March 2026")
        #expect(Language.en.day(iso: "garbage") == "garbage")
    }
}
