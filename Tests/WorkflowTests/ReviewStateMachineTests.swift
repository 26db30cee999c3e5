import Events
import Foundation
import Testing

@testable import Workflow

/// The transition table (`ReviewStage.allowedActions`) against the domain's methods: every
/// stage against every action, then random walks that must keep the case's invariants.
@Suite("Review state machine: the transition table holds for every stage and action, and random walks keep the invariants")
struct ReviewStateMachineTests {
    // MARK: Every (stage, action) pair

    /// What an action does to a case in a stage.
    enum Verdict: Equatable, CustomStringConvertible {
        /// Done: a non-empty change, and the case is now in this stage.
        case moved(to: ReviewStage)
        /// Refused with this error; the case unchanged.
        case refused(ReviewError)
        /// An intake event the stage can't take: `.refused` naming the stage; the case unchanged.
        case refusedByIntake
        /// Nothing to do: an empty change and the case unchanged (a reminder in a stage that waits for nobody,
        /// a withdrawal of a closed case).
        case unchanged
        /// Anything else (a refusal that changed the case, a change that changed nothing, …).
        case inconsistent(String)

        var description: String {
            switch self {
            case .moved(let stage): "moved to \(stage.rawValue)"
            case .refused(let error): "refused: \(error)"
            case .refusedByIntake: "refused (intake event)"
            case .unchanged: "unchanged"
            case .inconsistent(let detail): "inconsistent: \(detail)"
            }
        }
    }

    /// The stage an allowed action leads to, from the fixture's cases (in `technical`, Chen's
    /// assessment is the second of the two required, so it sends the case to the decision).
    static func next(after action: ReviewAction, in stage: ReviewStage) -> ReviewStage {
        switch action {
        case .screen: return .technical
        case .assess: return stage == .technical ? .decision : stage
        case .approve: return .approved
        case .reject: return .rejected
        case .requestRevision: return .revisionRequested
        case .resubmit: return .screening
        case .withdraw: return .closed
        case .assign, .unassign, .amend, .remind: return stage
        }
    }

    /// What the transition table promises.
    static func expected(_ stage: ReviewStage, _ action: ReviewAction) -> Verdict {
        if stage.allows(action) { return .moved(to: next(after: action, in: stage)) }
        switch action {
        case .remind:
            return .unchanged
        case .withdraw where stage == .closed:
            return .unchanged
        case .resubmit, .withdraw:
            return .refusedByIntake
        case .approve, .reject, .requestRevision:
            // A decision asked for during the technical assessment names what is missing.
            if stage == .technical { return .refused(.notEnoughAssessments(submitted: 1, required: 2)) }
            return .refused(.invalidState(stage, action))
        case .screen, .assign, .unassign, .assess, .amend:
            return .refused(.invalidState(stage, action))
        }
    }

    /// The act for `action` that only the stage could refuse: the right actor and a valid input.
    /// Assign takes Dana (not yet assigned, no conflict); unassign takes Chen (assigned, never assessed);
    /// assess is Chen's; amend is Ana's (she assessed in technical); the decision approves the whole
    /// requested budget 30/30/40; the reminder comes 400 days after the stage began; resubmission
    /// brings the next revision; withdrawal the current one.
    static func act(_ action: ReviewAction, on reviewCase: ReviewCase) -> (Act, Date) {
        let time = reviewCase.updatedAt.addingTimeInterval(3_600)
        switch action {
        case .screen: return (.screen(Fixture.eligible(), by: Fixture.secretariat), time)
        case .assign: return (.assign(Fixture.dana.assignment(at: time), by: Fixture.secretariat), time)
        case .unassign: return (.unassign(Fixture.chen.sub, by: Fixture.secretariat), time)
        case .assess: return (.assess(Fixture.uniform(80), by: Fixture.chen.caller), time)
        case .amend: return (.amend(Fixture.marks([85, 77, 90, 64, 59]), by: Fixture.ana.caller), time)
        case .approve: return (.decide(Fixture.approval(reviewCase.requestedBudget), by: Fixture.admin), time)
        case .reject: return (.decide(Fixture.rejection(), by: Fixture.admin), time)
        case .requestRevision: return (.decide(Fixture.revisionRequest(), by: Fixture.admin), time)
        case .remind: return (.remind, reviewCase.stageEnteredAt.addingTimeInterval(400 * Fixture.dayLength))
        case .resubmit: return (.resubmit(Fixture.submitted(revision: reviewCase.revision + 1)), time)
        case .withdraw: return (.withdraw(Fixture.withdrawn(revision: reviewCase.revision)), time)
        }
    }

