import Events
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import Storage

/// The recipients directory: the one writer of `recipients`.
struct RecipientRepository: Sendable {
    let logger: Logger

    private static let columns =
        "id, sub, name, email, language, role, country, region, active, email_opt_out, digest, created_at, updated_at, created_at::text AS cursor_time"

    func insert(_ recipient: Recipient, on connection: PostgresConnection) async throws -> Bool {
        let profile = recipient.profile
        let rows = try await connection.query(
            """
            INSERT INTO recipients (id, sub, name, email, language, role, country, region, active, email_opt_out, digest, created_at, updated_at)
            VALUES (\(recipient.id), \(profile.sub), \(profile.name), \(profile.email), \(profile.language.rawValue), \(profile.role.rawValue),
                    \(profile.country), \(profile.region), \(profile.active), \(recipient.preferences.emailOptOut.map(\.rawValue).sorted()),
                    \(recipient.preferences.digest), \(recipient.createdAt), \(recipient.updatedAt))
            ON CONFLICT (sub) DO NOTHING
            RETURNING id
            """,
            logger: logger)
        for try await _ in rows { return true }
        return false
    }

    func save(_ recipient: Recipient, on connection: PostgresConnection) async throws {
        let profile = recipient.profile
        try await connection.query(
            """
            UPDATE recipients SET name = \(profile.name), email = \(profile.email), language = \(profile.language.rawValue),
                role = \(profile.role.rawValue), country = \(profile.country), region = \(profile.region), active = \(profile.active),
                email_opt_out = \(recipient.preferences.emailOptOut.map(\.rawValue).sorted()), digest = \(recipient.preferences.digest),
                updated_at = \(recipient.updatedAt)
            WHERE id = \(recipient.id)
            """,
            logger: logger)
    }

    func find(id: UUID, lock: Bool = false, on connection: PostgresConnection) async throws -> Recipient? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM recipients WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger)
        return try await Self.decode(rows).first?.0
    }

    func find(sub: String, lock: Bool = false, on connection: PostgresConnection) async throws -> Recipient? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM recipients WHERE sub = \(sub) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger)
        return try await Self.decode(rows).first?.0
    }

    struct Filter: Sendable {
        var role: String?
        var country: String?
        var region: String?
        var active: Bool?
        var limit: Int
        var after: ListParameters.Cursor?
    }

    /// Up to `limit + 1` recipients, newest first, each with its cursor.
    func list(_ filter: Filter, on connection: PostgresConnection) async throws -> [(Recipient, ListParameters.Cursor)] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM recipients
            WHERE (\(filter.role)::text IS NULL OR role = \(filter.role)) AND (\(filter.country)::text IS NULL OR country = \(filter.country))
              AND (\(filter.region)::text IS NULL OR region = \(filter.region)) AND (\(filter.active)::boolean IS NULL OR active = \(filter.active))
              AND (\(filter.after?.time)::text IS NULL OR (created_at, id) < (\(filter.after?.time)::timestamptz, \(filter.after?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(filter.limit + 1)
            """,
            logger: logger)
        return try await Self.decode(rows)
    }

    /// Everyone an event may concern (the routing rules pick among them): active people of
    /// finance and programme management, the focal points of the lead country, the region's
    /// secretariat, and the people the event names.
    func candidates(for facts: NotificationFacts, on connection: PostgresConnection) async throws -> [Recipient] {
        let named = ([facts.reviewer].compactMap { $0 } + facts.waitingFor)
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM recipients
            WHERE active AND (role IN ('finance', 'admin')
               OR (role = 'focal_point' AND country = \(facts.proposal?.leadCountry))
               OR (role = 'secretariat' AND region = \(facts.concernedRegion))
               OR sub = ANY(\(named)))
            ORDER BY created_at, id
            """,
            logger: logger)
        return try await Self.decode(rows).map(\.0)
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [(Recipient, ListParameters.Cursor)] {
        var recipients: [(Recipient, ListParameters.Cursor)] = []
        for try await row in rows {
            let (id, sub, name, email, language, role, country, region, active, optOut, digest, createdAt, updatedAt, cursorTime) = try row.decode(
                (UUID, String, String, String, String, String, String?, String?, Bool, [String], Bool, Date, Date, String).self, context: .default)
            guard let language = Language(rawValue: language), let role = Caller.Role(rawValue: role) else {
                throw StorageError(.unexpectedResult, "recipient \(id) has a language '\(language)' or role '\(role)' notifications do not know")
            }
            let recipient = Recipient(
                id: id,
                profile: .init(sub: sub, name: name, email: email, language: language, role: role, country: country, region: region, active: active),
                preferences: .init(emailOptOut: Set(optOut.compactMap(EventType.init(rawValue:))), digest: digest),
                createdAt: createdAt, updatedAt: updatedAt)
            recipients.append((recipient, ListParameters.Cursor(time: cursorTime, id: id)))
        }
        return recipients
    }
}
