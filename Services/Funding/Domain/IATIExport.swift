import Events
import Foundation

/// The approved projects as an IATI 2.03 `iati-activities` document: what the EU publishes
/// of the grants it funds. One `iati-activity` per commitment that is committed (active or
/// closed); a blocked one has no money yet and is left out.
///
/// The codes, from the IATI code lists:
/// - reporting org: the EU (`COE_IATI_REPORTING_ORG_REF` and `_NAME`, `XI-IATI-EC_FPI` by default, the
///   Commission's service for Foreign Policy Instruments that runs the IfS), organisation type 10;
/// - participating orgs: the EU, role 1 (funding); the lead country's national CBRN team,
///   role 4 (implementing), type 10 (government);
/// - activity status 2 (implementation) while active, 4 (closed) once the final tranche is paid;
/// - activity dates: 1 planned start (the approval), 2 actual start (the first payment's value
///   date), 3 planned end (the last day of the planned duration, 24 months when none was given),
///   4 actual end (the closing);
/// - recipient countries: the lead and participating countries, percentages summing to
///   exactly 100 (equal shares in hundredths, the lead country taking any remainder first);
/// - sector: DAC 5 (vocabulary 1) 15210, security system management and reform, 100 %;
/// - default currency EUR; the commitment as budgets (type 1 original, status 2 committed) of at
///   most a year each, from the planned start to the planned end, shared by days, adding up exactly;
/// - transactions: type 2 (outgoing commitment) for the commitment, and a negative one for
///   what closing released; type 3 (disbursement) for every verified payment, negative for a
///   recovery, each dated by its value date.
struct IATIExport: Sendable {
    struct Organisation: Sendable {
        var ref: String
        var name: String
    }

    var reportingOrg: Organisation
    var reference: ReferenceData

    static let standardReportingOrg = Organisation(ref: "XI-IATI-EC_FPI", name: "European Union — Service for Foreign Policy Instruments")
    static let sectorCode = "15210"

