import Events
import Foundation
import Testing

@testable import Notifications

/// The mail as it goes over SMTP: headers any reader decodes, MIME parts, no injection.
@Suite struct MailMessageTests {
    let message = MailMessage(
        from: .init(name: "CoE Workflows", address: "notifications@coe.example.eu"), to: .init(name: "Amélie Durand", address: "amelie@example.org"),
        subject: "[CoE] CBRN-2026-0042 : proposition approuvée — évaluation terminée avec succès pour la région",
        text: "Bonjour Amélie,\n\nLa proposition a été approuvée.\n", html: "<p>Bonjour Amélie,</p>",
        messageID: MailMessage.messageID(delivery: UUID(uuidString: "6F1B8C1E-0000-4000-8000-000000000001")!, sender: "notifications@coe.example.eu"),
        date: Date(timeIntervalSince1970: 1_796_053_826), extraHeaders: [("X-CoE-Event-Type", "proposal.approved")])

    @Test func asciiSubjectStaysPlain() {
        #expect(MailMessage.encodedHeaderValue("[CoE] CBRN-2026-0001: approved") == "[CoE] CBRN-2026-0001: approved")
    }

    @Test func frenchSubjectIsEncodedWordsThatDecodeBack() throws {
        let encoded = MailMessage.encodedHeaderValue(message.subject)
        let words = encoded.split(separator: " ")
        #expect(words.count > 1, "a long subject takes several encoded words")
        var bytes: [UInt8] = []
        for word in words {
            #expect(word.count <= 75, "RFC 2047: an encoded word is at most 75 characters")
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let payload = word.dropFirst(10).dropLast(2)
            let decoded = try #require(Data(base64Encoded: String(payload)))
            #expect(String(data: decoded, encoding: .utf8) != nil, "each word holds whole characters")
            bytes += decoded
        }
        #expect(String(decoding: bytes, as: UTF8.self) == message.subject)
    }

    /// Emoji sequences, combining marks and right-to-left text: every word stays within 75
    /// characters and holds whole code points, and the words decode back to the subject.
    @Test(arguments: [
        "[CoE] 👩🏽‍⚕️👨‍👩‍👧‍👦 " + String(repeating: "🏳️‍🌈", count: 12), "[CoE] e\u{301}\u{302}\u{303}" + String(repeating: "\u{301}", count: 40),
        "[CoE] مشروع الكشف عن الإشعاع على الحدود", "[CoE] Tab\there\u{7F} and =?UTF-8?B?x?= look-alike",
    ])
    func oddUnicodeSubjectsStayWithinTheRules(_ subject: String) throws {
        let encoded = MailMessage.encodedHeaderValue(subject)
        var bytes: [UInt8] = []
        for word in encoded.split(separator: " ") {
            #expect(word.count <= 75, "\(word)")
            let decoded = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            #expect(String(data: decoded, encoding: .utf8) != nil, "whole code points in each word")
            bytes += decoded
        }
        #expect(String(decoding: bytes, as: UTF8.self) == subject)
    }

    @Test func renderedMessageHasTheHeadersAndBothParts() throws {
        let text = message.rendered()
        let lines = text.components(separatedBy: "\r\n")
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends CRLF")
        #expect(lines.allSatisfy { $0.utf8.count <= 998 })
        #expect(lines.contains("Message-ID: <6f1b8c1e-0000-4000-8000-000000000001@coe.example.eu>"))
        #expect(lines.contains("Date: Mon, 30 Nov 2026 15:50:26 +0000"))
        #expect(lines.contains("MIME-Version: 1.0"))
        #expect(lines.contains("X-CoE-Event-Type: proposal.approved"))
        #expect(lines.contains { $0.hasPrefix("To: =?UTF-8?B?") && $0.hasSuffix(" <amelie@example.org>") })
        #expect(lines.contains { $0.hasPrefix("Content-Type: multipart/alternative; boundary=") })
        #expect(lines.filter { $0 == "Content-Type: text/plain; charset=UTF-8" }.count == 1)
        #expect(lines.filter { $0 == "Content-Type: text/html; charset=UTF-8" }.count == 1)
        let bodyLines = lines.filter { $0.count == 76 }
        #expect(!bodyLines.isEmpty || message.text.utf8.count < 57)
    }

    @Test func headerInjectionIsNeutralised() {
        var forged = message
        forged.subject = "Hello\r\nBcc: victim@example.org"
        forged.to.name = "Eve\r\nBcc: other@example.org"
        let lines = forged.rendered().components(separatedBy: "\r\n")
        #expect(!lines.contains { $0.hasPrefix("Bcc:") })
    }

    @Test(arguments: ["a@b.co>\r\nBcc: x@y.z", "a@b.co\nBcc:x@y.z", "a b@c.de", "a@b.co,c@d.ef", "<a@b.co>", "a@b.co;x", "a\u{0}@b.co", "a@b\t.co"])
    func addressesThatCouldSplitAHeaderAreRefused(_ address: String) {
        #expect(!EmailAddress.isPlausible(address))
    }

    @Test func ordinaryAddressesAreAccepted() {
        for address in ["amelie.durand@example.org", "nfp+coe@mfa.gov.ma", "o'brien@example.ie"] { #expect(EmailAddress.isPlausible(address), "\(address)") }
    }

    @Test func messageIDIsTheDeliverys() {
        let id = UUID()
        #expect(MailMessage.messageID(delivery: id, sender: "a@coe.example.eu") == "<\(id.uuidString.lowercased())@coe.example.eu>")
        #expect(MailMessage.messageID(delivery: id, sender: "a@coe.example.eu") == MailMessage.messageID(delivery: id, sender: "a@coe.example.eu"))
    }
}
