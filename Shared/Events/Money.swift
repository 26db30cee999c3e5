/// An exact amount of euros, held as integer cents.
///
/// JSON carries it as a decimal string ("1250000.00"); the database as BIGINT cents.
/// Never a floating-point type: 0.1 + 0.2 must stay 0.30.
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var cents: Int64

    public init(cents: Int64) {
        self.cents = cents
    }

    /// Parses "1250000", "1250000.5" or "1250000.50" (at most two decimals, optional leading '-').
    public init?(_ text: String) {
        guard let cents = Money.parseCents(text) else { return nil }
        self.cents = cents
    }

    public static let zero = Money(cents: 0)

    /// "1250000.00"
    public var description: String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }

    /// `self + other`, or ``MoneyOverflow`` past ±92 233 720 368 547 758.07: never a silent wrap, never a trap.
    public func adding(_ other: Money) throws(MoneyOverflow) -> Money {
        let (sum, overflow) = cents.addingReportingOverflow(other.cents)
        guard !overflow else { throw MoneyOverflow(operation: "\(self) + \(other)") }
        return Money(cents: sum)
    }

    /// `self - other`, or ``MoneyOverflow``.
    public func subtracting(_ other: Money) throws(MoneyOverflow) -> Money {
        let (difference, overflow) = cents.subtractingReportingOverflow(other.cents)
        guard !overflow else { throw MoneyOverflow(operation: "\(self) - \(other)") }
        return Money(cents: difference)
    }

    /// `self × factor`, or ``MoneyOverflow``.
    public func multiplied(by factor: Int64) throws(MoneyOverflow) -> Money {
        let (product, overflow) = cents.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw MoneyOverflow(operation: "\(self) × \(factor)") }
        return Money(cents: product)
    }

    /// The sum of `amounts`, or ``MoneyOverflow``.
    public static func sum(_ amounts: some Sequence<Money>) throws(MoneyOverflow) -> Money {
        var total = Money.zero
        for amount in amounts { total = try total.adding(amount) }
        return total
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let cents = Money.parseCents(text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "'\(text)' is not an amount of euros with at most two decimals, like \"1250000.00\"")
        }
        self.cents = cents
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Exact: digits, an optional '.' with one or two more, an optional leading '-'; nothing
    /// else (no spaces, exponents, '+', grouping or decimal commas). Every value of 64-bit
    /// cents parses, from "-92233720368547758.08" to "92233720368547758.07"; one cent beyond
    /// is nil. "-0.00" is zero.
    static func parseCents(_ text: String) -> Int64? {
        var utf8 = Substring(text).utf8[...]
        var negative = false
        if utf8.first == UInt8(ascii: "-") {
            negative = true
            utf8 = utf8.dropFirst()
        }
        let parts = utf8.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 20, whole.allSatisfy(isDigit) else { return nil }
        var fraction: [UInt8] = []
        if parts.count == 2 {
            fraction = Array(parts[1])
            guard !fraction.isEmpty, fraction.count <= 2, fraction.allSatisfy(isDigit) else { return nil }
        }
        while fraction.count < 2 { fraction.append(UInt8(ascii: "0")) }
        // Accumulated negatively, so that Int64.min (one cent further than max) is reachable.
        var cents: Int64 = 0
        for digit in Array(whole) + fraction {
            let (shifted, overflow) = cents.multipliedReportingOverflow(by: 10)
            let (next, under) = shifted.subtractingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            guard !overflow, !under else { return nil }
            cents = next
        }
        if negative { return cents }
        let (positive, overflow) = Int64(0).subtractingReportingOverflow(cents)
        return overflow ? nil : positive
    }
}

/// An amount too large for 64-bit cents: the arithmetic refuses it instead of wrapping or trapping.
public struct MoneyOverflow: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var description: String { "\(operation) is beyond the amounts this system counts (±92233720368547758.07)" }
}
