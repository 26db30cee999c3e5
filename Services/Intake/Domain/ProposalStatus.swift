/// Where a proposal is: `draft → submitted → (revision_requested → submitted)* → approved | rejected`,
/// and `withdrawn` from draft, submitted or revision_requested.
enum ProposalStatus: String, Codable, Sendable, CaseIterable {
    case draft
    case submitted
    case revisionRequested = "revision_requested"
    case approved
    case rejected
    case withdrawn

    /// What a focal point may do in this state.
    var allowedActions: [ProposalAction] {
        switch self {
        case .draft: [.update, .submit, .withdraw]
        case .submitted: [.withdraw]
        case .revisionRequested: [.update, .submit, .withdraw]
        case .approved, .rejected, .withdrawn: []
        }
    }

    func allows(_ action: ProposalAction) -> Bool { allowedActions.contains(action) }

    /// The state with its article, for sentences: "a draft", "an approved".
    var withArticle: String { (rawValue.first.map { "aeiou".contains($0) } == true ? "an " : "a ") + rawValue }
}

/// What a focal point does to a proposal.
enum ProposalAction: String, Sendable {
    case update
    case submit
    case withdraw

    var pastTense: String {
        switch self {
        case .update: "updated"
        case .submit: "submitted"
        case .withdraw: "withdrawn"
        }
    }
}

/// The steps a proposal's history records.
enum ProposalHistoryAction: String, Codable, Sendable, CaseIterable {
    case created
    case updated
    case submitted
    case resubmitted
    case withdrawn
    case revisionRequested = "revision_requested"
    case approved
    case rejected
}
