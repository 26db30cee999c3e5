import AMQP
import Events
import Foundation
import Messaging
import Testing
import TestSupport

struct FullProposalReply: Decodable {
    var id: UUID
    var reference: String?
    var status: String
    var revision: Int
    var version: Int
    var title: String?
    var leadCountry: String?
    var approvedBudget: String?
    var decisionReasons: [String]
    var allowedActions: [String]
}

struct HistoryReply: Decodable {
    struct Entry: Decodable {
        var action: String
        var fromStatus: String?
        var toStatus: String?
        var changedFields: [String]
        var actor: EventActor
    }
    var items: [Entry]
}

struct PageReply: Decodable {
    var items: [FullProposalReply]
    var nextCursor: String?
}

/// Intake against the real executable, PostgreSQL and RabbitMQ. One intake process per test.
@Suite("Intake: proposals from draft to decision")
struct IntakeTests {
    /// Starts intake, plus a connection that plays Workflow on the same exchange.
    func withIntake(_ body: (ServiceProcess, AMQPConnection, String) async throws -> Void) async throws {
        let isolation = TestEnvironment.uniqueName("in")
        let intake = try ServiceProcess("coe-intake", isolation: isolation)
        try await intake.start()
        let exchange = "\(isolation).events"
        let workflow = AMQPConnection(
            configuration: .init(
                url: try TestEnvironment.amqpURL(), name: "test.workflow",
                topology: MessagingTopology(exchange: exchange, service: "\(isolation).spy").publisherTopology),
            logger: TestEnvironment.logger)
        try await withRunning(workflow) {
            #expect(await eventually { workflow.isConnected })
            try await body(intake, workflow, exchange)
        }
        #expect(try await intake.stop() == 0, "\(intake.tail())")
    }

    // MARK: Validation

    // The validation table (one rule per row) runs as unit tests of the domain: Tests/IntakeTests.

    @Test func manyProblemsAreNamedAtOnceAndSubmissionNamesWhatIsMissing() async throws {
        try await withIntake { intake, _, _ in
            let reply = try await intake.post(
                "/v1/proposals",
                json: #"{"title":"ab","region":"XX","durationMonths":99,"requestedBudget":"-1","cbrnCategories":["x"],"extra":1}"#,
                headers: (try await Callers.kazakhFocalPoint))
            #expect(reply.status == .unprocessableEntity)
            let fields = Set(try reply.json(ProblemReply.self).errors?.map(\.field) ?? [])
            #expect(fields == ["extra", "title", "region", "durationMonths", "requestedBudget", "cbrnCategories.0"])
            let types = try await intake.post(
                "/v1/proposals", json: #"{"title":7,"objectives":[1,"ok",2],"durationMonths":"long","requestedBudget":5,"region":"XX"}"#,
                headers: (try await Callers.kazakhFocalPoint))
            #expect(Set(try types.json(ProblemReply.self).errors?.map(\.field) ?? []) == ["title", "objectives.0", "objectives.2", "durationMonths", "requestedBudget", "region"])

            // A draft may be incomplete; submitting it names everything still missing.
            let draft = try await intake.post("/v1/proposals", json: #"{"title":"Chemical waste"}"#, headers: (try await Callers.kazakhFocalPoint))
            #expect(draft.status == .created)
            let id = try draft.json(FullProposalReply.self).id.lowercased
            let submit = try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: (try await Callers.kazakhFocalPoint))
            #expect(submit.status == .unprocessableEntity)
            #expect(Set(try submit.json(ProblemReply.self).errors?.map(\.field) ?? []) == [
                "summary", "objectives", "region", "participatingCountries", "cbrnCategories", "requestedBudget", "durationMonths", "contact",
            ])

