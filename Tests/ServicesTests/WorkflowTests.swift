import AMQP
import Events
import Foundation
import Messaging
import ServiceRuntime
import Testing
import TestSupport

/// A review case as the API returns it, with its reviewers.
struct CaseReply: Decodable {
    struct Assignment: Decodable, Equatable {
        var reviewer: String
        var name: String
        var email: String?
        var country: String
        var assignedBy: String
    }
    struct Entry: Decodable {
        var action: String
        var actor: EventActor
        var detail: String
    }
    var proposalId: UUID
    var region: String
    var revision: Int
    var stage: String
    var assignments: [Assignment]
    var history: [Entry]
}

struct CasePageReply: Decodable {
    var items: [CaseReply]
    var nextCursor: String?
}

@Suite("Workflow: review cases and the reviewers assigned to them")
struct WorkflowTests {
    static var assignedReviewer: [(String, String)] { get async throws { try await TestTokens.header(role: "reviewer", sub: "rev-fr") } }
    static var otherReviewer: [(String, String)] { get async throws { try await TestTokens.header(role: "reviewer", sub: "rev-de") } }

    @Test func aSecretariatAssignsAReviewerWhoThenSeesTheCaseAndOthersDoNot() async throws {
        try await withWorkflowServices { intake, workflow, spy in
            let id = try await openCase(intake, workflow)
            let secretariat = try await Callers.centralAsiaSecretariat
            // Before the assignment the reviewer sees nothing of it.
            #expect(try await workflow.get("/v1/reviews/\(id)", headers: try await Self.assignedReviewer).status == .notFound)

            let assigned = try await workflow.post("/v1/reviews/\(id)/assignments", json: reviewerJSON, headers: secretariat)
            #expect(assigned.status == .created, "\(assigned.text)")
            let afterAssign = try assigned.json(CaseReply.self)
            #expect(afterAssign.assignments == [.init(reviewer: "rev-fr", name: "Camille Laurent", email: "camille.laurent@example.fr", country: "FR", assignedBy: "sec-ca")])

            // Assigning again changes nothing: 200, still one assignment, one history step, one event.
            let again = try await workflow.post("/v1/reviews/\(id)/assignments", json: reviewerJSON, headers: secretariat)
            #expect(again.status == .ok)
            #expect(try again.json(CaseReply.self).assignments.count == 1)

            // The reviewer sees the case, alone in their list; another reviewer sees neither.
            let seen = try await workflow.get("/v1/reviews/\(id)", headers: try await Self.assignedReviewer)
            #expect(seen.status == .ok)
            let mine = try await workflow.get("/v1/reviews", headers: try await Self.assignedReviewer).json(CasePageReply.self)
            #expect(mine.items.map(\.proposalId.lowercased) == [id])
            #expect(try await workflow.get("/v1/reviews/\(id)", headers: try await Self.otherReviewer).status == .notFound)
            #expect(try await workflow.get("/v1/reviews", headers: try await Self.otherReviewer).json(CasePageReply.self).items.isEmpty)

            // review.assigned reached the broker once, with the documented shape and the actor.
            var events: [EventEnvelope<ReviewAssigned>] = []
            for await delivery in spy.deliveries {
                spy.ack(delivery)
                #expect(delivery.properties.type == "review.assigned")
                #expect(delivery.properties.headers["x-coe-subject"]?.stringValue == id)
                events.append(try EventCoding.decoder().decode(EventEnvelope<ReviewAssigned>.self, from: Data(delivery.body)))
                break
            }
            let event = try #require(events.first)
            #expect(event.metadata.source == "workflow")
            #expect(event.metadata.actor == EventActor(sub: "sec-ca", role: "secretariat"))
            #expect(event.data.proposalId.lowercased == id)
            #expect(event.data.region == "CA")
            #expect(event.data.revision == 1)
            #expect(event.data.reviewer == .init(sub: "rev-fr", name: "Camille Laurent", email: "camille.laurent@example.fr"))
            // No second review.assigned arrives (read from the stream: unacked deliveries don't show in queue counts).
            let another = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for await delivery in spy.deliveries {
                        spy.ack(delivery)
                        return true
                    }
                    return false
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(1))
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(!another, "a second review.assigned was published")

            // Unassigned: the reviewer loses the case; the history keeps both steps, with who did them.
            #expect(try await workflow.request(.DELETE, "/v1/reviews/\(id)/assignments/rev-fr", headers: secretariat).status == .noContent)
            #expect(try await workflow.get("/v1/reviews/\(id)", headers: try await Self.assignedReviewer).status == .notFound)
            #expect(try await workflow.request(.DELETE, "/v1/reviews/\(id)/assignments/rev-fr", headers: secretariat).status == .notFound)
            let reviewCase = try await workflow.get("/v1/reviews/\(id)", headers: secretariat).json(CaseReply.self)
            #expect(reviewCase.assignments.isEmpty)
            #expect(reviewCase.history.map(\.action) == ["opened", "reviewer_assigned", "reviewer_unassigned"])
            #expect(reviewCase.history.last?.actor == EventActor(sub: "sec-ca", role: "secretariat"))

            // Workflow's audit trail has each of those requests, with its actor and outcome.
            let audit = try await workflow.get("/v1/audit", headers: try await TestTokens.header(role: "admin", sub: "admin-1")).json(AuditReply.self)
            #expect(audit.items.reversed().map { "\($0.actor) \($0.role) \($0.action) \($0.outcome)" } == [
                "sec-ca secretariat POST /v1/reviews/{proposalId}/assignments 201",
                "sec-ca secretariat POST /v1/reviews/{proposalId}/assignments 200",
                "sec-ca secretariat DELETE /v1/reviews/{proposalId}/assignments/{reviewer} 204",
                "sec-ca secretariat DELETE /v1/reviews/{proposalId}/assignments/{reviewer} 404",
            ])
        }
    }

    @Test func assignmentsNameEveryProblemAndRefuseConflictsOfInterest() async throws {
        try await withWorkflowServices { intake, workflow, _ in
            let id = try await openCase(intake, workflow)
            let secretariat = try await Callers.centralAsiaSecretariat
            let path = "/v1/reviews/\(id)/assignments"

            let many = try await workflow.post(path, json: #"{"name":"","email":"not-mail","country":"fra","role":"lead"}"#, headers: secretariat)
            #expect(many.status.code == 422)
            let fields = Set(try many.json(ProblemReply.self).errors?.map(\.field) ?? [])
            #expect(fields == ["reviewer", "name", "email", "country", "role"], "\(many.text)")

            let wrongTypes = try await workflow.post(path, json: #"{"reviewer":7,"name":["x"],"country":null}"#, headers: secretariat)
            #expect(wrongTypes.status.code == 422)
            #expect(Set(try wrongTypes.json(ProblemReply.self).errors?.map(\.field) ?? []) == ["reviewer", "name", "country"], "\(wrongTypes.text)")

            #expect(try await workflow.post(path, json: #"{"reviewer":"x""#, headers: secretariat).status == .badRequest)
            #expect(try await workflow.post(path, json: "[]", headers: secretariat).status.code == 422)

            // The proposal involves KZ (lead), UZ and KG: their nationals don't review it.
            for country in ["KZ", "UZ", "KG"] {
                let conflicted = try await workflow.post(
                    path, json: #"{"reviewer":"rev-\#(country)","name":"N","country":"\#(country)"}"#, headers: secretariat)
                #expect(conflicted.status.code == 422)
                let problem = try conflicted.json(ProblemReply.self)
                #expect(problem.errors?.first?.field == "country")
                #expect(problem.errors?.first?.problem.contains("conflict of interest") == true, "\(conflicted.text)")
            }
            // Nothing of the refused ones stuck.
            let reviewCase = try await workflow.get("/v1/reviews/\(id)", headers: secretariat).json(CaseReply.self)
            #expect(reviewCase.assignments.isEmpty)
            #expect(reviewCase.history.map(\.action) == ["opened"])

            // Unknown cases and other regions' cases are 404 to the secretariat, whatever the body.
            let sea = try await TestTokens.header(role: "secretariat", sub: "sec-sea", region: "SEA")
            #expect(try await workflow.post(path, json: reviewerJSON, headers: sea).status == .notFound)
            #expect(try await workflow.post("/v1/reviews/\(UUID().lowercased)/assignments", json: reviewerJSON, headers: secretariat).status == .notFound)
        }
    }

    @Test func aRevisionThatInvolvesAReviewersCountryDropsThemAndAWithdrawalClosesTheCase() async throws {
        try await withWorkflowServices { intake, workflow, _ in
            let id = try await openCase(intake, workflow)
            let secretariat = try await Callers.centralAsiaSecretariat
            let focalPoint = try await Callers.kazakhFocalPoint
            let path = "/v1/reviews/\(id)/assignments"
            #expect(try await workflow.post(path, json: #"{"reviewer":"rev-tj","name":"Tajik Reviewer","country":"TJ"}"#, headers: secretariat).status == .created)
            #expect(try await workflow.post(path, json: reviewerJSON, headers: secretariat).status == .created)

            // Reviews are independent: the applicant doesn't learn who reviews, a reviewer sees only themselves.
            let applicantView = try await workflow.get("/v1/reviews/\(id)", headers: focalPoint).json(CaseReply.self)
            #expect(applicantView.assignments.isEmpty)
            #expect(applicantView.history.filter { $0.action == "reviewer_assigned" }.map(\.detail) == ["a reviewer was assigned", "a reviewer was assigned"])
            let reviewerView = try await workflow.get("/v1/reviews/\(id)", headers: try await Self.assignedReviewer).json(CaseReply.self)
            #expect(reviewerView.assignments.map(\.reviewer) == ["rev-fr"])
            #expect(!reviewerView.history.contains { $0.detail.contains("Tajik") })
            let listed = try await workflow.get("/v1/reviews", headers: focalPoint).json(CasePageReply.self)
            #expect(listed.items.allSatisfy { $0.assignments.isEmpty })

            // Screened, assessed by both, and the programme manager asks for a revision that brings in Tajikistan.
            let steps = ReviewSteps(workflow: workflow, id: id)
            #expect(try await steps.screen().status == .ok)
            #expect(try await steps.assess(as: "rev-tj", [70, 70, 70, 70, 70]).status == .created)
            #expect(try await steps.assess(as: "rev-fr", [60, 60, 60, 60, 60]).status == .created)
            let asked = try await steps.decide(#"{"outcome":"revision_requested","reasons":["Involve Tajikistan"]}"#)
            #expect(asked.status == .ok, "\(asked.text)")
            let requested = try await eventually {
                try await intake.get("/v1/proposals/\(id)", headers: focalPoint).json(FullProposalReply.self).status == "revision_requested"
            }
            #expect(requested)
            let current = try await intake.get("/v1/proposals/\(id)", headers: focalPoint)
            let edited = try await intake.request(
                .PATCH, "/v1/proposals/\(id)", json: #"{"participatingCountries":["UZ","KG","TJ"]}"#,
                headers: focalPoint + [("If-Match", current.headers["etag"].first ?? "")])
            #expect(edited.status == .ok, "\(edited.text)")
            #expect(try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: focalPoint).status == .ok)

            let revised = try await eventually {
                try await workflow.get("/v1/reviews/\(id)", headers: secretariat).json(CaseReply.self).revision == 2
            }
            #expect(revised)
            let afterRevision = try await workflow.get("/v1/reviews/\(id)", headers: secretariat).json(CaseReply.self)
            #expect(afterRevision.assignments.map(\.reviewer) == ["rev-fr"])
            let dropped = try #require(afterRevision.history.last)
            #expect(dropped.action == "reviewer_unassigned")
            #expect(dropped.actor == EventActor.system("workflow"))
            #expect(dropped.detail.contains("conflict of interest") && dropped.detail.contains("TJ"), "\(dropped.detail)")
            #expect(try await workflow.get("/v1/reviews/\(id)", headers: try await TestTokens.header(role: "reviewer", sub: "rev-tj")).status == .notFound)

            // The focal point withdraws it: the case closes and takes no more reviewers.
            let withdrawn = try await intake.post("/v1/proposals/\(id)/withdraw", json: #"{"reason":"Merged into a regional project"}"#, headers: focalPoint)
            #expect(withdrawn.status == .ok, "\(withdrawn.text)")
            let closed = try await eventually {
                try await workflow.get("/v1/reviews/\(id)", headers: secretariat).json(CaseReply.self).stage == "closed"
            }
            #expect(closed, "workflow log:\n\(workflow.tail())")
            let closedCase = try await workflow.get("/v1/reviews/\(id)", headers: secretariat).json(CaseReply.self)
            #expect(closedCase.history.last?.action == "withdrawn")
            #expect(closedCase.history.last?.actor == EventActor(sub: "fp-kz", role: "focal_point"))
            #expect(closedCase.history.last?.detail.contains("Merged into a regional project") == true)
            let late = try await workflow.post(path, json: #"{"reviewer":"rev-de","name":"Late Reviewer","country":"DE"}"#, headers: secretariat)
            #expect(late.status == .conflict)
            #expect(late.text.contains(#""state":"closed""#), "\(late.text)")
        }
    }

    @Test func listsAreScopedFilteredAndPaginated() async throws {
        try await withWorkflowServices { intake, workflow, _ in
            let first = try await openCase(intake, workflow)
            let second = try await openCase(intake, workflow)
            let third = try await openCase(intake, workflow)
            let secretariat = try await Callers.centralAsiaSecretariat

            // Newest first, one per page, every case once.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await workflow.get("/v1/reviews?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""), headers: secretariat).json(CasePageReply.self)
                #expect(page.items.count <= 1)
                seen += page.items.map(\.proposalId.lowercased)
                cursor = page.nextCursor
            } while cursor != nil && seen.count < 10
            #expect(seen == [third, second, first])

            // Filters narrow; they never widen a scope.
            #expect(try await workflow.get("/v1/reviews?stage=screening", headers: secretariat).json(CasePageReply.self).items.count == 3)
            #expect(try await workflow.get("/v1/reviews?stage=technical", headers: secretariat).json(CasePageReply.self).items.isEmpty)
            let sea = try await TestTokens.header(role: "secretariat", sub: "sec-sea", region: "SEA")
            #expect(try await workflow.get("/v1/reviews?region=CA", headers: sea).json(CasePageReply.self).items.isEmpty)
            #expect(try await workflow.get("/v1/reviews?region=CA", headers: try await Callers.uzbekFocalPoint).json(CasePageReply.self).items.isEmpty)
            #expect(try await workflow.get("/v1/reviews", headers: try await Callers.kazakhFocalPoint).json(CasePageReply.self).items.count == 3)
            #expect(try await workflow.get("/v1/reviews", headers: try await Self.assignedReviewer).json(CasePageReply.self).items.isEmpty)

            // Bad parameters: every one named.
            // A cursor that decodes but whose time is not one: named, not a 500.
            let forged = ListParameters.Cursor(time: "yesterday", id: UUID()).encoded
            let forgedReply = try await workflow.get("/v1/reviews?cursor=\(forged)", headers: secretariat)
            #expect(forgedReply.status.code == 422, "\(forgedReply.text)")
            let bad = try await workflow.get("/v1/reviews?stage=done&limit=0&cursor=zzz&sort=title", headers: secretariat)
            #expect(bad.status.code == 422)
            #expect(Set(try bad.json(ProblemReply.self).errors?.map(\.field) ?? []) == ["stage", "limit", "cursor", "sort"], "\(bad.text)")
        }
    }
}
