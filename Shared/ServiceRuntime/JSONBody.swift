import Events
import Foundation
import Hummingbird

/// A request's JSON body, checked: 415 for another content type, 413 above the context's
/// limit, 400 for malformed JSON (with where it broke), 422 for NUL characters in any string.
public struct JSONBody: Sendable {
    public let value: JSONValue
    /// The bytes as received (what an `Idempotency-Key` compares).
    public let bytes: [UInt8]

    public init(_ request: Request, context: some RequestContext) async throws {
        let data = try await ProblemJSONDecoder.checkedJSON(request, context: context)
        self.bytes = Array(data)
        self.value = try ProblemJSONDecoder.jsonValue(data)
    }

    /// The body of `bytes` read as a request's is (a body kept aside, a test's).
    public init(bytes: [UInt8]) throws {
        self.bytes = bytes
        self.value = try ProblemJSONDecoder.jsonValue(Data(bytes))
    }

    /// The body of a request whose body is optional: nil when it has no bytes at all, whatever
    /// its headers say (`Content-Length: 00`, a chunked empty body), else checked as above.
    public static func ifPresent(_ request: Request, context: some RequestContext) async throws -> JSONBody? {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { return nil }
        return try await JSONBody(request, context: context)
    }

    /// A reader of the body's fields, which must all be among `known`; `shape` shows a valid body in messages.
    public func objectReader(known: Set<String>, shape: String) -> BodyReader {
        BodyReader(value, known: known, shape: shape)
    }
}

/// Reads the fields of a JSON object declaratively and names every problem at once:
///
/// ```swift
/// var body = try await JSONBody(request, context: context).objectReader(known: ["reviewer", "name"], shape: #"{"reviewer": "…"}"#)
/// let reviewer = body.text("reviewer", required: true, maximum: 200)
/// let name = body.text("name", required: true, maximum: 200)
/// try body.validate()   // 422 naming unknown fields, wrong types, missing and bad values together
/// ```
public struct BodyReader {
    let object: [String: JSONValue]
    var reader = JSONFieldReader()

    /// A reader of `value`'s fields, which must all be among `known`; `shape` shows a valid body in messages.
    public init(_ value: JSONValue, known: Set<String>, shape: String) {
        if case .object(let object) = value {
            self.object = object
            reader.rejectUnknown(object, known: known)
        } else {
            self.object = [:]
            reader.problem("body", "must be a JSON object like \(shape), not \(value.kind)")
        }
    }

    public var problems: [FieldProblem] { reader.problems }

    public mutating func problem(_ field: String, _ problem: String) { reader.problem(field, problem) }

    /// Throws one 422 naming every problem found.
    public func validate() throws {
        guard reader.problems.isEmpty else { throw HTTPProblem.validation(reader.problems) }
    }

    /// Whether the body has the field at all (null counts as present).
    public func has(_ field: String) -> Bool { object[field] != nil }

    /// The field's value as sent (nil when absent or null), for nested objects and arrays
    /// read with readers of their own and ``absorb(_:at:)``.
    public mutating func value(_ field: String, required: Bool = false) -> JSONValue? {
        guard let value = object[field], value != .null else {
            if required { reader.problem(field, "is required") }
            return nil
        }
        return value
    }

    /// The problems of a reader of a nested value, named by their path under `path`.
    public mutating func absorb(_ nested: BodyReader, at path: String) {
        for problem in nested.problems {
            reader.problem(problem.field == "body" ? path : "\(path).\(problem.field)", problem.problem)
        }
    }

    /// `true` or `false`.
    public mutating func bool(_ field: String, required: Bool = false) -> Bool? {
        guard let value = object[field], value != .null else {
            if required { reader.problem(field, "is required") }
            return nil
        }
        guard case .bool(let flag) = value else {
            reader.problem(field, "must be true or false, not \(value.kind)")
            return nil
        }
        return flag
    }

    /// A trimmed string of 1…`maximum` characters; nil when absent, null, blank (a problem if `required`) or invalid.
    public mutating func text(_ field: String, required: Bool = false, maximum: Int) -> String? {
        guard let value = object[field], value != .null else {
            if required { reader.problem(field, "is required") }
            return nil
        }
        guard let read = reader.string(value, field: field), let text = read?.trimmed else { return nil }
        if text.isEmpty {
            if required { reader.problem(field, "must not be empty") }
            return nil
        }
        if text.count > maximum {
            reader.problem(field, "must be at most \(maximum) characters long (it is \(text.count))")
            return nil
        }
        return text
    }

    /// A whole number within `range`.
    public mutating func integer(_ field: String, required: Bool = false, in range: ClosedRange<Int>) -> Int? {
        guard let value = object[field], value != .null else {
            if required { reader.problem(field, "is required") }
            return nil
        }
        guard let read = reader.integer(value, field: field), let number = read else { return nil }
        guard range.contains(number) else {
            reader.problem(field, "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return number
    }

    /// An amount of euros as a decimal string ("1250000.00"), never a JSON number.
    public mutating func money(_ field: String, required: Bool = false, positive: Bool = true) -> Money? {
        guard let value = object[field], value != .null else {
            if required { reader.problem(field, "is required") }
            return nil
        }
        guard case .string(let text) = value else {
            reader.problem(field, "must be a decimal string like \"1250000.00\", not \(value.kind) (amounts are never JSON numbers)")
            return nil
        }
        guard let money = Money(text) else {
            reader.problem(field, "must be an amount of euros with at most two decimals, like \"1250000.00\"")
            return nil
        }
        if positive && money <= .zero {
            reader.problem(field, "must be positive")
            return nil
        }
        return money
    }

    /// An array of trimmed, non-empty strings of at most `maximumLength` characters, at most `maximumCount` of them.
    public mutating func texts(_ field: String, required: Bool = false, maximumCount: Int, maximumLength: Int) -> [String]? {
        guard let value = object[field], value != .null else {
            if required { reader.problem(field, "is required") }
            return nil
        }
        guard let items = reader.strings(value, field: field) else { return nil }
        var ok = true
        if items.count > maximumCount {
            reader.problem(field, "must list at most \(maximumCount)")
            ok = false
        }
        for (index, item) in items.enumerated() {
            let text = item.trimmed
            if text.isEmpty || text.count > maximumLength {
                reader.problem("\(field).\(index)", "must be 1 to \(maximumLength) characters long")
                ok = false
            }
        }
        if required && items.isEmpty {
            reader.problem(field, "must not be empty")
            ok = false
        }
        return ok ? items.map { $0.trimmed } : nil
    }

    /// An e-mail address.
    public mutating func email(_ field: String, required: Bool = false) -> String? {
        guard let text = text(field, required: required, maximum: 254) else { return nil }
        guard EmailAddress.isPlausible(text) else {
            reader.problem(field, "must be an e-mail address")
            return nil
        }
        return text
    }

    /// An ISO 3166-1 alpha-2 country code (`FR`).
    public mutating func countryCode(_ field: String, required: Bool = false) -> String? {
        guard let text = text(field, required: required, maximum: 2) else { return nil }
        guard text.count == 2, text.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            reader.problem(field, "must be an ISO 3166-1 alpha-2 code such as FR")
            return nil
        }
        return text
    }

    /// One of `allowed`.
    public mutating func choice(_ field: String, required: Bool = false, of allowed: [String]) -> String? {
        guard let text = text(field, required: required, maximum: 200) else { return nil }
        guard allowed.contains(text) else {
            reader.problem(field, "must be one of \(allowed.joined(separator: ", "))")
            return nil
        }
        return text
    }
}
