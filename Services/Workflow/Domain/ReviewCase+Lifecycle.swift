import Events
import Foundation

/// Every transition and invariant of a review case: pure, synchronous, and the only place
/// they live. Controllers and event handlers load and lock, call one of these, and save.
///
/// Each method checks, once the request itself is well-formed, in the same order: may the
/// caller see the case (else 404), is the act theirs (403), does the stage allow it (409
/// naming the stage and what it allows), and only then what was sent against the call's
/// rules (422 naming every problem).
extension ReviewCase {
    // MARK: Intake's events

    /// The case of a proposal submitted for the first time: round 1, screening by the region's secretariat.
    static func open(_ submitted: ProposalSubmitted, id: UUID, rules: ReviewRules, by actor: EventActor, at time: Date) -> (ReviewCase, ReviewChange) {
        var reviewCase = ReviewCase(
            id: id, proposalId: submitted.proposalId, reference: submitted.reference, title: submitted.title, region: submitted.region,
            leadCountry: submitted.leadCountry, participatingCountries: submitted.participatingCountries,
            requestedBudget: submitted.requestedBudget, revision: submitted.revision, stage: .screening, openedAt: time, updatedAt: time,
            stageEnteredAt: time, dueAt: nil, proposal: ProposalSummary(submitted), assignments: [],
            rounds: [ReviewRound(number: 1, revision: submitted.revision, openedAt: time)], reminders: [], history: [])
        reviewCase.enter(.screening, rules: rules, at: time)
        let entry = reviewCase.entry(
            at: time, actor: actor, .opened, "revision \(submitted.revision) submitted; screening by the \(submitted.region) secretariat")
        return (reviewCase, ReviewChange(history: [entry]))
    }

    /// The revision the decision asked for: a new round opens in screening with what the proposal
    /// says now; earlier rounds stay as they ended. A reviewer whose country the revision now
    /// involves is taken off. An older or equal revision arriving late changes nothing.
    mutating func resubmit(
        _ submitted: ProposalSubmitted, rules: ReviewRules, by actor: EventActor, system: EventActor, at time: Date
    ) throws(ReviewError) -> ReviewChange {
        guard submitted.proposalId == proposalId else { throw .refused("a submission of proposal \(submitted.proposalId.lowercased) is not this case's") }
        guard submitted.revision > revision else { return .none }
        guard stage.allows(.resubmit) else {
            throw .refused("revision \(submitted.revision) arrived while the case is in \(stage.rawValue); only a case whose revision was requested takes a new one")
        }
        title = submitted.title
        // A revision may move the proposal to another region (MA and MR are in two): the case follows.
        region = submitted.region
        leadCountry = submitted.leadCountry
        participatingCountries = submitted.participatingCountries
        requestedBudget = submitted.requestedBudget
        revision = submitted.revision
        proposal = ProposalSummary(submitted)
        rounds.append(ReviewRound(number: rounds.count + 1, revision: submitted.revision, openedAt: time))
        enter(.screening, rules: rules, at: time)
        var change = ReviewChange(history: [entry(
            at: time, actor: actor, .resubmitted,
            "revision \(submitted.revision) submitted; round \(rounds.count) opens with screening by the \(submitted.region) secretariat")])
        let involved = involvedCountries
        for assignment in assignments.sorted(by: { $0.reviewer < $1.reviewer }) where involved.contains(assignment.country) {
            let reason = "conflict of interest, revision \(submitted.revision) involves \(assignment.country)"
            change.history.append(entry(
                at: time, actor: system, .reviewerUnassigned, "\(assignment.name) (\(assignment.reviewer)) unassigned: \(reason)",
                reviewer: assignment.reviewer))
            change.events.append(ReviewUnassigned(proposalId: proposalId, caseId: id, revision: revision, reviewer: assignment.reviewer, reason: reason))
        }
        assignments.removeAll { involved.contains($0.country) }
        return change
    }

