import Events
import Foundation
import Logging
import Messaging

/// Follows workflow's approvals, through the same path as a request: lock, let the domain
/// decide, save. `proposal.approved` commits the approved budget against the region's
/// envelope for the decision's year (or blocks it); a replay changes nothing; an approval
/// that contradicts the commitment kept, or whose schedule does not add up, is refused and parked.
struct ApprovalHandlers: Sendable {
    let store: FundingStore
    /// The instrument approvals are funded from (`COE_FUNDING_INSTRUMENT`, `IfS`).
    let instrument: String
    /// What an approval's region and countries must be.
    let reference: ReferenceData

    init(instrument: String, reference: ReferenceData, logger: Logger) {
        self.store = FundingStore(logger: logger)
        self.instrument = instrument
        self.reference = reference
    }

    var handlers: [EventHandler] {
        [
            EventHandler.on(ProposalApproved.self, refusing: FundingError.self) { envelope, context in
                try await store.open(
                    envelope.data, instrument: instrument, reference: reference, cause: .event(envelope.metadata), at: Date(), on: context.connection)
            }
        ]
    }
}
