/// The services of the system: each owns some event types and consumes others.
public enum ServiceName: String, Sendable, Codable, CaseIterable {
    case intake
    case workflow
    case funding
    case notifications
}

/// The event types of the catalogue (version 1). The routing key is the raw value.
///
/// Each type has exactly one owner, the only service that may publish it. The catalogue is
/// enforced three times: provisioning gives each service's broker user topic permissions for
/// its own routing keys only (`deploy/production/event-catalogue.tsv`, checked against this
/// list by the tests), publishers stamp the AMQP `user_id` that RabbitMQ validates, and
/// consumers park an event whose sender is not the owner of its type (``SenderPolicy``).
public enum EventType: String, Sendable, Codable, CaseIterable {
    case proposalSubmitted = "proposal.submitted"
    case proposalWithdrawn = "proposal.withdrawn"
    case reviewScreened = "review.screened"
    case reviewAssigned = "review.assigned"
    case reviewUnassigned = "review.unassigned"
    case reviewAssessed = "review.assessed"
    case reviewOverdue = "review.overdue"
    case proposalRevisionRequested = "proposal.revision_requested"
    case proposalApproved = "proposal.approved"
    case proposalRejected = "proposal.rejected"
    case fundingCommitted = "funding.committed"
    case fundingCommitmentBlocked = "funding.commitment_blocked"
    case fundingDisbursed = "funding.disbursed"
    case fundingClosed = "funding.closed"
    case fundingEnvelopeChanged = "funding.envelope_changed"

    /// The one service that may publish this type.
    public var owner: ServiceName {
        switch self {
        case .proposalSubmitted, .proposalWithdrawn:
            .intake
        case .reviewScreened, .reviewAssigned, .reviewUnassigned, .reviewAssessed, .reviewOverdue,
            .proposalRevisionRequested, .proposalApproved, .proposalRejected:
            .workflow
        case .fundingCommitted, .fundingCommitmentBlocked, .fundingDisbursed, .fundingClosed, .fundingEnvelopeChanged:
            .funding
        }
    }

    /// The types a service may publish.
    public static func owned(by service: ServiceName) -> [EventType] {
        allCases.filter { $0.owner == service }
    }
}
