import Events
import Foundation
import Testing

@Suite("Trimming white space as Foundation's .whitespacesAndNewlines does")
struct TrimmedTests {
    @Test(arguments: [
        "  Border monitoring \n", "\t\r\nx\u{0B}\u{0C}", "\u{00A0}Café\u{3000}", "\u{2028}a b\u{2029}", "\u{0085}é\u{0301}\u{200A}", "   ", "",
        "no change", "\u{200B}zero width stays\u{200B}", "line one\nline two", "\u{FEFF}bom\u{FEFF}", "\u{180E}mongolian\u{180E}", "\u{1680}ogham\u{202F}",
    ])
    func agreesWithFoundation(_ text: String) {
        #expect(text.trimmed == text.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(text[...].trimmed == text.trimmed)
    }
}
