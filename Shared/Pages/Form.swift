import Foundation
import Hummingbird

/// The fields of a posted form (`application/x-www-form-urlencoded`), each name with all its
/// values in order (checkboxes and repeated rows post one name many times).
public struct Form: Sendable {
    public let fields: [(name: String, value: String)]

    public init(fields: [(name: String, value: String)]) { self.fields = fields }

    /// Parses a form body; `+` is a space, `%XX` a byte of UTF-8.
    public init(encoded text: String) {
        var fields: [(String, String)] = []
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            fields.append((decode(parts[0]), parts.count > 1 ? decode(parts[1]) : ""))
        }
        self.fields = fields
    }

    /// Reads the request's form body (at most the context's upload size).
    public static func read(_ request: Request, context: some RequestContext) async throws -> Form {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw PageError.badRequest("the form must be sent as application/x-www-form-urlencoded")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard let text = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes) else {
            throw PageError.badRequest("the form is not UTF-8")
        }
        return Form(encoded: text)
    }

    /// The first value of `name`, trimmed; nil when absent or blank.
    public subscript(_ name: String) -> String? {
        guard let value = fields.first(where: { $0.name == name })?.value.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty
        else { return nil }
        return value
    }

    /// Every value of `name`, in order, blanks included.
    public func all(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    /// Every non-blank value of `name`, trimmed.
    public func values(_ name: String) -> [String] {
        all(name).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
