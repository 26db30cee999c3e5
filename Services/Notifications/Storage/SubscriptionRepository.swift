import Events
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import Storage

/// Webhook subscriptions: the one writer of `subscriptions`.
struct SubscriptionRepository: Sendable {
    let logger: Logger

    private static let columns =
        "id, url, event_types, description, secret, status, consecutive_failures, suspended_at, last_error, created_by, created_at, updated_at, created_at::text AS cursor_time"

    func insert(_ subscription: Subscription, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO subscriptions (id, url, event_types, description, secret, status, consecutive_failures, created_by, created_at, updated_at)
            VALUES (\(subscription.id), \(subscription.url), \(subscription.eventTypes.map(\.rawValue)), \(subscription.description),
                    \(subscription.secret), \(subscription.status.rawValue), 0, \(subscription.createdBy), \(subscription.createdAt), \(subscription.updatedAt))
            """,
            logger: logger)
    }

    func save(_ subscription: Subscription, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE subscriptions SET status = \(subscription.status.rawValue), consecutive_failures = \(subscription.consecutiveFailures),
                suspended_at = \(subscription.suspendedAt), last_error = \(subscription.lastError), updated_at = \(subscription.updatedAt)
            WHERE id = \(subscription.id)
            """,
            logger: logger)
    }

    func find(id: UUID, lock: Bool = false, on connection: PostgresConnection) async throws -> Subscription? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM subscriptions WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger)
        return try await Self.decode(rows).first?.0
    }

    /// The subscriptions that receive an event type (active or suspended: a suspended one keeps
    /// its deliveries until it is resumed).
    func receiving(_ type: EventType, on connection: PostgresConnection) async throws -> [Subscription] {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM subscriptions WHERE status <> 'deleted' AND \(type.rawValue) = ANY(event_types) ORDER BY created_at, id",
            logger: logger)
        return try await Self.decode(rows).map(\.0)
    }

    /// Up to `limit + 1` subscriptions, newest first.
    func list(status: String?, limit: Int, after: ListParameters.Cursor?, on connection: PostgresConnection) async throws -> [(Subscription, ListParameters.Cursor)] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM subscriptions
            WHERE (\(status)::text IS NULL OR status = \(status))
              AND (\(after?.time)::text IS NULL OR (created_at, id) < (\(after?.time)::timestamptz, \(after?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit + 1)
            """,
            logger: logger)
        return try await Self.decode(rows)
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [(Subscription, ListParameters.Cursor)] {
        var subscriptions: [(Subscription, ListParameters.Cursor)] = []
        for try await (id, url, types, description, secret, status, failures, suspendedAt, lastError, createdBy, createdAt, updatedAt, cursorTime)
            in rows.decode((UUID, String, [String], String?, String, String, Int, Date?, String?, String, Date, Date, String).self, context: .default)
        {
            guard let status = Subscription.Status(rawValue: status) else {
                throw StorageError(.unexpectedResult, "subscription \(id) has a status '\(status)' notifications do not know")
            }
            let subscription = Subscription(
                id: id, url: url, eventTypes: types.compactMap(EventType.init(rawValue:)), description: description, secret: secret,
                status: status, consecutiveFailures: failures, suspendedAt: suspendedAt, lastError: lastError, createdBy: createdBy,
                createdAt: createdAt, updatedAt: updatedAt)
            subscriptions.append((subscription, ListParameters.Cursor(time: cursorTime, id: id)))
        }
        return subscriptions
    }
}
