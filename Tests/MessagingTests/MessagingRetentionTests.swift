import Foundation
import Messaging
import PostgresNIO
import Storage
import Testing
import TestSupport

/// The messaging tables forget what no one needs any more, and nothing younger.
@Suite("Messaging retention")
struct MessagingRetentionTests {
    @Test func theSweepDeletesOnlyWhatIsPastItsRetention() async throws {
        try await withTestDatabase { client, schema in
            let logger = TestEnvironment.logger
            let database = Database(
                wrapping: client, configuration: try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: schema), logger: logger)
            let now = Date()
            let day: TimeInterval = 86_400
            // Per table: one row just past its retention, one just inside it; and an outbox row not yet dispatched, however old.
            for (age, dispatched) in [(8 * day, true), (6 * day, true), (400 * day, false)] {
                try await client.query(
                    """
                    INSERT INTO outbox (event_id, event_type, subject, correlation_id, occurred_at, body, created_at, dispatched_at)
                    VALUES (\(UUID()), 'proposal.submitted', 's', \(UUID()), \(now), '{}', \(now.addingTimeInterval(-age)),
                            \(dispatched ? now.addingTimeInterval(-age) : nil))
                    """,
                    logger: logger)
            }
            for age in [31 * day, 29 * day] {
                try await client.query(
                    "INSERT INTO inbox (consumer, message_id, event_type, received_at) VALUES ('workflow', \(UUID()), 't', \(now.addingTimeInterval(-age)))",
                    logger: logger)
            }
            for (index, age) in [366 * day, 364 * day].enumerated() {
                try await client.query(
                    "INSERT INTO relayed_messages (body_sha256, sender, relayed_at) VALUES (\("h\(index)"), 'u', \(now.addingTimeInterval(-age)))",
                    logger: logger)
            }
            try await MessagingRetention().sweep(database, at: now, logger: logger)
            #expect(try await count(client, "SELECT count(*) FROM outbox") == 2, "the 6-day-old dispatched row and the undispatched one stay")
            #expect(try await count(client, "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL") == 1)
            #expect(try await count(client, "SELECT count(*) FROM inbox") == 1)
            #expect(try await count(client, "SELECT count(*) FROM relayed_messages") == 1)
        }
    }
}