    /// The focal point withdrew the proposal: the case closes. A withdrawal of a decided
    /// proposal contradicts the case (intake withdraws only what is still under review).
    mutating func close(_ withdrawn: ProposalWithdrawn, by actor: EventActor, at time: Date) throws(ReviewError) -> ReviewChange {
        guard stage != .closed else { return .none }
        guard stage.allows(.withdraw) else {
            throw .refused("revision \(withdrawn.revision) was withdrawn, but the case was already \(stage.rawValue)")
        }
        if currentRound.endedAt == nil { currentRound.endedAt = time }
        enter(.closed, rules: nil, at: time)
        let reason = withdrawn.reason.map { ": \($0)" } ?? ""
        return ReviewChange(history: [entry(at: time, actor: actor, .withdrawn, "revision \(withdrawn.revision) withdrawn by the focal point\(reason)")])
    }

    // MARK: Screening

    /// The region's secretariat answers every item of the checklist: `eligible` (every item met)
    /// sends the round to technical assessment, `ineligible` (with reasons) rejects the proposal.
    mutating func screen(_ input: ScreeningInput, rules: ReviewRules, by caller: Caller, at time: Date) throws(ReviewError) -> ReviewChange {
        try ReviewAccess(caller: caller).checkCanScreen(self)
        try require(.screen)
        var problems = Self.unknown(input.answers.keys, known: rules.checklist.map(\.key), field: "answers", "is not an item of the checklist")
        var answers: [Screening.Answer] = []
        for item in rules.checklist {
            guard let answer = input.answers[item.key] else {
                problems.append(FieldProblem(field: "answers.\(item.key)", problem: "must be answered: \(item.label)"))
                continue
            }
            answers.append(Screening.Answer(item: item.key, label: item.label, met: answer.met, note: answer.note))
        }
        switch input.outcome {
        case .eligible:
            for answer in answers where !answer.met {
                problems.append(FieldProblem(field: "answers.\(answer.item)", problem: "is not met, so the proposal can't be eligible: an eligible proposal meets every item"))
            }
        case .ineligible:
            if input.reasons.isEmpty { problems.append(FieldProblem(field: "reasons", problem: "must say why the proposal is ineligible")) }
        }
        guard problems.isEmpty else { throw .invalid(problems) }

        let screening = Screening(answers: answers, outcome: input.outcome, reasons: input.reasons, screenedBy: caller.actor, screenedAt: time)
        currentRound.screening = screening
        var change = ReviewChange()
        change.events.append(ReviewScreened(
            proposalId: proposalId, caseId: id, revision: revision, round: currentRound.number, proposal: decided,
            outcome: input.outcome.rawValue, reasons: input.reasons))
        switch input.outcome {
        case .eligible:
            enter(.technical, rules: rules, at: time)
            change.history.append(entry(at: time, actor: caller.actor, .screened, "eligible: every item of the checklist met; technical assessment begins"))
        case .ineligible:
            currentRound.endedAt = time
            enter(.rejected, rules: rules, at: time)
            let reasons = input.reasons.joined(separator: "; ")
            change.history.append(entry(at: time, actor: caller.actor, .screened, "ineligible: \(reasons)"))
            change.history.append(entry(at: time, actor: caller.actor, .rejected, "rejected at screening: \(reasons)"))
            change.events.append(ProposalRejected(
                proposalId: proposalId, caseId: id, revision: revision, round: currentRound.number, proposal: decided, stage: "screening",
                reasons: input.reasons, decision: DecisionRecord(decidedAt: time, decidedBy: caller.actor)))
        }
        return change
    }

    // MARK: Reviewers

    /// The region's secretariat assigns a reviewer; nothing changes when they already are.
    mutating func assign(_ assignment: Assignment, by caller: Caller, at time: Date) throws(ReviewError) -> ReviewChange {
        try ReviewAccess(caller: caller).checkCanAssign(self)
        try require(.assign)
        if isAssigned(assignment.reviewer) { return .none }
        guard !involvedCountries.contains(assignment.country) else {
            throw .conflictOfInterest(country: assignment.country, involved: involvedCountries.sorted(), atAssessment: false)
        }
        assignments.append(assignment)
        updatedAt = time
        let entry = entry(
            at: time, actor: caller.actor, .reviewerAssigned, "\(assignment.name) (\(assignment.reviewer), \(assignment.country)) assigned",
            reviewer: assignment.reviewer)
        let event = ReviewAssigned(
            proposalId: proposalId, caseId: id, reference: reference, title: title, region: region, revision: revision,
            reviewer: .init(sub: assignment.reviewer, name: assignment.name, email: assignment.email))
        return ReviewChange(history: [entry], events: [event])
    }

