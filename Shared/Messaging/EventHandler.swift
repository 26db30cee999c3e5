import Events
import Foundation
import Logging
import PostgresNIO
import Storage

/// What a handler gets: the open transaction, the incoming event's metadata and a logger.
public struct EventContext: Sendable {
    /// The connection of the transaction the handler runs in; the inbox record is already in it.
    public let connection: PostgresConnection
    public let metadata: EventMetadata
    public let logger: Logger
    // Follow-up events go through `Outbox.append(_:source:subject:cause: .event(metadata), …)`.
}

/// Handles one event type and version, inside the consumer's transaction.
public struct EventHandler: Sendable {
    public let eventType: String
    public let version: Int
    let body: @Sendable ([UInt8], EventContext) async throws -> Void

    public init(eventType: String, version: Int, body: @escaping @Sendable ([UInt8], EventContext) async throws -> Void) {
        self.eventType = eventType
        self.version = version
        self.body = body
    }

    /// A handler for a payload type of the catalogue; a body that does not decode is poison (DLQ at once).
    public static func on<Payload: EventPayload>(
        _ payload: Payload.Type,
        _ handle: @escaping @Sendable (EventEnvelope<Payload>, EventContext) async throws -> Void
    ) -> EventHandler {
        on(payload, keepingBody: { envelope, _, context in try await handle(envelope, context) })
    }

    /// The same, also handing over the event's body as published (to pass it on as it is).
    public static func on<Payload: EventPayload>(
        _ payload: Payload.Type,
        keepingBody handle: @escaping @Sendable (EventEnvelope<Payload>, [UInt8], EventContext) async throws -> Void
    ) -> EventHandler {
        EventHandler(eventType: Payload.eventType.rawValue, version: Payload.version) { bytes, context in
            let envelope: EventEnvelope<Payload>
            do {
                envelope = try EventCoding.decoder().decode(EventEnvelope<Payload>.self, from: Data(bytes))
            } catch {
                throw MessagingError(.undecodable, "\(Payload.eventType.rawValue) v\(Payload.version): \(DecodingErrorDescription(error))")
            }
            try await handle(envelope, bytes, context)
        }
    }
}

extension EventHandler {
    /// A handler whose service's domain refusals (`Refusal`, e.g. an event contradicting the
    /// aggregate) park the event at once: retrying can't help. Other errors are retried.
    public static func on<Payload: EventPayload, Refusal: Error>(
        _ payload: Payload.Type, refusing _: Refusal.Type,
        _ handle: @escaping @Sendable (EventEnvelope<Payload>, EventContext) async throws -> Void
    ) -> EventHandler {
        on(payload) { envelope, context in
            do {
                try await handle(envelope, context)
            } catch let refusal as Refusal {
                throw MessagingError(.refused, "\(envelope.metadata.type) \(envelope.metadata.id.lowercased): \(refusal)")
            }
        }
    }
}

/// A readable one-liner for a DecodingError: what was wrong and where.
public struct DecodingErrorDescription: CustomStringConvertible {
    let error: any Error
    public init(_ error: any Error) { self.error = error }

    public var description: String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "the document" : path
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : path(context) + "."
            return "\(parent)\(key.stringValue) is missing"
        case .typeMismatch(let type, let context):
            return "\(path(context)) must be \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context)) must be \(type), not null"
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError { return "\(path(context)): \(context.debugDescription) \(underlying)" }
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(decoding)"
        }
    }
}
