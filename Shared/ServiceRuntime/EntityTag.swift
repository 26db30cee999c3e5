import Events
import Foundation

/// `If-Match` as RFC 9110 §13.1.1 reads it: `*`, or a list of entity tags compared weakly
/// (`W/"3"` matches `"3"`).
public enum IfMatch {
    /// Whether the condition holds for a resource whose current tag is `current`.
    public static func holds(_ header: String, current: String) -> Bool {
        let condition = header.trimmingCharacters(in: .whitespaces)
        if condition == "*" { return true }
        let opaque = { (tag: Substring) -> Substring in
            let tag = tag.drop { $0 == " " || $0 == "\t" }
            return tag.hasPrefix("W/") ? tag.dropFirst(2) : tag
        }
        let target = opaque(Substring(current))
        return condition.split(separator: ",").contains { candidate in
            opaque(Substring(candidate.trimmingCharacters(in: .whitespaces))) == target
        }
    }
}
