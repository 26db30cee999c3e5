import Events
import Foundation
import TestSupport

@testable import Notifications

/// People, subscriptions and events for notifications' unit tests.
enum NotificationFixtures {
    static let reference = try! ReferenceData.load()
    static let renderer = try! MessageRenderer.bundled(reference: reference, publicURL: "https://coe.example.eu/")

    static func person(
        _ sub: String, _ role: Caller.Role, country: String? = nil, region: String? = nil, language: Language = .en, active: Bool = true,
        preferences: Recipient.Preferences = .init()
    ) -> Recipient {
        Recipient(
            id: UUID(),
            profile: .init(sub: sub, name: "Person \(sub)", email: "\(sub)@example.org", language: language, role: role, country: country, region: region, active: active),
            preferences: preferences, createdAt: Date(), updatedAt: Date())
    }

    /// The facts of a sample event, read the way the service's handler reads it.
    static func facts(_ sample: SampleEvent) -> NotificationFacts {
        func read<P: EventPayload>(_ type: P.Type) -> EventEnvelope<P> {
            try! EventCoding.decoder().decode(EventEnvelope<P>.self, from: Data(sample.body))
        }
        switch sample.type {
        case .proposalSubmitted: return NotificationFacts(read(ProposalSubmitted.self))
        case .proposalWithdrawn: return NotificationFacts(read(ProposalWithdrawn.self))
        case .reviewScreened: return NotificationFacts(read(ReviewScreened.self))
        case .reviewAssigned: return NotificationFacts(read(ReviewAssigned.self))
        case .reviewUnassigned: return NotificationFacts(read(ReviewUnassigned.self))
        case .reviewAssessed: return NotificationFacts(read(ReviewAssessed.self))
        case .reviewOverdue: return NotificationFacts(read(ReviewOverdue.self))
        case .proposalRevisionRequested: return NotificationFacts(read(ProposalRevisionRequested.self))
        case .proposalApproved: return NotificationFacts(read(ProposalApproved.self))
        case .proposalRejected: return NotificationFacts(read(ProposalRejected.self))
        case .fundingCommitted: return NotificationFacts(read(FundingCommitted.self))
        case .fundingCommitmentBlocked: return NotificationFacts(read(FundingCommitmentBlocked.self))
        case .fundingDisbursed: return NotificationFacts(read(FundingDisbursed.self))
        case .fundingClosed: return NotificationFacts(read(FundingClosed.self))
        case .fundingEnvelopeChanged: return NotificationFacts(read(FundingEnvelopeChanged.self))
        }
    }
}