    /// What `action` actually does to the fixture's case in `stage`.
    static func observed(_ stage: ReviewStage, _ action: ReviewAction) throws -> Verdict {
        let before = try Fixture.reviewCase(in: stage)
        try #require(before.stage == stage, "the fixture must reach \(stage.rawValue)")
        var after = before
        let (attempt, time) = Self.act(action, on: before)
        try #require(attempt.action == action)
        switch attempt.perform(on: &after, at: time) {
        case .success(let change):
            if change.isEmpty && after == before { return .unchanged }
            if !change.isEmpty && after != before { return .moved(to: after.stage) }
            return .inconsistent("change empty: \(change.isEmpty), case changed: \(after != before)")
        case .failure(let error):
            guard after == before else { return .inconsistent("threw \(error) after changing the case") }
            if case .refused(let reason) = error {
                return reason.contains(stage.rawValue) ? .refusedByIntake : .inconsistent("refused without naming the stage: \(reason)")
            }
            return .refused(error)
        }
    }

    @Test("Each stage does exactly what its transition table lists", arguments: ReviewStage.allCases, ReviewAction.allCases)
    func eachStageDoesExactlyWhatItsTableLists(stage: ReviewStage, action: ReviewAction) throws {
        let verdict = try Self.observed(stage, action)
        #expect(verdict == Self.expected(stage, action), "\(action.rawValue) in \(stage.rawValue)")
    }

