import Events
import Foundation
import Messaging
import PostgresNIO
import Storage
import Testing
import TestSupport
@testable import Workflow

/// What the database itself keeps, whatever the code above it does: an ended round and its
/// assessments never change, the history is append-only, one assessment per reviewer and round.
@Suite("Workflow storage: ended rounds and the history are kept as they were")
struct ReviewStorageTests {
    @Test func theDatabaseRefusesToChangeAnEndedRoundItsAssessmentsOrTheHistory() async throws {
        try await withTestDatabase(migrations: try WorkflowService.migrations()) { client, schema in
            let logger = TestEnvironment.logger
            let database = Database(wrapping: client, configuration: try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: schema), logger: logger)
            let store = ReviewCaseStore(logger: logger)
            let cause = EventCause(actor: Fixture.admin.actor)
            // Round 1 at the decision (two assessments), stored; then a revision request ends it.
            var reviewCase = try Fixture.reviewCase(in: .decision)
            let opened = reviewCase
            try await database.withTransaction(logger: logger) { connection in
                try await store.insert(opened, ReviewChange(history: opened.history), cause: cause, on: connection)
            }
            let change = try reviewCase.decide(Fixture.revisionRequest(), rules: Fixture.rules, by: Fixture.admin, at: Fixture.day(4))
            let ended = reviewCase
            try await database.withTransaction(logger: logger) { connection in
                try await store.save(ended, change, cause: cause, on: connection)
            }
            let stored = try await database.withConnection { try await store.repository.find(proposalID: ended.proposalId, on: $0) }
            #expect(stored?.rounds.first?.endedAt != nil && stored?.rounds.first?.assessments.count == 2)
            #expect(stored?.history.count == ended.history.count + change.history.count)

            let attempts: [(String, PostgresQuery)] = [
                ("change an ended round", "UPDATE review_rounds SET decision = NULL WHERE number = 1"),
                ("delete an ended round", "DELETE FROM review_rounds WHERE number = 1"),
                ("change an assessment of an ended round", "UPDATE review_assessments SET weighted_total_hundredths = 10000"),
                ("delete an assessment of an ended round", "DELETE FROM review_assessments"),
                ("add an assessment to an ended round", """
                    INSERT INTO review_assessments (case_id, round, reviewer_sub, reviewer_name, reviewer_country, scores,
                        weighted_total_hundredths, average_hundredths, recommendation, no_conflict_declared_at, submitted_at)
                    SELECT case_id, 1, 'late', 'Late', 'SE', '[]', 9000, 9000, 'fund', now(), now() FROM review_rounds WHERE number = 1
                    """),
                ("rewrite the history", "UPDATE review_history SET detail = 'nothing happened'"),
                ("delete the history", "DELETE FROM review_history"),
            ]
            for (what, query) in attempts {
                await #expect(throws: (any Error).self, "the database let a client \(what)") {
                    try await client.query(query, logger: logger)
                }
            }
            // Nothing of it stuck.
            let after = try await database.withConnection { try await store.repository.find(proposalID: ended.proposalId, on: $0) }
            #expect(after == stored)
        }
    }
}
