import Events
import Foundation
import Testing

@testable import Workflow

/// The call's rules as configured: what the service refuses to start with, and how configuration text is read.
@Suite("Review rules: every problem named; the rubric's and checklist's configuration parsed strictly")
struct ReviewRulesTests {
    static func criteria(_ pairs: [(String, Int)]) -> [ReviewRules.Criterion] {
        pairs.map { ReviewRules.Criterion(key: $0.0, label: ReviewRules.label($0.0), weight: $0.1) }
    }

    static func checklist(_ keys: [String]) -> [ReviewRules.ChecklistItem] {
        keys.map { ReviewRules.ChecklistItem(key: $0, label: ReviewRules.label($0)) }
    }

    @Test("The standard rules have no problem, and say how long each stage may take")
    func theStandardRulesAreValid() {
        let rules = ReviewRules.standard
        #expect(rules.problems.isEmpty)
        #expect(rules.criteria.reduce(0) { $0 + $1.weight } == 100)
        #expect(rules.minimumAssessments == 2 && rules.preFinancingCapPercent == 40)
        #expect(ReviewStage.allCases.map { rules.days(in: $0) } == [14, 30, 21, nil, nil, nil, nil])
        #expect(ReviewStage.allCases.filter(\.hasDeadline) == [.screening, .technical, .decision])
    }

    @Test("Weights not summing to 100 are named with their sum")
    func weightsNotSummingTo100AreNamed() {
        var rules = ReviewRules.standard
        rules.criteria = Self.criteria([("relevance", 50), ("feasibility", 40)])
        #expect(rules.problems == ["the rubric's weights sum to 90, not 100"])
        rules.criteria = Self.criteria([("relevance", 60), ("feasibility", 41)])
        #expect(rules.problems == ["the rubric's weights sum to 101, not 100"])
    }

    @Test("A key named twice is a problem, in the rubric and in the checklist")
    func duplicateKeysAreNamed() {
        var rules = ReviewRules.standard
        rules.criteria = Self.criteria([("relevance", 50), ("relevance", 50)])
        #expect(rules.problems == ["the rubric names a criterion twice"])
        rules = ReviewRules.standard
        rules.checklist = Self.checklist(["membership", "complete", "membership"])
        #expect(rules.problems == ["the screening checklist names an item twice"])
    }

    @Test("Every other problem is named, all at once")
    func everyProblemIsNamed() {
        var rules = ReviewRules.standard
        rules.criteria = Self.criteria([("relevance", 100), ("feasibility", 0)])
        #expect(rules.problems == ["every rubric weight must be at least 1"])
        rules = ReviewRules.standard
        rules.minimumAssessments = 0
        rules.preFinancingCapPercent = 101
        #expect(rules.problems == ["a decision needs at least one assessment", "the pre-financing cap must be 0 to 100 percent"])
        rules = ReviewRules.standard
        rules.checklist = []
        rules.criteria = []
        #expect(rules.problems == ["the screening checklist has no items", "the rubric has no criteria", "the rubric's weights sum to 0, not 100"])
    }

    @Test("The rubric's configuration key=weight,… is read, trimmed, labelled")
    func theRubricConfigurationIsRead() throws {
        let standard = try #require(ReviewRules.criteria(parsing: "relevance=30,feasibility=20,cross_border_impact=20,sustainability=15,value_for_money=15"))
        #expect(standard == ReviewRules.standard.criteria)
        let custom = try #require(ReviewRules.criteria(parsing: " relevance = 60 , my_item2=40 "))
        #expect(custom == [
            ReviewRules.Criterion(key: "relevance", label: "Relevance to national and regional CBRN priorities", weight: 60),
            ReviewRules.Criterion(key: "my_item2", label: "My Item2", weight: 40),
        ])
    }

    @Test("A rubric configuration not of the shape key=weight is refused", arguments: [
        "relevance", "relevance=", "relevance=sixty", "relevance=6.5", "Relevance=60", "rele vance=60", "relevance=60=1", "=60",
        "relevance=60;feasibility=40", "relevance:60", "relevance=60, =40",
    ])
    func aMalformedRubricIsRefused(text: String) {
        #expect(ReviewRules.criteria(parsing: text) == nil)
    }

    @Test("A rubric read with an odd weight is then refused by the rules' problems")
    func anOddWeightIsCaughtByTheProblems() throws {
        var rules = ReviewRules.standard
        // Signs are not digits: a signed weight is not a weight at all.
        #expect(ReviewRules.criteria(parsing: "relevance=-5,feasibility=105") == nil)
        #expect(ReviewRules.criteria(parsing: "relevance=+5,feasibility=95") == nil)
        #expect(ReviewRules.criteria(parsing: "relevance=5,,feasibility=95") == nil)
        rules.criteria = try #require(ReviewRules.criteria(parsing: "relevance=0,feasibility=100"))
        #expect(rules.problems == ["every rubric weight must be at least 1"])
        rules.criteria = []
        #expect(rules.problems == ["the rubric has no criteria", "the rubric's weights sum to 0, not 100"])
    }

    @Test("The checklist's configuration key,… is read, trimmed, labelled")
    func theChecklistConfigurationIsRead() throws {
        let items = try #require(ReviewRules.checklist(parsing: "membership, cross_border ,item_2"))
        #expect(items == [
            ReviewRules.ChecklistItem(key: "membership", label: "The region and every country are partners of the initiative"),
            ReviewRules.ChecklistItem(key: "cross_border", label: "At least one other partner country takes part (cross-border dimension)"),
            ReviewRules.ChecklistItem(key: "item_2", label: "Item 2"),
        ])
        #expect(ReviewRules.checklist(parsing: String(repeating: "a", count: 60))?.count == 1)
    }

    @Test("A checklist key that is not snake_case is refused", arguments: [
        "Membership", "cross-border", "cross border", "membership,Complete", "membership, ,complete", "naïve",
        String(repeating: "a", count: 61),
    ])
    func aMalformedChecklistIsRefused(text: String) {
        #expect(ReviewRules.checklist(parsing: text) == nil)
    }
}
