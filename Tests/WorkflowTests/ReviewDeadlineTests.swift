import Events
import Foundation
import Testing

@testable import Workflow

/// `review.overdue`: once per round and stage, not before the stage is due, again in the next stage.
@Suite("Deadlines: one overdue reminder per round and stage, from the moment the stage is due")
struct ReviewDeadlineTests {
    let rules = Fixture.rules

    /// Reminds at `time`; the event raised, if any (the change's history kept, as the store does).
    func remind(_ reviewCase: inout ReviewCase, at time: Date) -> ReviewOverdue? {
        let change = reviewCase.run { $0.remind(rules: rules, by: Fixture.system, at: time) }
        #expect(change.events.count == change.history.count)
        #expect(change.events.count <= 1)
        return change.events.first as? ReviewOverdue
    }

    /// Reminds at `time`, expecting nothing raised and the case unchanged.
    func expectNoReminder(_ reviewCase: inout ReviewCase, at time: Date, sourceLocation: SourceLocation = #_sourceLocation) {
        let before = reviewCase
        let raised = remind(&reviewCase, at: time)
        #expect(raised == nil, "reminded at \(time)", sourceLocation: sourceLocation)
        #expect(reviewCase == before, sourceLocation: sourceLocation)
    }

    /// Reminds at `time`, expecting one reminder raised.
    func expectReminder(_ reviewCase: inout ReviewCase, at time: Date, sourceLocation: SourceLocation = #_sourceLocation) throws -> ReviewOverdue {
        let raised = remind(&reviewCase, at: time)
        return try #require(raised, "no reminder at \(time)", sourceLocation: sourceLocation)
    }

    @Test("Each stage is due its days after it began; stages that wait for nobody are not due")
    func eachStageIsDueItsDays() throws {
        #expect(try Fixture.reviewCase(in: .screening).dueAt == Fixture.day(14))
        #expect(try Fixture.reviewCase(in: .technical).dueAt == Fixture.day(1 + 30))
        #expect(try Fixture.reviewCase(in: .decision).dueAt == Fixture.day(3 + 21))
        for stage in [ReviewStage.approved, .rejected, .revisionRequested, .closed] {
            #expect(try Fixture.reviewCase(in: stage).dueAt == nil, "\(stage.rawValue)")
        }
    }

    @Test("Screening: nothing before it is due, one reminder when it is, none after")
    func screeningIsRemindedOnce() throws {
        var reviewCase = Fixture.opened()
        #expect(reviewCase.dueAt == Fixture.day(14))
        let before = reviewCase
        expectNoReminder(&reviewCase, at: Fixture.day(14).addingTimeInterval(-1))
        #expect(reviewCase == before)

        let overdue = try expectReminder(&reviewCase, at: Fixture.day(14))
        #expect(overdue.stage == "screening" && overdue.round == 1 && overdue.revision == 1)
        #expect(overdue.dueAt == Fixture.day(14) && overdue.daysAllowed == 14)
        #expect(overdue.waitingFor == ["secretariat"])
        #expect(overdue.proposalId == Fixture.proposalId && overdue.caseId == Fixture.caseId && overdue.region == "CA")
        #expect(reviewCase.reminders == [ReviewCase.Reminder(round: 1, stage: .screening, at: Fixture.day(14))])
        #expect(reviewCase.history.last?.action == .overdue && reviewCase.history.last?.actor == Fixture.system)

        let reminded = reviewCase
        expectNoReminder(&reviewCase, at: Fixture.day(15))
        expectNoReminder(&reviewCase, at: Fixture.day(100))
        #expect(reviewCase == reminded)
    }