    @Test("All 77 (stage, action) pairs are checked: 22 allowed, the rest refused or without effect")
    func allSeventySevenPairsAreChecked() throws {
        #expect(ReviewStage.allCases.count == 7)
        #expect(ReviewAction.allCases.count == 11)
        var tally: [String: Int] = [:]
        var checked = 0
        for stage in ReviewStage.allCases {
            for action in ReviewAction.allCases {
                let verdict = try Self.observed(stage, action)
                #expect(verdict == Self.expected(stage, action), "\(action.rawValue) in \(stage.rawValue)")
                checked += 1
                let kind: String = switch verdict {
                case .moved: "moved"
                case .refused(.invalidState): "invalidState"
                case .refused(.notEnoughAssessments): "notEnoughAssessments"
                case .refused: "refused otherwise"
                case .refusedByIntake: "refusedByIntake"
                case .unchanged: "unchanged"
                case .inconsistent: "inconsistent"
                }
                tally[kind, default: 0] += 1
            }
        }
        #expect(checked == 77)
        let allowed = ReviewStage.allCases.reduce(0) { $0 + $1.allowedActions.count }
        #expect(allowed == 22)
        #expect(tally == [
            "moved": 22,  // screening 5, technical 6, decision 9, revision_requested 2
            "invalidState": 39,
            "notEnoughAssessments": 3,  // approve, reject, request_revision in technical
            "refusedByIntake": 8,  // resubmit in the 6 other stages; withdraw of an approved or rejected case
            "unchanged": 5,  // remind in the 4 stages without a deadline; withdraw of a closed case
        ])
    }

    @Test("The fixture reaches every stage through the domain's methods, with the history they return")
    func theFixtureReachesEveryStage() throws {
        for stage in ReviewStage.allCases {
            let reviewCase = try Fixture.reviewCase(in: stage)
            #expect(reviewCase.stage == stage)
            #expect(Self.violations(of: reviewCase, rules: Fixture.rules).isEmpty, "\(stage.rawValue)")
            #expect(reviewCase.history.first?.action == .opened)
        }
    }

    // MARK: Random walks

    /// Everything that must hold of a case whatever happened to it; the broken rules, described.
    static func violations(of reviewCase: ReviewCase, rules: ReviewRules) -> [String] {
        var found: [String] = []
        guard !reviewCase.rounds.isEmpty else { return ["the case has no round"] }
        let rounds = reviewCase.rounds
        if rounds.map(\.number) != Array(1...rounds.count) { found.append("rounds are numbered \(rounds.map(\.number))") }
        for round in rounds.dropLast() {
            if round.endedAt == nil { found.append("round \(round.number) is not the last but has not ended") }
            if round.decision?.outcome != .revisionRequested { found.append("round \(round.number) is not the last but no revision was requested") }
        }
        for (earlier, later) in zip(rounds, rounds.dropFirst()) where earlier.revision >= later.revision {
            found.append("round \(later.number) reviews revision \(later.revision), not later than round \(earlier.number)'s \(earlier.revision)")
        }
        if reviewCase.currentRound.revision != reviewCase.revision { found.append("the current round reviews another revision than the case's") }
        for round in rounds where Set(round.assessments.map(\.reviewer)).count != round.assessments.count {
            found.append("round \(round.number) has two assessments by one reviewer: \(round.assessments.map(\.reviewer))")
        }

        let round = reviewCase.currentRound
        let eligible = round.screening?.outcome == .eligible
        let count = round.assessments.count
        let enough = count >= rules.minimumAssessments
        let open = round.decision == nil && round.endedAt == nil
        switch reviewCase.stage {
        case .screening:
            if round.screening != nil || count != 0 || !open { found.append("screening, but the round was screened, assessed, decided or ended") }
        case .technical:
            if !eligible || enough || !open { found.append("technical, but eligible \(eligible), \(count) assessments, open \(open)") }
        case .decision:
            if !eligible || !enough || !open { found.append("decision, but eligible \(eligible), \(count) assessments, open \(open)") }
        case .approved:
            if let decision = round.decision, decision.outcome == .approved, let budget = decision.approvedBudget,
               let schedule = decision.paymentSchedule {
                if budget > reviewCase.requestedBudget { found.append("approved \(budget) over the \(reviewCase.requestedBudget) requested") }
                if (try? Money.sum(schedule.map(\.amount))) != budget { found.append("the tranches do not add up to the approved budget") }
                if schedule.reduce(0, { $0 + $1.percent }) != 100 { found.append("the schedule does not sum to 100%") }
                if schedule.last?.tranche != .final { found.append("the schedule does not end with the final tranche") }
            } else {
                found.append("approved without an approval with budget and schedule")
            }
            if !eligible || !enough || round.endedAt == nil { found.append("approved, but eligible \(eligible), \(count) assessments, ended \(round.endedAt != nil)") }
        case .rejected:
            let byDecision = round.decision?.outcome == .rejected && eligible && enough
            let atScreening = round.decision == nil && round.screening?.outcome == .ineligible && count == 0
            if !(byDecision || atScreening) || round.endedAt == nil { found.append("rejected, but neither by a decision nor at screening") }
        case .revisionRequested:
            if round.decision?.outcome != .revisionRequested || !eligible || !enough || round.endedAt == nil {
                found.append("revision_requested without the round's decision asking for it")
            }
        case .closed:
            if round.endedAt == nil { found.append("closed, but the round has not ended") }
            if let decision = round.decision, decision.outcome != .revisionRequested { found.append("closed after a final decision") }
        }

        if let days = rules.days(in: reviewCase.stage) {
            if reviewCase.dueAt != reviewCase.stageEnteredAt.addingTimeInterval(Double(days) * Fixture.dayLength) {
                found.append("\(reviewCase.stage.rawValue) is not due \(days) days after it began")
            }
        } else if reviewCase.dueAt != nil {
            found.append("\(reviewCase.stage.rawValue) waits for nobody, yet it is due")
        }
        let reminders = reviewCase.reminders.map { "\($0.round)/\($0.stage.rawValue)" }
        if Set(reminders).count != reminders.count { found.append("a reminder raised twice for a round and stage: \(reminders)") }
        if reviewCase.reminders.contains(where: { $0.round < 1 || $0.round > rounds.count || !$0.stage.hasDeadline }) {
            found.append("a reminder of a round or stage that can't have one: \(reminders)")
        }
        let involved = reviewCase.involvedCountries
        for assignment in reviewCase.assignments where involved.contains(assignment.country) {
            found.append("\(assignment.reviewer) of \(assignment.country) is assigned to a proposal involving it")
        }
        if Set(reviewCase.assignments.map(\.reviewer)).count != reviewCase.assignments.count { found.append("a reviewer assigned twice") }
        for assessment in round.assessments where !reviewCase.isAssigned(assessment.reviewer) {
            found.append("\(assessment.reviewer)'s assessment of the current round stands, but they are not assigned")
        }
        return found
    }

    /// The name of an error's case, to count refusals by kind.
    static func kind(of error: ReviewError) -> String {
        switch error {
        case .notFound: "notFound"
        case .forbidden: "forbidden"
        case .invalidState: "invalidState"
        case .notEnoughAssessments: "notEnoughAssessments"
        case .conflictOfInterest: "conflictOfInterest"
        case .notAssigned: "notAssigned"
        case .alreadyAssessed: "alreadyAssessed"
        case .nothingToAmend: "nothingToAmend"
        case .assessmentStands: "assessmentStands"
        case .invalid: "invalid"
        case .refused: "refused"
        }
    }

    /// The moves a stage may make.
    static let edges: Set<String> = [
        "screening→technical", "screening→rejected", "screening→closed",
        "technical→decision", "technical→closed",
        "decision→approved", "decision→rejected", "decision→revision_requested", "decision→closed",
        "revision_requested→screening", "revision_requested→closed",
    ]

    /// Picks random acts, biased toward what the stage allows and toward the right actor with a
    /// valid input, so walks get far; a quarter of the callers are wrong and a fifth of the inputs invalid.
    struct Walker {
        var random: SplitMix64
        let rules: ReviewRules

        static let pool = [Fixture.ana, Fixture.bruno, Fixture.chen, Fixture.dana, Fixture.kuat, Fixture.ulugbek]
        /// Anyone, right or wrong: other regions, roles that don't act, an unassigned reviewer, a reviewer
        /// whose token claims a country the proposal involves.
        static let anyone = [
            Fixture.secretariat, Fixture.otherSecretariat, Fixture.admin, Fixture.finance, Fixture.focalPoint, Fixture.otherFocalPoint,
            Fixture.ana.caller, Fixture.bruno.caller, Fixture.dana.caller, Fixture.ana.caller(claiming: "UZ"),
            Fixture.chen.caller(claiming: "KG"), Caller(sub: "reviewer.zoe", role: .reviewer),
        ]
        static let validSchedules: [[(PaymentTranche.Kind, Int)]] = [
            [(.final, 100)], [(.preFinancing, 40), (.final, 60)], [(.preFinancing, 30), (.interim, 30), (.final, 40)],
            [(.interim, 50), (.final, 50)], [(.preFinancing, 10), (.interim, 20), (.interim, 33), (.final, 37)],
        ]
        static let invalidSchedules: [[(PaymentTranche.Kind, Int)]] = [
            [], [(.preFinancing, 30), (.interim, 30), (.final, 30)], [(.preFinancing, 50), (.final, 50)],
            [(.interim, 30), (.preFinancing, 30), (.final, 40)], [(.final, 40), (.interim, 60)], [(.interim, 0), (.final, 100)],
        ]

        /// How often an allowed action is picked, relative to the others: what moves the case on
        /// more than what keeps it where it is, so walks get far.
        static let weights: [ReviewAction: Int] = [
            .screen: 3, .assess: 3, .resubmit: 3, .approve: 2, .reject: 2, .requestRevision: 2, .assign: 2,
            .amend: 1, .remind: 1, .unassign: 1, .withdraw: 0,
        ]

        /// Mostly (3 in 4) what the stage allows, weighted; otherwise anything; a withdrawal, which
        /// ends the walk, 1 time in 80.
        mutating func nextAction(for reviewCase: ReviewCase) -> ReviewAction {
            if random.chance(1, in: 80) { return .withdraw }
            let allowed = reviewCase.stage.allowedActions.flatMap { Array(repeating: $0, count: Self.weights[$0, default: 1]) }
            if !allowed.isEmpty && random.chance(3, in: 4) { return random.pick(allowed) }
            return random.pick(ReviewAction.allCases.filter { $0 != .withdraw })
        }

        mutating func scores() -> [Int] {
            var scores: [Int] = []
            for _ in rules.criteria { scores.append(random.below(101)) }
            return scores
        }

        mutating func assessment(valid: Bool) -> AssessmentInput {
            var input = Fixture.marks(scores(), rules: rules, recommendation: random.pick(Assessment.Recommendation.allCases))
            guard !valid else { return input }
            switch random.below(4) {
            case 0: input.marks[rules.criteria[0].key]?.score = 101
            case 1: input.marks[rules.criteria[1].key] = nil
            case 2: input.marks["beauty"] = AssessmentInput.Mark(score: 50, comment: "not a criterion")
            default: input.declaresNoConflictOfInterest = false
            }
            return input
        }

        mutating func decision(_ action: ReviewAction, requested: Money, valid: Bool) -> DecisionInput {
            switch action {
            case .approve:
                if valid {
                    let budget = Money(cents: requested.cents - Int64(random.below(Int(requested.cents / 2))))
                    return Fixture.approval(budget, random.pick(Self.validSchedules))
                }
                if random.chance(1, in: 3) { return Fixture.approval(Money(cents: requested.cents + 1)) }
                return Fixture.approval(requested, random.pick(Self.invalidSchedules))
            case .reject:
                return valid ? Fixture.rejection() : Fixture.rejection([])
            default:
                if valid { return Fixture.revisionRequest() }
                var input = Fixture.revisionRequest()
                input.approvedBudget = requested
                return input
            }
        }

        mutating func nextAct(for reviewCase: ReviewCase) -> Act {
            let action = nextAction(for: reviewCase)
            let right = random.chance(3, in: 4)
            let valid = random.chance(4, in: 5)
            let stranger = random.pick(Self.anyone)
            let round = reviewCase.currentRound
            let assigned = reviewCase.assignments.map(\.reviewer)
            switch action {
            case .screen:
                var input = random.chance(5, in: 6) ? Fixture.eligible(rules) : Fixture.ineligible(rules)
                if !valid {
                    switch random.below(3) {
                    case 0: input.answers[rules.checklist[1].key] = .init(met: false, note: "no")  // eligible with an item unmet, or fine
                    case 1: input.answers[rules.checklist[2].key] = nil
                    default: input.reasons = []
                    }
                }
                return .screen(input, by: right ? Fixture.secretariat : stranger)
            case .assign:
                let free = Self.pool.filter { !reviewCase.isAssigned($0.sub) && !reviewCase.involvedCountries.contains($0.country) }
                let reviewer = valid && !free.isEmpty ? random.pick(free) : random.pick(Self.pool)
                return .assign(reviewer.assignment(at: Fixture.t0), by: right ? Fixture.secretariat : stranger)
            case .unassign:
                let removable = assigned.filter { round.assessment(by: $0) == nil }
                let reviewer = valid && !removable.isEmpty ? random.pick(removable) : random.pick(Self.pool).sub
                return .unassign(reviewer, by: right ? Fixture.secretariat : stranger)
            case .assess:
                let waiting = assigned.filter { round.assessment(by: $0) == nil }
                let caller = right && !waiting.isEmpty ? Caller(sub: random.pick(waiting), role: .reviewer) : stranger
                return .assess(assessment(valid: valid), by: caller)
            case .amend:
                let done = round.assessments.map(\.reviewer).filter { reviewCase.isAssigned($0) }
                let caller = right && !done.isEmpty ? Caller(sub: random.pick(done), role: .reviewer) : stranger
                return .amend(assessment(valid: valid), by: caller)
            case .approve, .reject, .requestRevision:
                return .decide(decision(action, requested: reviewCase.requestedBudget, valid: valid), by: right ? Fixture.admin : stranger)
            case .remind:
                return .remind
            case .resubmit:
                let participating = random.pick([["UZ", "KG"], ["UZ", "FR"], ["KG", "DE"], ["TJ"]])
                let budget = random.pick([Fixture.requested, Money(cents: 90_000_000)])
                let revision = reviewCase.revision + random.pick([1, 1, 1, 0, -1])
                let proposal = valid ? Fixture.proposalId : Fixture.uuid(99)
                return .resubmit(Fixture.submitted(revision: revision, participating: participating, budget: budget, proposalId: proposal))
            case .withdraw:
                return .withdraw(Fixture.withdrawn(revision: reviewCase.revision))
            }
        }
    }

    @Test("300 random walks of 20 to 40 acts keep every invariant; a refused act changes nothing; an ended round never changes")
    func randomWalksKeepTheInvariants() {
        let rules = Fixture.rules
        var succeeded: [ReviewAction: Int] = [:]
        var refusals: [String: Int] = [:]
        var stagesSeen: Set<ReviewStage> = []
        var mostRounds = 0
        var steps = 0
        var broken = 0

        walks: for seed in 0..<300 {
            var walker = Walker(random: SplitMix64(seed: 0x5EED_0000 &+ UInt64(seed)), rules: rules)
            var clock = Fixture.t0
            var reviewCase = Fixture.opened(at: clock)
            var ended: [Int: ReviewRound] = [:]
            stagesSeen.insert(reviewCase.stage)
            let length = 20 + walker.random.below(21)  // 20 to 40 acts
            for step in 0..<length {
                let act = walker.nextAct(for: reviewCase)
                clock = clock.addingTimeInterval(Double(walker.random.below(96)) * 3_600)
                let before = reviewCase
                let result = act.perform(on: &reviewCase, rules: rules, at: clock)
                steps += 1
                var found: [String] = []
                switch result {
                case .failure(let error):
                    if reviewCase != before { found.append("refused with \(error), but the case changed") }
                    refusals[Self.kind(of: error), default: 0] += 1
                case .success(let change):
                    if change.isEmpty != (reviewCase == before) {
                        found.append("the change is \(change.isEmpty ? "empty" : "not empty") but the case \(reviewCase == before ? "did not change" : "changed")")
                    }
                    if !change.isEmpty {
                        succeeded[act.action, default: 0] += 1
                        if !before.stage.allows(act.action) { found.append("\(act.action.rawValue) changed a case in \(before.stage.rawValue)") }
                    }
                    if before.stage.isFinal && reviewCase != before { found.append("a \(before.stage.rawValue) case changed") }
                    if change.history.contains(where: { $0.round != reviewCase.currentRound.number || $0.at != clock }) {
                        found.append("a history step not of the current round or not at the act's time")
                    }
                    reviewCase.history += change.history
                }
                if before.stage != reviewCase.stage && !Self.edges.contains("\(before.stage.rawValue)→\(reviewCase.stage.rawValue)") {
                    found.append("moved from \(before.stage.rawValue) to \(reviewCase.stage.rawValue)")
                }
                let grew = reviewCase.rounds.count - before.rounds.count
                if grew != 0 && !(grew == 1 && act.action == .resubmit) { found.append("the rounds went from \(before.rounds.count) to \(reviewCase.rounds.count)") }
                for (number, round) in ended where reviewCase.rounds.count < number || reviewCase.rounds[number - 1] != round {
                    found.append("round \(number) changed after it ended")
                }
                for round in reviewCase.rounds where round.endedAt != nil && ended[round.number] == nil { ended[round.number] = round }
                found += Self.violations(of: reviewCase, rules: rules)
                stagesSeen.insert(reviewCase.stage)
                mostRounds = max(mostRounds, reviewCase.rounds.count)
                if !found.isEmpty {
                    Issue.record("walk \(seed), step \(step): \(act) in \(before.stage.rawValue): \(found.joined(separator: "; "))")
                    broken += 1
                    if broken >= 20 { break walks }
                    continue walks
                }
            }
        }

        // The walks went everywhere, or they prove little.
        #expect(steps >= 300 * 20)
        #expect(stagesSeen == Set(ReviewStage.allCases), "stages reached: \(stagesSeen.map(\.rawValue).sorted())")
        for action in ReviewAction.allCases {
            #expect(succeeded[action, default: 0] > 0, "\(action.rawValue) never succeeded")
        }
        #expect(mostRounds >= 2, "no walk reached a second round")
        for kind in ["invalidState", "invalid", "forbidden", "notFound", "conflictOfInterest"] {
            #expect(refusals[kind, default: 0] > 0, "no act was refused with \(kind): \(refusals)")
        }
    }
}
