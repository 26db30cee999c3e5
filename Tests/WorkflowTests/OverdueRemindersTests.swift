import Events
import Foundation
import Messaging
import PostgresNIO
import Storage
import Testing
import TestSupport
@testable import Workflow

/// The overdue job against the real database: one `review.overdue` per case, round and stage,
/// however many replicas sweep at once.
@Suite("Workflow: overdue reminders")
struct OverdueRemindersTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)
    static let day: TimeInterval = 86_400

    static func submitted(_ index: Int) -> ProposalSubmitted {
        ProposalSubmitted(
            proposalId: UUID(), reference: "CBRN-2026-\(1000 + index)", revision: 1, title: "Case \(index)", region: "CA", leadCountry: "KZ",
            participatingCountries: ["UZ"], cbrnCategories: ["chemical"], requestedBudget: Money(cents: 50_000_000), durationMonths: 12)
    }

    @Test func twoReplicasRaiseOneReminderPerCaseAndStage() async throws {
        try await withTestDatabase(migrations: try WorkflowService.migrations()) { client, schema in
            let logger = TestEnvironment.logger
            let database = Database(wrapping: client, configuration: try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: schema), logger: logger)
            let rules = ReviewRules.standard
            let store = ReviewCaseStore(logger: logger)
            let proposals = (0..<12).map(Self.submitted)
            for submitted in proposals {
                let (reviewCase, change) = ReviewCase.open(submitted, id: UUID(), rules: rules, by: EventActor(sub: "fp-kz", role: "focal_point"), at: Self.start)
                try await database.withTransaction(logger: logger) { connection in
                    try await store.insert(reviewCase, change, cause: EventCause(actor: EventActor(sub: "fp-kz", role: "focal_point")), on: connection)
                }
            }
            let woken = Shared(0)
            func replica() -> OverdueReminders {
                OverdueReminders(
                    database: database, wake: { woken.update { $0 += 1 } }, rules: rules, interval: .seconds(60),
                    system: .system("workflow"), logger: logger)
            }
            func overdueEvents() async throws -> [String] {
                let rows = try await client.query("SELECT body FROM outbox WHERE event_type = 'review.overdue' ORDER BY seq", logger: logger)
                var payloads: [String] = []
                for try await payload in rows.decode(String.self) { payloads.append(payload) }
                return payloads
            }

            // Not yet due: nothing.
            #expect(try await replica().sweep(at: Self.start.addingTimeInterval(13 * Self.day)) == 0)

            // Due: two replicas sweep at once, each case is reminded once, by one of them.
            let due = Self.start.addingTimeInterval(15 * Self.day)
            async let first = replica().sweep(at: due, batch: 5)
            async let second = replica().sweep(at: due, batch: 5)
            async let third = replica().sweep(at: due)
            let raised = try await first + second + third
            // A case skipped because another replica held it is reminded by that replica; anything left goes next sweep.
            let rest = try await replica().sweep(at: due)
            #expect(raised + rest == 12)
            #expect(try await overdueEvents().count == 12)
            #expect(try await replica().sweep(at: due.addingTimeInterval(Self.day)) == 0)
            #expect(try await count(client, "SELECT count(*) FROM review_reminders") == 12)

            // One case moves on to technical assessment: its new stage is reminded once when due in turn.
            let moved = proposals[0].proposalId
            try await database.withTransaction(logger: logger) { connection in
                var reviewCase = try #require(try await store.lock(proposalID: moved, on: connection))
                let caller = Caller(sub: "sec-ca", role: .secretariat, region: "CA")
                let change = try reviewCase.screen(Fixture.eligible(rules), rules: rules, by: caller, at: due)
                try await store.save(reviewCase, change, cause: EventCause(actor: caller.actor), on: connection)
            }
            let technicalDue = due.addingTimeInterval(31 * Self.day)
            async let a = replica().sweep(at: technicalDue)
            async let b = replica().sweep(at: technicalDue)
            #expect(try await a + b == 1)
            let events = try await overdueEvents()
            #expect(events.count == 13)
            #expect(events.last?.contains(#""stage":"technical""#) == true, "\(events.last ?? "")")
            #expect(try await replica().sweep(at: technicalDue.addingTimeInterval(Self.day)) == 0)
            #expect(woken.value >= 2)

            // Each reminder is in the case's history, once.
            let history = try await count(client, "SELECT count(*) FROM review_history WHERE action = 'overdue'")
            #expect(history == 13)
        }
    }
}
