import Events
import Foundation
import Logging
import Messaging

/// Follows intake's proposals, through the same path as a request: lock, let the domain
/// decide, save. A submission opens a case or starts screening again for a new revision; a
/// withdrawal closes the case. What contradicts the case is refused and parked.
struct ProposalHandlers: Sendable {
    let store: ReviewCaseStore
    let rules: ReviewRules
    /// Who takes a conflicted reviewer off a revised case: the service itself.
    let system: EventActor

    init(rules: ReviewRules, system: EventActor, logger: Logger) {
        self.store = ReviewCaseStore(logger: logger)
        self.rules = rules
        self.system = system
    }

    var handlers: [EventHandler] {
        [
            EventHandler.on(ProposalSubmitted.self, refusing: ReviewError.self) { envelope, context in
                let submitted = envelope.data
                let metadata = envelope.metadata
                if var reviewCase = try await store.lock(proposalID: submitted.proposalId, on: context.connection) {
                    let change = try reviewCase.resubmit(submitted, rules: rules, by: metadata.actor, system: system, at: metadata.occurredAt)
                    try await store.save(reviewCase, change, cause: .event(metadata), on: context.connection)
                } else {
                    let (reviewCase, change) = ReviewCase.open(submitted, id: UUID(), rules: rules, by: metadata.actor, at: metadata.occurredAt)
                    try await store.insert(reviewCase, change, cause: .event(metadata), on: context.connection)
                }
            },
            EventHandler.on(ProposalWithdrawn.self, refusing: ReviewError.self) { envelope, context in
                let withdrawn = envelope.data
                let metadata = envelope.metadata
                guard var reviewCase = try await store.lock(proposalID: withdrawn.proposalId, on: context.connection) else {
                    // Only submitted proposals are withdrawn with an event, and their submission comes first
                    // on the same subject, unless it is waiting out a retry: then so does the withdrawal
                    // (through the delay queues, and to the DLQ beside it if it never comes).
                    throw CaseNotOpenYet(proposalID: withdrawn.proposalId)
                }
                let change = try reviewCase.close(withdrawn, by: metadata.actor, at: metadata.occurredAt)
                try await store.save(reviewCase, change, cause: .event(metadata), on: context.connection)
            },
        ]
    }
}

struct CaseNotOpenYet: Error, CustomStringConvertible {
    let proposalID: UUID
    var description: String { "no review case for proposal \(proposalID.lowercased) yet: its submission has not been handled" }
}
