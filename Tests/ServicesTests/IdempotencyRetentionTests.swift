import Foundation
import PostgresNIO
import ServiceRuntime
import Storage
import Testing
import TestSupport

/// Stored answers to keyed writes are kept for a week, then forgotten: the table does not grow for ever.
@Suite("Idempotency: stored answers are forgotten after a week")
struct IdempotencyRetentionTests {
    @Test func answersOlderThanAWeekAreDeletedAndNewerOnesKept() async throws {
        try await withTestDatabase(migrations: try AuditLog.migrations()) { client, schema in
            let logger = TestEnvironment.logger
            let database = Database(wrapping: client, configuration: try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: schema), logger: logger)
            for (key, age) in [("old-1", "8 days"), ("old-2", "30 days"), ("recent", "6 days"), ("now", "0 days")] {
                try await client.query(
                    """
                    INSERT INTO idempotent_requests (caller, key, operation, request_hash, status, body, headers, created_at)
                    VALUES ('fp-kz', \(key), 'submit /v1/proposals/x', 'h', 200, '{}', '{}', now() - \(age)::interval)
                    """,
                    logger: logger)
            }
            let retention = IdempotencyRetention(database: database, logger: logger)
            #expect(try await retention.sweep(at: Date()) == 2)
            #expect(try await retention.sweep(at: Date()) == 0)
            let rows = try await client.query("SELECT key FROM idempotent_requests ORDER BY key", logger: logger)
            var kept: [String] = []
            for try await key in rows.decode(String.self) { kept.append(key) }
            #expect(kept == ["now", "recent"])
        }
    }
}
