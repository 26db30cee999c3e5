import Events
import Foundation

/// What one change of a proposal records besides its new state: a line of history and the
/// events it causes. Empty when nothing changed.
struct ProposalChange: Sendable {
    var history: ProposalHistoryEntry?
    var events: [any EventPayload] = []

    static let none = ProposalChange(history: nil)
}

/// Every state transition and invariant of a proposal: pure, synchronous, and the only place
/// they live. Controllers and event handlers load and lock, call one of these, and save.
extension Proposal {
    /// A new draft; it may be incomplete, but what it holds must be valid.
    static func draft(
        id: UUID, content: ProposalContent, readProblems: [FieldProblem] = [], by caller: Caller, rules: ProposalRules, at time: Date
    ) throws(ProposalError) -> (Proposal, ProposalChange) {
        let access = ProposalAccess(caller: caller)
        try access.checkCanCreate()
        var content = content
        if content.leadCountry == nil { content.leadCountry = caller.country }
        try check(content, alongside: readProblems, access: access, rules: rules)
        let proposal = Proposal(
            id: id, reference: nil, status: .draft, revision: 0, version: 1, content: content, createdBy: caller.sub,
            createdAt: time, updatedAt: time, submittedAt: nil, decidedAt: nil, approvedBudget: nil, decisionReasons: [])
        let history = ProposalHistoryEntry(
            at: time, actor: caller.actor, action: .created, fromStatus: nil, toStatus: ProposalStatus.draft.rawValue,
            changedFields: content.changedFields(since: ProposalContent()))
        return (proposal, ProposalChange(history: history))
    }

    /// Replaces the content of a draft or of a proposal in revision.
    mutating func edit(
        to content: ProposalContent, readProblems: [FieldProblem], by caller: Caller, rules: ProposalRules, at time: Date
    ) throws(ProposalError) -> ProposalChange {
        let access = ProposalAccess(caller: caller)
        try access.checkCanChange(self, .update)
        try Self.check(content, alongside: readProblems, access: access, rules: rules)
        let changed = content.changedFields(since: self.content)
        guard !changed.isEmpty else { return .none }
        self.content = content
        updatedAt = time
        return ProposalChange(history: .init(
            at: time, actor: caller.actor, action: .updated, fromStatus: status.rawValue, toStatus: status.rawValue, changedFields: changed))
    }

    /// Whether ``submit(by:reference:rules:at:)`` would accept the proposal as it is.
    func checkSubmittable(by caller: Caller, rules: ProposalRules) throws(ProposalError) {
        try ProposalAccess(caller: caller).checkCanChange(self, .submit)
        let problems = rules.problems(in: content) + rules.missingForSubmission(content)
        guard problems.isEmpty else {
            throw .invalid(problems, detail: "The proposal is not complete; \(problems.count) field(s) must be fixed before it can be submitted.")
        }
    }

    /// Submits a draft, or resubmits after a revision request: the revision grows and
    /// `proposal.submitted` carries everything a reviewer needs.
    /// - Parameter reference: the human reference to give it if it has none yet.
    mutating func submit(by caller: Caller, reference: String?, rules: ProposalRules, at time: Date) throws(ProposalError) -> ProposalChange {
        try checkSubmittable(by: caller, rules: rules)
        let from = status
        if self.reference == nil { self.reference = reference }
        guard let reference = self.reference else { throw .invalid([FieldProblem(field: "reference", problem: "is needed to submit")]) }
        revision += 1
        status = .submitted
        submittedAt = time
        updatedAt = time
        decisionReasons = []
        let history = ProposalHistoryEntry(
            at: time, actor: caller.actor, action: revision == 1 ? .submitted : .resubmitted, fromStatus: from.rawValue,
            toStatus: status.rawValue, detail: "revision \(revision)")
        let partners = content.implementingPartners.map { ProposalSubmitted.Partner(name: $0.name, country: $0.country, role: $0.role) }
        let event = ProposalSubmitted(
            proposalId: id, reference: reference, revision: revision, title: content.title ?? "", region: content.region ?? "",
            leadCountry: content.leadCountry ?? "", participatingCountries: content.participatingCountries,
            cbrnCategories: content.cbrnCategories, requestedBudget: content.requestedBudget ?? .zero, durationMonths: content.durationMonths,
            summary: content.summary, objectives: content.objectives, cbrnAreas: content.cbrnAreas, implementingPartners: partners,
            contactName: content.contact?.name, contactEmail: content.contact?.email)
        return ProposalChange(history: history, events: [event])
    }

