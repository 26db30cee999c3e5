/// A score with exactly two decimals, kept as whole hundredths: "73.50" is 7 350.
///
/// A weighted total is exact: criteria are scored in whole points 0–100 and weights are whole
/// percentages summing to 100, so Σ weight × score is the total in hundredths with nothing
/// left over. Means over several assessments are rounded once, half to even, to hundredths.
struct Score: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    var hundredths: Int

    init(hundredths: Int) {
        self.hundredths = hundredths
    }

    /// "73.50".
    var description: String {
        let whole = hundredths / 100
        let part = hundredths % 100
        return "\(whole).\(part < 10 ? "0" : "")\(part)"
    }

    static func < (lhs: Score, rhs: Score) -> Bool { lhs.hundredths < rhs.hundredths }

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let digitsOnly = parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        guard digitsOnly, parts.count == 2, parts[1].count == 2, parts[0].count <= 6, let whole = Int(parts[0]), let part = Int(parts[1]) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a score is written like \"73.50\""))
        }
        hundredths = whole * 100 + part
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// `numerator / denominator` hundredths, rounded half to even (non-negative values only).
    static func rounded(_ numerator: Int, over denominator: Int) -> Score {
        precondition(denominator > 0 && numerator >= 0)
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        let twice = 2 * remainder
        if twice > denominator || (twice == denominator && quotient % 2 == 1) { return Score(hundredths: quotient + 1) }
        return Score(hundredths: quotient)
    }

    /// The mean of `scores`, rounded once half to even; nil for none.
    static func mean(_ scores: [Score]) -> Score? {
        guard !scores.isEmpty else { return nil }
        return rounded(scores.reduce(0) { $0 + $1.hundredths }, over: scores.count)
    }
}
