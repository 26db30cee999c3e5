import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import Storage

/// One item of a person's in-app feed.
struct FeedItem: Sendable, Equatable {
    var id: UUID
    var seq: Int64
    var recipientID: UUID
    var eventID: UUID
    var eventType: String
    var subject: String
    var body: String
    var link: String?
    var proposalID: UUID?
    var reference: String?
    var createdAt: Date
    var readAt: Date?
}

/// The in-app feed: the one writer of `feed_items`. Every insert is announced on the schema's
/// feed channel (NOTIFY, sent when the transaction commits) so that every replica's live
/// streams learn of it.
struct FeedRepository: Sendable {
    let logger: Logger
    /// `<schema>_feed`.
    let channel: String

    private static let columns =
        "id, seq, recipient_id, event_id, event_type, subject, body, link, proposal_id, reference, created_at, read_at, created_at::text AS cursor_time"

    /// Adds items (one per event and person at most) and announces them. Each person's feed is
    /// locked for the transaction first, so their items' `seq` follows commit order: a live
    /// stream that has shown `seq` n never misses an item committed later with a smaller one.
    /// (Locked in one order, by person, so two events never wait on each other.)
    func insert(_ items: [FeedItem], on connection: PostgresConnection) async throws {
        for item in items.sorted(by: { $0.recipientID.uuidString < $1.recipientID.uuidString }) {
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtextextended(\("notifications.feed:" + item.recipientID.lowercased), 0))", logger: logger)
            let rows = try await connection.query(
                """
                INSERT INTO feed_items (id, recipient_id, event_id, event_type, subject, body, link, proposal_id, reference, created_at)
                VALUES (\(item.id), \(item.recipientID), \(item.eventID), \(item.eventType), \(item.subject), \(item.body), \(item.link),
                        \(item.proposalID), \(item.reference), \(item.createdAt))
                ON CONFLICT (event_id, recipient_id) DO NOTHING
                RETURNING id
                """,
                logger: logger)
            var inserted = false
            for try await _ in rows { inserted = true }
            if inserted { try await connection.query("SELECT pg_notify(\(channel), \(item.recipientID.lowercased))", logger: logger) }
        }
    }

    /// Up to `limit + 1` items of a person, newest first.
    func list(recipient id: UUID, unreadOnly: Bool, limit: Int, after: ListParameters.Cursor?, on connection: PostgresConnection) async throws
        -> [(FeedItem, ListParameters.Cursor)]
    {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM feed_items
            WHERE recipient_id = \(id) AND (NOT \(unreadOnly) OR read_at IS NULL)
              AND (\(after?.time)::text IS NULL OR (created_at, id) < (\(after?.time)::timestamptz, \(after?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit + 1)
            """,
            logger: logger)
        return try await Self.decode(rows)
    }

    /// A person's items after `seq`, oldest first: what a live stream has not shown yet.
    func items(of id: UUID, after seq: Int64, limit: Int, on connection: PostgresConnection) async throws -> [FeedItem] {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM feed_items WHERE recipient_id = \(id) AND seq > \(seq) ORDER BY seq LIMIT \(limit)",
            logger: logger)
        return try await Self.decode(rows).map(\.0)
    }

    /// The newest `seq` of a person's feed (0 when it is empty).
    func lastSeq(of id: UUID, on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query("SELECT coalesce(max(seq), 0) FROM feed_items WHERE recipient_id = \(id)", logger: logger)
        for try await seq in rows.decode(Int64.self, context: .default) { return seq }
        return 0
    }

    func unreadCount(of id: UUID, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            "SELECT count(*)::int FROM feed_items WHERE recipient_id = \(id) AND read_at IS NULL", logger: logger)
        for try await count in rows.decode(Int.self, context: .default) { return count }
        return 0
    }

    /// Marks one of a person's items read (kept as first read); nil when they have no such item.
    func markRead(_ itemID: UUID, of id: UUID, at time: Date, on connection: PostgresConnection) async throws -> FeedItem? {
        let rows = try await connection.query(
            """
            UPDATE feed_items SET read_at = coalesce(read_at, \(time)) WHERE id = \(itemID) AND recipient_id = \(id)
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger)
        let items = try await Self.decode(rows)
        if !items.isEmpty { try await connection.query("SELECT pg_notify(\(channel), \(id.lowercased))", logger: logger) }
        return items.first?.0
    }

    /// Marks every unread item of a person read; how many were.
    func markAllRead(of id: UUID, at time: Date, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            "UPDATE feed_items SET read_at = \(time) WHERE recipient_id = \(id) AND read_at IS NULL RETURNING id", logger: logger)
        var count = 0
        for try await _ in rows { count += 1 }
        if count > 0 { try await connection.query("SELECT pg_notify(\(channel), \(id.lowercased))", logger: logger) }
        return count
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [(FeedItem, ListParameters.Cursor)] {
        var items: [(FeedItem, ListParameters.Cursor)] = []
        for try await (id, seq, recipient, event, type, subject, body, link, proposal, reference, createdAt, readAt, cursorTime) in rows.decode(
            (UUID, Int64, UUID, UUID, String, String, String, String?, UUID?, String?, Date, Date?, String).self, context: .default)
        {
            let item = FeedItem(
                id: id, seq: seq, recipientID: recipient, eventID: event, eventType: type, subject: subject, body: body, link: link,
                proposalID: proposal, reference: reference, createdAt: createdAt, readAt: readAt)
            items.append((item, ListParameters.Cursor(time: cursorTime, id: id)))
        }
        return items
    }
}
