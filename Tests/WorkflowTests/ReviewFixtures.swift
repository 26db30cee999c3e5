import Events
import Foundation
import Testing

@testable import Workflow

/// What the workflow domain tests share: fixed dates, the callers, a proposal, inputs, and cases
/// driven to each stage through the domain's own methods (never by setting `stage`).
enum Fixture {
    // MARK: Time and rules

    /// Every test runs on fixed dates: no clocks, no sleeps.
    static let t0 = Date(timeIntervalSince1970: 1_795_600_800)
    static let dayLength: TimeInterval = 86_400

    /// `t0` plus `days` (fractions allowed).
    static func day(_ days: Double) -> Date { t0.addingTimeInterval(days * dayLength) }

    static let rules = ReviewRules.standard

    // MARK: The proposal

    static let proposalId = UUID(uuidString: "6f1c1a56-08a3-4a52-9d8f-6d3f10e1a001")!
    static let caseId = UUID(uuidString: "0b7d3a52-5c1e-4f0a-9e55-1d2c3b4a5f60")!
    static let requested = Money(cents: 125_000_000)  // 1 250 000.00
    /// Lead and participating countries of the proposal: nationals of these may not review it.
    static let involved = ["KG", "KZ", "UZ"]

    /// A deterministic id for the `n`th extra proposal or case.
    static func uuid(_ n: Int) -> UUID {
        let hex = String(n, radix: 16)
        return UUID(uuidString: "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex)!
    }

    static func submitted(
        revision: Int = 1, lead: String = "KZ", participating: [String] = ["UZ", "KG"], budget: Money = Fixture.requested,
        proposalId: UUID = Fixture.proposalId, reference: String = "CBRN-2026-0001", region: String = "CA"
    ) -> ProposalSubmitted {
        ProposalSubmitted(
            proposalId: proposalId, reference: reference, revision: revision, title: "Radiation detection at the border (revision \(revision))",
            region: region, leadCountry: lead, participatingCountries: participating, cbrnCategories: ["radiological"],
            requestedBudget: budget, durationMonths: 24, summary: "Portal monitors and training.", objectives: ["Install portal monitors"],
            contactName: "Aigerim S.", contactEmail: "aigerim@example.kz")
    }

    static func withdrawn(revision: Int, proposalId: UUID = Fixture.proposalId) -> ProposalWithdrawn {
        ProposalWithdrawn(proposalId: proposalId, reference: "CBRN-2026-0001", revision: revision, region: "CA", leadCountry: "KZ", reason: "withdrawn")
    }

    // MARK: Callers

    static let secretariat = Caller(sub: "sec-ca", role: .secretariat, region: "CA")
    static let otherSecretariat = Caller(sub: "sec-sea", role: .secretariat, region: "SEA")
    static let admin = Caller(sub: "pm-1", role: .admin)
    static let finance = Caller(sub: "fin-1", role: .finance)
    static let focalPoint = Caller(sub: "fp-kz", role: .focalPoint, country: "KZ")
    static let otherFocalPoint = Caller(sub: "fp-uz", role: .focalPoint, country: "UZ")
    static let system = EventActor.system("workflow")

    /// A reviewer: their token's subject, the name and nationality the secretariat records.
    struct Reviewer: Sendable {
        var sub: String
        var name: String
        var country: String

        /// Their token, without a country claim.
        var caller: Caller { Caller(sub: sub, role: .reviewer) }

        /// Their token with a country claim.
        func caller(claiming country: String) -> Caller { Caller(sub: sub, role: .reviewer, country: country) }

        func assignment(at time: Date = Fixture.t0) -> ReviewCase.Assignment {
            ReviewCase.Assignment(
                reviewer: sub, name: name, email: "\(sub)@example.org", country: country, assignedBy: Fixture.secretariat.sub, assignedAt: time)
        }
    }

    static let ana = Reviewer(sub: "reviewer.ana", name: "Ana Almeida", country: "FR")
    static let bruno = Reviewer(sub: "reviewer.bruno", name: "Bruno Weber", country: "DE")
    static let chen = Reviewer(sub: "reviewer.chen", name: "Chen Liang", country: "IT")
    static let dana = Reviewer(sub: "reviewer.dana", name: "Dana Novak", country: "SE")
    /// Nationals of the lead and of a participating country.
    static let kuat = Reviewer(sub: "reviewer.kuat", name: "Kuat Abenov", country: "KZ")
    static let ulugbek = Reviewer(sub: "reviewer.ulugbek", name: "Ulugbek Karimov", country: "UZ")

    // MARK: Inputs

    /// Every checklist item met: eligible.
    static func eligible(_ rules: ReviewRules = Fixture.rules) -> ScreeningInput {
        var answers: [String: ScreeningInput.Answer] = [:]
        for item in rules.checklist { answers[item.key] = .init(met: true, note: nil) }
        return ScreeningInput(answers: answers, outcome: .eligible, reasons: [])
    }

    /// One item not met: ineligible, with a reason.
    static func ineligible(_ rules: ReviewRules = Fixture.rules) -> ScreeningInput {
        var answers: [String: ScreeningInput.Answer] = [:]
        for item in rules.checklist { answers[item.key] = .init(met: true, note: nil) }
        if let first = rules.checklist.first { answers[first.key] = .init(met: false, note: "not a partner") }
        return ScreeningInput(answers: answers, outcome: .ineligible, reasons: ["A country is not a partner of the initiative"])
    }

    /// An assessment scoring the rubric's criteria `scores`, in the rubric's order.
    static func marks(
        _ scores: [Int], rules: ReviewRules = Fixture.rules, recommendation: Assessment.Recommendation = .fund, declaresNoConflict: Bool = true
    ) -> AssessmentInput {
        precondition(scores.count == rules.criteria.count, "one score per criterion of the rubric")
        var marks: [String: AssessmentInput.Mark] = [:]
        for (criterion, score) in zip(rules.criteria, scores) {
            marks[criterion.key] = AssessmentInput.Mark(score: score, comment: "\(criterion.key) scores \(score)")
        }
        return AssessmentInput(marks: marks, recommendation: recommendation, comment: "overall fine", declaresNoConflictOfInterest: declaresNoConflict)
    }

    /// Every criterion scored `score`.
    static func uniform(_ score: Int, rules: ReviewRules = Fixture.rules, recommendation: Assessment.Recommendation = .fund) -> AssessmentInput {
        marks(Array(repeating: score, count: rules.criteria.count), rules: rules, recommendation: recommendation)
    }

    /// Ana's assessment in the stage builder: 30×81 + 20×77 + 20×90 + 15×64 + 15×59 = 7615 hundredths (76.15),
    /// plain average 371 / 5 = 74.20.
    static let anaScores = [81, 77, 90, 64, 59]
    /// Bruno's: 70 everywhere, 70.00 weighted and plain.
    static let brunoScores = [70, 70, 70, 70, 70]

    static func approval(
        _ budget: Money?, _ schedule: [(PaymentTranche.Kind, Int)] = [(.preFinancing, 30), (.interim, 30), (.final, 40)]
    ) -> DecisionInput {
        DecisionInput(
            outcome: .approved, reasons: [], approvedBudget: budget,
            schedule: schedule.map { DecisionInput.Share(tranche: $0.0, percent: $0.1) })
    }

    static func rejection(_ reasons: [String] = ["The work plan is not feasible"]) -> DecisionInput {
        DecisionInput(outcome: .rejected, reasons: reasons, approvedBudget: nil, schedule: [])
    }

    static func revisionRequest(_ reasons: [String] = ["Clarify the training plan"]) -> DecisionInput {
        DecisionInput(outcome: .revisionRequested, reasons: reasons, approvedBudget: nil, schedule: [])
    }

    static func decision(_ outcome: Decision.Outcome, budget: Money = Fixture.requested) -> DecisionInput {
        switch outcome {
        case .approved: return approval(budget)
        case .rejected: return rejection()
        case .revisionRequested: return revisionRequest()
        }
    }

    /// The fields an `.invalid` error names, in its order; empty for any other error.
    static func problems(_ error: ReviewError?) -> [FieldProblem] {
        guard case .invalid(let problems)? = error else { return [] }
        return problems
    }

    // MARK: Cases in each stage

    /// A case just opened from `submitted` (its history kept, as the store does).
    static func opened(
        _ submitted: ProposalSubmitted = Fixture.submitted(), id: UUID = Fixture.caseId, rules: ReviewRules = Fixture.rules, at time: Date = Fixture.t0
    ) -> ReviewCase {
        let (opened, change) = ReviewCase.open(submitted, id: id, rules: rules, by: Fixture.focalPoint.actor, at: time)
        var reviewCase = opened
        reviewCase.history = change.history
        return reviewCase
    }

    /// Opened at `t0`; Ana, Bruno and Chen assigned at day 0.5; found eligible at day 1: technical, no assessment yet.
    static func screenedCase() throws -> ReviewCase {
        var reviewCase = opened()
        try assignThree(&reviewCase)
        try reviewCase.run { try $0.screen(eligible(), rules: rules, by: secretariat, at: day(1)) }
        return reviewCase
    }

    private static func assignThree(_ reviewCase: inout ReviewCase) throws {
        for reviewer in [ana, bruno, chen] {
            try reviewCase.run { try $0.assign(reviewer.assignment(at: day(0.5)), by: secretariat, at: day(0.5)) }
        }
    }

    /// A case brought to `stage` through the domain's methods, with the standard rules:
    /// - screening: opened at `t0`, Ana, Bruno and Chen assigned at day 0.5;
    /// - technical: found eligible at day 1, Ana assessed at day 2 (1 of 2);
    /// - decision: Bruno assessed at day 3 (2 of 2); Chen stays assigned without an assessment;
    /// - approved, rejected, revision_requested: decided at day 4 (the whole requested budget, 30/30/40);
    /// - closed: withdrawn at day 4 from the decision stage.
    static func reviewCase(in stage: ReviewStage) throws -> ReviewCase {
        var reviewCase = opened()
        try assignThree(&reviewCase)
        if stage == .screening { return reviewCase }
        try reviewCase.run { try $0.screen(eligible(), rules: rules, by: secretariat, at: day(1)) }
        try reviewCase.run { try $0.assess(marks(anaScores), rules: rules, by: ana.caller, at: day(2)) }
        if stage == .technical { return reviewCase }
        try reviewCase.run { try $0.assess(marks(brunoScores), rules: rules, by: bruno.caller, at: day(3)) }
        switch stage {
        case .screening, .technical, .decision: break
        case .approved: try reviewCase.run { try $0.decide(approval(requested), rules: rules, by: admin, at: day(4)) }
        case .rejected: try reviewCase.run { try $0.decide(rejection(), rules: rules, by: admin, at: day(4)) }
        case .revisionRequested: try reviewCase.run { try $0.decide(revisionRequest(), rules: rules, by: admin, at: day(4)) }
        case .closed: try reviewCase.run { try $0.close(withdrawn(revision: 1), by: focalPoint.actor, at: day(4)) }
        }
        return reviewCase
    }

    /// A case at the decision for the ranking: screened, then one assessment per entry of `scores`
    /// (Ana, Bruno, Chen, Dana in turn); the one that completes `rules.minimumAssessments` lands
    /// exactly at `decisionAt`, earlier ones an hour apart before it, later ones an hour apart after.
    static func caseAtDecision(
        _ n: Int, reference: String, budget: Money, rules: ReviewRules, scores: [[Int]], decisionAt: Date,
        recommendation: Assessment.Recommendation = .fund
    ) throws -> ReviewCase {
        let reviewers = [ana, bruno, chen, dana]
        precondition(scores.count <= reviewers.count && scores.count >= rules.minimumAssessments)
        let start = decisionAt.addingTimeInterval(-3 * dayLength)
        var reviewCase = opened(
            submitted(budget: budget, proposalId: uuid(n), reference: reference), id: uuid(1000 + n), rules: rules, at: start)
        for reviewer in reviewers.prefix(scores.count) {
            try reviewCase.run { try $0.assign(reviewer.assignment(at: start), by: secretariat, at: start) }
        }
        try reviewCase.run { try $0.screen(eligible(rules), rules: rules, by: secretariat, at: start.addingTimeInterval(dayLength)) }
        for (index, marks) in scores.enumerated() {
            let time = decisionAt.addingTimeInterval(Double(index - (rules.minimumAssessments - 1)) * 3_600)
            let input = Fixture.marks(marks, rules: rules, recommendation: recommendation)
            try reviewCase.run { try $0.assess(input, rules: rules, by: reviewers[index].caller, at: time) }
        }
        return reviewCase
    }
}

extension ReviewCase {
    /// Runs one of the domain's methods and keeps the history it returns, as the store does.
    @discardableResult
    mutating func run(_ body: (inout ReviewCase) throws -> ReviewChange) rethrows -> ReviewChange {
        let change = try body(&self)
        history += change.history
        return change
    }

