import Events
import Foundation

/// Who must be told of each event, and how: the one place the initiative's rules of
/// notification live. Webhooks are not here: every active subscription to an event type gets it.
///
/// | event | who | channels |
/// |---|---|---|
/// | proposal.submitted | the region's secretariat; the lead country's focal points (confirmation) | e-mail, feed |
/// | proposal.withdrawn | the region's secretariat; the focal points | e-mail, feed; feed |
/// | review.screened (eligible) | the focal points | e-mail, feed |
/// | review.assigned, review.unassigned | the reviewer | e-mail, feed |
/// | review.assessed | programme managers once the round is ready for decision; the secretariat | e-mail, feed; feed |
/// | review.overdue | the secretariat; whom the case waits for (reviewers, programme managers) | e-mail, feed |
/// | proposal.revision_requested, proposal.rejected | the focal points; the secretariat | e-mail, feed; feed |
/// | proposal.approved | the focal points and finance; the secretariat | e-mail, feed; feed |
/// | funding.committed, funding.disbursed, funding.closed | the focal points; finance | e-mail, feed; feed |
/// | funding.commitment_blocked | finance; programme managers | e-mail, feed; feed |
/// | funding.envelope_changed | finance and the region's secretariat | feed |
enum RoutingRules {
    /// A group of people an event may concern.
    enum Audience: Sendable, Hashable {
        /// The focal points of the proposal's lead country.
        case focalPoints
        /// The secretariat of the region concerned.
        case secretariat
        /// The reviewer the event names.
        case reviewer
        /// The reviewers an overdue case waits for.
        case awaitedReviewers
        /// Programme managers (admins), who decide.
        case programmeManagers
        case finance
    }

    enum Channel: String, Sendable, Hashable, CaseIterable {
        case email
        case feed
    }

    /// One rule: an audience told on some channels, when the event meets a condition.
    struct Route: Sendable {
        var audience: Audience
        var channels: Set<Channel>
        var applies: @Sendable (NotificationFacts) -> Bool = { _ in true }
    }

    private static let both: Set<Channel> = [.email, .feed]
    private static let feed: Set<Channel> = [.feed]

    /// The routes of an event type.
    static func routes(for type: EventType) -> [Route] {
        switch type {
        case .proposalSubmitted:
            [Route(audience: .secretariat, channels: both), Route(audience: .focalPoints, channels: both)]
        case .proposalWithdrawn:
            [Route(audience: .secretariat, channels: both), Route(audience: .focalPoints, channels: feed)]
        case .reviewScreened:
            // An ineligible proposal is also rejected (proposal.rejected, stage screening): that mail tells it.
            [Route(audience: .focalPoints, channels: both, applies: { $0.values["eligible"] == .flag(true) })]
        case .reviewAssigned, .reviewUnassigned:
            [Route(audience: .reviewer, channels: both)]
        case .reviewAssessed:
            [
                Route(audience: .programmeManagers, channels: both, applies: { $0.readyForDecision }),
                Route(audience: .secretariat, channels: feed),
            ]
        case .reviewOverdue:
            [
                Route(audience: .secretariat, channels: both),
                Route(audience: .awaitedReviewers, channels: both),
                Route(audience: .programmeManagers, channels: both, applies: { $0.waitingFor.contains("admin") }),
            ]
        case .proposalRevisionRequested, .proposalRejected:
            [Route(audience: .focalPoints, channels: both), Route(audience: .secretariat, channels: feed)]
        case .proposalApproved:
            [Route(audience: .focalPoints, channels: both), Route(audience: .finance, channels: both), Route(audience: .secretariat, channels: feed)]
        case .fundingCommitted, .fundingDisbursed, .fundingClosed:
            [Route(audience: .focalPoints, channels: both), Route(audience: .finance, channels: feed)]
        case .fundingCommitmentBlocked:
            [Route(audience: .finance, channels: both), Route(audience: .programmeManagers, channels: feed)]
        case .fundingEnvelopeChanged:
            [Route(audience: .finance, channels: feed), Route(audience: .secretariat, channels: feed)]
        }
    }

    /// The audiences an event concerns, each with its channels (the routes whose condition holds).
    static func audiences(of facts: NotificationFacts) -> [(Audience, Set<Channel>)] {
        routes(for: facts.type).filter { $0.applies(facts) }.map { ($0.audience, $0.channels) }
    }

    /// Whether a person of the directory belongs to an audience of this event.
    static func includes(_ recipient: Recipient, in audience: Audience, of facts: NotificationFacts) -> Bool {
        let profile = recipient.profile
        guard profile.active else { return false }
        switch audience {
        case .focalPoints:
            return profile.role == .focalPoint && profile.country != nil && profile.country == facts.proposal?.leadCountry
        case .secretariat:
            return profile.role == .secretariat && profile.region != nil && profile.region == facts.concernedRegion
        case .reviewer:
            return profile.sub == facts.reviewer
        case .awaitedReviewers:
            return profile.role == .reviewer && facts.waitingFor.contains(profile.sub)
        case .programmeManagers:
            return profile.role == .admin
        case .finance:
            return profile.role == .finance
        }
    }
}
