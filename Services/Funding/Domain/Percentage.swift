/// A rate as an exact percentage with two decimals ("12.35"), from two amounts of cents.
///
/// The rule, the same everywhere: `part ÷ whole × 100`, computed exactly in integers (128-bit
/// intermediate), rounded once to hundredths of a percent, half to even. No rate (nil) when
/// `whole` is zero. Never a floating-point value on the way.
struct Percentage: Sendable, Equatable, Encodable, CustomStringConvertible {
    /// Hundredths of a percent: 1235 is 12.35 %.
    var hundredths: Int64

    init(hundredths: Int64) { self.hundredths = hundredths }

    /// `part` of `whole`, or nil when `whole` is not positive, `part` negative, or the rate beyond reason.
    init?(_ part: Int64, of whole: Int64) {
        guard whole > 0, part >= 0 else { return nil }
        let divisor = UInt64(whole)
        let product = UInt64(part).multipliedFullWidth(by: 10_000)
        guard product.high < divisor else { return nil }
        let (quotient, remainder) = divisor.dividingFullWidth(product)
        var rounded = quotient
        // Half to even: up when the remainder is past half, or exactly half and the quotient odd.
        let twice = remainder.multipliedFullWidth(by: 2)
        let pastHalf = twice.high > 0 || twice.low > divisor
        let exactlyHalf = twice.high == 0 && twice.low == divisor
        if pastHalf || (exactlyHalf && quotient % 2 == 1) { rounded += 1 }
        guard rounded <= UInt64(Int64.max) else { return nil }
        hundredths = Int64(rounded)
    }

    var description: String {
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
