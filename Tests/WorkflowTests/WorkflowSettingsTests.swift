import ServiceRuntime
import Testing

@testable import Workflow

/// The `COE_WORKFLOW_…` variables as the service reads them at start.
@Suite("Workflow settings: the call's rules from configuration")
struct WorkflowSettingsTests {
    @Test func unsetVariablesGiveTheStandardRules() throws {
        var reader = ConfigurationReader([:])
        let settings = WorkflowService.settings(&reader)
        #expect(reader.problems.isEmpty)
        #expect(settings.rules == ReviewRules.standard)
        #expect(settings.overdueCheckInterval == .seconds(60))
    }

    @Test func everyVariableIsRead() throws {
        var reader = ConfigurationReader([
            "COE_WORKFLOW_RUBRIC": "relevance=60, feasibility=40",
            "COE_WORKFLOW_CHECKLIST": "membership,complete",
            "COE_WORKFLOW_MIN_ASSESSMENTS": "3",
            "COE_WORKFLOW_PREFINANCING_CAP_PERCENT": "25",
            "COE_WORKFLOW_SCREENING_DAYS": "5",
            "COE_WORKFLOW_TECHNICAL_DAYS": "20",
            "COE_WORKFLOW_DECISION_DAYS": "7",
            "COE_WORKFLOW_OVERDUE_CHECK_SECONDS": "15",
        ])
        let settings = WorkflowService.settings(&reader)
        #expect(reader.problems.isEmpty)
        let rules = settings.rules
        #expect(rules.criteria.map(\.key) == ["relevance", "feasibility"] && rules.criteria.map(\.weight) == [60, 40])
        #expect(rules.checklist.map(\.key) == ["membership", "complete"])
        #expect(rules.minimumAssessments == 3 && rules.preFinancingCapPercent == 25)
        #expect([rules.screeningDays, rules.technicalDays, rules.decisionDays] == [5, 20, 7])
        #expect(settings.overdueCheckInterval == .seconds(15))
    }

    @Test func everyBadValueIsNamedAtOnce() throws {
        var reader = ConfigurationReader([
            "COE_WORKFLOW_RUBRIC": "relevance=60,feasibility=30",
            "COE_WORKFLOW_CHECKLIST": "Membership!",
            "COE_WORKFLOW_MIN_ASSESSMENTS": "0",
            "COE_WORKFLOW_PREFINANCING_CAP_PERCENT": "140",
            "COE_WORKFLOW_TECHNICAL_DAYS": "-1",
            "COE_WORKFLOW_OVERDUE_CHECK_SECONDS": "soon",
        ])
        _ = WorkflowService.settings(&reader)
        let problems = reader.problems.joined(separator: "\n")
        for named in ["COE_WORKFLOW_CHECKLIST", "COE_WORKFLOW_MIN_ASSESSMENTS", "COE_WORKFLOW_PREFINANCING_CAP_PERCENT",
                      "COE_WORKFLOW_TECHNICAL_DAYS", "COE_WORKFLOW_OVERDUE_CHECK_SECONDS", "weights sum to 90, not 100"] {
            #expect(problems.contains(named), "\(named) in:\n\(problems)")
        }
        #expect(throws: ConfigurationError.self) { try reader.validate() }
    }
}
