import Events
import Foundation
import Testing
import TestSupport

/// Workflow's writes probed the way an outside tester would, against real cases in every open
/// stage: malformed bodies, wrong types, numbers where strings belong, absurd sizes, other
/// people's resources. Each gets a problem (never a 500), and nothing of the case changes.
@Suite("Workflow: hostile requests change nothing and get problems, in every stage")
struct ReviewProbeTests {
    static let hostileBodies: [String] = [
        "null", "[]", #""x""#, "{}", "7", "{\"a\":", #"{"\u0000":1}"#,
        #"{"answers":[],"outcome":"eligible"}"#,
        #"{"answers":{"membership":"yes"},"outcome":"eligible"}"#,
        #"{"answers":{"membership":{"met":1,"note":7}},"outcome":"maybe"}"#,
        #"{"answers":{"membership":{"met":true,"extra":1}},"outcome":"eligible","reasons":"none"}"#,
        #"{"scores":{"relevance":{"score":1e308,"comment":"x"}},"recommendation":"fund","noConflictOfInterest":true}"#,
        #"{"scores":{"relevance":{"score":80.5,"comment":"x"}},"recommendation":"fund","noConflictOfInterest":"true"}"#,
        #"{"scores":{"relevance":{"score":-1,"comment":""}},"recommendation":"FUND","noConflictOfInterest":true}"#,
        #"{"scores":{"relevance":{"score":"80","comment":"x"}},"recommendation":"fund","noConflictOfInterest":true}"#,
        #"{"scores":[80,70],"recommendation":"fund","noConflictOfInterest":true}"#,
        #"{"outcome":"approved","approvedBudget":1000000,"paymentSchedule":[{"tranche":"final","percent":100}]}"#,
        #"{"outcome":"approved","approvedBudget":"99999999999999999999.99","paymentSchedule":[{"tranche":"final","percent":100}]}"#,
        #"{"outcome":"approved","approvedBudget":"-5.00","paymentSchedule":{}}"#,
        #"{"outcome":"approved","approvedBudget":"1000.00","paymentSchedule":[{"tranche":"final","percent":1e3}]}"#,
        #"{"outcome":"approved","approvedBudget":"0.03","paymentSchedule":[{"tranche":"pre_financing","percent":33},{"tranche":"interim","percent":33},{"tranche":"final","percent":34}]}"#,
        #"{"outcome":"approved","approvedBudget":"1000.00","paymentSchedule":["# + Array(repeating: #"{"tranche":"interim","percent":4}"#, count: 25).joined(separator: ",") + "]}",
        #"{"outcome":"rejected","reasons":["# + Array(repeating: #""r""#, count: 21).joined(separator: ",") + "]}",
        #"{"outcome":"revision_requested","reasons":[""# + String(repeating: "é", count: 2001) + #""]}"#,
        #"{"outcome":"rejected","reasons":["\u202eevil\u202c", "🧪"],"approvedBudget":"5.00"}"#,
        String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000),
        #"{"reviewer":"rev-x","name":"N","country":"FR","email":"a@b.c","extra":[1,2,3]}"#,
    ]

    /// Every write of a case with every hostile body, as the person whose act it is.
    func probe(_ workflow: ServiceProcess, _ id: String) async throws {
        let secretariat = try await Callers.centralAsiaSecretariat
        let reviewer = try await ReviewSteps.reviewer("rev-fr")
        let admin = try await ReviewSteps.programmeManager
        let writes: [(String, [(String, String)])] = [
            ("POST /v1/reviews/\(id)/screening", secretariat),
            ("POST /v1/reviews/\(id)/assignments", secretariat),
            ("POST /v1/reviews/\(id)/assessments", reviewer),
            ("PUT /v1/reviews/\(id)/assessments/me", reviewer),
            ("POST /v1/reviews/\(id)/decision", admin),
        ]
        let before = try await workflow.get("/v1/reviews/\(id)", headers: secretariat).text
        for (route, headers) in writes {
            let parts = route.split(separator: " ", maxSplits: 1)
            for body in Self.hostileBodies {
                let reply = try await workflow.request(.init(rawValue: String(parts[0])), String(parts[1]), json: body, headers: headers)
                #expect((400..<500).contains(Int(reply.status.code)), "\(route) \(body.prefix(120)) → \(reply.status) \(reply.text.prefix(300))")
                #expect(reply.headers["content-type"].first == "application/problem+json", "\(route) \(body.prefix(80))")
            }
        }
        // Nothing of it stuck (the case as the secretariat sees it, scores and history included).
        #expect(try await workflow.get("/v1/reviews/\(id)", headers: secretariat).text == before)
    }

    @Test func hostileBodiesChangeNothingInAnyOpenStage() async throws {
        try await withWorkflowServices { intake, workflow, _ in
            // screening
            let screening = try await openCase(intake, workflow)
            try await probe(workflow, screening)
            // technical, with the reviewer assigned
            let technical = ReviewSteps(workflow: workflow, id: try await openCase(intake, workflow))
            #expect(try await technical.screen().status == .ok)
            try await technical.assign("rev-fr", country: "FR")
            try await probe(workflow, technical.id)
            // decision, the reviewer having assessed
            let decision = ReviewSteps(workflow: workflow, id: try await openCase(intake, workflow))
            try await decision.toDecision([80, 70, 90, 60, 50], [90, 80, 70, 80, 60])
            try await probe(workflow, decision.id)
        }
    }

    @Test func nobodyActsOnACaseThatIsNotTheirs() async throws {
        try await withWorkflowServices { intake, workflow, _ in
            let mine = ReviewSteps(workflow: workflow, id: try await openCase(intake, workflow))
            let theirs = ReviewSteps(workflow: workflow, id: try await openCase(intake, workflow))
            try await mine.toDecision([80, 70, 90, 60, 50], [90, 80, 70, 80, 60])
            #expect(try await theirs.screen().status == .ok)
            try await theirs.assign("rev-it", country: "IT")

            // A reviewer of one case can't assess or amend another, nor amend a colleague's assessment.
            #expect(try await theirs.assess(as: "rev-fr", [50, 50, 50, 50, 50]).status == .notFound)
            let colleague = try await workflow.request(.PUT, "/v1/reviews/\(mine.id)/assessments/rev-de", json: ReviewSteps.assessment([0, 0, 0, 0, 0]), headers: try await ReviewSteps.reviewer("rev-fr"))
            #expect(colleague.status == .forbidden, "\(colleague.text)")
            // Another region's secretariat, another country's focal point: the case doesn't exist for them.
            let sea = try await TestTokens.header(role: "secretariat", sub: "sec-sea", region: "SEA")
            #expect(try await workflow.post("/v1/reviews/\(theirs.id)/screening", json: ReviewSteps.eligible, headers: sea).status == .notFound)
            #expect(try await workflow.post("/v1/reviews/\(mine.id)/decision", json: ReviewSteps.approval(budget: "1.00"), headers: try await Callers.uzbekFocalPoint).status == .notFound)
            // The applicant's own focal point sees the case, but deciding is not theirs.
            #expect(try await workflow.post("/v1/reviews/\(mine.id)/decision", json: ReviewSteps.approval(budget: "1.00"), headers: try await Callers.kazakhFocalPoint).status == .forbidden)
            // A reviewer of the lead country's nationality, assigned by mistake later, is refused at assessment too.
            let kazakhReviewer = try await TestTokens.header(role: "reviewer", sub: "rev-it", country: "KZ")
            let conflicted = try await workflow.post("/v1/reviews/\(theirs.id)/assessments", json: ReviewSteps.assessment([90, 90, 90, 90, 90]), headers: kazakhReviewer)
            #expect(conflicted.status == .conflict && conflicted.text.contains("conflict of interest"), "\(conflicted.text)")
            // Hidden things stay hidden in lists too.
            let applicantList = try await workflow.get("/v1/reviews?assigned=rev-fr", headers: try await Callers.kazakhFocalPoint)
            #expect(applicantList.status.code == 422)
            #expect(try await workflow.get("/v1/reviews?sort=score", headers: try await ReviewSteps.reviewer("rev-fr")).status.code == 422)
            #expect(try await workflow.get("/v1/reviews?assigned=me", headers: try await ReviewSteps.reviewer("rev-fr")).status == .ok)
            #expect(try await workflow.get("/v1/reviews?assigned=rev-de", headers: try await ReviewSteps.reviewer("rev-fr")).status.code == 422)
        }
    }
}
