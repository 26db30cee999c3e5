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
            INSERT INTO outbox (event_id, event_type, subject, correlation_id, occurred_at, body)
            VALUES (\(metadata.id), \(metadata.type), \(metadata.subject), \(metadata.correlationId), \(metadata.occurredAt), \(body))
            """,
            logger: logger)
    }
}