    /// The region's secretariat takes a reviewer off the case, unless their assessment of the round stands.
    mutating func unassign(_ reviewer: String, by caller: Caller, at time: Date) throws(ReviewError) -> ReviewChange {
        try ReviewAccess(caller: caller).checkCanAssign(self)
        try require(.unassign)
        guard let assignment = assignments.first(where: { $0.reviewer == reviewer }) else { throw .notAssigned(reviewer) }
        // From here on the reviewer as assigned, not as the request spelt them (a canonically equal form matches too).
        let reviewer = assignment.reviewer
        guard currentRound.assessment(by: reviewer) == nil else { throw .assessmentStands(reviewer: reviewer, round: currentRound.number) }
        assignments.removeAll { $0.reviewer == reviewer }
        updatedAt = time
        let entry = entry(at: time, actor: caller.actor, .reviewerUnassigned, "\(assignment.name) (\(reviewer)) unassigned", reviewer: reviewer)
        let event = ReviewUnassigned(proposalId: proposalId, caseId: id, revision: revision, reviewer: reviewer, reason: "unassigned by the secretariat")
        return ReviewChange(history: [entry], events: [event])
    }

    // MARK: Technical assessment

    /// An assigned reviewer submits their one assessment of the round, declaring no conflict of
    /// interest. The assessment that brings the round to the required number sends it to the decision.
    mutating func assess(_ input: AssessmentInput, rules: ReviewRules, by caller: Caller, at time: Date) throws(ReviewError) -> ReviewChange {
        let assignment = try checkAssessor(caller, action: .assess)
        guard currentRound.assessment(by: caller.sub) == nil else { throw .alreadyAssessed(reviewer: caller.sub, round: currentRound.number) }
        let scores = try Self.scores(input, rules: rules)
        let totals = Assessment.totals(scores)
        currentRound.assessments.append(Assessment(
            reviewer: caller.sub, reviewerName: assignment.name, reviewerCountry: assignment.country, scores: scores,
            weightedTotal: totals.weighted, averageScore: totals.average, recommendation: input.recommendation, comment: input.comment,
            noConflictDeclaredAt: time, submittedAt: time, amendedAt: nil, amendments: 0))
        let ready = stage == .technical && currentRound.assessments.count >= rules.minimumAssessments
        if ready { enter(.decision, rules: rules, at: time) } else { updatedAt = time }
        let next = ready ? "; \(currentRound.assessments.count) of \(rules.minimumAssessments) assessments in, ready for the decision" : ""
        return ReviewChange(
            history: [entry(
                at: time, actor: caller.actor, .assessed,
                "\(assignment.name) assessed round \(currentRound.number): weighted total \(totals.weighted), \(input.recommendation.rawValue)\(next)",
                reviewer: caller.sub)],
            events: [assessed(by: caller.sub, total: totals.weighted, input.recommendation, amended: false, rules: rules, ready: ready)])
    }

    /// The reviewer changes their assessment of the round; allowed until the decision.
    mutating func amend(_ input: AssessmentInput, rules: ReviewRules, by caller: Caller, at time: Date) throws(ReviewError) -> ReviewChange {
        let assignment = try checkAssessor(caller, action: .amend)
        guard let index = currentRound.assessments.firstIndex(where: { $0.reviewer == caller.sub }) else {
            throw .nothingToAmend(reviewer: caller.sub, round: currentRound.number)
        }
        let scores = try Self.scores(input, rules: rules)
        let totals = Assessment.totals(scores)
        var assessment = currentRound.assessments[index]
        let before = assessment.weightedTotal
        assessment.scores = scores
        assessment.weightedTotal = totals.weighted
        assessment.averageScore = totals.average
        assessment.recommendation = input.recommendation
        assessment.comment = input.comment
        assessment.noConflictDeclaredAt = time
        assessment.amendedAt = time
        assessment.amendments += 1
        currentRound.assessments[index] = assessment
        updatedAt = time
        let change = ReviewChange(
            history: [entry(
                at: time, actor: caller.actor, .assessmentAmended,
                "\(assignment.name) amended their assessment of round \(currentRound.number): weighted total \(before) → \(totals.weighted), \(input.recommendation.rawValue)",
                reviewer: caller.sub)],
            events: [assessed(by: caller.sub, total: totals.weighted, input.recommendation, amended: true, rules: rules, ready: false)])
        return change
    }

