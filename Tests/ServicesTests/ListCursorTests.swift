import Foundation
import ServiceRuntime
import Testing

/// Cursors that decode but name a time PostgreSQL would refuse (22008, 22009): the client's 422, never a 500.
@Suite("List cursors")
struct ListCursorTests {
    static func encoded(_ time: String) -> String {
        Data("\(time)|6f1c1a56-08a3-4a52-9d8f-6d3f10e1a001".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    @Test(arguments: [
        "9999-99-99 99:99:99+00", "2026-02-30 10:00:00+00", "2026-11-25 24:00:00+00", "2026-11-25 10:00:00+99",
        // Found by the fuzzer: Foundation's calendar is Julian before 1582, and offset minutes were not checked.
        "1500-02-29 00:00:00+00", "0100-02-29 00:00:00+00", "2026-01-01 00:00:00+00:99", "0000-01-01 00:00:00+00",
    ])
    func impossibleTimesAreRefused(time: String) {
        #expect(ListParameters.Cursor(encoded: Self.encoded(time)) == nil)
    }

    @Test(arguments: ["2024-02-29 23:59:59.123456+00", "2000-02-29 00:00:00+05:30", "2026-11-25 10:00:00-03", "1600-02-29 12:00:00+00"])
    func realTimesPass(time: String) {
        #expect(ListParameters.Cursor(encoded: Self.encoded(time))?.time == time)
    }
}
