import Events
import Foundation
import Logging
import PostgresNIO
import Storage

/// Envelopes and their adjustments in the funding schema: the one writer of those tables.
struct EnvelopeRepository: Sendable {
    let logger: Logger

    private static let columns = "id, year, region, instrument, amount_cents, committed_cents, created_at, updated_at"

    /// The envelope of `key`, locked for the transaction when `lock`.
    func find(_ key: Envelope.Key, lock: Bool, on connection: PostgresConnection) async throws -> Envelope? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM envelopes
            WHERE year = \(key.year) AND region = \(key.region) AND instrument = \(key.instrument) \(unescaped: lock ? "FOR UPDATE" : "")
            """,
            logger: logger)
        return try await Self.decode(rows).first
    }

    /// Serializes, until the transaction ends, everything that decides whether an envelope of
    /// `key` exists: creating it, and committing an approval against it. Without it an approval
    /// that finds no envelope and an envelope created at that moment could miss each other,
    /// leaving the commitment blocked under an envelope that covers it.
    func lockKey(_ key: Envelope.Key, on connection: PostgresConnection) async throws {
        let name = "funding.envelope:\(key.year):\(key.region):\(key.instrument)"
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(name), 0))", logger: logger)
    }

    func find(id: UUID, lock: Bool, on connection: PostgresConnection) async throws -> Envelope? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM envelopes WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger)
        return try await Self.decode(rows).first
    }

    /// Envelopes by year, region and instrument (each filter optional), in that order.
    func list(year: Int?, region: String?, instrument: String?, on connection: PostgresConnection) async throws -> [Envelope] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM envelopes
            WHERE (\(year)::int IS NULL OR year = \(year)) AND (\(region)::text IS NULL OR region = \(region))
              AND (\(instrument)::text IS NULL OR instrument = \(instrument))
            ORDER BY year, region, instrument
            """,
            logger: logger)
        // Eight regions, a few instruments, a year each: never many, so answered whole.
        return try await Self.decode(rows)
    }

    /// Inserts a new envelope; false when one of the same year, region and instrument exists.
    func insert(_ envelope: Envelope, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO envelopes (id, year, region, instrument, amount_cents, committed_cents, created_at, updated_at)
            VALUES (\(envelope.id), \(envelope.year), \(envelope.region), \(envelope.instrument), \(envelope.amount.cents),
                    \(envelope.committed.cents), \(envelope.createdAt), \(envelope.updatedAt))
            ON CONFLICT (year, region, instrument) DO NOTHING
            RETURNING id
            """,
            logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Saves the amount and what is committed; the caller holds the row lock.
    func save(_ envelope: Envelope, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE envelopes SET amount_cents = \(envelope.amount.cents), committed_cents = \(envelope.committed.cents), updated_at = \(envelope.updatedAt)
            WHERE id = \(envelope.id)
            """,
            logger: logger)
    }

    func append(_ adjustment: Envelope.Adjustment, to envelopeID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO envelope_adjustments (envelope_id, change, delta_cents, amount_before_cents, amount_after_cents, reason, actor_sub, actor_role, at)
            VALUES (\(envelopeID), \(adjustment.change.rawValue), \(adjustment.delta.cents), \(adjustment.amountBefore.cents),
                    \(adjustment.amountAfter.cents), \(adjustment.reason), \(adjustment.by.sub), \(adjustment.by.role), \(adjustment.at))
            """,
            logger: logger)
    }

    /// An envelope's adjustments, oldest first.
    func adjustments(of envelopeID: UUID, on connection: PostgresConnection) async throws -> [Envelope.Adjustment] {
        let rows = try await connection.query(
            """
            SELECT change, delta_cents, amount_before_cents, amount_after_cents, reason, actor_sub, actor_role, at
            FROM envelope_adjustments WHERE envelope_id = \(envelopeID) ORDER BY id
            """,
            logger: logger)
        var adjustments: [Envelope.Adjustment] = []
        for try await (change, delta, before, after, reason, sub, role, at) in rows.decode(
            (String, Int64, Int64, Int64, String, String, String, Date).self, context: .default)
        {
            guard let known = Envelope.Adjustment.Change(rawValue: change) else {
                throw StorageError(.unexpectedResult, "envelope \(envelopeID) has an adjustment '\(change)' funding does not know")
            }
            adjustments.append(.init(
                change: known, delta: Money(cents: delta), amountBefore: Money(cents: before), amountAfter: Money(cents: after), reason: reason,
                by: EventActor(sub: sub, role: role), at: at))
        }
        return adjustments
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [Envelope] {
        var envelopes: [Envelope] = []
        for try await (id, year, region, instrument, amount, committed, createdAt, updatedAt) in rows.decode(
            (UUID, Int, String, String, Int64, Int64, Date, Date).self, context: .default)
        {
            envelopes.append(Envelope(
                id: id, year: year, region: region, instrument: instrument, amount: Money(cents: amount), committed: Money(cents: committed),
                createdAt: createdAt, updatedAt: updatedAt))
        }
        return envelopes
    }
}
