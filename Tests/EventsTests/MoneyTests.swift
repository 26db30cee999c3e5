import Events
import Foundation
import Testing

@Suite("Money is exact")
struct MoneyTests {
    @Test(arguments: [
        ("0", 0), ("1", 100), ("1.5", 150), ("1.50", 150), ("1250000.00", 125_000_000), ("0.01", 1), ("-3.25", -325),
        ("92233720368547.75", 9_223_372_036_854_775), ("0.1", 10), ("-0.00", 0), ("007.10", 710),
        // The limits of 64-bit cents, both ends.
        ("92233720368547758.07", Int64.max), ("-92233720368547758.08", Int64.min),
    ])
    func parsesDecimalStrings(text: String, cents: Int64) {
        #expect(Money(text)?.cents == cents)
    }

    @Test(arguments: [
        "", "1.234", "12.345", "1,50", "1,00", "1e3", "1E3", "abc", ".5", "5.", "--1", "+1", " 1", " 1.00", "1 ", "1.00 ", "NaN", "Infinity",
        "1_000", "١٢", "0x10", "-", "-.5", "1.2.3",
        // One cent beyond the limits of 64-bit cents, and far beyond.
        "92233720368547758.08", "-92233720368547758.09", "99999999999999999.00", "123456789012345678901234567890",
    ])
    func rejectsAnythingElse(text: String) {
        #expect(Money(text) == nil)
    }

    @Test func negativeZeroIsZero() {
        #expect(Money("-0.00") == Money.zero)
        #expect(Money("-0.00")?.description == "0.00")
    }

    @Test func formatsWithTwoDecimals() throws {
        #expect(Money(cents: 125_000_000).description == "1250000.00")
        #expect(Money(cents: 5).description == "0.05")
        #expect(Money(cents: -325).description == "-3.25")
        #expect(Money(cents: .max).description == "92233720368547758.07")
        #expect(Money(cents: .min).description == "-92233720368547758.08")
        #expect(Money(Money(cents: .min).description) == Money(cents: .min))
        #expect(try Money("0.10")!.adding(Money("0.20")!).description == "0.30")
    }

    @Test func arithmeticRefusesToOverflow() throws {
        let largest = Money(cents: .max)
        #expect(throws: MoneyOverflow.self) { try largest.adding(Money(cents: 1)) }
        #expect(throws: MoneyOverflow.self) { try Money(cents: .min).subtracting(Money(cents: 1)) }
        #expect(throws: MoneyOverflow.self) { try largest.multiplied(by: 2) }
        #expect(throws: MoneyOverflow.self) { try Money.sum([largest, largest]) }
        #expect(try Money.sum([Money("0.10")!, Money("0.20")!, Money("-0.05")!]) == Money(cents: 25))
        #expect(try Money(cents: 12_345).multiplied(by: 3) == Money(cents: 37_035))
    }

    @Test func roundTripsThroughJSONAsAString() throws {
        struct Box: Codable, Equatable { var amount: Money }
        let json = try JSONEncoder().encode(Box(amount: Money(cents: 1_999)))
        #expect(String(decoding: json, as: UTF8.self) == #"{"amount":"19.99"}"#)
        #expect(try JSONDecoder().decode(Box.self, from: json) == Box(amount: Money(cents: 1_999)))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Box.self, from: Data(#"{"amount":19.99}"#.utf8)) }
    }
}
