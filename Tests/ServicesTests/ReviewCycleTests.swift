import AMQP
import Events
import Foundation
import Messaging
import Testing
import TestSupport

/// A review case as the API returns it, with its rounds and scores.
struct RoundsCaseReply: Decodable {
    struct Round: Decodable {
        struct Screening: Decodable { var outcome: String; var reasons: [String] }
        struct Assessment: Decodable {
            var reviewer: String
            var reviewerName: String
            var reviewerCountry: String
            var weightedTotal: String
            var recommendation: String
            var amendments: Int
        }
        struct Decision: Decodable { var outcome: String; var approvedBudget: String?; var reasons: [String] }
        var number: Int
        var revision: Int
        var screening: Screening?
        var assessments: [Assessment]
        var decision: Decision?
        var endedAt: Date?
    }
    struct Scores: Decodable, Equatable { var assessments: Int; var averageScore: String?; var weightedScore: String? }
    var proposalId: UUID
    var stage: String
    var revision: Int
    var rounds: [Round]
    var scores: Scores
    var allowedActions: [String]
    var overdue: Bool
}

struct RankingReply: Decodable {
    struct Entry: Decodable {
        var rank: Int
        var proposalId: UUID
        var requestedBudget: String
        var cumulativeRequested: String
        var scores: RoundsCaseReply.Scores
    }
    var items: [Entry]
}

/// The steps people take on one case through workflow's API.
struct ReviewSteps {
    let workflow: ServiceProcess
    let id: String

    static func reviewer(_ sub: String) async throws -> [(String, String)] { try await TestTokens.header(role: "reviewer", sub: sub) }
    static var programmeManager: [(String, String)] { get async throws { try await TestTokens.header(role: "admin", sub: "pm-1") } }

    static let eligible = """
        {"answers":{"membership":true,"cross_border":true,"cbrn_relevance":{"met":true,"note":"radiological border control"},
         "budget_within_limits":true,"duration_within_limits":true,"complete":true},"outcome":"eligible"}
        """

