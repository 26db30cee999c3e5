import Events
import Foundation

/// Any JSON value, for bodies whose every problem must be named (unknown fields, wrong types)
/// rather than stopping at the first one a `Decodable` type would hit.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// "a string", "an array", … for messages.
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "true or false"
        case .integer: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Reads typed fields out of a JSON object and collects every problem on the way.
public struct JSONFieldReader {
    public private(set) var problems: [FieldProblem] = []

    public init() {}

    public mutating func problem(_ field: String, _ problem: String) {
        problems.append(FieldProblem(field: field, problem: problem))
    }

    /// A string, or nil for null; a problem for anything else.
    public mutating func string(_ value: JSONValue, field: String) -> String?? {
        switch value {
        case .null: return .some(nil)
        case .string(let text): return .some(text)
        default:
            problem(field, "must be a string, not \(value.kind)")
            return nil
        }
    }

    public mutating func integer(_ value: JSONValue, field: String) -> Int?? {
        switch value {
        case .null: return .some(nil)
        case .integer(let number) where number >= Int64(Int32.min) && number <= Int64(Int32.max): return .some(Int(number))
        default:
            problem(field, "must be an integer, not \(value.kind)")
            return nil
        }
    }

    /// An array of strings; null reads as empty.
    public mutating func strings(_ value: JSONValue, field: String) -> [String]? {
        switch value {
        case .null: return []
        case .array(let items):
            var result: [String] = []
            var ok = true
            for (index, item) in items.enumerated() {
                if case .string(let text) = item {
                    result.append(text)
                } else {
                    problem("\(field).\(index)", "must be a string, not \(item.kind)")
                    ok = false
                }
            }
            return ok ? result : nil
        default:
            problem(field, "must be an array of strings, not \(value.kind)")
            return nil
        }
    }

    /// Rejects keys that are not among `known`, naming each.
    public mutating func rejectUnknown(_ object: [String: JSONValue], known: Set<String>, prefix: String = "") {
        for key in object.keys.sorted() where !known.contains(key) {
            problem(prefix + key, "is not a field of this resource; the fields are \(known.sorted().joined(separator: ", "))")
        }
    }
}

