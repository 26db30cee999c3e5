import Foundation

/// The languages people of the initiative read: English, and French for the partner countries
/// that work in it. Amounts and dates are written for the reader's language; the API itself
/// keeps decimal strings and ISO 8601.
public enum Language: String, Sendable, Codable, CaseIterable {
    case en
    case fr

    /// An amount in euros as a reader of the language writes it: `€1,250,000.00` or `1 250 000,00 €`
    /// (no-break spaces in French, so a line never splits an amount).
    public func euros(_ money: Money) -> String {
        let magnitude = money.cents.magnitude
        let units = String(magnitude / 100)
        let cents = magnitude % 100
        var grouped = ""
        for (index, digit) in units.enumerated() {
            if index > 0, (units.count - index) % 3 == 0 { grouped += self == .en ? "," : "\u{00A0}" }
            grouped.append(digit)
        }
        let fraction = cents < 10 ? "0\(cents)" : "\(cents)"
        let sign = money.cents < 0 ? "-" : ""
        switch self {
        case .en: return "\(sign)€\(grouped).\(fraction)"
        case .fr: return "\(sign)\(grouped),\(fraction)\u{00A0}€"
        }
    }

    /// A day as a reader of the language writes it, in UTC: `30 November 2026`, `30 novembre 2026`.
    public func day(_ date: Date) -> String {
        let parts = UTC.calendar.dateComponents([.year, .month, .day], from: date)
        return day(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    /// A calendar day given as `YYYY-MM-DD` (a value date), written for the language; the text
    /// as it is when it is not such a day.
    public func day(iso text: String) -> String {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return text }
        return day(year: parts[0], month: parts[1], day: parts[2])
    }

    private func day(year: Int, month: Int, day: Int) -> String {
        let names = self == .en ? Self.englishMonths : Self.frenchMonths
        let first = self == .fr && day == 1 ? "1er" : String(day)
        return "\(first) \(names[month - 1]) \(year)"
    }

    private static let englishMonths = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]
    private static let frenchMonths = [
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ]
}
