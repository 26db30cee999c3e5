import Foundation
import Hummingbird
import NIOCore

/// The fields of a posted form (`application/x-www-form-urlencoded`), each name with all its
/// values in order (checkboxes and repeated rows post one name many times).
public struct Form: Sendable {
    /// More fields than any page's form has: a body of thousands is refused before it is read.
    public static let maximumFields = 1000

    private let values: [String: [String]]

    public init(fields: [(name: String, value: String)]) {
        var values: [String: [String]] = [:]
        for field in fields { values[field.name, default: []].append(field.value) }
        self.values = values
    }

    /// Parses a form body; `+` is a space, `%XX` a byte of UTF-8 (a malformed escape is kept as typed).
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
        self.init(fields: fields)
    }

    /// Reads the request's form body: at most the context's upload size (413 beyond) and
    /// ``maximumFields`` fields (400 beyond), so no form costs more to read than a page's does.
    public static func read(_ request: Request, context: some RequestContext) async throws -> Form {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw PageError.badRequest("the form must be sent as application/x-www-form-urlencoded")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw PageError.tooLarge
        }
        let bytes = buffer.readableBytesView
        guard bytes.lazy.filter({ $0 == UInt8(ascii: "&") }).count < maximumFields else { throw PageError.badRequest("too many fields") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw PageError.badRequest("the form is not UTF-8") }
        return Form(encoded: text)
    }

    /// The first value of `name`, trimmed; nil when absent or blank.
    public subscript(_ name: String) -> String? {
        guard let value = values[name]?.first?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// Every value of `name`, in order, blanks included.
    public func all(_ name: String) -> [String] { values[name] ?? [] }

    /// Every non-blank value of `name`, trimmed.
    public func values(_ name: String) -> [String] {
        all(name).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
