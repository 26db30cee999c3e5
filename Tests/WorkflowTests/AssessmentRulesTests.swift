import Events
import Foundation
import Testing

@testable import Workflow

/// Who may assess, how often, until when, and what a round keeps.
@Suite("Assessments: no conflict of interest, one per reviewer per round, amendable until the decision, kept per round")
struct AssessmentRulesTests {
    let rules = Fixture.rules

    // MARK: Conflict of interest

    @Test("A national of the lead or a participating country can't be assigned", arguments: ["KZ", "UZ", "KG"])
    func aNationalOfAnInvolvedCountryCannotBeAssigned(country: String) throws {
        var reviewCase = try Fixture.reviewCase(in: .screening)
        let before = reviewCase
        let reviewer = Fixture.Reviewer(sub: "reviewer.\(country.lowercased())", name: "Reviewer of \(country)", country: country)
        #expect(throws: ReviewError.conflictOfInterest(country: country, involved: Fixture.involved, atAssessment: false)) {
            try reviewCase.assign(reviewer.assignment(), by: Fixture.secretariat, at: Fixture.day(0.6))
        }
        #expect(reviewCase == before)
    }

    @Test("A revision that involves an assigned reviewer's country takes them off; they can't assess or be assigned again")
    func aRevisionThatInvolvesAReviewersCountryTakesThemOff() throws {
        var reviewCase = try Fixture.reviewCase(in: .revisionRequested)
        let round1 = reviewCase.rounds[0]
        // Revision 2 brings France (Ana's country) in.
        let change = try reviewCase.run {
            try $0.resubmit(
                Fixture.submitted(revision: 2, participating: ["UZ", "FR"]), rules: rules, by: Fixture.focalPoint.actor, system: Fixture.system,
                at: Fixture.day(10))
        }
        #expect(reviewCase.assignments.map(\.reviewer) == [Fixture.bruno.sub, Fixture.chen.sub])
        #expect(change.history.map(\.action) == [.resubmitted, .reviewerUnassigned])
        #expect(change.history.map(\.round) == [2, 2])
        #expect(change.history.last?.reviewer == Fixture.ana.sub && change.history.last?.actor == Fixture.system)
        let unassigned = try #require(change.events.last as? ReviewUnassigned)
        #expect(unassigned.reviewer == Fixture.ana.sub && unassigned.revision == 2)
        #expect(unassigned.reason.contains("FR"))
        // Her assessment of round 1 stands as it was.
        #expect(reviewCase.rounds[0] == round1)
        #expect(reviewCase.rounds[0].assessment(by: Fixture.ana.sub)?.reviewerCountry == "FR")

        try reviewCase.run { try $0.screen(Fixture.eligible(), rules: rules, by: Fixture.secretariat, at: Fixture.day(11)) }
        let screened = reviewCase
        // No longer assigned, she no longer sees the case.
        #expect(throws: ReviewError.notFound(Fixture.proposalId)) {
            try reviewCase.assess(Fixture.uniform(80), rules: rules, by: Fixture.ana.caller, at: Fixture.day(12))
        }
        #expect(throws: ReviewError.conflictOfInterest(country: "FR", involved: ["FR", "KZ", "UZ"], atAssessment: false)) {
            try reviewCase.assign(Fixture.ana.assignment(), by: Fixture.secretariat, at: Fixture.day(12))
        }
        #expect(reviewCase == screened)
    }

    @Test("A reviewer whose token names an involved country is refused at assessment and amendment", arguments: [ReviewAction.assess, .amend])
    func aReviewerWhoseTokenNamesAnInvolvedCountryIsRefusedWhenAssessing(action: ReviewAction) throws {
        var reviewCase = try Fixture.reviewCase(in: .technical)
        let before = reviewCase
        // Chen has not assessed yet, Ana has: each is assigned under a country the proposal does not involve.
        let expected = ReviewError.conflictOfInterest(country: "KG", involved: Fixture.involved, atAssessment: true)
        #expect(throws: expected) {
            if action == .assess {
                _ = try reviewCase.assess(Fixture.uniform(80), rules: rules, by: Fixture.chen.caller(claiming: "KG"), at: Fixture.day(2.5))
            } else {
                _ = try reviewCase.amend(Fixture.uniform(80), rules: rules, by: Fixture.ana.caller(claiming: "KG"), at: Fixture.day(2.5))
            }
        }
        #expect(reviewCase == before)
        // The same reviewers, claiming no or another country, may.
        let claiming = action == .assess ? Fixture.chen.caller(claiming: "IT") : Fixture.ana.caller(claiming: "FR")
        let change = try reviewCase.run { c in
            if action == .assess { return try c.assess(Fixture.uniform(80), rules: rules, by: claiming, at: Fixture.day(2.5)) }
            return try c.amend(Fixture.uniform(80), rules: rules, by: claiming, at: Fixture.day(2.5))
        }
        #expect(!change.isEmpty)
    }

    @Test("An assignment whose recorded country became involved is refused at assessment (defence in depth)")
    func anAssignmentWhoseCountryIsInvolvedIsRefusedAtAssessment() throws {
        var reviewCase = try Fixture.reviewCase(in: .technical)
        // Not reachable through the domain (a revision unassigns such reviewers), as if stored data said so.
        reviewCase.participatingCountries.append(Fixture.chen.country)
        let before = reviewCase
        #expect(throws: ReviewError.conflictOfInterest(country: "IT", involved: ["IT", "KG", "KZ", "UZ"], atAssessment: true)) {
            try reviewCase.assess(Fixture.uniform(80), rules: rules, by: Fixture.chen.caller, at: Fixture.day(2.5))
        }
        #expect(reviewCase == before)
    }

    @Test("An assessment without the no-conflict declaration is invalid, naming noConflictOfInterest")
    func anAssessmentWithoutTheDeclarationIsInvalid() throws {
        var reviewCase = try Fixture.reviewCase(in: .technical)
        let before = reviewCase
        let input = Fixture.marks(Fixture.brunoScores, declaresNoConflict: false)
        let error = try #require(throws: ReviewError.self) {
            try reviewCase.assess(input, rules: rules, by: Fixture.bruno.caller, at: Fixture.day(3))
        }
        #expect(Fixture.problems(error).map(\.field) == ["noConflictOfInterest"])
        #expect(Fixture.problems(error).first?.problem.hasPrefix("must be true") == true)
        let amendError = try #require(throws: ReviewError.self) {
            try reviewCase.amend(Fixture.marks(Fixture.anaScores, declaresNoConflict: false), rules: rules, by: Fixture.ana.caller, at: Fixture.day(3))
        }
        #expect(Fixture.problems(amendError).map(\.field) == ["noConflictOfInterest"])
        #expect(reviewCase == before)
    }

    @Test("Every problem of an assessment is named at once, in the rubric's order")
    func everyProblemOfAnAssessmentIsNamed() throws {
        var reviewCase = try Fixture.reviewCase(in: .technical)
        var input = Fixture.marks(Fixture.brunoScores, declaresNoConflict: false)
        input.marks["relevance"]?.score = 101
        input.marks["sustainability"] = nil
        input.marks["beauty"] = AssessmentInput.Mark(score: 90, comment: "not a criterion")
        let error = try #require(throws: ReviewError.self) {
            try reviewCase.assess(input, rules: rules, by: Fixture.bruno.caller, at: Fixture.day(3))
        }
        #expect(Fixture.problems(error).map(\.field) == [
            "scores.beauty", "scores.relevance.score", "scores.sustainability", "noConflictOfInterest",
        ])
    }

    // MARK: One per reviewer per round; amendable until the decision

    @Test("A reviewer assesses a round once: a second assessment is refused, in technical and at the decision", arguments: [ReviewStage.technical, .decision])
    func aReviewerAssessesARoundOnce(stage: ReviewStage) throws {
        var reviewCase = try Fixture.reviewCase(in: stage)
        let before = reviewCase
        #expect(throws: ReviewError.alreadyAssessed(reviewer: Fixture.ana.sub, round: 1)) {
            try reviewCase.assess(Fixture.uniform(10), rules: rules, by: Fixture.ana.caller, at: Fixture.day(3.5))
        }
        #expect(reviewCase == before)
        #expect(reviewCase.currentRound.assessments.filter { $0.reviewer == Fixture.ana.sub }.count == 1)
    }

    @Test("Amending needs an assessment to amend")
    func amendingNeedsAnAssessment() throws {
        var reviewCase = try Fixture.reviewCase(in: .technical)
        #expect(throws: ReviewError.nothingToAmend(reviewer: Fixture.chen.sub, round: 1)) {
            try reviewCase.amend(Fixture.uniform(80), rules: rules, by: Fixture.chen.caller, at: Fixture.day(2.5))
        }
    }

    @Test("An assessment is amendable in technical and at the decision, and no longer once decided")
    func anAssessmentIsAmendableUntilTheDecision() throws {
        var reviewCase = try Fixture.reviewCase(in: .technical)
        let first = try #require(reviewCase.currentRound.assessment(by: Fixture.ana.sub))
        #expect(first.weightedTotal == Score(hundredths: 7615))

        let amended = try reviewCase.run { try $0.amend(Fixture.uniform(60), rules: rules, by: Fixture.ana.caller, at: Fixture.day(2.5)) }
        let event = try #require(amended.events.first as? ReviewAssessed)
        #expect(event.amended && event.weightedTotal == "60.00" && !event.readyForDecision)
        #expect(amended.history.map(\.action) == [.assessmentAmended])
        let once = try #require(reviewCase.currentRound.assessment(by: Fixture.ana.sub))
        #expect(once.weightedTotal == Score(hundredths: 6000) && once.amendments == 1 && once.amendedAt == Fixture.day(2.5))
        #expect(once.submittedAt == first.submittedAt && once.noConflictDeclaredAt == Fixture.day(2.5))
        #expect(reviewCase.stage == .technical && reviewCase.currentRound.assessments.count == 1)

        try reviewCase.run { try $0.assess(Fixture.uniform(70), rules: rules, by: Fixture.bruno.caller, at: Fixture.day(3)) }
        #expect(reviewCase.stage == .decision)
        try reviewCase.run { try $0.amend(Fixture.uniform(90), rules: rules, by: Fixture.ana.caller, at: Fixture.day(3.5)) }
        #expect(reviewCase.currentRound.assessment(by: Fixture.ana.sub)?.amendments == 2)
        #expect(reviewCase.currentRound.scores.weightedScore == Score(hundredths: 8000))
        #expect(reviewCase.stage == .decision)

        try reviewCase.run { try $0.decide(Fixture.approval(Fixture.requested), rules: rules, by: Fixture.admin, at: Fixture.day(4)) }
        let decided = reviewCase
        #expect(throws: ReviewError.invalidState(.approved, .amend)) {
            try reviewCase.amend(Fixture.uniform(10), rules: rules, by: Fixture.ana.caller, at: Fixture.day(5))
        }
        #expect(reviewCase == decided)
    }

    @Test("The assessment that completes the required number sends the round to the decision, and says so")
    func theAssessmentThatCompletesTheRoundSendsItToTheDecision() throws {
        var reviewCase = try Fixture.reviewCase(in: .technical)
        let change = try reviewCase.run { try $0.assess(Fixture.uniform(70), rules: rules, by: Fixture.bruno.caller, at: Fixture.day(3)) }
        let event = try #require(change.events.first as? ReviewAssessed)
        #expect(event.readyForDecision && event.assessments == 2 && event.required == 2 && !event.amended)
        #expect(reviewCase.stage == .decision && reviewCase.stageEnteredAt == Fixture.day(3))
        #expect(reviewCase.dueAt == Fixture.day(3 + 21))
        // A third, at the decision, is taken and changes nothing of the stage.
        let third = try reviewCase.run { try $0.assess(Fixture.uniform(90), rules: rules, by: Fixture.chen.caller, at: Fixture.day(3.5)) }
        #expect((third.events.first as? ReviewAssessed)?.readyForDecision == false)
        #expect(reviewCase.stage == .decision && reviewCase.stageEnteredAt == Fixture.day(3))
        #expect(reviewCase.currentRound.assessments.count == 3)
    }

    @Test("A reviewer whose assessment stands stays on the round; one who has not assessed can be taken off")
    func aReviewerWhoseAssessmentStandsStays() throws {
        var reviewCase = try Fixture.reviewCase(in: .technical)
        #expect(throws: ReviewError.assessmentStands(reviewer: Fixture.ana.sub, round: 1)) {
            try reviewCase.unassign(Fixture.ana.sub, by: Fixture.secretariat, at: Fixture.day(2.5))
        }
        #expect(throws: ReviewError.notAssigned(Fixture.dana.sub)) {
            try reviewCase.unassign(Fixture.dana.sub, by: Fixture.secretariat, at: Fixture.day(2.5))
        }
        let change = try reviewCase.run { try $0.unassign(Fixture.chen.sub, by: Fixture.secretariat, at: Fixture.day(2.5)) }
        #expect((change.events.first as? ReviewUnassigned)?.reviewer == Fixture.chen.sub)
        #expect(reviewCase.assignments.map(\.reviewer) == [Fixture.ana.sub, Fixture.bruno.sub])
    }

    // MARK: Rounds

    @Test("Two rounds keep their own assessments and scores; round 1 is unchanged by round 2")
    func twoRoundsKeepTheirOwnAssessmentsAndScores() throws {
        var reviewCase = try Fixture.reviewCase(in: .revisionRequested)
        let round1 = reviewCase.rounds[0]
        // Round 1: Ana 7615 and Bruno 7000: mean 14615 / 2 = 7307.5, half to even 7308; plain 7420 and 7000: 7210.
        #expect(round1.scores.weightedScore == Score(hundredths: 7308))
        #expect(round1.scores.averageScore == Score(hundredths: 7210))
        #expect(round1.scores.weightedSum == 14615)
        #expect(round1.decision?.outcome == .revisionRequested && round1.endedAt == Fixture.day(4))

        try reviewCase.run {
            try $0.resubmit(Fixture.submitted(revision: 2), rules: rules, by: Fixture.focalPoint.actor, system: Fixture.system, at: Fixture.day(10))
        }
        #expect(reviewCase.rounds.map(\.number) == [1, 2])
        #expect(reviewCase.rounds.map(\.revision) == [1, 2])
        #expect(reviewCase.revision == 2 && reviewCase.stage == .screening)
        #expect(reviewCase.currentRound.assessments.isEmpty && reviewCase.currentRound.screening == nil)
        #expect(reviewCase.currentRound.openedAt == Fixture.day(10) && reviewCase.currentRound.endedAt == nil)
        // The same reviewers stay assigned (no conflict) and assess round 2 afresh, differently.
        try reviewCase.run { try $0.screen(Fixture.eligible(), rules: rules, by: Fixture.secretariat, at: Fixture.day(11)) }
        try reviewCase.run { try $0.assess(Fixture.uniform(90), rules: rules, by: Fixture.ana.caller, at: Fixture.day(12)) }
        try reviewCase.run { try $0.assess(Fixture.uniform(60), rules: rules, by: Fixture.bruno.caller, at: Fixture.day(13)) }
        try reviewCase.run { try $0.amend(Fixture.uniform(95), rules: rules, by: Fixture.ana.caller, at: Fixture.day(14)) }
        #expect(reviewCase.stage == .decision)
        #expect(reviewCase.rounds[0] == round1)
        // Round 2: 9500 and 6000: mean 7750.
        #expect(reviewCase.rounds[1].scores.weightedScore == Score(hundredths: 7750))
        #expect(reviewCase.rounds[0].scores.weightedScore == Score(hundredths: 7308))

        let approval = try reviewCase.run {
            try $0.decide(Fixture.approval(Fixture.requested), rules: rules, by: Fixture.admin, at: Fixture.day(15))
        }
        let approved = try #require(approval.events.first as? ProposalApproved)
        #expect(approved.round == 2 && approved.revision == 2 && approved.weightedScore == "77.50")
        #expect(reviewCase.rounds[0] == round1)
        #expect(reviewCase.rounds.map { $0.decision?.outcome } == [.revisionRequested, .approved])
        // The history says which round each step belongs to.
        #expect(reviewCase.history.filter { $0.action == .assessed }.map(\.round) == [1, 1, 2, 2])
        #expect(reviewCase.history.filter { $0.action == .assessmentAmended }.map(\.round) == [2])
    }
}
