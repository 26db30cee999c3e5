import Foundation

/// Who caused an event.
public struct EventActor: Codable, Sendable, Hashable {
    public var sub: String
    public var role: String

    public init(sub: String, role: String) {
        self.sub = sub
        self.role = role
    }

    /// The service itself, when no person caused the change.
    public static func system(_ service: String) -> EventActor { EventActor(sub: "service:\(service)", role: "system") }
}

/// Everything about an event except its payload: enough to route, deduplicate and trace it.
public struct EventMetadata: Codable, Sendable, Hashable {
    public var id: UUID
    public var type: String
    public var version: Int
    public var occurredAt: Date
    public var source: String
    public var subject: String
    public var correlationId: UUID
    public var causationId: UUID?
    public var actor: EventActor
    public var traceparent: String?

    public init(
        id: UUID = UUID(),
        type: String,
        version: Int,
        occurredAt: Date = Date(),
        source: String,
        subject: String,
        correlationId: UUID? = nil,
        causationId: UUID? = nil,
        actor: EventActor,
        traceparent: String? = nil
    ) {
        self.id = id
        self.type = type
        self.version = version
        // The wire format carries milliseconds; keep the value equal to what a reader decodes.
        self.occurredAt = EventCoding.milliseconds(occurredAt)
        self.source = source
        self.subject = subject
        self.correlationId = correlationId ?? id
        self.causationId = causationId
        self.actor = actor
        self.traceparent = traceparent
    }

    private enum CodingKeys: String, CodingKey {
        case id, type, version, occurredAt, source, subject, correlationId, causationId, actor, traceparent
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(version, forKey: .version)
        try container.encode(occurredAt, forKey: .occurredAt)
        try container.encode(source, forKey: .source)
        try container.encode(subject, forKey: .subject)
        try container.encode(correlationId, forKey: .correlationId)
        // The documented envelope always has these keys, null when absent.
        try container.encode(causationId?.lowercased, forKey: .causationId)
        try container.encode(actor, forKey: .actor)
        try container.encode(traceparent, forKey: .traceparent)
    }
}

/// A payload type of the catalogue, with the type and version it travels as.
public protocol EventPayload: Codable, Sendable {
    static var eventType: EventType { get }
    static var version: Int { get }
}

/// The JSON document of an event: metadata at the top level, the payload under `data`.
public struct EventEnvelope<Payload: Codable & Sendable>: Codable, Sendable {
    public var metadata: EventMetadata
    public var data: Payload

    public init(metadata: EventMetadata, data: Payload) {
        self.metadata = metadata
        self.data = data
    }

    private enum CodingKeys: String, CodingKey { case data }

    public init(from decoder: any Decoder) throws {
        self.metadata = try EventMetadata(from: decoder)
        self.data = try decoder.container(keyedBy: CodingKeys.self).decode(Payload.self, forKey: .data)
    }

    public func encode(to encoder: any Encoder) throws {
        try metadata.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
    }
}

extension EventEnvelope where Payload: EventPayload {
    /// A new event of this payload's type and version.
    public init(
        source: String,
        subject: String,
        actor: EventActor,
        correlationId: UUID? = nil,
        causationId: UUID? = nil,
        traceparent: String? = nil,
        occurredAt: Date = Date(),
        data: Payload
    ) {
        self.init(
            metadata: EventMetadata(
                type: Payload.eventType.rawValue, version: Payload.version, occurredAt: occurredAt, source: source,
                subject: subject, correlationId: correlationId, causationId: causationId, actor: actor,
                traceparent: traceparent),
            data: data)
    }
}

/// The one JSON configuration of events: camelCase keys, ISO 8601 dates, sorted keys.
public enum EventCoding {
    /// ISO 8601 in UTC with milliseconds (`2026-11-25T10:00:00.123Z`), so order and latency can be read from events.
    /// The one encoder of events (shared: built once, not per message).
    public static func encoder() -> JSONEncoder { sharedEncoder }

    private static let sharedEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            // Whole milliseconds counted as an integer: a formatter would truncate 0.122999… to .122.
            let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
            let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
            let whole = Date(timeIntervalSince1970: Double(fraction < 0 ? seconds - 1 : seconds)).formatted(.iso8601)
            let millis = fraction < 0 ? fraction + 1000 : fraction
            var container = encoder.singleValueContainer()
            try container.encode("\(whole.dropLast()).\(String(repeating: "0", count: 3 - String(millis).count))\(millis)Z")
        }
        return encoder
    }()

    /// A date cut to whole milliseconds, the precision events carry.
    public static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(Int64((date.timeIntervalSince1970 * 1000).rounded(.down))) / 1000)
    }

    /// The one decoder of events (shared: built once, not per message).
    public static func decoder() -> JSONDecoder { sharedDecoder }

    private static let sharedDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            // Rounded to the nearest millisecond, as the encoder rounds, so a decoded date equals the one encoded.
            if let date = (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) ?? (try? Date(text, strategy: .iso8601)) {
                return Date(timeIntervalSince1970: Double(Int64((date.timeIntervalSince1970 * 1000).rounded())) / 1000)
            }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO 8601 date-time")
        }
        return decoder
    }()

    /// Encodes an envelope to the bytes that go on the wire and into the outbox.
    public static func encode<Payload>(_ envelope: EventEnvelope<Payload>) throws -> [UInt8] {
        Array(try encoder().encode(envelope))
    }
}
