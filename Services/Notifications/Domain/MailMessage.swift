import Events
import Foundation

/// An e-mail as it goes over SMTP: RFC 5322 headers, MIME `multipart/alternative` with a
/// plain-text and an HTML part in UTF-8 (base64), non-ASCII headers as RFC 2047 encoded words,
/// CRLF line ends. Its `Message-ID` is derived from the delivery, so the rare copy sent twice
/// (a crash between the server's acceptance and our record of it) carries the same id and a
/// receiver can drop it.
struct MailMessage: Sendable, Equatable {
    struct Mailbox: Sendable, Equatable {
        var name: String?
        var address: String

        /// `"Name" <address>`, the name encoded when it is not plain ASCII.
        var header: String {
            guard let name, !name.isEmpty else { return "<\(safeAddress)>" }
            return "\(MailMessage.phrase(name)) <\(safeAddress)>"
        }

        /// The address with nothing that could end the header or the bracket (defence in
        /// depth: the directory accepts no such address).
        var safeAddress: String { address.filter { !$0.isNewline && $0 != "<" && $0 != ">" && !$0.isWhitespace } }
    }

    var from: Mailbox
    var to: Mailbox
    var subject: String
    var text: String
    var html: String
    var messageID: String
    var date: Date
    /// Further headers (`X-CoE-Event`, …), ASCII.
    var extraHeaders: [(String, String)] = []

    static func == (lhs: MailMessage, rhs: MailMessage) -> Bool {
        lhs.from == rhs.from && lhs.to == rhs.to && lhs.subject == rhs.subject && lhs.text == rhs.text && lhs.html == rhs.html
            && lhs.messageID == rhs.messageID && lhs.date == rhs.date
            && lhs.extraHeaders.map { "\($0.0): \($0.1)" } == rhs.extraHeaders.map { "\($0.0): \($0.1)" }
    }

    /// The `Message-ID` of a delivery: `<delivery-id@domain of the sender>`.
    static func messageID(delivery: UUID, sender: String) -> String {
        let domain = sender.split(separator: "@").last.map(String.init) ?? "coe-workflows.local"
        return "<\(delivery.uuidString.lowercased())@\(domain)>"
    }

    /// The whole message, ready for SMTP's DATA.
    func rendered() -> String {
        let boundary = "coe-" + String(messageID.filter { $0.isLetter || $0.isNumber }.prefix(32))
        var lines: [String] = []
        lines.append("From: \(from.header)")
        lines.append("To: \(to.header)")
        lines.append(Self.folded("Subject: " + Self.encodedHeaderValue(subject)))
        lines.append("Date: \(Self.rfc5322Date(date))")
        lines.append("Message-ID: \(messageID)")
        lines.append("MIME-Version: 1.0")
        for (name, value) in extraHeaders { lines.append("\(name): \(value.filter { $0.isASCII && $0 != "\r" && $0 != "\n" })") }
        lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        lines.append("")
        lines.append("This is a message in MIME format: a plain-text and an HTML version.")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines.append("--\(boundary)")
            lines.append("Content-Type: \(type); charset=UTF-8")
            lines.append("Content-Transfer-Encoding: base64")
            lines.append("")
            lines.append(contentsOf: Self.base64Lines(body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")))
        }
        lines.append("--\(boundary)--")
        lines.append("")
        return lines.joined(separator: "\r\n")
    }

    /// A header value as it is when it is printable ASCII, else RFC 2047 `=?UTF-8?B?…?=` words,
    /// each at most 75 characters and never splitting a character (a Unicode scalar: a long
    /// emoji sequence may span words, its UTF-8 never does).
    static func encodedHeaderValue(_ value: String) -> String {
        let clean = value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f }) && !clean.contains("=?") {
            return clean
        }
        // 75 − len("=?UTF-8?B?" + "?=") = 63 base64 characters: 45 bytes of UTF-8 at most.
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in clean.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: " ")
    }

    /// A display name: quoted when plain ASCII, encoded otherwise.
    static func phrase(_ name: String) -> String {
        let encoded = encodedHeaderValue(name)
        guard encoded == name.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ") else { return encoded }
        return "\"" + encoded.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A header line folded at spaces so no line exceeds 78 characters where it can be helped.
    static func folded(_ line: String) -> String {
        var result: [String] = []
        var current = ""
        for (index, word) in line.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            // Never right after the field name: a reader would keep the fold's space in the value.
            if index > 1, current.count + 1 + word.count > 78 {
                result.append(current)
                current = " " + word
            } else {
                current += current.isEmpty ? String(word) : " " + word
            }
        }
        result.append(current)
        return result.joined(separator: "\r\n")
    }

    static func base64Lines(_ body: String) -> [String] {
        let encoded = Data(body.utf8).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    /// `Mon, 30 Nov 2026 15:41:18 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let parts = UTC.calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(days[(parts.weekday ?? 1) - 1]), \(parts.day ?? 1) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}
