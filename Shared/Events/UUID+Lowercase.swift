import Foundation

/// Ids go out in RFC 9562's lowercase form — in JSON, `Location` headers and events —
/// while input in either case is read (`UUID(uuidString:)` ignores case).
///
/// Foundation encodes a `UUID` upper-case. These overloads are more specific than the
/// generic `encode(_:forKey:)`, so every synthesized `Encodable` of a module that imports
/// Events encodes its UUIDs through them.
extension KeyedEncodingContainer {
    public mutating func encode(_ value: UUID, forKey key: Key) throws {
        try encode(value.lowercased, forKey: key)
    }

    public mutating func encodeIfPresent(_ value: UUID?, forKey key: Key) throws {
        try encodeIfPresent(value?.lowercased, forKey: key)
    }

    /// Lists of ids too (an array's own container would otherwise write them upper-case).
    public mutating func encode(_ value: [UUID], forKey key: Key) throws {
        try encode(value.map(\.lowercased), forKey: key)
    }

    public mutating func encodeIfPresent(_ value: [UUID]?, forKey key: Key) throws {
        try encodeIfPresent(value?.map(\.lowercased), forKey: key)
    }
}

extension UUID {
    /// RFC 9562's lowercase text form.
    public var lowercased: String { uuidString.lowercased() }
}
