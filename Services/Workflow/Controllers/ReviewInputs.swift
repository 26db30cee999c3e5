import Events
import ServiceRuntime

// The bodies of workflow's writes, read with every problem named at once. Their types and
// shapes are checked here; the call's rules (checklist, rubric, budget, schedule) are the
// domain's to check.

extension ScreeningInput {
    static let shape = #"{"answers": {"membership": {"met": true, "note": "…"}, "cross_border": true, …}, "outcome": "eligible", "reasons": []}"#

    /// `POST /v1/reviews/{proposalId}/screening`. An answer is `true`/`false` or `{"met": …, "note": "…"}`.
    static func parse(_ body: JSONBody) throws -> ScreeningInput {
        var reader = body.objectReader(known: ["answers", "outcome", "reasons"], shape: shape)
        let outcome = reader.choice("outcome", required: true, of: Screening.Outcome.allCases.map(\.rawValue))
        let reasons = reader.texts("reasons", maximumCount: 20, maximumLength: 2000) ?? []
        var answers: [String: ScreeningInput.Answer] = [:]
        switch reader.value("answers", required: true) {
        case .object(let items)?:
            for (key, value) in items.sorted(by: { $0.key < $1.key }) {
                if case .bool(let met) = value {
                    answers[key] = .init(met: met, note: nil)
                    continue
                }
                var item = BodyReader(value, known: ["met", "note"], shape: #"{"met": true, "note": "…"}"#)
                let met = item.bool("met", required: true)
                let note = item.text("note", maximum: 2000)
                reader.absorb(item, at: "answers.\(key)")
                if let met { answers[key] = .init(met: met, note: note) }
            }
        case let other?:
            reader.problem("answers", "must be an object of the checklist's items, like \(shape), not \(other.kind)")
        case nil:
            break
        }
        try reader.validate()
        guard let outcome, let known = Screening.Outcome(rawValue: outcome) else { throw HTTPProblem.validation(reader.problems) }
        return ScreeningInput(answers: answers, outcome: known, reasons: reasons)
    }
}

extension AssessmentInput {
    static let shape = #"{"scores": {"relevance": {"score": 80, "comment": "…"}, …}, "recommendation": "fund", "comment": "…", "noConflictOfInterest": true}"#

    /// `POST /v1/reviews/{proposalId}/assessments` and `PUT …/assessments/{reviewer}`.
    static func parse(_ body: JSONBody) throws -> AssessmentInput {
        var reader = body.objectReader(known: ["scores", "recommendation", "comment", "noConflictOfInterest"], shape: shape)
        let recommendation = reader.choice("recommendation", required: true, of: Assessment.Recommendation.allCases.map(\.rawValue))
        let comment = reader.text("comment", maximum: 5000)
        let declared = reader.bool("noConflictOfInterest", required: true)
        var marks: [String: Mark] = [:]
        switch reader.value("scores", required: true) {
        case .object(let items)?:
            for (key, value) in items.sorted(by: { $0.key < $1.key }) {
                var item = BodyReader(value, known: ["score", "comment"], shape: #"{"score": 80, "comment": "…"}"#)
                let score = item.integer("score", required: true, in: 0...100)
                let comment = item.text("comment", required: true, maximum: 5000)
                reader.absorb(item, at: "scores.\(key)")
                if let score, let comment { marks[key] = Mark(score: score, comment: comment) }
            }
        case let other?:
            reader.problem("scores", "must be an object of the rubric's criteria, like \(shape), not \(other.kind)")
        case nil:
            break
        }
        try reader.validate()
        guard let recommendation, let known = Assessment.Recommendation(rawValue: recommendation), let declared else {
            throw HTTPProblem.validation(reader.problems)
        }
        return AssessmentInput(marks: marks, recommendation: known, comment: comment, declaresNoConflictOfInterest: declared)
    }
}

extension DecisionInput {
    static let shape = #"{"outcome": "approved", "approvedBudget": "1000000.00", "paymentSchedule": [{"tranche": "pre_financing", "percent": 40}, {"tranche": "final", "percent": 60}], "reasons": []}"#

    /// `POST /v1/reviews/{proposalId}/decision`.
    static func parse(_ body: JSONBody) throws -> DecisionInput {
        var reader = body.objectReader(known: ["outcome", "approvedBudget", "paymentSchedule", "reasons"], shape: shape)
        let outcome = reader.choice("outcome", required: true, of: Decision.Outcome.allCases.map(\.rawValue))
        let budget = reader.money("approvedBudget")
        let reasons = reader.texts("reasons", maximumCount: 20, maximumLength: 2000) ?? []
        var schedule: [Share] = []
        switch reader.value("paymentSchedule") {
        case .array(let items)?:
            if items.count > 24 { reader.problem("paymentSchedule", "must have at most 24 tranches") }
            for (index, value) in items.prefix(24).enumerated() {
                var item = BodyReader(value, known: ["tranche", "percent"], shape: #"{"tranche": "interim", "percent": 30}"#)
                let tranche = item.choice("tranche", required: true, of: PaymentTranche.Kind.allCases.map(\.rawValue))
                let percent = item.integer("percent", required: true, in: 0...100)
                reader.absorb(item, at: "paymentSchedule.\(index)")
                if let tranche, let kind = PaymentTranche.Kind(rawValue: tranche), let percent { schedule.append(Share(tranche: kind, percent: percent)) }
            }
        case let other?:
            reader.problem("paymentSchedule", "must be an array of tranches, like \(shape), not \(other.kind)")
        case nil:
            break
        }
        try reader.validate()
        guard let outcome, let known = Decision.Outcome(rawValue: outcome) else { throw HTTPProblem.validation(reader.problems) }
        return DecisionInput(outcome: known, reasons: reasons, approvedBudget: budget, schedule: schedule)
    }
}
