import Events
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import Storage

/// Deliveries: the one writer of `deliveries`. Workers of every replica share the due ones
/// with `FOR UPDATE SKIP LOCKED`; a claim holds a delivery for a lease, so one whose worker
/// died is taken again when the lease runs out.
struct DeliveryRepository: Sendable {
    let logger: Logger

    /// A delivery as the consumer makes it, with its content.
    struct New: Sendable {
        var delivery: Delivery
        var text: String?
        var html: String?
        var payload: [UInt8]?
        var link: String?
        var forDigest = false
    }

    /// What a worker needs to make an attempt.
    struct Claimed: Sendable {
        var delivery: Delivery
        var text: String
        var html: String
        var payload: [UInt8]
        var signingKey: [UInt8]
        var recipientName: String?
        /// How long the claim holds, from when it was made, and when (on this process's clock).
        var leaseLeft: TimeInterval
        var claimedAt: Date

        /// Whether an attempt that may take `duration` still ends within the lease; when it can't,
        /// the worker leaves the delivery to whoever takes it over rather than risk sending twice.
        func leaseCovers(_ duration: TimeInterval, now: Date = Date()) -> Bool {
            now.timeIntervalSince(claimedAt) + duration < leaseLeft
        }
    }

    private static let columns = """
        d.id, d.event_id, d.event_type, d.channel, d.recipient_id, d.subscription_id, d.address, d.status, d.attempts, d.last_error, d.note,
        d.next_attempt_at, d.sent_at, d.created_at, d.updated_at, d.subject, d.proposal_id, d.digest_day::text, d.created_at::text AS cursor_time
        """

    /// Inserts the deliveries an event causes; one that exists (the same event, target and
    /// channel) is left as it is. Returns how many were new.
    @discardableResult
    func insert(_ deliveries: [New], on connection: PostgresConnection) async throws -> Int {
        var inserted = 0
        for new in deliveries {
            let delivery = new.delivery
            let rows = try await connection.query(
                """
                INSERT INTO deliveries (id, event_id, event_type, channel, recipient_id, subscription_id, address, status, note, next_attempt_at,
                    subject, text_body, html_body, payload, proposal_id, link, for_digest, digest_day, created_at, updated_at)
                VALUES (\(delivery.id), \(delivery.eventID), \(delivery.eventType), \(delivery.channel.rawValue), \(delivery.recipientID),
                    \(delivery.subscriptionID), \(delivery.address), \(delivery.status.rawValue), \(delivery.note), \(delivery.nextAttemptAt),
                    \(delivery.subject), \(new.text), \(new.html), \(new.payload.map { ByteBuffer(bytes: $0) }), \(delivery.proposalID), \(new.link),
                    \(new.forDigest), \(delivery.digestDay)::date, \(delivery.createdAt), \(delivery.updatedAt))
                ON CONFLICT DO NOTHING
                RETURNING id
                """,
                logger: logger)
            for try await _ in rows { inserted += 1 }
        }
        return inserted
    }

