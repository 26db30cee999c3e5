import Events
import Foundation
import Testing
import TestSupport

/// What a client of the API reads back.
struct ProposalReply: Decodable {
    var id: UUID
    var reference: String?
    var status: String
    var revision: Int
    var requestedBudget: String
}

struct ReviewReply: Decodable {
    struct Entry: Decodable {
        var action: String
        var detail: String
    }
    var proposalId: UUID
    var reference: String
    var stage: String
    var revision: Int
    var requestedBudget: String
    var history: [Entry]
}

struct ProblemReply: Decodable {
    struct Field: Decodable, Hashable {
        var field: String
        var problem: String
    }
    var type: String
    var status: Int
    var title: String
    var detail: String?
    var errors: [Field]?
    /// A refused money rule (funding): which, and by how much.
    var rule: String?
    var excess: String?
}


@Suite("Thin slice end to end: coe-intake and coe-workflow executables over HTTP and RabbitMQ")
struct ThinSliceTests {
    @Test func submittedProposalOpensAReviewCaseInWorkflow() async throws {
        let isolation = TestEnvironment.uniqueName("e2e")
        let intake = try ServiceProcess("coe-intake", isolation: isolation)
        let workflow = try ServiceProcess("coe-workflow", isolation: isolation)
        try await workflow.start()
        try await intake.start()

        let id = try await submitProposal(intake)
        let fetched = try await intake.get("/v1/proposals/\(id)", headers: (try await Callers.kazakhFocalPoint))
        #expect(fetched.status == .ok)
        let proposal = try fetched.json(ProposalReply.self)
        #expect(proposal.status == "submitted")
        #expect(proposal.revision == 1)
        #expect(proposal.requestedBudget == "1250000.00")
        #expect(proposal.reference?.hasPrefix("CBRN-") == true)

        let opened = try await eventually(timeout: .seconds(60)) {
            try await workflow.get("/v1/reviews/\(id)", headers: try await Callers.kazakhFocalPoint).status == .ok
        }
        #expect(opened, "workflow log:\n\(workflow.tail())")
        let review = try await workflow.get("/v1/reviews/\(id)", headers: try await Callers.kazakhFocalPoint).json(ReviewReply.self)
        // Another country's focal point can't see the case; the region's secretariat can.
        #expect(try await workflow.get("/v1/reviews/\(id)", headers: try await Callers.uzbekFocalPoint).status == .notFound)
        #expect(try await workflow.get("/v1/reviews/\(id)", headers: try await Callers.centralAsiaSecretariat).status == .ok)
        #expect(try await workflow.get("/v1/reviews/\(id)").status == .unauthorized)
        #expect(review.proposalId.lowercased == id)
        #expect(review.reference == proposal.reference)
        #expect(review.stage == "screening")
        #expect(review.requestedBudget == "1250000.00")
        #expect(review.history.map(\.action) == ["opened"])

        // Health and metrics of all four services' shared runtime.
        #expect(try await intake.get("/health/live").status == .ok)
        let metrics = try await intake.get("/metrics").text
        #expect(metrics.contains("coe_messages_published_total"))
        // The counter moves right after the ack, a moment after the case is visible.
        let counted = try await eventually(timeout: .seconds(30)) {
            try await workflow.get("/metrics").text
                .contains(#"coe_messages_consumed_total{service="\#(isolation).workflow",type="proposal.submitted",outcome="handled"} 1"#)
        }
        #expect(counted)
        // The failure counters exist from the start at 0, and the broker's queues are measured.
        let workflowMetrics = try await workflow.get("/metrics").text
        #expect(workflowMetrics.contains(#"coe_messages_dead_lettered_total{service="\#(isolation).workflow",type="proposal.withdrawn"} 0"#))
        #expect(workflowMetrics.contains(#"coe_queue_messages{service="\#(isolation).workflow",queue="dlq"} 0"#), "\(workflowMetrics)")
        #expect(try await intake.get("/openapi.yaml").text.hasPrefix("openapi: 3.1"))

        // SIGTERM: both stop gracefully, with status 0.
        #expect(try await intake.stop() == 0)
        #expect(try await workflow.stop() == 0)
    }

    @Test func invalidProposalGetsProblemDetailsNamingEveryField() async throws {
        let intake = try ServiceProcess("coe-intake", isolation: TestEnvironment.uniqueName("e2e"))
        try await intake.start()
        let reply = try await intake.post(
            "/v1/proposals", json: #"{"title":"ab","region":"XX","leadCountry":"UZ","participatingCountries":["ZZ"],"cbrnCategories":["magic"],"requestedBudget":"-5"}"#,
            headers: (try await Callers.kazakhFocalPoint))
        #expect(reply.status == .unprocessableEntity)
        #expect(reply.headers["content-type"].first == "application/problem+json")
        let problem = try reply.json(ProblemReply.self)
        #expect(Set(problem.errors?.map(\.field) ?? []) == ["title", "region", "leadCountry", "participatingCountries.0", "cbrnCategories.0", "requestedBudget"])

        let malformed = try await intake.post("/v1/proposals", json: #"{"title": "x",, }"#, headers: (try await Callers.kazakhFocalPoint))
        #expect(malformed.status == .badRequest)
        let missing = try await intake.get("/v1/proposals/\(UUID().lowercased)", headers: (try await Callers.kazakhFocalPoint))
        #expect(missing.status == .notFound)
        #expect(try await intake.stop() == 0)
    }

    @Test(arguments: ["coe-funding", "coe-notifications"])
    func otherServicesStartMigrateAndServeHealthAndMetrics(executable: String) async throws {
        let service = try ServiceProcess(executable, isolation: TestEnvironment.uniqueName("e2e"))
        try await service.start()
        let ready = try await service.get("/health/ready")
        #expect(ready.status == .ok)
        #expect(ready.text.contains(#""migrations":"ok""#))
        #expect(try await service.get("/metrics").status == .ok)
        #expect(try await service.stop() == 0)
    }
}
