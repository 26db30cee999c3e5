import Foundation

/// The published rules of a call: the screening checklist, the assessment rubric, how many
/// assessments a decision needs, the payment schedule's limits and the days each stage may take.
/// Read from configuration at start (`COE_WORKFLOW_…`, see the README); ``standard`` otherwise.
struct ReviewRules: Sendable, Equatable {
    /// One question of the eligibility checklist.
    struct ChecklistItem: Codable, Sendable, Equatable {
        var key: String
        var label: String
    }

    /// One weighted criterion of the technical rubric; weights are whole percent and sum to 100.
    struct Criterion: Codable, Sendable, Equatable {
        var key: String
        var label: String
        var weight: Int
    }

    var checklist: [ChecklistItem]
    var criteria: [Criterion]
    var minimumAssessments: Int
    /// The largest share of the approved budget the pre-financing tranche may take, in percent.
    var preFinancingCapPercent: Int
    /// Days a case may stay in `screening`, `technical` and `decision` before it is overdue.
    var screeningDays: Int
    var technicalDays: Int
    var decisionDays: Int

    static let knownLabels: [String: String] = [
        "membership": "The region and every country are partners of the initiative",
        "cross_border": "At least one other partner country takes part (cross-border dimension)",
        "cbrn_relevance": "The project reduces a chemical, biological, radiological or nuclear risk",
        "budget_within_limits": "The requested budget is within the call's limits",
        "duration_within_limits": "The duration is within the call's limits",
        "complete": "The proposal is complete: objectives, partners, budget and contact",
        "relevance": "Relevance to national and regional CBRN priorities",
        "feasibility": "Feasibility of the work plan",
        "cross_border_impact": "Cross-border and regional impact",
        "sustainability": "Sustainability of the results",
        "value_for_money": "Value for money",
    ]

    static func label(_ key: String) -> String {
        knownLabels[key] ?? key.replacingOccurrences(of: "_", with: " ").capitalized
    }

    static let standard = ReviewRules(
        checklist: ["membership", "cross_border", "cbrn_relevance", "budget_within_limits", "duration_within_limits", "complete"]
            .map { ChecklistItem(key: $0, label: label($0)) },
        criteria: [("relevance", 30), ("feasibility", 20), ("cross_border_impact", 20), ("sustainability", 15), ("value_for_money", 15)]
            .map { Criterion(key: $0.0, label: label($0.0), weight: $0.1) },
        minimumAssessments: 2, preFinancingCapPercent: 40, screeningDays: 14, technicalDays: 30, decisionDays: 21)

    /// Days allowed in `stage`, or nil when nobody is waited for.
    func days(in stage: ReviewStage) -> Int? {
        switch stage {
        case .screening: screeningDays
        case .technical: technicalDays
        case .decision: decisionDays
        default: nil
        }
    }

    /// What is wrong with these rules, every problem at once (the service then refuses to start).
    var problems: [String] {
        var problems: [String] = []
        if checklist.isEmpty { problems.append("the screening checklist has no items") }
        if Set(checklist.map(\.key)).count != checklist.count { problems.append("the screening checklist names an item twice") }
        if criteria.isEmpty { problems.append("the rubric has no criteria") }
        if Set(criteria.map(\.key)).count != criteria.count { problems.append("the rubric names a criterion twice") }
        if criteria.contains(where: { $0.weight < 1 }) { problems.append("every rubric weight must be at least 1") }
        let total = criteria.reduce(0) { $0 + $1.weight }
        if total != 100 { problems.append("the rubric's weights sum to \(total), not 100") }
        if minimumAssessments < 1 { problems.append("a decision needs at least one assessment") }
        if !(0...100).contains(preFinancingCapPercent) { problems.append("the pre-financing cap must be 0 to 100 percent") }
        return problems
    }

    /// Parses `key=weight,key=weight` (the rubric's configuration); nil when it is not that shape.
    static func criteria(parsing text: String) -> [Criterion]? {
        var result: [Criterion] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, Self.isKey(pair[0]), !pair[1].isEmpty, pair[1].count <= 3, pair[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                  let weight = Int(pair[1])
            else { return nil }
            result.append(Criterion(key: pair[0], label: label(pair[0]), weight: weight))
        }
        return result
    }

    /// Parses `key,key,…` (the checklist's configuration); nil when a key is not snake_case.
    static func checklist(parsing text: String) -> [ChecklistItem]? {
        var result: [ChecklistItem] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let key = part.trimmingCharacters(in: .whitespaces)
            guard isKey(key) else { return nil }
            result.append(ChecklistItem(key: key, label: label(key)))
        }
        return result
    }

    private static func isKey(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 60 && text.allSatisfy { ($0.isASCII && $0.isLowercase) || $0 == "_" || ($0.isASCII && $0.isNumber) }
    }
}