    /// Claims up to `limit` due deliveries (and those whose worker's lease ran out), counting
    /// the attempt; a suspended subscription's deliveries wait. Leases are set and compared on
    /// the database's clock, so replicas whose clocks differ still agree on them.
    func claim(limit: Int, lease: Duration, at time: Date, on connection: PostgresConnection) async throws -> [Claimed] {
        let leaseSeconds = Double(lease.components.seconds)
        let rows = try await connection.query(
            """
            WITH due AS (
                SELECT d.id FROM deliveries d LEFT JOIN subscriptions s ON s.id = d.subscription_id
                WHERE ((d.status IN ('pending', 'retrying') AND d.next_attempt_at <= \(time)) OR (d.status = 'sending' AND d.lease_until < now()))
                  AND (d.subscription_id IS NULL OR s.status = 'active')
                ORDER BY d.next_attempt_at NULLS FIRST, d.created_at
                LIMIT \(limit)
                FOR UPDATE OF d SKIP LOCKED
            )
            UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1, lease_until = now() + make_interval(secs => \(leaseSeconds)),
                updated_at = \(time)
            FROM due WHERE d.id = due.id
            RETURNING \(unescaped: Self.columns), coalesce(d.text_body, ''), coalesce(d.html_body, ''), coalesce(d.payload, ''::bytea),
                coalesce((SELECT secret FROM subscriptions WHERE id = d.subscription_id), ''),
                (SELECT name FROM recipients WHERE id = d.recipient_id), d.lease_until, now()
            """,
            logger: logger)
        var claimed: [Claimed] = []
        for try await row in rows {
            let columns = row.makeRandomAccess()
            let delivery = try Self.delivery(from: row).0
            let count = columns.count
            let text = try columns[count - 7].decode(String.self, context: .default)
            let html = try columns[count - 6].decode(String.self, context: .default)
            let payload = try columns[count - 5].decode(ByteBuffer.self, context: .default)
            let secret = try columns[count - 4].decode(String.self, context: .default)
            let name = try columns[count - 3].decode(String?.self, context: .default)
            let leaseUntil = try columns[count - 2].decode(Date.self, context: .default)
            let databaseNow = try columns[count - 1].decode(Date.self, context: .default)
            let key = Subscription.signingKey(secret: secret)
            claimed.append(Claimed(
                delivery: delivery, text: text, html: html, payload: Array(payload.readableBytesView), signingKey: key, recipientName: name,
                leaseLeft: leaseUntil.timeIntervalSince(databaseNow), claimedAt: Date()))
        }
        return claimed
    }

