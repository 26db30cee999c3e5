import Foundation
import Testing

@testable import Notifications

@Suite struct MailMessageTests {
    @Test func asciiSubjectStaysPlain() {
        #expect(MailMessage.encodedHeaderValue("[CoE] CBRN-2026-0001: approved") == "[CoE] CBRN-2026-0001: approved")
    }
}