    // MARK: Decision

    /// The programme manager decides the round: approve (a budget no higher than requested and a
    /// payment schedule), reject, or request a revision (with reasons).
    mutating func decide(_ input: DecisionInput, rules: ReviewRules, by caller: Caller, at time: Date) throws(ReviewError) -> ReviewChange {
        try ReviewAccess(caller: caller).checkCanDecide(self)
        let action = input.outcome.action
        // A case in technical is decided as if it were at the decision once it has enough
        // assessments (the required number was lowered since); before, the count refuses it below.
        guard stage.allows(action) || (stage == .technical && ReviewStage.decision.allows(action)) else { throw .invalidState(stage, action) }
        guard currentRound.assessments.count >= rules.minimumAssessments else {
            throw .notEnoughAssessments(submitted: currentRound.assessments.count, required: rules.minimumAssessments, stage: stage)
        }
        let schedule = try Self.schedule(input, requested: requestedBudget, rules: rules)
        let record = DecisionRecord(decidedAt: time, decidedBy: caller.actor)
        currentRound.decision = Decision(
            outcome: input.outcome, reasons: input.reasons, approvedBudget: input.outcome == .approved ? input.approvedBudget : nil,
            paymentSchedule: schedule, decidedBy: caller.actor, decidedAt: time)
        currentRound.endedAt = time
        let round = currentRound.number
        let reasons = input.reasons.joined(separator: "; ")
        switch input.outcome {
        case .approved:
            enter(.approved, rules: rules, at: time)
            let budget = input.approvedBudget ?? .zero
            let shares = (schedule ?? []).map { "\($0.tranche.rawValue) \($0.percent)%" }.joined(separator: ", ")
            return ReviewChange(
                history: [entry(at: time, actor: caller.actor, .approved, "approved with \(budget) EUR of \(requestedBudget) requested; schedule \(shares)\(reasons.isEmpty ? "" : "; \(reasons)")")],
                events: [ProposalApproved(
                    proposalId: proposalId, caseId: id, revision: revision, round: round, proposal: decided, approvedBudget: budget,
                    paymentSchedule: schedule ?? [], weightedScore: currentRound.scores.weightedScore?.description, decision: record)])
        case .rejected:
            enter(.rejected, rules: rules, at: time)
            return ReviewChange(
                history: [entry(at: time, actor: caller.actor, .rejected, "rejected: \(reasons)")],
                events: [ProposalRejected(
                    proposalId: proposalId, caseId: id, revision: revision, round: round, proposal: decided, stage: "decision",
                    reasons: input.reasons, decision: record)])
        case .revisionRequested:
            enter(.revisionRequested, rules: rules, at: time)
            return ReviewChange(
                history: [entry(at: time, actor: caller.actor, .revisionRequested, "revision of revision \(revision) requested: \(reasons)")],
                events: [ProposalRevisionRequested(
                    proposalId: proposalId, caseId: id, revision: revision, round: round, proposal: decided, reasons: input.reasons, decision: record)])
        }
    }

    // MARK: Deadlines

    /// Raises `review.overdue` when the stage has run past its days, once per round and stage.
    mutating func remind(rules: ReviewRules, by system: EventActor, at now: Date) -> ReviewChange {
        guard stage.hasDeadline, let dueAt, dueAt <= now, let days = rules.days(in: stage),
              !reminders.contains(where: { $0.round == currentRound.number && $0.stage == stage })
        else { return .none }
        reminders.append(Reminder(round: currentRound.number, stage: stage, at: now))
        let waitingFor: [String] = switch stage {
        case .screening: ["secretariat"]
        case .technical:
            // The reviewers who have not assessed; and the secretariat when they can't make up the number.
            Self.waiting(assignments.map(\.reviewer).filter { currentRound.assessment(by: $0) == nil }.sorted(),
                         needed: rules.minimumAssessments - currentRound.assessments.count)
        default: ["admin"]
        }
        return ReviewChange(
            history: [entry(at: now, actor: system, .overdue, "\(stage.rawValue) overdue: due \(dueAt.formatted(.iso8601)) after \(days) days")],
            events: [ReviewOverdue(
                proposalId: proposalId, caseId: id, reference: reference, title: title, region: region, revision: revision,
                round: currentRound.number, stage: stage.rawValue, dueAt: dueAt, daysAllowed: days, waitingFor: waitingFor)])
    }

