import Events
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport
@testable import Funding

/// Reads what a test checks of an IATI document: every element's attributes and text, in order.
final class IATIElements: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
    }

    private(set) var elements: [Element] = []
    private var open: [Int] = []

    static func read(_ xml: String) throws -> [Element] {
        let reader = IATIElements()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = reader
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.fileReadCorruptFile) }
        return reader.elements
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append(Element(name: name, attributes: attributes))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = open.last { elements[index].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        _ = open.popLast()
    }
}

/// The IATI export of a project with its commitment and two disbursements: valid against the
/// IATI 2.03 schema (xmllint), and keeping the rules the schema can't check.
@Suite("Funding: the IATI 2.03 export")
struct IATIExportTests {
    typealias F = FundingFixtures

    /// A closed project of Kazakhstan with Uzbekistan and Kyrgyzstan: committed, pre-financing and
    /// final paid (the rest released), and a blocked one that must not appear.
    func document() throws -> (String, Commitment) {
        var (commitment, start) = F.active(F.approved(schedule: [(.preFinancing, 40), (.final, 60)]))
        var envelope: Envelope? = start
        for (tranche, cents) in [(PaymentTranche.Kind.preFinancing, Int64(40_000_000)), (.final, 55_000_000)] {
            let payment = try commitment.record(F.payment(tranche, cents, date: tranche == .final ? "2026-11-25" : "2026-11-20"), id: UUID(), by: F.alice, at: F.decidedAt)
            _ = try commitment.verify(payment.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        }
        var none: Envelope? = nil
        let (blocked, _) = try Commitment.open(F.approved(), instrument: "IfS", reference: F.reference, envelope: &none, id: UUID(), at: F.decidedAt)
        let export = IATIExport(reportingOrg: IATIExport.standardReportingOrg, reference: try ReferenceData.load())
        return (export.document([commitment, blocked], at: F.decidedAt), commitment)
    }

    @Test(arguments: [(1, 1), (12, 1), (13, 2), (18, 2), (24, 2), (25, 3), (600, 50)])
    func budgetsCoverThePlannedDurationInPeriodsOfAtMostAYear(months: Int, periods: Int) throws {
        let start = F.decidedAt
        let end = IATIExport.plannedEnd(from: start, months: months)
        let budget = IATIExport.budgetPeriods(from: start, to: end, amount: Money(cents: 123_456_789))
        #expect(budget.count == periods)
        #expect(budget.reduce(0) { $0 + $1.amount.cents } == 123_456_789)
        for (index, period) in budget.enumerated() {
            let days = UTC.calendar.dateComponents([.day], from: period.start, to: period.end).day! + 1
            #expect(days <= 366 && period.amount > .zero)
            if index > 0 { #expect(UTC.calendar.dateComponents([.day], from: budget[index - 1].end, to: period.start).day == 1) }
        }
    }

    @Test func aProjectWithItsCommitmentAndTwoDisbursementsValidatesAgainstTheSchema() throws {
        let (xml, _) = try document()
        let problems = try IATISchema.problems(xml)
        #expect(problems == nil, "\(problems ?? "")\n\(xml)")
        // And the schema does catch what it should: an activity without its identifier is refused.
        let broken = xml.replacingOccurrences(of: #"<iati-identifier>"#, with: "<other-identifier-x>")
            .replacingOccurrences(of: "</iati-identifier>", with: "</other-identifier-x>")
        #expect(try IATISchema.problems(broken) != nil)
    }

    @Test func theDocumentKeepsTheRulesTheSchemaCannotCheck() throws {
        let (xml, commitment) = try document()
        let elements = try IATIElements.read(xml)
        let activities = elements.filter { $0.name == "iati-activity" }
        #expect(activities.count == 1, "a blocked commitment has no money to report")
        #expect(activities.first?.attributes["default-currency"] == "EUR")
        #expect(elements.first { $0.name == "iati-activities" }?.attributes["version"] == "2.03")
        #expect(elements.first { $0.name == "iati-identifier" }?.text == "XI-IATI-EC_FPI-\(commitment.project.reference)")
        #expect(elements.first { $0.name == "reporting-org" }?.attributes == ["ref": "XI-IATI-EC_FPI", "type": "10"])
        let roles = elements.filter { $0.name == "participating-org" }.map { $0.attributes["role"] ?? "" }
        #expect(roles == ["1", "4"], "the EU funds, the lead country's team implements")
        #expect(elements.first { $0.name == "activity-status" }?.attributes["code"] == "4", "closed")
        #expect(Set(elements.filter { $0.name == "activity-date" }.compactMap { $0.attributes["type"] }) == ["1", "2", "3", "4"])

        // Recipient countries: the lead and the participants, percentages summing to exactly 100.
        let countries = elements.filter { $0.name == "recipient-country" }
        #expect(countries.map { $0.attributes["code"] ?? "" } == ["KZ", "UZ", "KG"])
        let percentages = countries.compactMap { $0.attributes["percentage"].flatMap(Money.init) }
        #expect(percentages.count == 3 && Money(cents: percentages.reduce(0) { $0 + $1.cents }) == Money(cents: 10_000))
        #expect(elements.filter { $0.name == "recipient-region" }.isEmpty, "countries or regions, not both")
        let sector = try #require(elements.first { $0.name == "sector" })
        #expect(sector.attributes == ["vocabulary": "1", "code": "15210", "percentage": "100"])

        // Every value in EUR with a value date; transactions of type 2 (the commitment, and the
        // release at closing) and 3 (the two disbursements), none dated in the future.
        let values = elements.filter { $0.name == "value" }
        #expect(values.allSatisfy { $0.attributes["currency"] == "EUR" && $0.attributes["value-date"] != nil })
        let types = elements.filter { $0.name == "transaction-type" }.map { $0.attributes["code"] ?? "" }
        #expect(types == ["2", "3", "3", "2"])
        // Budgets of at most a year each (18 months: two), adding up to the commitment exactly.
        let budgets = elements.filter { $0.name == "budget" }
        #expect(budgets.count == 2)
        let starts = elements.filter { $0.name == "period-start" }.compactMap { $0.attributes["iso-date"] }
        let ends = elements.filter { $0.name == "period-end" }.compactMap { $0.attributes["iso-date"] }
        #expect(starts.count == 2 && ends.count == 2 && ends[0] < starts[1])
        let budgetValues = values.prefix(budgets.count).compactMap { Money($0.text) }
        #expect(budgetValues.reduce(0) { $0 + $1.cents } == 100_000_000, "the budgets are the commitment")
        let amounts = values.dropFirst(budgets.count).map { Money($0.text) }
        #expect(amounts == [Money(cents: 100_000_000), Money(cents: 40_000_000), Money(cents: 55_000_000), Money(cents: -5_000_000)])
        let today = UTC.day(Date())
        #expect(elements.filter { $0.name == "transaction-date" }.allSatisfy { ($0.attributes["iso-date"] ?? "9999") <= today })
    }
}
