/// Where a review case stands. A proposal's round goes `screening` → `technical` → `decision`
/// → `approved` | `rejected` | `revision_requested`; a resubmission after a revision request
/// opens the next round in `screening`; a withdrawal closes the case from any open stage.
enum ReviewStage: String, Codable, Sendable, CaseIterable {
    case screening
    case technical
    case decision
    case approved
    case rejected
    case revisionRequested = "revision_requested"
    case closed

    /// What may happen to a case in this stage: the one transition table of workflow.
    var allowedActions: [ReviewAction] {
        switch self {
        case .screening: [.screen, .assign, .unassign, .remind, .withdraw]
        case .technical: [.assign, .unassign, .assess, .amend, .remind, .withdraw]
        case .decision: [.assign, .unassign, .assess, .amend, .approve, .reject, .requestRevision, .remind, .withdraw]
        case .revisionRequested: [.resubmit, .withdraw]
        case .approved, .rejected, .closed: []
        }
    }

    func allows(_ action: ReviewAction) -> Bool { allowedActions.contains(action) }

    /// Stages that wait for someone and so have a deadline (the overdue job reminds them).
    var hasDeadline: Bool { allows(.remind) }

    /// Nothing follows: the case is decided or closed.
    var isFinal: Bool { allowedActions.isEmpty }
}

/// Everything that can happen to a review case, by people (through the API) or by events.
enum ReviewAction: String, Codable, Sendable, CaseIterable {
    /// The region's secretariat answers the eligibility checklist.
    case screen
    /// The region's secretariat assigns or unassigns a reviewer.
    case assign, unassign
    /// An assigned reviewer submits their assessment of the round, or amends it before the decision.
    case assess, amend
    /// The programme manager (an admin) decides.
    case approve, reject
    case requestRevision = "request_revision"
    /// The overdue job reminds whoever the stage waits for.
    case remind
    /// Intake's events: a new revision after a revision request, or a withdrawal.
    case resubmit, withdraw
}