    /// The case as JSON, lowercased, to look for names that must not be there.
    func lowercasedJSON() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self).lowercased()
    }
}

// MARK: Acts

/// One thing that can happen to a case, with who does it and what they send.
enum Act: CustomStringConvertible {
    case screen(ScreeningInput, by: Caller)
    case assign(ReviewCase.Assignment, by: Caller)
    case unassign(String, by: Caller)
    case assess(AssessmentInput, by: Caller)
    case amend(AssessmentInput, by: Caller)
    case decide(DecisionInput, by: Caller)
    case remind
    case resubmit(ProposalSubmitted)
    case withdraw(ProposalWithdrawn)

    var action: ReviewAction {
        switch self {
        case .screen: return .screen
        case .assign: return .assign
        case .unassign: return .unassign
        case .assess: return .assess
        case .amend: return .amend
        case .decide(let input, _): return input.outcome.action
        case .remind: return .remind
        case .resubmit: return .resubmit
        case .withdraw: return .withdraw
        }
    }

    var description: String {
        switch self {
        case .screen(let input, let caller): "screen \(input.outcome.rawValue) by \(caller.sub)"
        case .assign(let assignment, let caller): "assign \(assignment.reviewer) (\(assignment.country)) by \(caller.sub)"
        case .unassign(let reviewer, let caller): "unassign \(reviewer) by \(caller.sub)"
        case .assess(_, let caller): "assess by \(caller.sub)\(caller.country.map { " claiming \($0)" } ?? "")"
        case .amend(_, let caller): "amend by \(caller.sub)\(caller.country.map { " claiming \($0)" } ?? "")"
        case .decide(let input, let caller):
            "\(action.rawValue) by \(caller.sub) (budget \(input.approvedBudget?.description ?? "none"), schedule \(input.schedule.map { "\($0.tranche.rawValue) \($0.percent)" }))"
        case .remind: "remind"
        case .resubmit(let submitted): "resubmit revision \(submitted.revision) of \(submitted.proposalId.lowercased) involving \(submitted.participatingCountries)"
        case .withdraw(let withdrawn): "withdraw revision \(withdrawn.revision)"
        }
    }

