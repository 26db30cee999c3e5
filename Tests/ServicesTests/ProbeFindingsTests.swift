import Events
import Foundation
import ServiceRuntime
import Testing
import TestSupport

/// What an outside probe found, each tried again the way the probe did it, against the real
/// executables. Each test failed before its fix.
@Suite("Findings of the outside probe stay fixed")
struct ProbeFindingsTests {
    struct AuditPage: Decodable {
        struct Entry: Decodable {
            var actor: String
            var action: String
            var resource: String
            var outcome: Int
        }
        var items: [Entry]
    }

    /// Intake and workflow on one isolation, with a submitted proposal whose case is open.
    func withServices(_ body: (ServiceProcess, ServiceProcess, String) async throws -> Void) async throws {
        let isolation = TestEnvironment.uniqueName("pf")
        let intake = try ServiceProcess("coe-intake", isolation: isolation)
        let workflow = try ServiceProcess("coe-workflow", isolation: isolation)
        try await workflow.start()
        try await intake.start()
        let id = try await submitProposal(intake)
        let secretariat = try await Callers.centralAsiaSecretariat
        #expect(try await eventually { try await workflow.get("/v1/reviews/\(id)", headers: secretariat).status == .ok })
        try await body(intake, workflow, id)
        #expect(try await intake.stop() == 0, "\(intake.tail())")
        #expect(try await workflow.stop() == 0, "\(workflow.tail())")
    }

