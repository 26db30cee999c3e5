import Events
import Foundation
import Hummingbird
import Logging
import Messaging
import NIOCore

/// The request context of every service.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``TokenAuthenticator`` on the routes that need one.
    public var caller: Caller?
    /// The audit record of a state-changing request, set by ``TokenAuthenticator``.
    public var audit: AuditEntry?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Bodies above 1 MiB get 413.
    public var maxUploadSize: Int { 1024 * 1024 }

    public var requestDecoder: ProblemJSONDecoder { ProblemJSONDecoder() }

    public var responseEncoder: JSONEncoder { ResponseJSON.encoder }
}

/// How every service writes JSON answers: one encoder, so an answer and its replay (from
/// ``Idempotency``) are the same bytes.
public enum ResponseJSON {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

/// Decodes JSON bodies and reports what is wrong as problem details: 415 for another
/// content type, 400 for malformed JSON (with where it broke), 422 for wrong types or missing fields.
public struct ProblemJSONDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let data = try await Self.checkedJSON(request, context: context)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw HTTPProblem.validation([Self.fieldProblem(error)])
        }
    }

    /// JSON that Foundation's parser accepted but the decoder can't hold (a number beyond a
    /// Double, say) is still the client's malformed body: 400, never 500.
    static func jsonValue(_ data: Data) throws -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw HTTPProblem(.badRequest, type: "malformed-json", title: "The body is not valid JSON", detail: "\(DecodingErrorDescription(error))")
        }
    }

    /// The body, once the content type says JSON and the bytes parse as JSON.
    static func checkedJSON(_ request: Request, context: some RequestContext) async throws -> Data {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") || contentType.hasPrefix("application/merge-patch+json") else {
            throw HTTPProblem(
                .unsupportedMediaType, type: "unsupported-media-type",
                detail: contentType.isEmpty ? "Send the body as application/json." : "'\(contentType)' is not accepted; send application/json.")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let data = Data(buffer: buffer)
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw HTTPProblem(.badRequest, type: "malformed-json", title: "The body is not valid JSON", detail: Self.describeSyntaxError(error, in: data))
        }
        // NUL can only arrive escaped (a raw one is not JSON); PostgreSQL stores no text with it.
        if data.range(of: Data(#"\u0000"#.utf8)) != nil {
            let problems = try jsonValue(data).nulProblems(at: "")
            if !problems.isEmpty { throw HTTPProblem.validation(problems) }
        }
        return data
    }

    static func fieldProblem(_ error: DecodingError) -> FieldProblem {
        func path(_ context: DecodingError.Context, appending key: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            let path = keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "body" : path
        }
        switch error {
        case .keyNotFound(let key, let context):
            return FieldProblem(field: path(context, appending: key), problem: "is required")
        case .typeMismatch(let type, let context):
            return FieldProblem(field: path(context), problem: "must be \(typeName(type))")
        case .valueNotFound(let type, let context):
            return FieldProblem(field: path(context), problem: "must be \(typeName(type)), not null")
        case .dataCorrupted(let context):
            return FieldProblem(field: path(context), problem: context.debugDescription)
        @unknown default:
            return FieldProblem(field: "body", problem: "is invalid")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        if type is String.Type { return "a string" }
        if type is Int.Type || type is Int64.Type || type is Int32.Type { return "an integer" }
        if type is Bool.Type { return "true or false" }
        if type is Double.Type { return "a number" }
        return String(describing: type).hasPrefix("Array") ? "an array" : "an object"
    }

    /// Foundation's message names the byte offset; turn it into line and column.
    static func describeSyntaxError(_ error: any Error, in data: Data) -> String {
        let message = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        if let range = message.range(of: #"(?:character|offset) (\d+)"#, options: .regularExpression),
           let offset = Int(message[range].split(separator: " ").last ?? "")
        {
            var line = 1
            var column = 1
            for byte in data.prefix(offset) {
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
            return "\(message) (line \(line), column \(column))"
        }
        if data.isEmpty { return "The body is empty." }
        return message
    }
}

extension JSONValue {
    /// Every string (and key) holding a NUL character, by its path.
    func nulProblems(at path: String) -> [FieldProblem] {
        func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        switch self {
        case .string(let text):
            return text.utf8.contains(0) ? [FieldProblem(field: path.isEmpty ? "body" : path, problem: "must not contain NUL characters")] : []
        case .array(let items):
            return items.enumerated().flatMap { $0.element.nulProblems(at: child(String($0.offset))) }
        case .object(let object):
            return object.sorted { $0.key < $1.key }.flatMap { key, value in
                key.utf8.contains(0)
                    ? [FieldProblem(field: child(key.replacingOccurrences(of: "\u{0}", with: "\\u0000")), problem: "field names must not contain NUL characters")]
                    : value.nulProblems(at: child(key))
            }
        default:
            return []
        }
    }
}

extension ServiceRequestContext {
    /// A UUID path parameter, or a 422 naming it.
    public func uuidParameter(_ name: String) throws -> UUID {
        guard let id = parameters.get(name, as: UUID.self) else {
            throw HTTPProblem.validation([FieldProblem(field: name, problem: "must be a UUID")])
        }
        return id
    }

    /// A text path parameter, percent-decoded: 1…`maximum` characters, without control or
    /// format characters (NUL, bidi overrides), or a 422 naming it.
    public func textParameter(_ name: String, maximum: Int = 200) throws -> String {
        guard let raw = parameters.get(name), let text = raw.removingPercentEncoding else {
            throw HTTPProblem.validation([FieldProblem(field: name, problem: "must be percent-encoded UTF-8")])
        }
        let controls = text.unicodeScalars.contains { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }
        guard (1...maximum).contains(text.count), !controls else {
            throw HTTPProblem.validation([FieldProblem(field: name, problem: "must be 1 to \(maximum) characters, without control or format characters")])
        }
        return text
    }
}