    /// Records an attempt's result, if the claim is still this worker's (the same attempt,
    /// still sending); false when another worker took the delivery over meanwhile.
    func complete(_ delivery: Delivery, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE deliveries SET status = \(delivery.status.rawValue), last_error = \(delivery.lastError), next_attempt_at = \(delivery.nextAttemptAt),
                sent_at = \(delivery.sentAt), lease_until = NULL, updated_at = \(delivery.updatedAt)
            WHERE id = \(delivery.id) AND status = 'sending' AND attempts = \(delivery.attempts)
            RETURNING id
            """,
            logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Saves an admin's change (a retry).
    func save(_ delivery: Delivery, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE deliveries SET status = \(delivery.status.rawValue), attempts = \(delivery.attempts), next_attempt_at = \(delivery.nextAttemptAt),
                updated_at = \(delivery.updatedAt)
            WHERE id = \(delivery.id)
            """,
            logger: logger)
    }

    /// A suspended subscription resumed: what waited for it is due now.
    func release(subscription id: UUID, at time: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE deliveries SET next_attempt_at = \(time), updated_at = \(time) WHERE subscription_id = \(id) AND status IN ('pending', 'retrying')",
            logger: logger)
    }

    /// A deleted subscription: what waited for it will never go.
    func suppress(subscription id: UUID, at time: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE deliveries SET status = 'suppressed', note = 'the subscription was deleted', next_attempt_at = NULL, lease_until = NULL,
                updated_at = \(time)
            WHERE subscription_id = \(id) AND status IN ('pending', 'retrying', 'sending')
            """,
            logger: logger)
    }

    func find(id: UUID, lock: Bool = false, on connection: PostgresConnection) async throws -> Delivery? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM deliveries d WHERE d.id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger)
        for try await row in rows { return try Self.delivery(from: row).0 }
        return nil
    }

    struct Filter: Sendable {
        var status: String?
        var channel: String?
        var eventID: UUID?
        var recipientID: UUID?
        var subscriptionID: UUID?
        var limit: Int
        var after: ListParameters.Cursor?
    }

    /// Up to `limit + 1` deliveries, newest first.
    func list(_ filter: Filter, on connection: PostgresConnection) async throws -> [(Delivery, ListParameters.Cursor)] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM deliveries d
            WHERE (\(filter.status)::text IS NULL OR d.status = \(filter.status)) AND (\(filter.channel)::text IS NULL OR d.channel = \(filter.channel))
              AND (\(filter.eventID)::uuid IS NULL OR d.event_id = \(filter.eventID))
              AND (\(filter.recipientID)::uuid IS NULL OR d.recipient_id = \(filter.recipientID))
              AND (\(filter.subscriptionID)::uuid IS NULL OR d.subscription_id = \(filter.subscriptionID))
              AND (\(filter.after?.time)::text IS NULL OR (d.created_at, d.id) < (\(filter.after?.time)::timestamptz, \(filter.after?.id)))
            ORDER BY d.created_at DESC, d.id DESC
            LIMIT \(filter.limit + 1)
            """,
            logger: logger)
        var deliveries: [(Delivery, ListParameters.Cursor)] = []
        for try await row in rows { deliveries.append(try Self.delivery(from: row)) }
        return deliveries
    }

    // MARK: Digests

    /// The people with mails waiting for a digest, made before `time`.
    func awaitingDigest(before time: Date, on connection: PostgresConnection) async throws -> [UUID] {
        let rows = try await connection.query(
            "SELECT DISTINCT recipient_id FROM deliveries WHERE for_digest AND digest_id IS NULL AND created_at < \(time)", logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self, context: .default) { ids.append(id) }
        return ids
    }

    /// Claims the digest of `day` for a person: false when it exists already (made by this or
    /// another replica), which is what keeps it to one a day.
    func claimDigest(_ digest: Delivery, on connection: PostgresConnection) async throws -> Bool {
        try await insert([New(delivery: digest)], on: connection) == 1
    }

    /// The waiting mails of a person made before `time`, oldest first, locked for the digest.
    func waitingForDigest(recipient id: UUID, before time: Date, on connection: PostgresConnection) async throws -> [(UUID, String, String?)] {
        let rows = try await connection.query(
            """
            SELECT id, coalesce(subject, event_type), link FROM deliveries
            WHERE recipient_id = \(id) AND for_digest AND digest_id IS NULL AND created_at < \(time)
            ORDER BY created_at, id
            FOR UPDATE
            """,
            logger: logger)
        var items: [(UUID, String, String?)] = []
        for try await item in rows.decode((UUID, String, String?).self, context: .default) { items.append(item) }
        return items
    }

    /// Fills in a claimed digest and links the mails it took.
    func completeDigest(_ id: UUID, message: RenderedMessage, items: [UUID], at time: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE deliveries SET subject = \(message.subject), text_body = \(message.text), html_body = \(message.html), status = 'pending',
                next_attempt_at = \(time), updated_at = \(time)
            WHERE id = \(id)
            """,
            logger: logger)
        try await connection.query(
            "UPDATE deliveries SET digest_id = \(id), updated_at = \(time) WHERE id = ANY(\(items))", logger: logger)
    }

    // MARK: Decoding

    private static func delivery(from row: PostgresRow) throws -> (Delivery, ListParameters.Cursor) {
        let (id, eventID, eventType, channel, recipientID, subscriptionID, address, status, attempts, lastError, note) = try row.decode(
            (UUID, UUID?, String, String, UUID?, UUID?, String, String, Int, String?, String?).self, context: .default)
        let columns = row.makeRandomAccess()
        let nextAttemptAt = try columns[11].decode(Date?.self, context: .default)
        let sentAt = try columns[12].decode(Date?.self, context: .default)
        let createdAt = try columns[13].decode(Date.self, context: .default)
        let updatedAt = try columns[14].decode(Date.self, context: .default)
        let subject = try columns[15].decode(String?.self, context: .default)
        let proposalID = try columns[16].decode(UUID?.self, context: .default)
        let digestDay = try columns[17].decode(String?.self, context: .default)
        let cursorTime = try columns[18].decode(String.self, context: .default)
        guard let channel = Delivery.Channel(rawValue: channel), let status = Delivery.Status(rawValue: status) else {
            throw StorageError(.unexpectedResult, "delivery \(id) has a channel '\(channel)' or status '\(status)' notifications do not know")
        }
        let delivery = Delivery(
            id: id, eventID: eventID, eventType: eventType, channel: channel, recipientID: recipientID, subscriptionID: subscriptionID,
            address: address, status: status, attempts: attempts, lastError: lastError, note: note, nextAttemptAt: nextAttemptAt, sentAt: sentAt,
            createdAt: createdAt, updatedAt: updatedAt, subject: subject, proposalID: proposalID, digestDay: digestDay)
        return (delivery, ListParameters.Cursor(time: cursorTime, id: id))
    }
}