    @Test func anIdempotencyReplayIsAuthorizedFirstAndKeyedByTheWholeIdentity() async throws {
        try await withServices { intake, _, _ in
            let kazakh = try await Callers.kazakhFocalPoint
            let draft = try await intake.post("/v1/proposals", json: completeProposal, headers: kazakh)
            let id = try draft.json(FullProposalReply.self).id.lowercased
            let key = [("Idempotency-Key", "submit-\(id)")]
            let first = try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: kazakh + key)
            #expect(first.status == .ok)
            #expect(try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: kazakh + key).text == first.text)
            // The same sub with another country, or another role: never the stored proposal.
            let sameSubOtherCountry = try await TestTokens.header(role: "focal_point", sub: "fp-kz", country: "UZ")
            let replayed = try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: sameSubOtherCountry + key)
            #expect(replayed.status == .notFound, "\(replayed.text)")
            #expect(try await intake.get("/v1/proposals/\(id)", headers: sameSubOtherCountry).status == .notFound)
            let sameSubSecretariat = try await TestTokens.header(role: "secretariat", sub: "fp-kz", region: "CA")
            let asSecretariat = try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: sameSubSecretariat + key)
            #expect(asSecretariat.status == .forbidden, "\(asSecretariat.text)")
            #expect(!asSecretariat.text.contains("\"revision\""))
        }
    }

    @Test func nulCharactersAreNamedAndTheAuditRowIsStillWritten() async throws {
        try await withServices { intake, workflow, id in
            let kazakh = try await Callers.kazakhFocalPoint
            let body = try await intake.post("/v1/proposals", json: #"{"title":"Chemical\u0000 waste","objectives":["ok","bad\u0000"]}"#, headers: kazakh)
            #expect(body.status == .unprocessableEntity, "\(body.text)")
            #expect(Set(try body.json(ProblemReply.self).errors?.map(\.field) ?? []) == ["title", "objectives.1"])
            let query = try await intake.get("/v1/proposals?q=a%00b", headers: kazakh)
            #expect(query.status == .unprocessableEntity, "\(query.text)")
            #expect(try query.json(ProblemReply.self).errors?.map(\.field) == ["q"])
            let listed = try await workflow.get("/v1/reviews?region=C%00A", headers: try await Callers.centralAsiaSecretariat)
            #expect(listed.status == .unprocessableEntity, "\(listed.text)")
            let path = try await workflow.request(.DELETE, "/v1/reviews/\(id)/assignments/rev%00x", headers: try await Callers.centralAsiaSecretariat)
            #expect(path.status == .unprocessableEntity, "\(path.text)")
            let admin = try await TestTokens.header(role: "admin", sub: "admin-1")
            let audit = try await intake.get("/v1/audit?actor=fp-kz", headers: admin).json(AuditPage.self)
            #expect(audit.items.contains { $0.action == "POST /v1/proposals" && $0.outcome == 422 })
            let workflowAudit = try await workflow.get("/v1/audit", headers: admin).json(AuditPage.self)
            #expect(workflowAudit.items.contains { $0.action.hasPrefix("DELETE") && $0.outcome == 422 && $0.resource.contains("\u{FFFD}") || $0.resource.contains("%00") })
        }
    }

    @Test func aCursorWithAnImpossibleDateIsTheClientsMistake() async throws {
        try await withServices { intake, workflow, _ in
            for text in ["9999-99-99 99:99:99+00", "2026-02-30 10:00:00+00", "2026-11-25 24:00:00+00", "2026-11-25 10:00:00+99"] {
                let cursor = Data("\(text)|6f1c1a56-08a3-4a52-9d8f-6d3f10e1a001".utf8).base64EncodedString()
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                let proposals = try await intake.get("/v1/proposals?cursor=\(cursor)", headers: try await Callers.kazakhFocalPoint)
                #expect(proposals.status == .unprocessableEntity, "\(text): \(proposals.text)")
                let cases = try await workflow.get("/v1/reviews?cursor=\(cursor)", headers: try await Callers.centralAsiaSecretariat)
                #expect(cases.status == .unprocessableEntity, "\(text): \(cases.text)")
            }
        }
    }

    @Test func methodsAPathDoesNotTakeAre405WithAllowAndEveryAnswerIsNotCached() async throws {
        try await withServices { intake, workflow, id in
            let kazakh = try await Callers.kazakhFocalPoint
            let put = try await intake.request(.PUT, "/v1/proposals/\(id)", json: "{}", headers: kazakh)
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers["Allow"].first == "GET, HEAD, PATCH", "\(put.headers)")
            let delete = try await intake.request(.DELETE, "/v1/proposals", headers: kazakh)
            #expect(delete.status == .methodNotAllowed && delete.headers["Allow"].first == "GET, HEAD, POST")
            #expect(try await workflow.request(.PATCH, "/v1/reviews/\(id)/assignments", headers: kazakh).headers["Allow"].first == "POST")
            #expect(try await intake.request(.HEAD, "/v1/proposals/\(id)", headers: kazakh).status == .ok)
            #expect(try await intake.request(.GET, "/v1/nothing-here", headers: kazakh).status == .notFound)
            for reply in [try await intake.get("/v1/proposals/\(id)", headers: kazakh), put, try await intake.get("/v1/proposals/\(id)")] {
                #expect(reply.headers["Cache-Control"].first == "no-store", "\(reply.status)")
                #expect(reply.headers["X-Content-Type-Options"].first == "nosniff", "\(reply.status)")
            }
        }
    }

    @Test func ifMatchTakesAStarAndAListOfTags() async throws {
        try await withServices { intake, _, _ in
            let kazakh = try await Callers.kazakhFocalPoint
            let draft = try await intake.post("/v1/proposals", json: #"{"title":"Chemical waste"}"#, headers: kazakh)
            let id = try draft.json(FullProposalReply.self).id.lowercased
            let star = try await intake.request(.PATCH, "/v1/proposals/\(id)", json: #"{"durationMonths":12}"#, headers: kazakh + [("If-Match", "*")])
            #expect(star.status == .ok, "\(star.text)")
            let current = try #require(star.headers["ETag"].first)
            let list = try await intake.request(.PATCH, "/v1/proposals/\(id)", json: #"{"durationMonths":13}"#, headers: kazakh + [("If-Match", "\"99\", \(current)")])
            #expect(list.status == .ok, "\(list.text)")
            let stale = try await intake.request(.PATCH, "/v1/proposals/\(id)", json: #"{"durationMonths":14}"#, headers: kazakh + [("If-Match", "\"1\", \"2\"")])
            #expect(stale.status == .preconditionFailed)
            // If-Match compares strongly: a weak tag never matches.
            let current2 = try #require(list.headers["ETag"].first)
            let weak = try await intake.request(.PATCH, "/v1/proposals/\(id)", json: #"{"durationMonths":15}"#, headers: kazakh + [("If-Match", "W/\(current2)")])
            #expect(weak.status == .preconditionFailed)
        }
    }

    @Test func servingProcessesDoNotHaveTheSigningKey() async throws {
        try await withServices { intake, workflow, _ in
            for service in [intake, workflow] {
                let pid = try #require(service.processIdentifier)
                let environment = try String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")), as: UTF8.self)
                #expect(!environment.contains("COE_JWT_PRIVATE_KEY_FILE"))
                #expect(environment.contains("COE_JWT_PUBLIC_KEY_FILE"))
            }
        }
    }
}
