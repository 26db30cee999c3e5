import Events
import Foundation
import Testing

@testable import Workflow

/// The programme manager's decision: only with enough assessments; an approval within the
/// requested budget, with a payment schedule whose rules are each named; amounts to the cent.
@Suite("Decisions: enough assessments, a budget within the request, a valid schedule, exact tranches")
struct DecisionRulesTests {
    let rules = Fixture.rules

    /// The problems the decision `input` meets at the decision stage; the case unchanged.
    func refusal(of input: DecisionInput) throws -> [FieldProblem] {
        var reviewCase = try Fixture.reviewCase(in: .decision)
        let before = reviewCase
        let error = try #require(throws: ReviewError.self) {
            try reviewCase.decide(input, rules: rules, by: Fixture.admin, at: Fixture.day(4))
        }
        #expect(reviewCase == before)
        let problems = Fixture.problems(error)
        #expect(!problems.isEmpty, "expected .invalid, got \(error)")
        return problems
    }

    // MARK: Enough assessments

    @Test("No decision during the technical assessment: it names the assessments submitted and required", arguments: Decision.Outcome.allCases)
    func noDecisionBeforeEnoughAssessments(outcome: Decision.Outcome) throws {
        var reviewCase = try Fixture.reviewCase(in: .technical)
        let before = reviewCase
        #expect(throws: ReviewError.notEnoughAssessments(submitted: 1, required: 2)) {
            try reviewCase.decide(Fixture.decision(outcome), rules: rules, by: Fixture.admin, at: Fixture.day(4))
        }
        #expect(reviewCase == before)
    }

    @Test("At the decision stage, rules asking for more assessments than the round has refuse the decision")
    func strictRulesRefuseTheDecision() throws {
        var reviewCase = try Fixture.reviewCase(in: .decision)
        var strict = rules
        strict.minimumAssessments = 3
        #expect(throws: ReviewError.notEnoughAssessments(submitted: 2, required: 3, stage: .decision)) {
            try reviewCase.decide(Fixture.approval(Fixture.requested), rules: strict, by: Fixture.admin, at: Fixture.day(4))
        }
    }

    @Test("Only the programme manager decides", arguments: [Fixture.secretariat, Fixture.finance, Fixture.ana.caller])
    func onlyTheProgrammeManagerDecides(caller: Caller) throws {
        var reviewCase = try Fixture.reviewCase(in: .decision)
        #expect(throws: ReviewError.forbidden("Only the programme manager (an admin) decides on a proposal.")) {
            try reviewCase.decide(Fixture.approval(Fixture.requested), rules: rules, by: caller, at: Fixture.day(4))
        }
    }

    // MARK: The approved budget

    @Test("An approved budget above the request is refused, naming the amount over", arguments: [
        (Money(cents: 125_000_001), "1250000.01 is 0.01 over the 1250000.00 requested"),
        (Money(cents: 130_000_000), "1300000.00 is 50000.00 over the 1250000.00 requested"),
    ])
    func anApprovedBudgetAboveTheRequestIsRefused(budget: Money, naming: String) throws {
        #expect(try refusal(of: Fixture.approval(budget)) == [FieldProblem(field: "approvedBudget", problem: "must not exceed the requested budget: \(naming)")])
    }

    @Test("An approval needs a positive budget")
    func anApprovalNeedsAPositiveBudget() throws {
        #expect(try refusal(of: Fixture.approval(nil)).map(\.field) == ["approvedBudget"])
        #expect(try refusal(of: Fixture.approval(Money.zero)) == [FieldProblem(field: "approvedBudget", problem: "must be positive")])
    }

    // MARK: The payment schedule

    @Test("A schedule not summing to 100 is refused, naming its sum")
    func aScheduleNotSummingTo100IsRefused() throws {
        #expect(try refusal(of: Fixture.approval(Fixture.requested, [(.preFinancing, 30), (.interim, 30), (.final, 30)])) == [
            FieldProblem(field: "paymentSchedule", problem: "percentages must sum to 100; they sum to 90")
        ])
        #expect(try refusal(of: Fixture.approval(Fixture.requested, [(.interim, 60), (.final, 60)])) == [
            FieldProblem(field: "paymentSchedule", problem: "percentages must sum to 100; they sum to 120")
        ])
    }

    @Test("Pre-financing over the cap is refused, naming the cap and the share")
    func preFinancingOverTheCapIsRefused() throws {
        #expect(try refusal(of: Fixture.approval(Fixture.requested, [(.preFinancing, 41), (.final, 59)])) == [
            FieldProblem(field: "paymentSchedule.0.percent", problem: "pre-financing may be at most 40% of the approved budget; it is 41%")
        ])
        // At the cap is fine.
        var reviewCase = try Fixture.reviewCase(in: .decision)
        try reviewCase.run { try $0.decide(Fixture.approval(Fixture.requested, [(.preFinancing, 40), (.final, 60)]), rules: rules, by: Fixture.admin, at: Fixture.day(4)) }
        #expect(reviewCase.stage == .approved)
    }

    @Test("Pre-financing comes first and final last: each misplaced tranche is named with its rule", arguments: [
        ([(PaymentTranche.Kind.interim, 30), (.preFinancing, 30), (.final, 40)],
         ["paymentSchedule.1.tranche: pre_financing comes first, and only once"]),
        ([(PaymentTranche.Kind.preFinancing, 20), (.preFinancing, 20), (.final, 60)],
         ["paymentSchedule.1.tranche: pre_financing comes first, and only once"]),
        ([(PaymentTranche.Kind.final, 50), (.final, 50)],
         ["paymentSchedule.0.tranche: final comes last, and only once"]),
        ([(PaymentTranche.Kind.final, 40), (.interim, 60)],
         ["paymentSchedule.0.tranche: final comes last, and only once", "paymentSchedule: must end with the final tranche"]),
        ([(PaymentTranche.Kind.preFinancing, 30), (.interim, 70)],
         ["paymentSchedule: must end with the final tranche"]),
        ([(PaymentTranche.Kind.interim, 0), (.final, 100)],
         ["paymentSchedule.0.percent: must be a whole percent from 1 to 100"]),
    ])
    func theScheduleOrderRulesAreEachNamed(schedule: [(PaymentTranche.Kind, Int)], named: [String]) throws {
        let problems = try refusal(of: Fixture.approval(Fixture.requested, schedule))
        #expect(problems.map { "\($0.field): \($0.problem)" } == named)
    }

    @Test("An approval without a schedule, or a reject or revision request with money or without reasons, is refused")
    func whatEachOutcomeTakes() throws {
        #expect(try refusal(of: Fixture.approval(Fixture.requested, [])).map(\.field) == ["paymentSchedule"])
        var reject = Fixture.rejection([])
        reject.approvedBudget = Fixture.requested
        reject.schedule = [DecisionInput.Share(tranche: .final, percent: 100)]
        #expect(try refusal(of: reject).map(\.field) == ["reasons", "approvedBudget", "paymentSchedule"])
        #expect(try refusal(of: Fixture.revisionRequest([])).map(\.field) == ["reasons"])
    }

    @Test("Every problem of an approval is named at once")
    func everyProblemOfAnApprovalIsNamed() throws {
        let input = Fixture.approval(Money(cents: 125_000_001), [(.preFinancing, 50), (.interim, 30)])
        #expect(try refusal(of: input).map(\.field) == [
            "approvedBudget", "paymentSchedule", "paymentSchedule", "paymentSchedule.0.percent",
        ])
    }

    // MARK: Tranche amounts

    @Test("Tranche amounts: each share rounded down to the cent, the final one takes the rest, and they add up to the budget", arguments: [
        ("1000000.01", [(PaymentTranche.Kind.preFinancing, 30), (.interim, 30), (.final, 40)], ["300000.00", "300000.00", "400000.01"]),
        ("1000000.99", [(PaymentTranche.Kind.interim, 50), (.final, 50)], ["500000.49", "500000.50"]),
        ("0.99", [(PaymentTranche.Kind.preFinancing, 33), (.interim, 33), (.final, 34)], ["0.32", "0.32", "0.35"]),
        ("1250000.00", [(PaymentTranche.Kind.final, 100)], ["1250000.00"]),
        ("999999.97", [(PaymentTranche.Kind.preFinancing, 10), (.interim, 20), (.interim, 33), (.final, 37)],
         ["99999.99", "199999.99", "329999.99", "370000.00"]),
    ])
    func trancheAmountsAddUpToTheBudget(budget: String, schedule: [(PaymentTranche.Kind, Int)], amounts: [String]) throws {
        let budget = try #require(Money(budget))
        let tranches = try #require(try ReviewCase.schedule(Fixture.approval(budget, schedule), requested: Fixture.requested, rules: rules))
        #expect(tranches.map(\.amount.description) == amounts)
        #expect(tranches.map(\.percent) == schedule.map(\.1))
        #expect(tranches.map(\.tranche) == schedule.map(\.0))
        #expect(try Money.sum(tranches.map(\.amount)) == budget)
    }

    @Test("An approval records the decision, ends the round and tells funding the schedule with its amounts")
    func anApprovalRecordsTheScheduleWithAmounts() throws {
        var reviewCase = try Fixture.reviewCase(in: .decision)
        let budget = try #require(Money("1000000.01"))
        let change = try reviewCase.run { try $0.decide(Fixture.approval(budget), rules: rules, by: Fixture.admin, at: Fixture.day(4)) }
        let expected = [
            PaymentTranche(tranche: .preFinancing, percent: 30, amount: Money(cents: 30_000_000)),
            PaymentTranche(tranche: .interim, percent: 30, amount: Money(cents: 30_000_000)),
            PaymentTranche(tranche: .final, percent: 40, amount: Money(cents: 40_000_001)),
        ]
        let decision = try #require(reviewCase.currentRound.decision)
        #expect(decision.outcome == .approved && decision.approvedBudget == budget && decision.paymentSchedule == expected)
        #expect(decision.decidedBy == Fixture.admin.actor && decision.decidedAt == Fixture.day(4))
        #expect(reviewCase.currentRound.endedAt == Fixture.day(4) && reviewCase.stage == .approved && reviewCase.dueAt == nil)
        let event = try #require(change.events.first as? ProposalApproved)
        #expect(event.approvedBudget == budget && event.paymentSchedule == expected)
        // Ana 7615 and Bruno 7000: 7307.5, half to even 7308.
        #expect(event.weightedScore == "73.08")
        #expect(event.decision == DecisionRecord(decidedAt: Fixture.day(4), decidedBy: Fixture.admin.actor))
        #expect(change.history.map(\.action) == [.approved])
    }

    @Test("Rejection and revision request end the round with their reasons and no money", arguments: [Decision.Outcome.rejected, .revisionRequested])
    func rejectionAndRevisionRequestTakeReasons(outcome: Decision.Outcome) throws {
        var reviewCase = try Fixture.reviewCase(in: .decision)
        let change = try reviewCase.run { try $0.decide(Fixture.decision(outcome), rules: rules, by: Fixture.admin, at: Fixture.day(4)) }
        let decision = try #require(reviewCase.currentRound.decision)
        #expect(decision.outcome == outcome && !decision.reasons.isEmpty)
        #expect(decision.approvedBudget == nil && decision.paymentSchedule == nil)
        #expect(reviewCase.currentRound.endedAt == Fixture.day(4))
        if outcome == .rejected {
            #expect((change.events.first as? ProposalRejected)?.stage == "decision")
        } else {
            #expect((change.events.first as? ProposalRevisionRequested)?.reasons == decision.reasons)
        }
    }

    @Test("An ineligible screening rejects the proposal at screening, without a decision")
    func anIneligibleScreeningRejects() throws {
        var reviewCase = try Fixture.reviewCase(in: .screening)
        let change = try reviewCase.run { try $0.screen(Fixture.ineligible(), rules: rules, by: Fixture.secretariat, at: Fixture.day(1)) }
        #expect(reviewCase.stage == .rejected && reviewCase.currentRound.decision == nil)
        #expect(reviewCase.currentRound.screening?.outcome == .ineligible && reviewCase.currentRound.endedAt == Fixture.day(1))
        #expect(change.history.map(\.action) == [.screened, .rejected])
        #expect((change.events.last as? ProposalRejected)?.stage == "screening")
    }

    @Test("An eligible screening needs every item answered and met")
    func anEligibleScreeningNeedsEveryItemMet() throws {
        var reviewCase = try Fixture.reviewCase(in: .screening)
        var input = Fixture.eligible()
        input.answers["cross_border"] = .init(met: false, note: "no other partner")
        input.answers["complete"] = nil
        input.answers["glamour"] = .init(met: true, note: nil)
        let error = try #require(throws: ReviewError.self) {
            try reviewCase.screen(input, rules: rules, by: Fixture.secretariat, at: Fixture.day(1))
        }
        #expect(Fixture.problems(error).map(\.field) == ["answers.glamour", "answers.complete", "answers.cross_border"])
        var ineligible = Fixture.ineligible()
        ineligible.reasons = []
        let reasonless = try #require(throws: ReviewError.self) {
            try reviewCase.screen(ineligible, rules: rules, by: Fixture.secretariat, at: Fixture.day(1))
        }
        #expect(Fixture.problems(reasonless).map(\.field) == ["reasons"])
        #expect(reviewCase.stage == .screening)
    }
}
