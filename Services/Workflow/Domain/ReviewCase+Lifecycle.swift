import Events
import Foundation

/// Every transition and invariant of a review case: pure, synchronous, and the only place
/// they live. Controllers and event handlers load and lock, call one of these, and save.
extension ReviewCase {
    /// The case of a proposal submitted for the first time: screening by the region's secretariat.
    static func open(_ submitted: ProposalSubmitted, id: UUID, by actor: EventActor, at time: Date) -> (ReviewCase, ReviewChange) {
        let reviewCase = ReviewCase(
            id: id, proposalId: submitted.proposalId, reference: submitted.reference, title: submitted.title, region: submitted.region,
            leadCountry: submitted.leadCountry, participatingCountries: submitted.participatingCountries,
            requestedBudget: submitted.requestedBudget, revision: submitted.revision, stage: .screening, openedAt: time, updatedAt: time,
            proposal: ProposalSummary(submitted), assignments: [], history: [])
        let entry = HistoryEntry(
            at: time, actor: actor, action: .opened,
            detail: "revision \(submitted.revision) submitted; screening by the \(submitted.region) secretariat")
        return (reviewCase, ReviewChange(history: [entry]))
    }

    /// A later revision of the proposal: screening starts again with what it says now, and a
    /// reviewer whose country it now involves is taken off (a reviewer never assesses a
    /// proposal whose lead or participating countries include theirs). An older or equal
    /// revision arriving late changes nothing.
    mutating func resubmit(_ submitted: ProposalSubmitted, by actor: EventActor, system: EventActor, at time: Date) throws(ReviewError) -> ReviewChange {
        guard submitted.proposalId == proposalId else { throw .refused("a submission of proposal \(submitted.proposalId.lowercased) is not this case's") }
        guard submitted.revision > revision else { return .none }
        guard stage != .closed else { throw .refused("revision \(submitted.revision) arrived for a closed case (the proposal was withdrawn)") }
        title = submitted.title
        // A revision may move the proposal to another region (MA and MR are in two): the case follows.
        region = submitted.region
        leadCountry = submitted.leadCountry
        participatingCountries = submitted.participatingCountries
        requestedBudget = submitted.requestedBudget
        revision = submitted.revision
        stage = .screening
        proposal = ProposalSummary(submitted)
        updatedAt = time
        var change = ReviewChange(history: [HistoryEntry(
            at: time, actor: actor, action: .resubmitted,
            detail: "revision \(submitted.revision) submitted; screening by the \(submitted.region) secretariat")])
        let involved = involvedCountries
        for assignment in assignments.sorted(by: { $0.reviewer < $1.reviewer }) where involved.contains(assignment.country) {
            let reason = "conflict of interest, revision \(submitted.revision) involves \(assignment.country)"
            change.history.append(HistoryEntry(
                at: time, actor: system, action: .reviewerUnassigned, detail: "\(assignment.name) (\(assignment.reviewer)) unassigned: \(reason)"))
            change.events.append(ReviewUnassigned(proposalId: proposalId, caseId: id, revision: revision, reviewer: assignment.reviewer, reason: reason))
        }
        assignments.removeAll { involved.contains($0.country) }
        return change
    }

    /// The focal point withdrew the proposal: the case closes (no more assignments, assessments or decisions).
    mutating func close(_ withdrawn: ProposalWithdrawn, by actor: EventActor, at time: Date) -> ReviewChange {
        guard stage != .closed else { return .none }
        stage = .closed
        updatedAt = time
        let reason = withdrawn.reason.map { ": \($0)" } ?? ""
        return ReviewChange(history: [HistoryEntry(
            at: time, actor: actor, action: .withdrawn, detail: "revision \(withdrawn.revision) withdrawn by the focal point\(reason)")])
    }

    /// The region's secretariat assigns a reviewer; nothing changes when they already are.
    mutating func assign(_ assignment: Assignment, by caller: Caller, at time: Date) throws(ReviewError) -> ReviewChange {
        try ReviewAccess(caller: caller).checkCanAssign(self)
        if isAssigned(assignment.reviewer) { return .none }
        guard stage.acceptsAssignments else { throw .invalidStage(stage, act: "assigned a reviewer") }
        guard !involvedCountries.contains(assignment.country) else {
            throw .conflictOfInterest(country: assignment.country, involved: involvedCountries.sorted())
        }
        assignments.append(assignment)
        updatedAt = time
        let entry = HistoryEntry(
            at: time, actor: caller.actor, action: .reviewerAssigned,
            detail: "\(assignment.name) (\(assignment.reviewer), \(assignment.country)) assigned")
        let event = ReviewAssigned(
            proposalId: proposalId, caseId: id, reference: reference, title: title, region: region, revision: revision,
            reviewer: .init(sub: assignment.reviewer, name: assignment.name, email: assignment.email))
        return ReviewChange(history: [entry], events: [event])
    }

    /// The region's secretariat takes a reviewer off the case.
    mutating func unassign(_ reviewer: String, by caller: Caller, at time: Date) throws(ReviewError) -> ReviewChange {
        try ReviewAccess(caller: caller).checkCanAssign(self)
        guard let assignment = assignments.first(where: { $0.reviewer == reviewer }) else { throw .notAssigned(reviewer) }
        guard stage.acceptsAssignments else { throw .invalidStage(stage, act: "unassigned a reviewer") }
        assignments.removeAll { $0.reviewer == reviewer }
        updatedAt = time
        let entry = HistoryEntry(at: time, actor: caller.actor, action: .reviewerUnassigned, detail: "\(assignment.name) (\(reviewer)) unassigned")
        let event = ReviewUnassigned(proposalId: proposalId, caseId: id, revision: revision, reviewer: reviewer, reason: "unassigned by the secretariat")
        return ReviewChange(history: [entry], events: [event])
    }
}

extension ReviewCase.ProposalSummary {
    init(_ submitted: ProposalSubmitted) {
        self.init(
            summary: submitted.summary, objectives: submitted.objectives ?? [], cbrnCategories: submitted.cbrnCategories,
            cbrnAreas: submitted.cbrnAreas ?? [], durationMonths: submitted.durationMonths,
            implementingPartners: submitted.implementingPartners ?? [])
    }
}
