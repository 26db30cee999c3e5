import Events
import Foundation
import Logging
import Messaging
import ServiceLifecycle
import Storage

/// The periodic job that raises `review.overdue` for cases whose stage has run past its days:
/// once per case, round and stage, with any number of replicas running. Each case is handled
/// in its own transaction through the same path as a request: lock (skipping a case another
/// replica holds), let the domain decide (it knows which reminders were raised), save.
struct OverdueReminders: Service {
    let database: Database
    /// Wakes the outbox relay once reminders are committed.
    let wake: @Sendable () -> Void
    let rules: ReviewRules
    let interval: Duration
    let system: EventActor
    let logger: Logger
    let store: ReviewCaseStore

    init(database: Database, wake: @escaping @Sendable () -> Void, rules: ReviewRules, interval: Duration, system: EventActor, logger: Logger) {
        self.database = database
        self.wake = wake
        self.rules = rules
        self.interval = interval
        self.system = system
        var logger = logger
        logger[metadataKey: "component"] = "overdue-reminders"
        self.logger = logger
        self.store = ReviewCaseStore(logger: logger)
    }

    func run() async throws {
        await PeriodicJob("overdue reminders", every: interval, logger: logger) { _ = try await sweep(at: Date()) }.run()
    }

    /// Raises the reminders due at `now`; returns how many this instance raised.
    func sweep(at now: Date, batch: Int = 100) async throws -> Int {
        let (rules, system, store) = (self.rules, self.system, self.store)
        let due = try await database.withConnection { try await store.repository.overdue(at: now, limit: batch, on: $0) }
        var raised = 0
        for proposalID in due {
            do {
                let reminded = try await database.withTransaction(logger: logger) { connection in
                    guard var reviewCase = try await store.lockUnlessBusy(proposalID: proposalID, on: connection) else { return false }
                    let change = reviewCase.remind(rules: rules, by: system, at: now)
                    try await store.save(reviewCase, change, cause: EventCause(actor: system), on: connection)
                    return !change.isEmpty
                }
                if reminded {
                    raised += 1
                    logger.info("review overdue", metadata: ["proposal.id": "\(proposalID.lowercased)"])
                }
            } catch let error as DatabaseUnavailable {
                throw error
            } catch {
                // One case that can't be reminded (data workflow can't read) must not hold up the others.
                logger.error("overdue reminder failed", metadata: ["proposal.id": "\(proposalID.lowercased)", "error": "\(String(reflecting: error))"])
            }
        }
        if raised > 0 { wake() }
        return raised
    }
}
