import Events
import Foundation
import Testing

@testable import Workflow

/// Independent assessment: a reviewer sees no other assessment of a round before their own is
/// in, then sees the others without names; the focal point sees neither assessments nor reviewers.
@Suite("Review access: assessments stay independent and reviewers anonymous")
struct ReviewAccessTests {
    let rules = Fixture.rules
    /// What must never reach someone who may not know Bruno reviews the proposal.
    let bruno = ["bruno", "weber", Fixture.bruno.sub]

    /// Screened, with Bruno's assessment in first (1 of 2: still technical).
    func brunoAssessedFirst() throws -> ReviewCase {
        var reviewCase = try Fixture.screenedCase()
        try reviewCase.run { try $0.assess(Fixture.uniform(70), rules: rules, by: Fixture.bruno.caller, at: Fixture.day(2)) }
        return reviewCase
    }

    func mentions(_ text: String, _ words: [String]) -> [String] {
        let lowered = text.lowercased()
        return words.filter { lowered.contains($0.lowercased()) }
    }

    @Test("Before her own is in, a reviewer sees no other assessment of the round, nor its history step")
    func beforeHerOwnAReviewerSeesNoOtherAssessment() throws {
        let reviewCase = try brunoAssessedFirst()
        #expect(reviewCase.stage == .technical && reviewCase.currentRound.assessments.count == 1)
        let access = ReviewAccess(caller: Fixture.ana.caller)
        #expect(access.canRead(reviewCase))
        let view = access.visible(reviewCase)
        #expect(view.currentRound.assessments.isEmpty)
        #expect(view.assignments.map(\.reviewer) == [Fixture.ana.sub])
        let history = access.visibleHistory(of: reviewCase)
        #expect(view.history == history)
        #expect(!history.contains { $0.action == .assessed })
        #expect(reviewCase.history.contains { $0.action == .assessed })  // it is there, only hidden
        #expect(history.allSatisfy { $0.reviewer == nil || $0.reviewer == Fixture.ana.sub })
        #expect(mentions(try view.lowercasedJSON(), bruno).isEmpty)
        // Her own assignment step stays whole; the others' lose their names.
        #expect(history.filter { $0.action == .reviewerAssigned }.map(\.detail) == [
            "Ana Almeida (reviewer.ana, FR) assigned", "a reviewer was assigned", "a reviewer was assigned",
        ])
    }

    @Test("Once her own is in, a reviewer sees the others' assessments masked: no subject, name or country")
    func onceHerOwnIsInAReviewerSeesTheOthersMasked() throws {
        var reviewCase = try brunoAssessedFirst()
        try reviewCase.run { try $0.assess(Fixture.marks(Fixture.anaScores), rules: rules, by: Fixture.ana.caller, at: Fixture.day(3)) }
        #expect(reviewCase.stage == .decision)
        let access = ReviewAccess(caller: Fixture.ana.caller)
        let view = access.visible(reviewCase)
        let assessments = view.currentRound.assessments
        #expect(assessments.count == 2)
        let own = try #require(assessments.first { $0.reviewer == Fixture.ana.sub })
        #expect(own == reviewCase.currentRound.assessment(by: Fixture.ana.sub))
        let other = try #require(assessments.first { $0.reviewer != Fixture.ana.sub })
        #expect(other.reviewer == "reviewer-2" && other.reviewerName == "Reviewer 2" && other.reviewerCountry == "--")
        // What Bruno wrote is there, only not who he is.
        #expect(other.scores == reviewCase.currentRound.assessment(by: Fixture.bruno.sub)?.scores)
        #expect(other.weightedTotal == Score(hundredths: 7000))
        #expect(mentions(try view.lowercasedJSON(), bruno).isEmpty)
        #expect(view.assignments.map(\.reviewer) == [Fixture.ana.sub])

        let history = access.visibleHistory(of: reviewCase)
        let assessed = history.filter { $0.action == .assessed }
        #expect(assessed.count == 2)
        let masked = try #require(assessed.first)
        #expect(masked.detail == "another reviewer assessed round 1" && masked.reviewer == nil)
        #expect(masked.actor == EventActor(sub: "reviewer", role: "reviewer"))
        #expect(assessed.last?.reviewer == Fixture.ana.sub)
        #expect(history.allSatisfy { mentions("\($0.detail) \($0.actor.sub) \($0.reviewer ?? "")", bruno).isEmpty })
    }

    @Test("Bruno, in turn, sees Ana's assessment masked")
    func theOtherReviewerSeesHerMasked() throws {
        var reviewCase = try brunoAssessedFirst()
        try reviewCase.run { try $0.assess(Fixture.marks(Fixture.anaScores), rules: rules, by: Fixture.ana.caller, at: Fixture.day(3)) }
        let view = ReviewAccess(caller: Fixture.bruno.caller).visible(reviewCase)
        #expect(view.currentRound.assessments.map(\.reviewer) == [Fixture.bruno.sub, "reviewer-2"])
        #expect(mentions(try view.lowercasedJSON(), ["almeida", Fixture.ana.sub]).isEmpty)
    }

    @Test("Seeing others is per round: having assessed round 1 does not show round 2's other assessments")
    func seeingOthersIsPerRound() throws {
        var reviewCase = try Fixture.reviewCase(in: .revisionRequested)
        try reviewCase.run {
            try $0.resubmit(Fixture.submitted(revision: 2), rules: rules, by: Fixture.focalPoint.actor, system: Fixture.system, at: Fixture.day(10))
        }
        try reviewCase.run { try $0.screen(Fixture.eligible(), rules: rules, by: Fixture.secretariat, at: Fixture.day(11)) }
        try reviewCase.run { try $0.assess(Fixture.uniform(60), rules: rules, by: Fixture.bruno.caller, at: Fixture.day(12)) }
        let access = ReviewAccess(caller: Fixture.ana.caller)
        let view = access.visible(reviewCase)
        #expect(view.rounds[0].assessments.count == 2)
        #expect(view.rounds[1].assessments.isEmpty)
        let assessed = access.visibleHistory(of: reviewCase).filter { $0.action == .assessed }
        #expect(assessed.map(\.round) == [1, 1])
        #expect(mentions(try view.lowercasedJSON(), bruno).isEmpty)
    }

    @Test("The focal point sees no assessment and no reviewer, in the case or its history")
    func theFocalPointSeesNoAssessmentNorReviewer() throws {
        var reviewCase = try Fixture.reviewCase(in: .decision)
        try reviewCase.run { try $0.decide(Fixture.revisionRequest(), rules: rules, by: Fixture.admin, at: Fixture.day(4)) }
        let access = ReviewAccess(caller: Fixture.focalPoint)
        #expect(access.canRead(reviewCase))
        let view = access.visible(reviewCase)
        #expect(view.assignments.isEmpty)
        #expect(view.rounds.allSatisfy { $0.assessments.isEmpty })
        // The screening and the decision are theirs to see.
        #expect(view.currentRound.screening == reviewCase.currentRound.screening)
        #expect(view.currentRound.decision == reviewCase.currentRound.decision)
        let history = access.visibleHistory(of: reviewCase)
        #expect(!history.contains { $0.action == .assessed || $0.action == .assessmentAmended })
        #expect(history.allSatisfy { $0.reviewer == nil && $0.actor.role != "reviewer" })
        #expect(history.map(\.action) == [.opened, .reviewerAssigned, .reviewerAssigned, .reviewerAssigned, .screened, .revisionRequested])
        let names = ["almeida", "bruno", "weber", "liang", Fixture.ana.sub, Fixture.bruno.sub, Fixture.chen.sub]
        #expect(mentions(try view.lowercasedJSON(), names).isEmpty)
    }

    @Test("The secretariat, finance and the programme manager see the case whole", arguments: [Fixture.secretariat, Fixture.finance, Fixture.admin])
    func staffSeeTheCaseWhole(caller: Caller) throws {
        let reviewCase = try brunoAssessedFirst()
        let access = ReviewAccess(caller: caller)
        #expect(access.canRead(reviewCase))
        #expect(access.visible(reviewCase) == reviewCase)
        #expect(access.visibleHistory(of: reviewCase) == reviewCase.history)
    }

    @Test("Who can't see the case at all: another region's secretariat, another country's focal point, an unassigned reviewer",
          arguments: [Fixture.otherSecretariat, Fixture.otherFocalPoint, Fixture.dana.caller])
    func outsidersDoNotSeeTheCase(caller: Caller) throws {
        let reviewCase = try brunoAssessedFirst()
        let access = ReviewAccess(caller: caller)
        #expect(!access.canRead(reviewCase))
        #expect(access.allowedActions(on: reviewCase).isEmpty)
    }

    @Test("What each caller may do now follows the stage and their role")
    func allowedActionsFollowTheStageAndTheRole() throws {
        let reviewCase = try brunoAssessedFirst()  // technical; Bruno assessed, Ana and Chen not
        #expect(ReviewAccess(caller: Fixture.secretariat).allowedActions(on: reviewCase) == [.assign, .unassign])
        #expect(ReviewAccess(caller: Fixture.ana.caller).allowedActions(on: reviewCase) == [.assess])
        #expect(ReviewAccess(caller: Fixture.bruno.caller).allowedActions(on: reviewCase) == [.amend])
        #expect(ReviewAccess(caller: Fixture.admin).allowedActions(on: reviewCase).isEmpty)
        #expect(ReviewAccess(caller: Fixture.focalPoint).allowedActions(on: reviewCase).isEmpty)
        let decision = try Fixture.reviewCase(in: .decision)
        #expect(ReviewAccess(caller: Fixture.admin).allowedActions(on: decision) == [.approve, .reject, .requestRevision])
    }

    @Test("History written before steps named their reviewer (migration 0004) is masked by its action all the same")
    func historyFromBeforeTheReviewerColumnIsMasked() throws {
        var reviewCase = try Fixture.screenedCase()
        // As migration 0004 left them: the detail names the reviewer, the reviewer column is empty.
        for action in [ReviewHistoryAction.reviewerAssigned, .reviewerUnassigned] {
            reviewCase.history.append(.init(
                at: Fixture.day(1), actor: Fixture.secretariat.actor, action: action, detail: "Bruno Weber (reviewer.bruno, DE) \(action.rawValue)",
                round: 1, reviewer: nil))
        }
        for caller in [Fixture.focalPoint, Fixture.ana.caller] {
            let history = ReviewAccess(caller: caller).visibleHistory(of: reviewCase)
            #expect(mentions(history.map(\.detail).joined(separator: " "), bruno).isEmpty, "\(caller.role)")
            #expect(history.filter { $0.action == .reviewerAssigned || $0.action == .reviewerUnassigned }.count >= 2)
        }
        // Those who see everything still read it.
        let whole = ReviewAccess(caller: Fixture.secretariat).visibleHistory(of: reviewCase)
        #expect(whole.contains { $0.detail.contains("Bruno Weber") })
    }
}
