import Events
import Foundation
import Logging
import PostgresNIO

/// Writes events into the outbox of the service's schema, inside the caller's transaction.
///
/// The state change and its events commit together or not at all; the ``OutboxRelay``
/// publishes them afterwards. Change the subject's own row (e.g. `UPDATE proposals … WHERE id`)
/// before appending its event: the row lock then orders the events of one subject by `seq`.
public enum Outbox {
    public static func append<Payload: EventPayload>(
        _ envelope: EventEnvelope<Payload>, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let body = String(decoding: try EventCoding.encode(envelope), as: UTF8.self)
        let metadata = envelope.metadata
        try await connection.query(
            """
            INSERT INTO outbox (event_id, event_type, subject, correlation_id, occurred_at, body, traceparent)
            VALUES (\(metadata.id), \(metadata.type), \(metadata.subject), \(metadata.correlationId), \(metadata.occurredAt), \(body),
                    \(metadata.traceparent))
            """,
            logger: logger)
    }
}

/// What caused the events of a change: a person's request, or an incoming event (whose
/// correlation they continue, and which they name as their cause). Either way the events
/// continue the trace of the work at hand (``Trace``): the request's span, or the span the
/// consumer started for the incoming event.
public struct EventCause: Sendable {
    public var actor: EventActor
    public var correlationId: UUID?
    public var causationId: UUID?
    public var traceparent: String?

    public init(actor: EventActor, correlationId: UUID? = nil, causationId: UUID? = nil, traceparent: String? = Trace.currentTraceparent) {
        self.actor = actor
        self.correlationId = correlationId
        self.causationId = causationId
        self.traceparent = traceparent
    }

    /// Events caused by an incoming event, done by `actor` (by default the incoming event's).
    public static func event(_ metadata: EventMetadata, actor: EventActor? = nil) -> EventCause {
        EventCause(
            actor: actor ?? metadata.actor, correlationId: metadata.correlationId, causationId: metadata.id,
            traceparent: Trace.currentTraceparent ?? metadata.traceparent.flatMap(Trace.child(of:)))
    }
}

extension Outbox {
    /// Appends a payload the domain returned, as an event of `source` about `subject`.
    public static func append(
        _ payload: some EventPayload, source: ServiceName, subject: UUID, cause: EventCause, at time: Date = Date(),
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let envelope = EventEnvelope(
            source: source.rawValue, subject: subject.uuidString.lowercased(), actor: cause.actor, correlationId: cause.correlationId,
            causationId: cause.causationId, traceparent: cause.traceparent, occurredAt: time, data: payload)
        try await append(envelope, on: connection, logger: logger)
    }
}
