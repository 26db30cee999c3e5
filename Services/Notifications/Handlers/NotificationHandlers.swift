import Events
import Foundation
import Messaging

/// One handler per event type of the catalogue: each reads the event as notifications do
/// (``NotificationFacts``) and tells everyone it concerns, in the consumer's transaction.
struct NotificationHandlers: Sendable {
    let store: NotificationStore
    let renderer: MessageRenderer

    var handlers: [EventHandler] {
        [
            handler(ProposalSubmitted.self, NotificationFacts.init), handler(ProposalWithdrawn.self, NotificationFacts.init),
            handler(ReviewScreened.self, NotificationFacts.init), handler(ReviewAssigned.self, NotificationFacts.init),
            handler(ReviewUnassigned.self, NotificationFacts.init), handler(ReviewAssessed.self, NotificationFacts.init),
            handler(ReviewOverdue.self, NotificationFacts.init), handler(ProposalRevisionRequested.self, NotificationFacts.init),
            handler(ProposalApproved.self, NotificationFacts.init), handler(ProposalRejected.self, NotificationFacts.init),
            handler(FundingCommitted.self, NotificationFacts.init), handler(FundingCommitmentBlocked.self, NotificationFacts.init),
            handler(FundingDisbursed.self, NotificationFacts.init), handler(FundingClosed.self, NotificationFacts.init),
            handler(FundingEnvelopeChanged.self, NotificationFacts.init),
        ]
    }

    private func handler<Payload: EventPayload>(
        _ payload: Payload.Type, _ facts: @escaping @Sendable (EventEnvelope<Payload>) -> NotificationFacts
    ) -> EventHandler {
        let store = self.store
        let renderer = self.renderer
        return .on(payload, keepingBody: { envelope, body, context in
            try await store.notify(facts(envelope), body: body, renderer: renderer, on: context.connection)
        })
    }
}