    /// Calls the domain method this act stands for.
    func apply(to reviewCase: inout ReviewCase, rules: ReviewRules = Fixture.rules, at time: Date) throws -> ReviewChange {
        switch self {
        case .screen(let input, let caller): return try reviewCase.screen(input, rules: rules, by: caller, at: time)
        case .assign(let assignment, let caller): return try reviewCase.assign(assignment, by: caller, at: time)
        case .unassign(let reviewer, let caller): return try reviewCase.unassign(reviewer, by: caller, at: time)
        case .assess(let input, let caller): return try reviewCase.assess(input, rules: rules, by: caller, at: time)
        case .amend(let input, let caller): return try reviewCase.amend(input, rules: rules, by: caller, at: time)
        case .decide(let input, let caller): return try reviewCase.decide(input, rules: rules, by: caller, at: time)
        case .remind: return reviewCase.remind(rules: rules, by: Fixture.system, at: time)
        case .resubmit(let submitted):
            return try reviewCase.resubmit(submitted, rules: rules, by: Fixture.focalPoint.actor, system: Fixture.system, at: time)
        case .withdraw(let withdrawn): return try reviewCase.close(withdrawn, by: Fixture.focalPoint.actor, at: time)
        }
    }

    /// Applies the act; its change, or the domain's refusal.
    func perform(on reviewCase: inout ReviewCase, rules: ReviewRules = Fixture.rules, at time: Date) -> Result<ReviewChange, ReviewError> {
        do {
            return .success(try apply(to: &reviewCase, rules: rules, at: time))
        } catch let error as ReviewError {
            return .failure(error)
        } catch {
            Issue.record("\(self) threw \(error), which is not a ReviewError")
            return .failure(.refused("\(error)"))
        }
    }
}

// MARK: Randomness

/// SplitMix64: a small, seeded, deterministic generator, so a failing random walk can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0 ..< n (a negligible modulo bias is fine here).
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int(next() % UInt64(n))
    }

    /// True `k` times in `n`.
    mutating func chance(_ k: Int, in n: Int) -> Bool { below(n) < k }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
