import Events
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Workflow

/// Secretariats, reviewers and programme managers working in French read every refusal of
/// workflow's rules in French: the screening checklist, the rubric and its declaration, the
/// decision and its payment schedule, a conflict of interest, a step the stage does not allow.
@Suite("Workflow's problems, as a French page shows them")
struct ReviewProblemsInFrenchTests {
    let rules = Fixture.rules

    @Test("Every problem of a screening, an assessment, a decision and a refused step reads in French")
    func everyProblemReadsInFrench() throws {
        var texts: [String] = []
        // Screening: an unknown item, an unanswered one, an unmet one called eligible, no reason for ineligible.
        var screening = try Fixture.reviewCase(in: .screening)
        var eligible = Fixture.eligible()
        eligible.answers["colour"] = .init(met: true, note: nil)
        if let first = rules.checklist.first { eligible.answers[first.key] = .init(met: false, note: nil) }
        if let last = rules.checklist.last { eligible.answers[last.key] = nil }
        texts += PageProblemWords.refusal { _ = try screening.screen(eligible, rules: rules, by: Fixture.secretariat, at: Fixture.day(1)) }
        var ineligible = Fixture.ineligible()
        ineligible.reasons = []
        texts += PageProblemWords.refusal { _ = try screening.screen(ineligible, rules: rules, by: Fixture.secretariat, at: Fixture.day(1)) }
        // Assignment of a national of an involved country; assessment claiming one.
        texts += PageProblemWords.refusal { _ = try screening.assign(Fixture.kuat.assignment(), by: Fixture.secretariat, at: Fixture.day(1)) }
        var technical = try Fixture.reviewCase(in: .technical)
        texts += PageProblemWords.refusal { _ = try technical.assess(Fixture.uniform(80), rules: rules, by: Fixture.chen.caller(claiming: "KG"), at: Fixture.day(2.5)) }
        // The rubric: a criterion unknown, one missing, one out of range, no declaration.
        var marks = Fixture.marks([101, 70, 70, 70, 70], declaresNoConflict: false)
        marks.marks["charm"] = .init(score: 50, comment: "x")
        if let last = rules.criteria.last { marks.marks[last.key] = nil }
        texts += PageProblemWords.refusal { _ = try ReviewCase.scores(marks, rules: rules) }
        texts += PageProblemWords.refusal { _ = try technical.assess(Fixture.uniform(80), rules: rules, by: Fixture.ana.caller, at: Fixture.day(2.5)) }
        texts += PageProblemWords.refusal { _ = try technical.amend(Fixture.uniform(80), rules: rules, by: Fixture.chen.caller, at: Fixture.day(2.5)) }
        texts += PageProblemWords.refusal { _ = try technical.unassign(Fixture.ana.sub, by: Fixture.secretariat, at: Fixture.day(2.5)) }
        texts += PageProblemWords.refusal { _ = try technical.decide(Fixture.approval(Fixture.requested), rules: rules, by: Fixture.admin, at: Fixture.day(2.5)) }
        // The decision: each rule of the budget and the schedule, and money on a rejection.
        let schedules: [(Money?, [(PaymentTranche.Kind, Int)])] = [
            (Money(cents: 130_000_000), [(.preFinancing, 50), (.interim, 30)]),
            (nil, []),
            (Money.zero, [(.interim, 30), (.preFinancing, 30), (.final, 40)]),
            (Fixture.requested, [(.final, 50), (.final, 50)]),
            (Fixture.requested, [(.interim, 0), (.final, 100)]),
            (Money(cents: 99), [(.interim, 1), (.final, 99)]),
        ]
        for (budget, schedule) in schedules {
            texts += PageProblemWords.refusal { _ = try ReviewCase.schedule(Fixture.approval(budget, schedule), requested: Fixture.requested, rules: rules) }
        }
        var rejection = Fixture.rejection([])
        rejection.approvedBudget = Fixture.requested
        rejection.schedule = [DecisionInput.Share(tranche: .final, percent: 100)]
        texts += PageProblemWords.refusal { _ = try ReviewCase.schedule(rejection, requested: Fixture.requested, rules: rules) }
        // Every step a stage does not allow.
        for stage in ReviewStage.allCases {
            for action in ReviewAction.allCases where !stage.allowedActions.contains(action) {
                texts += PageProblemWords.refusal { throw ReviewError.invalidState(stage, action) }
            }
        }
        texts += PageProblemWords.refusal { throw ReviewError.notEnoughAssessments(submitted: 2, required: 3, stage: .decision) }

        #expect(texts.count > 60, "the rules named \(texts.count) problems")
        let english = try PageProblemWords.leftInEnglish(texts, service: "Workflow")
        #expect(english.isEmpty, "a French page shows these in English:\n\(english.joined(separator: "\n"))")
    }
}