    /// Withdraws a draft, submitted or revision-requested proposal. Workflow hears of it only
    /// when it was ever submitted.
    mutating func withdraw(by caller: Caller, reason: String?, at time: Date) throws(ProposalError) -> ProposalChange {
        try ProposalAccess(caller: caller).checkCanChange(self, .withdraw)
        let from = status
        status = .withdrawn
        updatedAt = time
        let history = ProposalHistoryEntry(
            at: time, actor: caller.actor, action: .withdrawn, fromStatus: from.rawValue, toStatus: status.rawValue, detail: reason)
        guard revision > 0 else { return ProposalChange(history: history) }
        let event = ProposalWithdrawn(
            proposalId: id, reference: reference, revision: revision, region: content.region ?? "", leadCountry: content.leadCountry ?? "",
            reason: reason)
        return ProposalChange(history: history, events: [event])
    }

    // MARK: Decisions (Workflow's, through its events)

    /// Workflow asks the focal point for a new revision of `revision`.
    mutating func requestRevision(of revision: Int, reasons: [String], by actor: EventActor, at time: Date) throws(ProposalError) -> ProposalChange {
        try checkDecidable(revision)
        status = .revisionRequested
        decisionReasons = reasons
        updatedAt = time
        return decided(.revisionRequested, by: actor, at: time, detail: reasons.joined(separator: "; "))
    }

    /// Workflow approves `revision` with a budget no higher than the one requested.
    mutating func approve(_ revision: Int, budget: Money, by actor: EventActor, at time: Date) throws(ProposalError) -> ProposalChange {
        try checkDecidable(revision)
        let requested = content.requestedBudget ?? .zero
        guard budget > .zero else { throw .decisionRefused("an approved budget must be positive (it is \(budget) EUR)") }
        guard budget <= requested else {
            throw .decisionRefused("the approved budget \(budget) EUR exceeds the \(requested) EUR requested in revision \(self.revision)")
        }
        status = .approved
        approvedBudget = budget
        decidedAt = time
        updatedAt = time
        return decided(.approved, by: actor, at: time, detail: "approved budget \(budget) EUR")
    }

    /// Workflow rejects `revision`.
    mutating func reject(_ revision: Int, reasons: [String], by actor: EventActor, at time: Date) throws(ProposalError) -> ProposalChange {
        try checkDecidable(revision)
        status = .rejected
        decisionReasons = reasons
        decidedAt = time
        updatedAt = time
        return decided(.rejected, by: actor, at: time, detail: reasons.joined(separator: "; "))
    }

    /// Only the revision under review, while it is under review, can be decided.
    private func checkDecidable(_ decided: Int) throws(ProposalError) {
        guard decided >= 1, decided <= revision else {
            throw .decisionRefused("revision \(decided) of \(reference ?? id.lowercased) was never submitted (the last is \(revision))")
        }
        guard decided == revision else {
            throw .decisionRefused("revision \(decided) is no longer under review; revision \(revision) is")
        }
        guard status == .submitted else {
            throw .decisionRefused("a \(status.rawValue) proposal is not under review")
        }
    }

    private func decided(_ action: ProposalHistoryAction, by actor: EventActor, at time: Date, detail: String) -> ProposalChange {
        ProposalChange(history: .init(
            at: time, actor: actor, action: action, fromStatus: ProposalStatus.submitted.rawValue, toStatus: status.rawValue, detail: detail))
    }

    /// Every problem at once: those of reading the body (unknown fields, wrong types) and
    /// those of the values that could be read.
    private static func check(
        _ content: ProposalContent, alongside readProblems: [FieldProblem], access: ProposalAccess, rules: ProposalRules
    ) throws(ProposalError) {
        var problems = readProblems
        let reported = Set(problems.map(\.field))
        problems += (rules.problems(in: content) + access.problems(leadCountry: content.leadCountry)).filter { !reported.contains($0.field) }
        if content.leadCountry == nil && access.caller.role == .focalPoint {
            problems.append(FieldProblem(field: "leadCountry", problem: "can't be cleared; it is your country, \(access.caller.country ?? "")"))
        }
        guard problems.isEmpty else { throw .invalid(problems) }
    }
}
