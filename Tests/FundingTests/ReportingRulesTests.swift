import Events
import Foundation
import Testing
@testable import Funding

/// Rates, reports, CSV and the IATI document's rules the schema can't check.
@Suite("Funding: reports and exports")
struct ReportingRulesTests {
    typealias F = FundingFixtures

    @Test(arguments: [
        (Int64(1), Int64(3), "33.33"), (2, 3, "66.67"), (1, 8, "12.50"), (0, 5, "0.00"), (5, 5, "100.00"),
        // Exactly half a hundredth: to the even neighbour.
        (1, 20_000, "0.00"), (3, 20_000, "0.02"), (5, 20_000, "0.02"), (7, 20_000, "0.04"),
        // Past half by one part in a quintillion still rounds up; exact at the limits of 64-bit cents.
        (Int64.max, Int64.max, "100.00"), (Int64.max / 3, Int64.max, "33.33"),
    ])
    func ratesAreExactAndRoundedOnceHalfToEven(part: Int64, whole: Int64, expected: String) {
        #expect(Percentage(part, of: whole)?.description == expected)
    }

    @Test func noRateWithoutADivisor() {
        #expect(Percentage(5, of: 0) == nil)
        #expect(Percentage(-1, of: 10) == nil)
    }

    @Test func theReportsSumTheSameFiguresAsTheCommitments() {
        let lines: [FundingReport.Line] = [
            .init(year: 2026, region: "CA", instrument: "IfS", leadCountry: "KZ", participatingCountries: ["UZ"], status: .active, amount: Money(cents: 100_000), disbursed: Money(cents: 40_000)),
            .init(year: 2026, region: "CA", instrument: "IfS", leadCountry: "KZ", participatingCountries: ["KG"], status: .closed, amount: Money(cents: 50_000), disbursed: Money(cents: 45_000)),
            .init(year: 2026, region: "CA", instrument: "IfS", leadCountry: "UZ", participatingCountries: ["KZ"], status: .blocked, amount: Money(cents: 900_000), disbursed: .zero),
            .init(year: 2027, region: "SEA", instrument: "IfS", leadCountry: "VN", participatingCountries: ["LA"], status: .active, amount: Money(cents: 10_000), disbursed: .zero),
        ]
        let envelopes = [F.envelope(Money(cents: 300_000)), F.envelope(Money(cents: 20_000), region: "SEA", year: 2027), F.envelope(Money(cents: 7), region: "NAS")]
        let (rows, totals) = FundingReport.byRegion(envelopes: envelopes, lines: lines)
        #expect(rows.map { "\($0.year ?? 0) \($0.region ?? "")" } == ["2026 CA", "2026 NAS", "2027 SEA"])
        let ca = rows[0]
        #expect(ca.committed == Money(cents: 145_000) && ca.disbursed == Money(cents: 85_000) && ca.remaining == Money(cents: 60_000))
        #expect(ca.available == Money(cents: 155_000) && ca.commitments == 2 && ca.blocked == 1)
        #expect(ca.commitmentRate?.description == "48.33" && ca.absorptionRate?.description == "28.33" && ca.paymentRate?.description == "58.62")
        #expect(rows[1].paymentRate == nil && rows[1].absorptionRate?.description == "0.00")
        #expect(totals.envelope == Money(cents: 320_007) && totals.committed == Money(cents: 155_000) && totals.disbursed == Money(cents: 85_000))

        let (countries, countryTotals) = FundingReport.byCountry(lines: lines)
        #expect(countries.map { $0.country ?? "" } == ["KZ", "VN"], "a blocked commitment commits nothing")
        #expect(countries[0].participatingCountries == ["KG", "UZ"] && countries[0].committed == Money(cents: 145_000))
        #expect(countryTotals.committed == totals.committed && countryTotals.disbursed == totals.disbursed)
    }

    @Test func csvFollowsRFC4180AndKeepsFormulasInert() {
        var document = CSVDocument(header: ["reference", "amount", "note"])
        document.rows.append([.text("CBRN-1"), .figure("-12.50"), .text("He said \"yes\", then\nleft")])
        document.rows.append([.text("=HYPERLINK(\"x\")"), .figure("0.00"), .text(nil)])
        #expect(document.text == "reference,amount,note\r\nCBRN-1,-12.50,\"He said \"\"yes\"\", then\nleft\"\r\n\"'=HYPERLINK(\"\"x\"\")\",0.00,\r\n")
    }

    @Test(arguments: [1, 2, 3, 6, 7, 9])
    func recipientCountriesShareExactlyAHundredPercent(count: Int) {
        let countries = ["MA", "SN", "CI", "GH", "TG", "BJ", "NG", "CM", "GA"].prefix(count)
        let shares = IATIExport.countryShares(lead: countries.first!, participating: Array(countries.dropFirst()) + [countries.first!])
        #expect(shares.count == count, "the lead is named once")
        #expect(shares.reduce(0) { $0 + $1.1 } == 10_000)
        #expect(shares.map(\.1).max()! - shares.map(\.1).min()! <= 1)
        #expect(shares.first?.0 == countries.first)
    }

    @Test func theIATIDocumentEscapesWhatItQuotes() throws {
        var (commitment, _) = F.active()
        commitment.project.title = "Chemical <safety> & \"security\"\u{1}"
        let xml = IATIExport(reportingOrg: IATIExport.standardReportingOrg, reference: try ReferenceData.load()).document([commitment], at: F.decidedAt)
        #expect(xml.contains("<narrative>Chemical &lt;safety&gt; &amp; &quot;security&quot;</narrative>"))
        #expect(xml.contains(#"<iati-identifier>XI-IATI-EC_FPI-\#(commitment.project.reference)</iati-identifier>"#))
        #expect(xml.contains(#"<transaction-type code="2"/>"#))
        #expect(xml.contains("National CBRN Team of Kazakhstan"))
    }
}