    // MARK: Helpers

    /// A problem for each key sent that the rules don't have, naming the ones they do.
    private static func unknown(_ keys: some Collection<String>, known: [String], field: String, _ problem: String) -> [FieldProblem] {
        keys.sorted().filter { !known.contains($0) }.map {
            FieldProblem(field: "\(field).\($0)", problem: "\(problem) (\(known.joined(separator: ", ")))")
        }
    }

    private static func waiting(_ reviewers: [String], needed: Int) -> [String] {
        reviewers.count < needed ? reviewers + ["secretariat"] : reviewers
    }

    /// What decision events say about the proposal.
    var decided: DecidedProposal {
        DecidedProposal(
            reference: reference, title: title, region: region, leadCountry: leadCountry,
            participatingCountries: participatingCountries, requestedBudget: requestedBudget,
            summary: proposal.summary, durationMonths: proposal.durationMonths)
    }

    private func require(_ action: ReviewAction) throws(ReviewError) {
        guard stage.allows(action) else { throw .invalidState(stage, action) }
    }

    private mutating func enter(_ stage: ReviewStage, rules: ReviewRules?, at time: Date) {
        self.stage = stage
        stageEnteredAt = time
        updatedAt = time
        dueAt = rules?.days(in: stage).map { time.addingTimeInterval(Double($0) * 86_400) }
    }

    private func entry(at time: Date, actor: EventActor, _ action: ReviewHistoryAction, _ detail: String, reviewer: String? = nil) -> HistoryEntry {
        HistoryEntry(at: time, actor: actor, action: action, detail: detail, round: rounds.last?.number ?? 1, reviewer: reviewer)
    }

    /// The caller may assess this case now: an assigned reviewer, in a stage that takes
    /// assessments, from no country the proposal involves.
    private func checkAssessor(_ caller: Caller, action: ReviewAction) throws(ReviewError) -> Assignment {
        let assignment = try ReviewAccess(caller: caller).checkCanAssess(self)
        try require(action)
        let involved = involvedCountries
        for country in [assignment.country, caller.country].compactMap({ $0 }) where involved.contains(country) {
            throw .conflictOfInterest(country: country, involved: involved.sorted(), atAssessment: true)
        }
        return assignment
    }

    private func assessed(by reviewer: String, total: Score, _ recommendation: Assessment.Recommendation, amended: Bool, rules: ReviewRules, ready: Bool) -> ReviewAssessed {
        ReviewAssessed(
            proposalId: proposalId, caseId: id, reference: reference, title: title, region: region, revision: revision,
            round: currentRound.number, reviewer: reviewer, weightedTotal: total.description, recommendation: recommendation.rawValue,
            amended: amended, assessments: currentRound.assessments.count, required: rules.minimumAssessments, readyForDecision: ready)
    }

    /// The marks checked against the rubric, in the rubric's order; every problem at once.
    static func scores(_ input: AssessmentInput, rules: ReviewRules) throws(ReviewError) -> [Assessment.CriterionScore] {
        var problems = Self.unknown(input.marks.keys, known: rules.criteria.map(\.key), field: "scores", "is not a criterion of the rubric")
        var scores: [Assessment.CriterionScore] = []
        for criterion in rules.criteria {
            guard let mark = input.marks[criterion.key] else {
                problems.append(FieldProblem(field: "scores.\(criterion.key)", problem: "must be scored 0 to 100 with a comment: \(criterion.label) (weight \(criterion.weight))"))
                continue
            }
            if !(0...100).contains(mark.score) {
                problems.append(FieldProblem(field: "scores.\(criterion.key).score", problem: "must be between 0 and 100"))
            }
            scores.append(Assessment.CriterionScore(criterion: criterion.key, weight: criterion.weight, score: mark.score, comment: mark.comment))
        }
        if !input.declaresNoConflictOfInterest {
            problems.append(FieldProblem(
                field: "noConflictOfInterest",
                problem: "must be true: declare that you have no conflict of interest with this proposal; if you have one, ask the secretariat to unassign you"))
        }
        guard problems.isEmpty else { throw .invalid(problems) }
        return scores
    }