    /// An assessment with these scores for relevance, feasibility, cross-border impact, sustainability, value for money (30/20/20/15/15).
    static func assessment(_ scores: [Int], recommendation: String = "fund") -> String {
        let keys = ["relevance", "feasibility", "cross_border_impact", "sustainability", "value_for_money"]
        let marks = zip(keys, scores).map { #""\#($0)":{"score":\#($1),"comment":"Scored \#($1) on \#($0)."}"# }.joined(separator: ",")
        return #"{"scores":{\#(marks)},"recommendation":"\#(recommendation)","noConflictOfInterest":true}"#
    }

    static func approval(budget: String, schedule: [(String, Int)] = [("pre_financing", 40), ("interim", 40), ("final", 20)]) -> String {
        let tranches = schedule.map { #"{"tranche":"\#($0)","percent":\#($1)}"# }.joined(separator: ",")
        return #"{"outcome":"approved","approvedBudget":"\#(budget)","paymentSchedule":[\#(tranches)]}"#
    }

    func screen(_ json: String = eligible) async throws -> ServiceProcess.Reply {
        try await workflow.post("/v1/reviews/\(id)/screening", json: json, headers: try await Callers.centralAsiaSecretariat)
    }

    func assign(_ sub: String, country: String) async throws {
        let reply = try await workflow.post(
            "/v1/reviews/\(id)/assignments", json: #"{"reviewer":"\#(sub)","name":"Reviewer \#(sub)","country":"\#(country)"}"#,
            headers: try await Callers.centralAsiaSecretariat)
        #expect(reply.status == .created, "\(reply.text)")
    }

    func assess(as sub: String, _ scores: [Int], recommendation: String = "fund") async throws -> ServiceProcess.Reply {
        try await workflow.post("/v1/reviews/\(id)/assessments", json: Self.assessment(scores, recommendation: recommendation), headers: try await Self.reviewer(sub))
    }

    func decide(_ json: String, headers: [(String, String)] = []) async throws -> ServiceProcess.Reply {
        try await workflow.post("/v1/reviews/\(id)/decision", json: json, headers: try await Self.programmeManager + headers)
    }

    func read(as headers: [(String, String)]) async throws -> RoundsCaseReply {
        try await workflow.get("/v1/reviews/\(id)", headers: headers).json(RoundsCaseReply.self)
    }

    /// Screened eligible, two reviewers assigned and both assessed: the case awaits the decision.
    func toDecision(_ first: [Int], _ second: [Int]) async throws {
        #expect(try await screen().status == .ok)
        try await assign("rev-fr", country: "FR")
        try await assign("rev-de", country: "DE")
        #expect(try await assess(as: "rev-fr", first).status == .created)
        #expect(try await assess(as: "rev-de", second).status == .created)
        #expect(try await read(as: try await Callers.centralAsiaSecretariat).stage == "decision")
    }
}

@Suite("Workflow: screening, independent assessment and the decision, end to end")
struct ReviewCycleTests {
    func proposalStatus(_ intake: ServiceProcess, _ id: String) async throws -> FullProposalReply {
        try await intake.get("/v1/proposals/\(id)", headers: try await Callers.kazakhFocalPoint).json(FullProposalReply.self)
    }

    @Test func submitScreenAssessTwiceAndApproveReachesIntakeWithTheApprovedBudget() async throws {
        try await withWorkflowServices { intake, workflow, _ in
            let id = try await openCase(intake, workflow)
            let steps = ReviewSteps(workflow: workflow, id: id)
            let secretariat = try await Callers.centralAsiaSecretariat

            // Screening: every item answered; an eligible answer with an unmet item names it.
            let unmet = try await steps.screen(ReviewSteps.eligible.replacingOccurrences(of: #""complete":true"#, with: #""complete":false"#))
            #expect(unmet.status.code == 422)
            #expect(try unmet.json(ProblemReply.self).errors?.map(\.field) == ["answers.complete"], "\(unmet.text)")
            let screened = try await steps.screen()
            #expect(screened.status == .ok, "\(screened.text)")
            #expect(try screened.json(RoundsCaseReply.self).stage == "technical")
            #expect(try await steps.screen().status == .conflict)

            try await steps.assign("rev-fr", country: "FR")
            try await steps.assign("rev-de", country: "DE")

            // No decision before two assessments, naming the rule.
            let early = try await steps.decide(ReviewSteps.approval(budget: "1000000.00"))
            #expect(early.status == .conflict)
            #expect(early.text.contains("needs 2 submitted assessments") && early.text.contains("it has 0"), "\(early.text)")

            // A reviewer who declares no conflict of interest assesses, once.
            let undeclared = try await workflow.post(
                "/v1/reviews/\(id)/assessments", json: ReviewSteps.assessment([80, 70, 90, 60, 50]).replacingOccurrences(of: "true}", with: "false}"),
                headers: try await ReviewSteps.reviewer("rev-fr"))
            #expect(undeclared.status.code == 422 && undeclared.text.contains("noConflictOfInterest"), "\(undeclared.text)")
            // 80·30 + 70·20 + 90·20 + 60·15 + 50·15 = 7 250 hundredths.
            let first = try await steps.assess(as: "rev-fr", [80, 70, 90, 60, 50])
            #expect(first.status == .created, "\(first.text)")
            #expect(try first.json(RoundsCaseReply.self).rounds[0].assessments.map(\.weightedTotal) == ["72.50"])
            let twice = try await steps.assess(as: "rev-fr", [10, 10, 10, 10, 10])
            #expect(twice.status == .conflict && twice.text.contains("one assessment per reviewer per round"), "\(twice.text)")

            // Independence: the second reviewer sees nothing of the first's assessment before their own.
            let blind = try await steps.read(as: try await ReviewSteps.reviewer("rev-de"))
            #expect(blind.rounds[0].assessments.isEmpty && blind.scores.assessments == 0 && blind.scores.weightedScore == nil)
            #expect(blind.allowedActions == ["assess"])
            let blindHistory = try await workflow.get("/v1/reviews/\(id)/history", headers: try await ReviewSteps.reviewer("rev-de"))
            #expect(!blindHistory.text.contains("assessed round") && !blindHistory.text.contains("rev-fr"), "\(blindHistory.text)")
            let one = try await steps.decide(ReviewSteps.approval(budget: "1000000.00"))
            #expect(one.status == .conflict && one.text.contains("it has 1"), "\(one.text)")

            // 90·30 + 80·20 + 70·20 + 80·15 + 60·15 = 7 800.
            let second = try await steps.assess(as: "rev-de", [90, 80, 70, 80, 60])
            #expect(second.status == .created)
            let afterBoth = try await steps.read(as: try await ReviewSteps.reviewer("rev-de"))
            #expect(afterBoth.stage == "decision")
            // Now the other assessment shows, without its reviewer's name. Means of 72.50 and 78.00,
            // and of the plain averages 70.00 and 76.00.
            #expect(afterBoth.rounds[0].assessments.count == 2)
            #expect(!afterBoth.rounds[0].assessments.contains { $0.reviewer == "rev-fr" || $0.reviewerName.contains("rev-fr") || $0.reviewerCountry == "FR" })
            #expect(afterBoth.scores == .init(assessments: 2, averageScore: "73.00", weightedScore: "75.25"))

            // The ranking shows the case with its exact score; reviewers don't see rankings.
            let ranking = try await workflow.get("/v1/rankings?region=CA", headers: try await ReviewSteps.programmeManager).json(RankingReply.self)
            #expect(ranking.items.map(\.proposalId.lowercased) == [id])
            #expect(ranking.items.first?.scores.weightedScore == "75.25" && ranking.items.first?.cumulativeRequested == "1250000.00")
            #expect(try await workflow.get("/v1/rankings", headers: try await ReviewSteps.reviewer("rev-de")).status == .forbidden)

            // The decision's rules, each named.
            let over = try await steps.decide(ReviewSteps.approval(budget: "1250000.01"))
            #expect(over.status.code == 422 && over.text.contains("0.01 over the 1250000.00 requested"), "\(over.text)")
            let short = try await steps.decide(ReviewSteps.approval(budget: "1000000.00", schedule: [("pre_financing", 30), ("final", 60)]))
            #expect(short.status.code == 422 && short.text.contains("they sum to 90"), "\(short.text)")
            let greedy = try await steps.decide(ReviewSteps.approval(budget: "1000000.00", schedule: [("pre_financing", 60), ("final", 40)]))
            #expect(greedy.status.code == 422 && greedy.text.contains("at most 40%"), "\(greedy.text)")
            #expect(try await workflow.post("/v1/reviews/\(id)/decision", json: ReviewSteps.approval(budget: "1000000.00"), headers: secretariat).status == .forbidden)

            // Approved, once, whatever the retries.
            let key = [("Idempotency-Key", "approve-\(id)")]
            let approved = try await steps.decide(ReviewSteps.approval(budget: "1000000.00"), headers: key)
            #expect(approved.status == .ok, "\(approved.text)")
            let replayed = try await steps.decide(ReviewSteps.approval(budget: "1000000.00"), headers: key)
            #expect(replayed.status == .ok && replayed.text == approved.text)
            let decided = try approved.json(RoundsCaseReply.self)
            #expect(decided.stage == "approved" && decided.rounds[0].decision?.approvedBudget == "1000000.00")
            #expect(try await steps.decide(ReviewSteps.approval(budget: "1000000.00")).status == .conflict)

            // Intake shows the decision.
            let reached = try await eventually { try await proposalStatus(intake, id).status == "approved" }
            #expect(reached, "intake log:\n\(intake.tail())")
            #expect(try await proposalStatus(intake, id).approvedBudget == "1000000.00")

            // The applicant sees the decision but not who reviewed nor their assessments.
            let applicant = try await steps.read(as: try await Callers.kazakhFocalPoint)
            #expect(applicant.rounds[0].assessments.isEmpty && applicant.rounds[0].decision?.outcome == "approved")
            let applicantHistory = try await workflow.get("/v1/reviews/\(id)/history", headers: try await Callers.kazakhFocalPoint)
            #expect(!applicantHistory.text.contains("rev-fr") && !applicantHistory.text.contains("rev-de"), "\(applicantHistory.text)")
            let fullHistory = try await workflow.get("/v1/reviews/\(id)/history", headers: secretariat)
            #expect(fullHistory.text.contains("Reviewer rev-fr assessed round 1"), "\(fullHistory.text)")
        }
    }

    @Test func approvalPublishesWhatFundingNeeds() async throws {
        try await withWorkflowServices(spying: "proposal.approved") { intake, workflow, spy, _ in
            let id = try await openCase(intake, workflow)
            let steps = ReviewSteps(workflow: workflow, id: id)
            try await steps.toDecision([80, 70, 90, 60, 50], [90, 80, 70, 80, 60])
            #expect(try await steps.decide(ReviewSteps.approval(budget: "1000000.01", schedule: [("pre_financing", 30), ("interim", 30), ("final", 40)])).status == .ok)
            var approvals: [EventEnvelope<ProposalApproved>] = []
            for await delivery in spy.deliveries {
                spy.ack(delivery)
                approvals.append(try EventCoding.decoder().decode(EventEnvelope<ProposalApproved>.self, from: Data(delivery.body)))
                break
            }
            let approval = try #require(approvals.first)
            #expect(approval.metadata.source == "workflow" && approval.metadata.actor == EventActor(sub: "pm-1", role: "admin"))
            #expect(approval.data.proposalId.lowercased == id && approval.data.revision == 1 && approval.data.round == 1)
            #expect(approval.data.proposal.region == "CA" && approval.data.proposal.leadCountry == "KZ")
            #expect(approval.data.proposal.participatingCountries == ["UZ", "KG"] && approval.data.proposal.requestedBudget == Money("1250000.00"))
            #expect(approval.data.approvedBudget == Money("1000000.01"))
            #expect(approval.data.paymentSchedule.map(\.amount) == [Money("300000.00"), Money("300000.00"), Money("400000.01")])
            #expect(approval.data.paymentSchedule.map(\.tranche) == [.preFinancing, .interim, .final])
            #expect(approval.data.weightedScore == "75.25" && approval.data.decision.decidedBy.sub == "pm-1")
        }
    }

    @Test func ineligibleAtScreeningAndRejectedAtTheDecisionBothReachIntake() async throws {
        try await withWorkflowServices { intake, workflow, _ in
            let ineligible = ReviewSteps(workflow: workflow, id: try await openCase(intake, workflow))
            let noReasons = try await ineligible.screen(ReviewSteps.eligible.replacingOccurrences(of: #""outcome":"eligible""#, with: #""outcome":"ineligible""#))
            #expect(noReasons.status.code == 422 && noReasons.text.contains(#""field":"reasons""#), "\(noReasons.text)")
            let screenedOut = try await ineligible.screen(ReviewSteps.eligible.replacingOccurrences(
                of: #""outcome":"eligible""#, with: #""outcome":"ineligible","reasons":["Not a CBRN risk"]"#))
            #expect(screenedOut.status == .ok, "\(screenedOut.text)")
            #expect(try screenedOut.json(RoundsCaseReply.self).stage == "rejected")

            let rejected = ReviewSteps(workflow: workflow, id: try await openCase(intake, workflow))
            try await rejected.toDecision([20, 30, 10, 40, 20], [30, 20, 20, 30, 10])
            #expect(try await rejected.decide(#"{"outcome":"rejected"}"#).status.code == 422)
            #expect(try await rejected.decide(#"{"outcome":"rejected","reasons":["Too weak"],"approvedBudget":"1.00"}"#).status.code == 422)
            #expect(try await rejected.decide(#"{"outcome":"rejected","reasons":["Too weak on sustainability"]}"#).status == .ok)

            for (steps, reason) in [(ineligible, "Not a CBRN risk"), (rejected, "Too weak on sustainability")] {
                let reached = try await eventually { try await proposalStatus(intake, steps.id).status == "rejected" }
                #expect(reached, "intake log:\n\(intake.tail())")
                #expect(try await proposalStatus(intake, steps.id).decisionReasons == [reason])
            }
        }
    }

    @Test func aRevisionOpensASecondRoundThatKeepsTheFirstWhole() async throws {
        try await withWorkflowServices { intake, workflow, _ in
            let id = try await openCase(intake, workflow)
            let steps = ReviewSteps(workflow: workflow, id: id)
            let secretariat = try await Callers.centralAsiaSecretariat
            let focalPoint = try await Callers.kazakhFocalPoint
            try await steps.toDecision([50, 50, 50, 50, 50], [60, 60, 60, 60, 60])
            let requested = try await steps.decide(#"{"outcome":"revision_requested","reasons":["Add a training plan"]}"#)
            #expect(requested.status == .ok, "\(requested.text)")
            #expect(try await eventually { try await proposalStatus(intake, id).status == "revision_requested" })

            // The focal point revises and resubmits: round 2 opens in screening.
            let current = try await intake.get("/v1/proposals/\(id)", headers: focalPoint)
            let edited = try await intake.request(
                .PATCH, "/v1/proposals/\(id)", json: #"{"objectives":["Install portal monitors","Train 60 officers"],"requestedBudget":"1100000.00"}"#,
                headers: focalPoint + [("If-Match", current.headers["etag"].first ?? "")])
            #expect(edited.status == .ok, "\(edited.text)")
            #expect(try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: focalPoint).status == .ok)
            let opened = try await eventually { try await steps.read(as: secretariat).rounds.count == 2 }
            #expect(opened, "workflow log:\n\(workflow.tail())")

            #expect(try await steps.screen().status == .ok)
            #expect(try await steps.assess(as: "rev-fr", [90, 90, 90, 90, 90]).status == .created)
            #expect(try await steps.assess(as: "rev-de", [70, 70, 70, 70, 70]).status == .created)
            #expect(try await steps.decide(ReviewSteps.approval(budget: "1100000.00")).status == .ok)

            let reviewCase = try await steps.read(as: secretariat)
            #expect(reviewCase.stage == "approved" && reviewCase.revision == 2)
            #expect(reviewCase.rounds.map(\.number) == [1, 2] && reviewCase.rounds.map(\.revision) == [1, 2])
            #expect(reviewCase.rounds[0].assessments.map(\.weightedTotal) == ["50.00", "60.00"])
            #expect(reviewCase.rounds[0].decision?.outcome == "revision_requested" && reviewCase.rounds[0].endedAt != nil)
            #expect(reviewCase.rounds[1].assessments.map(\.weightedTotal) == ["90.00", "70.00"])
            #expect(reviewCase.scores.weightedScore == "80.00")

            let reached = try await eventually { try await proposalStatus(intake, id).status == "approved" }
            #expect(reached, "intake log:\n\(intake.tail())")
            let proposal = try await proposalStatus(intake, id)
            #expect(proposal.revision == 2 && proposal.approvedBudget == "1100000.00")
        }
    }

    /// A state-machine refusal as a client reads it.
    struct StateProblem: Decodable {
        var type: String
        var state: String
        var allowedActions: [String]
    }

    @Test func eachStepPublishesItsEventOnceAndRefusalsNameTheStateAndWhatItAllows() async throws {
        try await withWorkflowServices { intake, workflow, spy in
            let steps = ReviewSteps(workflow: workflow, id: try await openCase(intake, workflow))
            let secretariat = try await Callers.centralAsiaSecretariat
            #expect(try await steps.screen().status == .ok)

            // In technical: screening again, and deciding, are refused with the state and its actions.
            let again = try await steps.screen()
            #expect(again.status == .conflict)
            let invalid = try again.json(StateProblem.self)
            #expect(invalid.type.hasSuffix("/invalid-state") && invalid.state == "technical")
            #expect(invalid.allowedActions == ["assign", "unassign", "assess", "amend", "remind", "withdraw"])
            let early = try await steps.decide(#"{"outcome":"rejected","reasons":["Too early"]}"#)
            let notEnough = try early.json(StateProblem.self)
            #expect(early.status == .conflict && notEnough.type.hasSuffix("/not-enough-assessments") && notEnough.state == "technical")

            // Odd input where it is easiest to slip in: a key of combining marks, control characters in a path.
            let marks = "a" + String(repeating: "\u{0301}", count: 300)
            let oddKey = try await workflow.post(
                "/v1/reviews/\(steps.id)/screening", json: ReviewSteps.eligible, headers: secretariat + [("Idempotency-Key", marks)])
            #expect(oddKey.status.code == 422 && oddKey.text.contains("Idempotency-Key"), "\(oddKey.text)")
            for reviewer in ["rev%E2%80%AEfr", "rev%01fr", String(repeating: "r", count: 201)] {
                let reply = try await workflow.request(.DELETE, "/v1/reviews/\(steps.id)/assignments/\(reviewer)", headers: secretariat)
                #expect(reply.status.code == 422 && reply.text.contains(#""field":"reviewer""#), "\(reviewer): \(reply.text)")
            }

            try await steps.assign("rev-fr", country: "FR")
            try await steps.assign("rev-de", country: "DE")
            #expect(try await steps.assess(as: "rev-fr", [80, 70, 90, 60, 50]).status == .created)
            #expect(try await steps.assess(as: "rev-de", [90, 80, 70, 80, 60]).status == .created)
            #expect(try await steps.decide(#"{"outcome":"rejected","reasons":["Out of scope"]}"#).status == .ok)

            // Each step's event reached the broker once, in order, with what its readers need.
            var types: [String] = []
            var assessed: [ReviewAssessed] = []
            var screened: ReviewScreened?
            for await delivery in spy.deliveries {
                spy.ack(delivery)
                let type = delivery.properties.type ?? "?"
                types.append(type)
                if type == "review.assessed" {
                    assessed.append(try EventCoding.decoder().decode(EventEnvelope<ReviewAssessed>.self, from: Data(delivery.body)).data)
                }
                if type == "review.screened" {
                    screened = try EventCoding.decoder().decode(EventEnvelope<ReviewScreened>.self, from: Data(delivery.body)).data
                }
                if types.count == 5 { break }
            }
            #expect(types == ["review.screened", "review.assigned", "review.assigned", "review.assessed", "review.assessed"])
            #expect(screened?.outcome == "eligible" && screened?.proposal.reference.hasPrefix("CBRN-") == true && screened?.round == 1)
            #expect(assessed.map(\.weightedTotal) == ["72.50", "78.00"])
            #expect(assessed.map(\.readyForDecision) == [false, true] && assessed.map(\.assessments) == [1, 2])
            #expect(assessed.allSatisfy { $0.required == 2 && !$0.amended && $0.proposalId.lowercased == steps.id })
        }
    }
}
