import Events
import Foundation
import Messaging
import PostgresNIO
import Storage
import Testing
import TestSupport
@testable import Funding

/// A small RFC 4180 reader: quoted fields, doubled quotes, CRLF records.
enum CSVReader {
    static func records(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                record.append(field)
                field = ""
            } else if character == "\r\n" || character == "\r" || character == "\n" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }

    /// The records as dictionaries by the header's names.
    static func table(_ text: String) -> [[String: String]] {
        let all = records(text)
        guard let header = all.first else { return [] }
        return all.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }
}

/// The reports reconcile with the ledgers to the cent, across regions and years, against the
/// real database; and the CSV downloads read back to the same figures.
@Suite("Funding: reports reconcile with the ledgers")
struct FundingReconciliationTests {
    typealias F = FundingFixtures

    /// A deterministic stream of numbers, so a failure repeats.
    struct Numbers {
        var state: UInt64
        mutating func next(_ range: ClosedRange<Int64>) -> Int64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return range.lowerBound + Int64((state >> 33) % UInt64(range.upperBound - range.lowerBound + 1))
        }
    }

    @Test func theSumOfTheLedgersIsTheReportToTheCentAndTheCSVReadsBack() async throws {
        try await FundingConcurrencyTests().withHarness { harness in
            var numbers = Numbers(state: 2026)
            let years: [(Int, Date)] = [(2026, Date(timeIntervalSince1970: 1_780_000_000)), (2027, Date(timeIntervalSince1970: 1_810_000_000))]
            // Envelopes for CA and SEA both years; NAS has none in 2027 (its approvals there stay blocked).
            for (year, _) in years {
                for region in ["CA", "SEA", "NAS"] where !(region == "NAS" && year == 2027) {
                    let amount = Money(cents: 800_000_000 + numbers.next(0...99) * 1_000_001)
                    _ = try await harness.transaction { connection in
                        try await harness.store.create(
                            Envelope.Key(year: year, region: region, instrument: "IfS"), amount: amount,
                            reason: "Allocation", by: F.alice, cause: EventCause(actor: F.alice), at: Date(), on: connection)
                    }
                }
            }
            // 24 approvals of odd amounts, over the regions and years.
            var proposals: [UUID] = []
            for index in 0..<24 {
                let (_, decidedAt) = years[index % 2]
                let region = ["CA", "SEA", "NAS"][index % 3]
                let lead = ["CA": "KZ", "SEA": "VN", "NAS": "MA"][region]!
                let approved = F.approved(budget: Money(cents: 10_000_000 + numbers.next(0...50_000_000)), region: region, lead: lead, at: decidedAt)
                proposals.append(approved.proposalId)
                try await harness.transaction { connection in
                    try await harness.store.open(approved, instrument: "IfS", reference: F.reference, cause: EventCause(actor: F.pm), at: Date(), on: connection)
                }
            }
            // Money moves: pre-financing on all, interims on most, finals closing some, a recovery, a rejection, a pending request.
            for (index, proposalID) in proposals.enumerated() {
                let commitment = try await harness.commitment(of: proposalID)
                guard commitment.status == .active else { continue }
                let share = commitment.schedule.map(\.amount.cents)
                let day = UTC.day(commitment.approvedAt)  // money moves from the approval on
                var steps: [(PaymentRequest, Bool)] = [(F.payment(.preFinancing, share[0] - numbers.next(0...1_000), date: day), true)]
                if index % 4 != 3 { steps.append((F.payment(.interim, share[1] / 2 + numbers.next(0...99), date: day), true)) }
                if index % 4 == 1 { steps.append((F.payment(.interim, 77, date: day), false)) }
                if index % 3 == 0 { steps.append((F.recovery(numbers.next(1...10_000), date: day), true)) }
                if index % 5 == 2 { steps.append((F.payment(.interim, 1_000, date: day), true)) }
                if index % 4 == 0 { steps.append((F.payment(.final, share[2] - numbers.next(0...500_000), date: day), true)) }
                for (step, (request, verify)) in steps.enumerated() {
                    _ = try await harness.transaction { connection in
                        try await harness.store.change(commitment: commitment.id, cause: EventCause(actor: F.alice), on: connection) { commitment, envelope in
                            let recorder = step % 2 == 0 ? F.alice : F.bob
                            let checker = step % 2 == 0 ? F.bob : F.alice
                            let movement = try commitment.record(request, id: UUID(), by: recorder, at: Date())
                            if verify { return (try commitment.verify(movement.id, envelope: &envelope, by: checker, at: Date()), ()) }
                            if index % 8 == 1 { try commitment.reject(movement.id, reason: "Wrong account", by: checker, at: Date()) }
                            return ([], ())
                        }
                    }
                }
            }

            // The reports, as the API computes them, from one snapshot.
            let (envelopes, lines) = try await harness.transaction { connection in
                (try await harness.store.envelopes.list(year: nil, region: nil, instrument: nil, on: connection),
                 try await harness.store.commitments.reportLines(year: nil, region: nil, country: nil, scope: .init(), on: connection))
            }
            let (rows, totals) = FundingReport.byRegion(envelopes: envelopes, lines: lines)
            let (countries, countryTotals) = FundingReport.byCountry(lines: lines)
            // The ledgers, one per commitment, as the API shows them.
            var ledgers: [(Commitment, Ledger)] = []
            for proposalID in proposals {
                let commitment = try await harness.commitment(of: proposalID)
                ledgers.append((commitment, Ledger(commitment)))
            }
            #expect(rows.count == 6, "CA, SEA and NAS in 2026; CA and SEA in 2027; NAS 2027 without an envelope")
            #expect(rows.contains { $0.region == "NAS" && $0.year == 2027 && $0.envelope == .zero && $0.blocked == 4 })
            for row in rows {
                let mine = ledgers.filter { $0.0.year == row.year && $0.0.project.region == row.region }
                #expect(row.disbursed.cents == mine.reduce(0) { $0 + $1.1.disbursed.cents }, "\(row)")
                #expect(row.committed.cents == mine.reduce(0) { $0 + $1.0.claim.cents }, "\(row)")
                #expect(row.disbursed.cents == mine.reduce(0) { $0 + ($1.1.entries.last?.disbursedToDate.cents ?? 0) }, "the running balances end at the totals")
                #expect(row.remaining.cents == row.committed.cents - row.disbursed.cents)
                if let envelope = envelopes.first(where: { $0.year == row.year && $0.region == row.region }) {
                    #expect(envelope.committed == row.committed, "the envelope's own figure agrees: \(row)")
                    #expect(row.available == envelope.available)
                }
            }
            #expect(totals.disbursed.cents == ledgers.reduce(0) { $0 + $1.1.disbursed.cents })
            #expect(totals.disbursed.cents == rows.reduce(0) { $0 + $1.disbursed.cents })
            #expect(countryTotals.disbursed == totals.disbursed && countryTotals.committed == totals.committed)
            #expect(totals.disbursed > .zero && ledgers.contains { $0.0.status == .closed } && ledgers.contains { $0.1.entries.contains { $0.movement == .recovery } })
            // Σ of verified movements in the database itself.
            #expect(try await harness.scalar("SELECT SUM(amount_cents)::bigint FROM movements WHERE status = 'verified'") == totals.disbursed.cents)

            // The CSV downloads read back to the same figures.
            let regionTable = CSVReader.table(FundingCSV.regions(rows, totals: totals).text)
            #expect(regionTable.count == rows.count + 1)
            for (row, read) in zip(rows + [totals], regionTable) {
                #expect(read["year"] == row.year.map(String.init) ?? "total")
                for (column, value) in [("envelope", row.envelope), ("committed", row.committed), ("available", row.available),
                                        ("disbursed", row.disbursed), ("remaining", row.remaining)] {
                    #expect(read[column].flatMap(Money.init) == value, "\(column) of \(row)")
                }
                #expect(read["absorption_rate"] == (row.absorptionRate?.description ?? ""))
            }
            let countryTable = CSVReader.table(FundingCSV.countries(countries, totals: countryTotals).text)
            for (row, read) in zip(countries + [countryTotals], countryTable) {
                #expect(read["disbursed"].flatMap(Money.init) == row.disbursed && read["committed"].flatMap(Money.init) == row.committed)
                #expect(read["participating_countries"] == row.participatingCountries.joined(separator: " "))
            }
            for (_, ledger) in ledgers where !ledger.entries.isEmpty {
                let table = CSVReader.table(FundingCSV.ledger(ledger).text)
                #expect(table.count == ledger.entries.count)
                #expect(table.last?["disbursed_to_date"].flatMap(Money.init) == ledger.disbursed)
                #expect(Money(cents: table.filter { $0["status"] == "verified" }.compactMap { $0["amount"].flatMap(Money.init)?.cents }.reduce(0, +)) == ledger.disbursed)
            }
        }
    }
}
