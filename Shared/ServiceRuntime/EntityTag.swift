import Foundation

/// `If-Match` as RFC 9110 §13.1.1 reads it: `*`, or a list of entity tags compared strongly
/// (a weak tag `W/"3"` never matches; `"3"` matches `"3"`).
public enum IfMatch {
    /// Whether the condition holds for a resource whose current tag is `current`.
    public static func holds(_ header: String, current: String) -> Bool {
        let condition = header.trimmingCharacters(in: .whitespaces)
        if condition == "*" { return true }
        guard !current.hasPrefix("W/") else { return false }
        return condition.split(separator: ",").contains { candidate in
            candidate.trimmingCharacters(in: .whitespaces) == current
        }
    }

    /// `If-None-Match` compares weakly (RFC 9110 §13.1.2): `W/"3"` matches `"3"`.
    public static func holdsWeakly(_ header: String, current: String) -> Bool {
        let condition = header.trimmingCharacters(in: .whitespaces)
        if condition == "*" { return true }
        func opaque(_ tag: String) -> String { tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }
        return condition.split(separator: ",").contains { opaque($0.trimmingCharacters(in: .whitespaces)) == opaque(current) }
    }
}