            let wrongType = try await intake.request(.POST, "/v1/proposals", json: "x", headers: (try await Callers.kazakhFocalPoint) + [("content-type", "text/plain")])
            #expect(wrongType.status == .badRequest || wrongType.status == .unsupportedMediaType)
            let noCaller = try await intake.post("/v1/proposals", json: "{}")
            #expect(noCaller.status == .unauthorized)
        }
    }

    // MARK: Lifecycle

    @Test func draftSubmitRevisionRequestedEditResubmitApproved() async throws {
        try await withIntake { intake, workflow, exchange in
            let created = try await intake.post("/v1/proposals", json: completeProposal, headers: (try await Callers.kazakhFocalPoint))
            #expect(created.status == .created)
            var proposal = try created.json(FullProposalReply.self)
            let id = proposal.id
            #expect(proposal.status == "draft")
            #expect(proposal.reference == nil)
            #expect(proposal.allowedActions == ["update", "submit", "withdraw"])

            let submitted = try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: (try await Callers.kazakhFocalPoint))
            proposal = try submitted.json(FullProposalReply.self)
            #expect(proposal.status == "submitted")
            #expect(proposal.revision == 1)
            let reference = try #require(proposal.reference)
            #expect(reference.wholeMatch(of: /CBRN-\d{4}-\d{4}/) != nil)

            // A submitted proposal can't be edited: 409 naming the state and what it allows.
            let etag = submitted.headers["etag"].first ?? ""
            let locked = try await intake.request(.PATCH, "/v1/proposals/\(id)", json: #"{"title":"Changed"}"#, headers: (try await Callers.kazakhFocalPoint) + [("If-Match", etag)])
            #expect(locked.status == .conflict)
            #expect(locked.text.contains(#""state":"submitted""#) && locked.text.contains(#""allowedActions":["withdraw"]"#))

            // Workflow asks for a revision.
            try await publishDirectly(
                EventEnvelope(source: "workflow", subject: id.lowercased, actor: EventActor(sub: "sec-ca", role: "secretariat"),
                              data: DecisionSamples.revisionRequested(id, revision: 1, reasons: ["Add a training plan"])),
                to: workflow, exchange: exchange)
            #expect(try await eventually { try await status(intake, id) == "revision_requested" })

            let current = try await intake.get("/v1/proposals/\(id)", headers: (try await Callers.kazakhFocalPoint))
            #expect(try current.json(FullProposalReply.self).decisionReasons == ["Add a training plan"])
            let edited = try await intake.request(
                .PATCH, "/v1/proposals/\(id)", json: #"{"objectives":["Install portal monitors","Train 60 officers","Exercise twice a year"]}"#,
                headers: (try await Callers.kazakhFocalPoint) + [("If-Match", current.headers["etag"].first ?? "")])
            #expect(edited.status == .ok, "\(edited.text)")
            let resubmitted = try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: (try await Callers.kazakhFocalPoint))
            proposal = try resubmitted.json(FullProposalReply.self)
            #expect(proposal.revision == 2)
            #expect(proposal.reference == reference)

            try await publishDirectly(
                EventEnvelope(source: "workflow", subject: id.lowercased, actor: EventActor(sub: "admin-1", role: "admin"),
                              data: DecisionSamples.approved(id, revision: 2, budget: Money(cents: 100_000_000), reference: reference)),
                to: workflow, exchange: exchange)
            #expect(try await eventually { try await status(intake, id) == "approved" })
            let approved = try await intake.get("/v1/proposals/\(id)", headers: (try await Callers.kazakhFocalPoint)).json(FullProposalReply.self)
            #expect(approved.approvedBudget == "1000000.00")
            #expect(approved.allowedActions.isEmpty)

            // Earlier revisions stay readable; the history tells the story.
            let first = try await intake.get("/v1/proposals/\(id)/revisions/1", headers: (try await Callers.kazakhFocalPoint))
            #expect(first.status == .ok)
            #expect(first.text.contains("Train 40 customs officers"))
            let second = try await intake.get("/v1/proposals/\(id)/revisions/2", headers: (try await Callers.kazakhFocalPoint))
            #expect(second.text.contains("Train 60 officers"))
            let history = try await intake.get("/v1/proposals/\(id)/history", headers: (try await Callers.kazakhFocalPoint)).json(HistoryReply.self)
            #expect(history.items.map(\.action) == ["created", "submitted", "revision_requested", "updated", "resubmitted", "approved"])
            #expect(history.items[3].changedFields == ["objectives"])
            #expect(history.items[2].actor == EventActor(sub: "sec-ca", role: "secretariat"))
        }
    }

    @Test func duplicateDeliveriesOfWorkflowEventsChangeTheStatusOnce() async throws {
        try await withIntake { intake, workflow, exchange in
            let id = UUID(uuidString: try await submitProposal(intake))!
            let rejected = EventEnvelope(
                source: "workflow", subject: id.lowercased, actor: EventActor(sub: "admin-1", role: "admin"),
                data: DecisionSamples.rejected(id, revision: 1, reasons: ["Out of scope"]))
            for _ in 0..<3 { try await publishDirectly(rejected, to: workflow, exchange: exchange) }
            // A late approval of the same revision must not override the rejection.
            try await publishDirectly(
                EventEnvelope(source: "workflow", subject: id.lowercased, actor: EventActor(sub: "admin-1", role: "admin"),
                              data: DecisionSamples.approved(id, revision: 1, budget: Money(cents: 100))),
                to: workflow, exchange: exchange)
            #expect(try await eventually { try await status(intake, id) == "rejected" })
            try await Task.sleep(for: .milliseconds(500))
            let history = try await intake.get("/v1/proposals/\(id)/history", headers: (try await Callers.kazakhFocalPoint)).json(HistoryReply.self)
            #expect(history.items.map(\.action) == ["created", "submitted", "rejected"])
            #expect(try await status(intake, id) == "rejected")
        }
    }

    // MARK: Retries and co-editing

    @Test func idempotentCreateAndSubmitReturnTheFirstResponse() async throws {
        try await withIntake { intake, _, _ in
            let key = [("Idempotency-Key", UUID().lowercased)]
            let first = try await intake.post("/v1/proposals", json: completeProposal, headers: (try await Callers.kazakhFocalPoint) + key)
            let again = try await intake.post("/v1/proposals", json: completeProposal, headers: (try await Callers.kazakhFocalPoint) + key)
            #expect(first.status == .created)
            #expect(again.status == .created)
            #expect(first.text == again.text)
            #expect(again.headers["location"] == first.headers["location"])
            let other = try await intake.post("/v1/proposals", json: #"{"title":"Something else"}"#, headers: (try await Callers.kazakhFocalPoint) + key)
            #expect(other.status == .unprocessableEntity)
            let list = try await intake.get("/v1/proposals", headers: (try await Callers.kazakhFocalPoint)).json(PageReply.self)
            #expect(list.items.count == 1)

            let id = try first.json(FullProposalReply.self).id
            let submitKey = [("Idempotency-Key", UUID().lowercased)]
            let submitted = try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: (try await Callers.kazakhFocalPoint) + submitKey)
            let submittedAgain = try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: (try await Callers.kazakhFocalPoint) + submitKey)
            #expect(submitted.status == .ok)
            #expect(submittedAgain.status == .ok)
            #expect(submitted.text == submittedAgain.text)
            #expect(try submittedAgain.json(FullProposalReply.self).revision == 1)
            let history = try await intake.get("/v1/proposals/\(id)/history", headers: (try await Callers.kazakhFocalPoint)).json(HistoryReply.self)
            #expect(history.items.filter { $0.action == "submitted" }.count == 1)
            // Without the key, a second submit is refused by the state machine.
            let plain = try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: (try await Callers.kazakhFocalPoint))
            #expect(plain.status == .conflict)
        }
    }

    @Test func concurrentUpdatesWithTheSameETagExactlyOneWins() async throws {
        try await withIntake { intake, _, _ in
            let created = try await intake.post("/v1/proposals", json: #"{"title":"Shared draft"}"#, headers: (try await Callers.kazakhFocalPoint))
            let id = try created.json(FullProposalReply.self).id
            // Six members of the National Team save at once, all from the same version.
            let etag = created.headers["etag"].first ?? ""
            let codes = try await withThrowingTaskGroup(of: UInt.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await intake.request(
                            .PATCH, "/v1/proposals/\(id)", json: #"{"title":"Edited by member \#(index)"}"#,
                            headers: (try await Callers.kazakhFocalPoint) + [("If-Match", etag)]
                        ).status.code
                    }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == 200 }.count == 1, "\(codes)")
            #expect(codes.filter { $0 == 412 }.count == 5, "\(codes)")
            let history = try await intake.get("/v1/proposals/\(id)/history", headers: (try await Callers.kazakhFocalPoint)).json(HistoryReply.self)
            #expect(history.items.filter { $0.action == "updated" }.count == 1)
            let missing = try await intake.request(.PATCH, "/v1/proposals/\(id)", json: #"{"title":"No tag"}"#, headers: (try await Callers.kazakhFocalPoint))
            #expect(missing.status.code == 428)
        }
    }

    // MARK: Events and access

    @Test func publishedEventsHaveTheDocumentedShape() async throws {
        let isolation = TestEnvironment.uniqueName("in")
        let intake = try ServiceProcess("coe-intake", isolation: isolation)
        let spy = try eventSpy(isolation: isolation, pattern: "proposal.*")
        try await withRunning(spy) {
            #expect(await eventually { spy.isConnected })
            try await intake.start()
            let id = try await submitProposal(intake)
            _ = try await intake.request(.POST, "/v1/proposals/\(id)/withdraw", json: #"{"reason":"Merged into another proposal"}"#, headers: (try await Callers.kazakhFocalPoint))
            var received: [[String: Any]] = []
            for await delivery in spy.deliveries {
                spy.ack(delivery)
                #expect(delivery.properties.contentType == "application/json")
                #expect(delivery.properties.persistent)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any])
                #expect(delivery.properties.messageID == object["id"] as? String)
                #expect(delivery.properties.type == object["type"] as? String)
                received.append(object)
                if received.count == 2 { break }
            }
            #expect(received.map { $0["type"] as? String } == ["proposal.submitted", "proposal.withdrawn"])
            for event in received {
                #expect(Set(event.keys) == ["id", "type", "version", "occurredAt", "source", "subject", "correlationId", "causationId", "actor", "traceparent", "data"])
                #expect(event["version"] as? Int == 1)
                #expect(event["source"] as? String == "intake")
                #expect(event["subject"] as? String == id)
                #expect((event["actor"] as? [String: String]) == ["sub": "fp-kz", "role": "focal_point"])
            }
            let submitted = try EventCoding.decoder().decode(EventEnvelope<ProposalSubmitted>.self, from: JSONSerialization.data(withJSONObject: received[0]))
            #expect(submitted.data.revision == 1)
            #expect(submitted.data.requestedBudget == Money(cents: 125_000_000))
            #expect(submitted.data.participatingCountries == ["UZ", "KG"])
            #expect(submitted.data.contactEmail == "aigerim@example.kz")
            let withdrawn = try EventCoding.decoder().decode(EventEnvelope<ProposalWithdrawn>.self, from: JSONSerialization.data(withJSONObject: received[1]))
            #expect(withdrawn.data.reason == "Merged into another proposal")
        }
        #expect(try await intake.stop() == 0)
    }

    @Test func aFocalPointSeesAndChangesOnlyTheirCountrysProposals() async throws {
        try await withIntake { intake, _, _ in
            let id = try await submitProposal(intake)
            let draft = try await intake.post("/v1/proposals", json: #"{"title":"Kazakh draft"}"#, headers: (try await Callers.kazakhFocalPoint))
            let draftID = try draft.json(FullProposalReply.self).id.lowercased
            for path in ["/v1/proposals/\(id)", "/v1/proposals/\(id)/history", "/v1/proposals/\(id)/revisions", "/v1/proposals/\(draftID)"] {
                #expect(try await intake.get(path, headers: (try await Callers.uzbekFocalPoint)).status == .notFound, "\(path)")
            }
            #expect(try await intake.request(.POST, "/v1/proposals/\(id)/withdraw", headers: (try await Callers.uzbekFocalPoint)).status == .notFound)
            #expect(try await intake.request(.POST, "/v1/proposals/\(draftID)/submit", headers: (try await Callers.uzbekFocalPoint)).status == .notFound)
            #expect(try await intake.request(.PATCH, "/v1/proposals/\(draftID)", json: "{}", headers: (try await Callers.uzbekFocalPoint) + [("If-Match", "\"1\"")]).status == .notFound)
            // Filters can't widen the scope.
            let uzbekList = try await intake.get("/v1/proposals?country=KZ", headers: (try await Callers.uzbekFocalPoint)).json(PageReply.self)
            #expect(uzbekList.items.isEmpty)
            // The secretariat of the region reads the submitted one but not the draft, and changes nothing.
            let secretariat = try await intake.get("/v1/proposals", headers: (try await Callers.centralAsiaSecretariat)).json(PageReply.self)
            #expect(secretariat.items.map(\.id.lowercased) == [id])
            #expect(try await intake.request(.POST, "/v1/proposals/\(id)/withdraw", headers: (try await Callers.centralAsiaSecretariat)).status == .forbidden)
            // An empty body, whatever its headers, is a withdrawal without a reason.
            let emptied = try await intake.request(.POST, "/v1/proposals/\(draftID)/withdraw", json: "", headers: (try await Callers.kazakhFocalPoint))
            #expect(emptied.status == .ok, "\(emptied.text)")
            #expect(try await intake.post("/v1/proposals", json: "{}", headers: (try await Callers.reviewer)).status == .forbidden)
            // A focal point can't file for another country.
            let foreign = try await intake.post("/v1/proposals", json: #"{"leadCountry":"UZ"}"#, headers: (try await Callers.kazakhFocalPoint))
            #expect(foreign.status == .unprocessableEntity)
        }
    }

    @Test func listsFilterAndPageWithACursor() async throws {
        try await withIntake { intake, _, _ in
            for index in 0..<5 {
                _ = try await intake.post("/v1/proposals", json: #"{"title":"Draft number \#(index)","cbrnCategories":["chemical"]}"#, headers: (try await Callers.kazakhFocalPoint))
            }
            _ = try await submitProposal(intake)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let path = "/v1/proposals?limit=2" + (cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? "")
                let page = try await intake.get(path, headers: (try await Callers.kazakhFocalPoint)).json(PageReply.self)
                seen += page.items.compactMap(\.title)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen.count == 6)
            #expect(Set(seen).count == 6)
            #expect(try await intake.get("/v1/proposals?status=submitted", headers: (try await Callers.kazakhFocalPoint)).json(PageReply.self).items.count == 1)
            #expect(try await intake.get("/v1/proposals?category=chemical", headers: (try await Callers.kazakhFocalPoint)).json(PageReply.self).items.count == 5)
            #expect(try await intake.get("/v1/proposals?q=number%203", headers: (try await Callers.kazakhFocalPoint)).json(PageReply.self).items.count == 1)
            #expect(try await intake.get("/v1/proposals?country=UZ", headers: (try await Callers.kazakhFocalPoint)).json(PageReply.self).items.count == 1)
            let bad = try await intake.get("/v1/proposals?status=lost&limit=500&colour=red", headers: (try await Callers.kazakhFocalPoint))
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(try bad.json(ProblemReply.self).errors?.map(\.field) ?? []) == ["status", "limit", "colour"])
            let reference = try await intake.get("/v1/reference")
            #expect(reference.status == .ok)
            #expect(reference.text.contains(#""code":"SEEE""#) && reference.text.contains("Kazakhstan"))
        }
    }
}

func status(_ intake: ServiceProcess, _ id: UUID) async throws -> String {
    try await intake.get("/v1/proposals/\(id)", headers: (try await Callers.kazakhFocalPoint)).json(FullProposalReply.self).status
}

struct AuditReply: Decodable {
    struct Entry: Decodable {
        var actor: String
        var role: String
        var action: String
        var resource: String
        var outcome: Int
    }
    var items: [Entry]
}

@Suite("Audit trail of state-changing requests")
struct AuditTests {
    @Test func everyStateChangingRequestIsRecordedWithItsActorAndOutcomeAndOnlyAdminsReadIt() async throws {
        let intake = try ServiceProcess("coe-intake", isolation: TestEnvironment.uniqueName("au"))
        try await intake.start()
        let draft = try await intake.post("/v1/proposals", json: #"{"title":"Audited draft"}"#, headers: try await Callers.kazakhFocalPoint)
        let draftID = try draft.json(FullProposalReply.self).id.lowercased
        let patched = try await intake.request(
            .PATCH, "/v1/proposals/\(draftID)", json: #"{"durationMonths":6}"#, headers: try await Callers.kazakhFocalPoint + [("If-Match", "\"1\"")])
        #expect(patched.status == .ok)
        let id = try await submitProposal(intake)
        let refused = try await intake.request(.POST, "/v1/proposals/\(id)/withdraw", headers: try await Callers.uzbekFocalPoint)
        #expect(refused.status == .notFound)
        let anonymous = try await intake.post("/v1/proposals", json: "{}")
        #expect(anonymous.status == .unauthorized)
        _ = try await intake.get("/v1/proposals/\(id)", headers: try await Callers.kazakhFocalPoint)  // reads are not audited

        let admin = try await TestTokens.header(role: "admin", sub: "admin-1")
        let audit = try await intake.get("/v1/audit", headers: admin).json(AuditReply.self)
        let entries = audit.items.reversed().map { "\($0.actor) \($0.role) \($0.action) \($0.outcome)" }
        #expect(entries == [
            "fp-kz focal_point POST /v1/proposals 201",
            "fp-kz focal_point PATCH /v1/proposals/{id} 200",
            "fp-kz focal_point POST /v1/proposals 201",
            "fp-kz focal_point POST /v1/proposals/{id}/submit 200",
            "fp-uz focal_point POST /v1/proposals/{id}/withdraw 404",
            "unauthenticated none POST /v1/proposals 401",
        ], "\(entries)")
        #expect(audit.items.first { $0.action.hasSuffix("/submit") }?.resource == "/v1/proposals/\(id)/submit")
        #expect(try await intake.get("/v1/audit", headers: try await Callers.kazakhFocalPoint).status == .forbidden)
        #expect(try await intake.stop() == 0)
    }
}
