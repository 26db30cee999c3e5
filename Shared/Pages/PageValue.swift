import Events
import Foundation
import Hummingbird
import ServiceRuntime

/// Reading what the APIs answer (JSON documents) and what people type, the same way on every page.
public enum PageValue {
    /// A path's UUID, lowercased as the APIs write it; a page that can't exist otherwise (404).
    public static func id(_ context: ServiceRequestContext, _ name: String = "id") throws -> String {
        guard let text = context.parameters.get(name), let id = UUID(uuidString: text) else { throw PageError.notFound }
        return id.uuidString.lowercased()
    }

    /// A JSON string or number as text; empty for anything else.
    public static func text(_ value: Any?) -> String {
        switch value {
        case let text as String: text
        case let number as NSNumber: number.stringValue
        default: ""
        }
    }

    /// Text for a template's section: `false` when empty, since swift-mustache renders a section
    /// for any string, the empty one too.
    public static func optional(_ text: String?) -> Any {
        guard let text, !text.isEmpty else { return false }
        return text
    }

    /// An API list's cursor as a page may pass it on and put back in a link: base64url (what
    /// `ListParameters.Cursor` writes), at most 512 characters; anything else is dropped (the
    /// first page), and the API still says whether a well-formed one is its own.
    public static func cursor(_ text: String?) -> String? {
        guard let text, !text.isEmpty, text.count <= 512,
              text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        return text
    }

    /// An ISO 8601 date-time of an API's answer, with or without fractional seconds.
    public static func date(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        return (try? Date(text, strategy: .iso8601)) ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }

    /// An API's decimal string as money; zero when there is none.
    public static func money(_ value: Any?) -> Money { (value as? String).flatMap(Money.init) ?? .zero }

    /// An amount as people type it, as the APIs' decimal string: `1 250 000,50` and
    /// `1,250,000.50` are both `1250000.50`; `−250 000` is `-250000`. Anything else is sent as
    /// typed, for the API to say what is wrong with it.
    public static func decimal(_ text: String) -> String {
        var compact = text.filter { !$0.isWhitespace && $0 != "\u{00A0}" && $0 != "\u{202F}" && $0 != "€" }
        compact = compact.replacingOccurrences(of: "\u{2212}", with: "-")
        if compact.contains(","), !compact.contains("."), compact.split(separator: ",").last.map({ $0.count <= 2 }) == true,
           compact.filter({ $0 == "," }).count == 1 {
            return compact.replacingOccurrences(of: ",", with: ".")
        }
        if compact.contains(","), compact.contains(".") { return compact.replacingOccurrences(of: ",", with: "") }
        return compact
    }

    /// A textarea's lines, trimmed, blanks left out: one reason or objective per line.
    public static func lines(_ text: String?) -> [String] {
        (text ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The `Idempotency-Key` of a form's change: the form's own `form_id` (made when the page
    /// was rendered), so a double click or a resent form is one change; nil when the form has
    /// none or one that is not a plain token (letters, digits, `-`, at most 64): such a value
    /// must never reach a request header.
    public static func key(_ form: Form, _ operation: String, _ subject: String? = nil) -> String? {
        guard let id = form["form_id"], id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return nil }
        return ["page", operation, subject, id].compactMap { $0 }.joined(separator: "-")
    }

    /// A new `form_id` for a form about to be rendered.
    public static func newFormID() -> String { UUID().uuidString.lowercased() }
}