    @Test("After the case moves on, the next stage is reminded once it is due there, naming whom it waits for")
    func theNextStageIsRemindedWhenDue() throws {
        var reviewCase = Fixture.opened()
        for reviewer in [Fixture.ana, Fixture.bruno, Fixture.chen] {
            try reviewCase.run { try $0.assign(reviewer.assignment(), by: Fixture.secretariat, at: Fixture.day(1)) }
        }
        _ = try expectReminder(&reviewCase, at: Fixture.day(14))
        // Screened late, on day 20: technical is due on day 50.
        try reviewCase.run { try $0.screen(Fixture.eligible(), rules: rules, by: Fixture.secretariat, at: Fixture.day(20)) }
        try reviewCase.run { try $0.assess(Fixture.uniform(70), rules: rules, by: Fixture.bruno.caller, at: Fixture.day(21)) }
        #expect(reviewCase.dueAt == Fixture.day(50))
        expectNoReminder(&reviewCase, at: Fixture.day(49))
        let technical = try expectReminder(&reviewCase, at: Fixture.day(50))
        #expect(technical.stage == "technical" && technical.daysAllowed == 30)
        #expect(technical.waitingFor == [Fixture.ana.sub, Fixture.chen.sub])  // assigned, not yet assessed
        expectNoReminder(&reviewCase, at: Fixture.day(51))

        // Ana's assessment sends the round to the decision on day 52: due on day 73.
        try reviewCase.run { try $0.assess(Fixture.uniform(80), rules: rules, by: Fixture.ana.caller, at: Fixture.day(52)) }
        #expect(reviewCase.stage == .decision && reviewCase.dueAt == Fixture.day(73))
        expectNoReminder(&reviewCase, at: Fixture.day(72))
        let decision = try expectReminder(&reviewCase, at: Fixture.day(80))
        #expect(decision.stage == "decision" && decision.waitingFor == ["admin"] && decision.dueAt == Fixture.day(73))
        expectNoReminder(&reviewCase, at: Fixture.day(90))
        #expect(reviewCase.reminders.map { "\($0.round) \($0.stage.rawValue)" } == ["1 screening", "1 technical", "1 decision"])
    }

    @Test("A new round is reminded again in a stage already reminded in the round before")
    func aNewRoundIsRemindedAgain() throws {
        var reviewCase = Fixture.opened()
        _ = try expectReminder(&reviewCase, at: Fixture.day(14))
        for reviewer in [Fixture.ana, Fixture.bruno] {
            try reviewCase.run { try $0.assign(reviewer.assignment(), by: Fixture.secretariat, at: Fixture.day(15)) }
        }
        try reviewCase.run { try $0.screen(Fixture.eligible(), rules: rules, by: Fixture.secretariat, at: Fixture.day(15)) }
        try reviewCase.run { try $0.assess(Fixture.uniform(70), rules: rules, by: Fixture.ana.caller, at: Fixture.day(16)) }
        try reviewCase.run { try $0.assess(Fixture.uniform(70), rules: rules, by: Fixture.bruno.caller, at: Fixture.day(17)) }
        try reviewCase.run { try $0.decide(Fixture.revisionRequest(), rules: rules, by: Fixture.admin, at: Fixture.day(18)) }
        // Waiting for the focal point's revision: nobody to remind.
        let waiting = reviewCase
        expectNoReminder(&reviewCase, at: Fixture.day(300))
        #expect(reviewCase == waiting)

        try reviewCase.run {
            try $0.resubmit(Fixture.submitted(revision: 2), rules: rules, by: Fixture.focalPoint.actor, system: Fixture.system, at: Fixture.day(40))
        }
        #expect(reviewCase.dueAt == Fixture.day(54))
        expectNoReminder(&reviewCase, at: Fixture.day(53))
        let again = try expectReminder(&reviewCase, at: Fixture.day(54))
        #expect(again.stage == "screening" && again.round == 2 && again.revision == 2)
        expectNoReminder(&reviewCase, at: Fixture.day(60))
        #expect(reviewCase.reminders.map(\.round) == [1, 2])
    }

    @Test("A closed or decided case is never reminded", arguments: [ReviewStage.approved, .rejected, .closed])
    func aFinishedCaseIsNeverReminded(stage: ReviewStage) throws {
        var reviewCase = try Fixture.reviewCase(in: stage)
        let before = reviewCase
        expectNoReminder(&reviewCase, at: Fixture.day(1_000))
        #expect(reviewCase == before)
    }
}
