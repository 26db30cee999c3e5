import Events
import Foundation

/// Finance's reports, computed from the envelopes and the commitments' figures in integer
/// cents: by year and region (envelope, committed, available, disbursed, remaining and the
/// rates), and by lead country. Every figure is a sum of the same commitment figures a ledger
/// ends with, so the reports reconcile with the ledgers to the cent.
///
/// Definitions:
/// - committed: what commitments take from their envelope: an active commitment's amount,
///   a closed one's net disbursement (the rest was released); blocked ones take nothing;
/// - disbursed: verified payments minus verified recoveries;
/// - available = envelope − committed; remaining = committed − disbursed (still to pay);
/// - commitment rate = committed ÷ envelope; absorption rate = disbursed ÷ envelope;
///   payment rate = disbursed ÷ committed; each as an exact percentage rounded once to two
///   decimals, half to even (``Percentage``), null when the divisor is 0.00.
enum FundingReport {
    /// What the reports need of one commitment.
    struct Line: Sendable, Equatable {
        var year: Int
        var region: String
        var instrument: String
        var leadCountry: String
        var participatingCountries: [String]
        var status: Commitment.Status
        var amount: Money
        var disbursed: Money

        var committed: Money { Commitment.claim(status: status, amount: amount, disbursed: disbursed) }
    }

    struct RegionRow: Encodable, Sendable, Equatable {
        var year: Int?
        var region: String?
        var instrument: String?
        var envelope: Money
        var committed: Money
        var available: Money
        var disbursed: Money
        var remaining: Money
        var commitments: Int
        var blocked: Int
        var commitmentRate: Percentage?
        var absorptionRate: Percentage?
        var paymentRate: Percentage?
    }

    struct CountryRow: Encodable, Sendable, Equatable {
        var year: Int?
        var region: String?
        var country: String?
        var participatingCountries: [String]
        var commitments: Int
        var committed: Money
        var disbursed: Money
        var remaining: Money
        var paymentRate: Percentage?
    }

    /// One row per envelope (and per year and region with commitments but no envelope), then the totals.
    static func byRegion(envelopes: [Envelope], lines: [Line]) -> (rows: [RegionRow], totals: RegionRow) {
        struct Key: Hashable, Comparable {
            var year: Int
            var region: String
            var instrument: String
            static func < (a: Key, b: Key) -> Bool { (a.year, a.region, a.instrument) < (b.year, b.region, b.instrument) }
        }
        var amounts: [Key: Int64] = [:]
        for envelope in envelopes { amounts[Key(year: envelope.year, region: envelope.region, instrument: envelope.instrument)] = envelope.amount.cents }
        var grouped: [Key: [Line]] = [:]
        for line in lines { grouped[Key(year: line.year, region: line.region, instrument: line.instrument), default: []].append(line) }
        let keys = Set(amounts.keys).union(grouped.keys).sorted()
        let rows = keys.map { key in
            regionRow(year: key.year, region: key.region, instrument: key.instrument, envelope: amounts[key] ?? 0, lines: grouped[key] ?? [])
        }
        let totals = regionRow(year: nil, region: nil, instrument: nil, envelope: rows.reduce(0) { $0 + $1.envelope.cents }, lines: lines)
        return (rows, totals)
    }

    /// One row per year, region and lead country with committed money, then the totals.
    static func byCountry(lines: [Line]) -> (rows: [CountryRow], totals: CountryRow) {
        struct Key: Hashable, Comparable {
            var year: Int
            var region: String
            var country: String
            static func < (a: Key, b: Key) -> Bool { (a.year, a.region, a.country) < (b.year, b.region, b.country) }
        }
        let counted = lines.filter { $0.status != .blocked }
        var grouped: [Key: [Line]] = [:]
        for line in counted { grouped[Key(year: line.year, region: line.region, country: line.leadCountry), default: []].append(line) }
        let rows = grouped.keys.sorted().map { key in countryRow(year: key.year, region: key.region, country: key.country, lines: grouped[key] ?? []) }
        return (rows, countryRow(year: nil, region: nil, country: nil, lines: counted))
    }

    private static func regionRow(year: Int?, region: String?, instrument: String?, envelope: Int64, lines: [Line]) -> RegionRow {
        let committed = lines.reduce(0) { $0 + $1.committed.cents }
        let disbursed = lines.reduce(0) { $0 + $1.disbursed.cents }
        return RegionRow(
            year: year, region: region, instrument: instrument, envelope: Money(cents: envelope), committed: Money(cents: committed),
            available: Money(cents: envelope - committed), disbursed: Money(cents: disbursed), remaining: Money(cents: committed - disbursed),
            commitments: lines.filter { $0.status != .blocked }.count, blocked: lines.filter { $0.status == .blocked }.count,
            commitmentRate: Percentage(committed, of: envelope), absorptionRate: Percentage(disbursed, of: envelope),
            paymentRate: Percentage(disbursed, of: committed))
    }

    private static func countryRow(year: Int?, region: String?, country: String?, lines: [Line]) -> CountryRow {
        let committed = lines.reduce(0) { $0 + $1.committed.cents }
        let disbursed = lines.reduce(0) { $0 + $1.disbursed.cents }
        let participating = Set(lines.flatMap(\.participatingCountries)).sorted()
        return CountryRow(
            year: year, region: region, country: country, participatingCountries: country == nil ? [] : participating, commitments: lines.count,
            committed: Money(cents: committed), disbursed: Money(cents: disbursed), remaining: Money(cents: committed - disbursed),
            paymentRate: Percentage(disbursed, of: committed))
    }
}