    /// The document for `commitments` (active or closed ones), generated at `now`.
    func document(_ commitments: [Commitment], at now: Date) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<iati-activities version="2.03" generated-datetime="\#(UTC.dateTime(now))">"# + "\n"
        for commitment in commitments where commitment.status != .blocked {
            xml += activity(commitment)
        }
        xml += "</iati-activities>\n"
        return xml
    }

    /// The recipient countries and their percentages in hundredths, summing to 10 000.
    static func countryShares(lead: String, participating: [String]) -> [(String, Int)] {
        var countries = [lead]
        for country in participating where !countries.contains(country) { countries.append(country) }
        let base = 10_000 / countries.count
        var rest = 10_000 - base * countries.count
        return countries.map { country in
            let extra = rest > 0 ? 1 : 0
            rest -= extra
            return (country, base + extra)
        }
    }

    private func activity(_ commitment: Commitment) -> String {
        let project = commitment.project
        let identifier = "\(reportingOrg.ref)-\(project.reference)"
        let start = commitment.approvedAt
        let plannedEnd = Self.plannedEnd(from: start, months: commitment.durationMonths ?? 24)
        let verified = commitment.movements.filter { $0.status == .verified }
        let leadName = reference.countries[project.leadCountry] ?? project.leadCountry
        var xml = #"  <iati-activity last-updated-datetime="\#(UTC.dateTime(commitment.updatedAt))" xml:lang="en" default-currency="EUR">"# + "\n"
        xml += "    <iati-identifier>\(Self.escape(identifier))</iati-identifier>\n"
        xml += #"    <reporting-org ref="\#(Self.escape(reportingOrg.ref))" type="10">"# + "\n"
        xml += "      <narrative>\(Self.escape(reportingOrg.name))</narrative>\n    </reporting-org>\n"
        xml += "    <title>\n      <narrative>\(Self.escape(project.title))</narrative>\n    </title>\n"
        let description = commitment.summary ?? "\(project.title): a project of the EU CBRN Risk Mitigation Centres of Excellence initiative (\(project.reference))."
        xml += #"    <description type="1">"# + "\n      <narrative>\(Self.escape(description))</narrative>\n    </description>\n"
        xml += #"    <participating-org ref="\#(Self.escape(reportingOrg.ref))" type="10" role="1">"# + "\n"
        xml += "      <narrative>\(Self.escape(reportingOrg.name))</narrative>\n    </participating-org>\n"
        xml += #"    <participating-org type="10" role="4">"# + "\n"
        xml += "      <narrative>National CBRN Team of \(Self.escape(leadName))</narrative>\n    </participating-org>\n"
        xml += #"    <activity-status code="\#(commitment.status == .closed ? 4 : 2)"/>"# + "\n"
        xml += #"    <activity-date type="1" iso-date="\#(UTC.day(start))"/>"# + "\n"
        if let first = verified.filter({ $0.kind == .disbursement }).map(\.valueDate).min() {
            xml += #"    <activity-date type="2" iso-date="\#(first)"/>"# + "\n"
        }
        xml += #"    <activity-date type="3" iso-date="\#(UTC.day(plannedEnd))"/>"# + "\n"
        if let closed = commitment.closedAt {
            xml += #"    <activity-date type="4" iso-date="\#(UTC.day(closed))"/>"# + "\n"
        }
        for (country, hundredths) in Self.countryShares(lead: project.leadCountry, participating: project.participatingCountries) {
            xml += #"    <recipient-country code="\#(Self.escape(country))" percentage="\#(Percentage(hundredths: Int64(hundredths)))"/>"# + "\n"
        }
        xml += #"    <sector vocabulary="1" code="\#(Self.sectorCode)" percentage="100"/>"# + "\n"
        for period in Self.budgetPeriods(from: start, to: plannedEnd, amount: commitment.amount) {
            xml += #"    <budget type="1" status="2">"# + "\n"
            xml += #"      <period-start iso-date="\#(UTC.day(period.start))"/>"# + "\n"
            xml += #"      <period-end iso-date="\#(UTC.day(period.end))"/>"# + "\n"
            xml += #"      <value currency="EUR" value-date="\#(UTC.day(period.start))">\#(period.amount)</value>"# + "\n"
            xml += "    </budget>\n"
        }
        if let committedAt = commitment.committedAt {
            xml += transaction(type: 2, date: UTC.day(committedAt), amount: commitment.amount, description: "Commitment of the approved budget", receiver: leadName)
        }
        for movement in verified {
            let what = movement.kind == .recovery
                ? "Recovery: \(movement.reason ?? "money returned")"
                : "Payment of the \(movement.tranche?.rawValue.replacingOccurrences(of: "_", with: "-") ?? "") tranche (\(movement.bankReference))"
            xml += transaction(type: 3, date: movement.valueDate, amount: movement.amount, description: what, receiver: leadName)
        }
        if let closed = commitment.closedAt, commitment.released > .zero {
            xml += transaction(
                type: 2, date: UTC.day(closed), amount: Money(cents: -commitment.released.cents), description: "Release of the unpaid balance at closing",
                receiver: leadName)
        }
        xml += "  </iati-activity>\n"
        return xml
    }

    /// The last day of a project of `months` months starting on `start`'s day.
    static func plannedEnd(from start: Date, months: Int) -> Date {
        let after = UTC.calendar.date(byAdding: .month, value: months, to: UTC.calendar.startOfDay(for: start)) ?? start
        return UTC.calendar.date(byAdding: .day, value: -1, to: after) ?? start
    }

    /// The budget in periods of at most a year (an IATI rule), from the planned start to the
    /// planned end, each its share of the days in integer cents, the last taking the rest, so
    /// the periods add up to the commitment exactly.
    static func budgetPeriods(from start: Date, to end: Date, amount: Money) -> [(start: Date, end: Date, amount: Money)] {
        let first = UTC.calendar.startOfDay(for: start)
        let last = max(first, UTC.calendar.startOfDay(for: end))
        let totalDays = Int64((UTC.calendar.dateComponents([.day], from: first, to: last).day ?? 0) + 1)
        var periods: [(start: Date, end: Date, amount: Money)] = []
        var periodStart = first
        var allotted: Int64 = 0
        while periodStart <= last {
            let nextYear = UTC.calendar.date(byAdding: .year, value: 1, to: periodStart) ?? last.addingTimeInterval(86_400)
            let periodEnd = min(UTC.calendar.date(byAdding: .day, value: -1, to: nextYear) ?? last, last)
            let days = Int64((UTC.calendar.dateComponents([.day], from: periodStart, to: periodEnd).day ?? 0) + 1)
            let isLast = periodEnd >= last
            let cents = isLast ? amount.cents - allotted : amount.cents * days / totalDays
            allotted += cents
            periods.append((periodStart, periodEnd, Money(cents: cents)))
            if isLast { break }
            periodStart = nextYear
        }
        return periods
    }

    private func transaction(type: Int, date: String, amount: Money, description: String, receiver: String) -> String {
        var xml = "    <transaction>\n"
        xml += #"      <transaction-type code="\#(type)"/>"# + "\n"
        xml += #"      <transaction-date iso-date="\#(date)"/>"# + "\n"
        xml += #"      <value currency="EUR" value-date="\#(date)">\#(amount)</value>"# + "\n"
        xml += "      <description>\n        <narrative>\(Self.escape(description))</narrative>\n      </description>\n"
        xml += #"      <provider-org ref="\#(Self.escape(reportingOrg.ref))" type="10">"# + "\n"
        xml += "        <narrative>\(Self.escape(reportingOrg.name))</narrative>\n      </provider-org>\n"
        xml += #"      <receiver-org type="10">"# + "\n"
        xml += "        <narrative>National CBRN Team of \(Self.escape(receiver))</narrative>\n      </receiver-org>\n"
        xml += "    </transaction>\n"
        return xml
    }

    /// Text and attribute values escaped for XML; characters XML 1.0 can't carry are dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || value == 0xFFFE || value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