    /// The payment schedule of an approval, with each tranche's amount: the percentages of the
    /// approved budget rounded down to the cent, the final tranche taking what is left so the
    /// amounts add up exactly. Reject and revision requests take reasons and no money.
    static func schedule(_ input: DecisionInput, requested: Money, rules: ReviewRules) throws(ReviewError) -> [PaymentTranche]? {
        var problems: [FieldProblem] = []
        guard input.outcome == .approved else {
            if input.reasons.isEmpty { problems.append(FieldProblem(field: "reasons", problem: "must say why (at least one reason)")) }
            if input.approvedBudget != nil { problems.append(FieldProblem(field: "approvedBudget", problem: "is only for an approval")) }
            if !input.schedule.isEmpty { problems.append(FieldProblem(field: "paymentSchedule", problem: "is only for an approval")) }
            if problems.isEmpty { return nil }
            throw .invalid(problems)
        }
        if let budget = input.approvedBudget {
            if budget <= .zero { problems.append(FieldProblem(field: "approvedBudget", problem: "must be positive")) }
            if budget > requested {
                let over = (try? budget.subtracting(requested))?.description ?? "?"
                problems.append(FieldProblem(
                    field: "approvedBudget",
                    problem: "must not exceed the requested budget: \(budget) is \(over) over the \(requested) requested"))
            }
        } else {
            problems.append(FieldProblem(field: "approvedBudget", problem: "is required for an approval (at most the \(requested) requested)"))
        }
        let shares = input.schedule
        if shares.isEmpty {
            problems.append(FieldProblem(field: "paymentSchedule", problem: "is required for an approval: pre_financing (optional), interim…, final, percentages summing to 100"))
        }
        for (index, share) in shares.enumerated() {
            if !(1...100).contains(share.percent) {
                problems.append(FieldProblem(field: "paymentSchedule.\(index).percent", problem: "must be a whole percent from 1 to 100"))
            }
            switch share.tranche {
            case .preFinancing where index != 0:
                problems.append(FieldProblem(field: "paymentSchedule.\(index).tranche", problem: "pre_financing comes first, and only once"))
            case .final where index != shares.count - 1:
                problems.append(FieldProblem(field: "paymentSchedule.\(index).tranche", problem: "final comes last, and only once"))
            default: break
            }
        }
        if let last = shares.last, last.tranche != .final {
            problems.append(FieldProblem(field: "paymentSchedule", problem: "must end with the final tranche"))
        }
        let total = shares.reduce(0) { $0 + $1.percent }
        if !shares.isEmpty && total != 100 {
            problems.append(FieldProblem(field: "paymentSchedule", problem: "percentages must sum to 100; they sum to \(total)"))
        }
        if let first = shares.first, first.tranche == .preFinancing, first.percent > rules.preFinancingCapPercent {
            problems.append(FieldProblem(
                field: "paymentSchedule.0.percent",
                problem: "pre-financing may be at most \(rules.preFinancingCapPercent)% of the approved budget; it is \(first.percent)%"))
        }
        guard problems.isEmpty, let budget = input.approvedBudget else { throw .invalid(problems) }
        // budget ≤ requested ≤ the intake ceiling, so the split can't overflow; checked anyway.
        guard let tranches = PaymentTranche.split(budget, shares: shares.map { ($0.tranche, $0.percent) }) else {
            throw .invalid([FieldProblem(field: "approvedBudget", problem: "is beyond the amounts this system counts")])
        }
        if let index = tranches.firstIndex(where: { $0.amount <= .zero }) {
            throw .invalid([FieldProblem(
                field: "paymentSchedule.\(index).percent",
                problem: "comes to 0.00 of \(budget): every tranche must pay something; use fewer tranches or larger shares")])
        }
        return tranches
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
