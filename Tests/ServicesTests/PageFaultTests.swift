import AsyncHTTPClient
import Cycle
import Foundation
import Testing
import TestSupport

/// The pages hold no state of their own (the session is the token, the CSRF token is derived
/// from it, a form's change is keyed by the form's id): a second replica takes a session and a
/// form the first one rendered, PostgreSQL restarted under a form being sent loses nothing and
/// makes nothing twice, and a proposal submitted through the pages while RabbitMQ is stopped
/// reaches the secretariat's pages once the broker is back.
@Suite("Pages through a second replica, PostgreSQL restarts and a stopped broker (FaultTests)", .serialized)
struct PageFaultTests {
    @Test func aSecondReplicaRestartsAndAStoppedBrokerLoseNothingThroughThePages() async throws {
        try await PageStack.run { stack in
            try await CookieSession.withClient { http in try await Self.check(stack, http: http) }
        }
    }

    static func check(_ stack: PageStack, http: HTTPClient) async throws {
        let kz = try await CookieSession.signIn("fp-kz", at: stack.url, http: http)
        let before = try await stack.client.proposals(as: stack.person("fp-kz")).count

        // 1. A second intake replica, never seen by the sign-in, takes the session and the first one's form.
        let endpoints = [
            "COE_INTAKE_URL": stack.intake.baseURL, "COE_WORKFLOW_URL": stack.workflow.baseURL,
            "COE_FUNDING_URL": stack.funding.baseURL, "COE_NOTIFICATIONS_URL": stack.notifications.baseURL,
        ]
        let replica = try ServiceProcess("coe-intake", isolation: stack.isolation, extraEnvironment: endpoints)
        try await replica.start()
        let other = CookieSession(base: replica.baseURL, cookie: kz.cookie, http: http)
        let firstForm = try await kz.get("/proposals/new")
        let token = try #require(CookieSession.csrf(in: firstForm.body))
        #expect(CookieSession.csrf(in: try await other.get("/proposals/new").body) == token, "the CSRF token is the session's, on every replica")
        let made = try await other.post("/proposals/new", form: [("_csrf", token), ("form_id", UUID().lowercased), ("title", "Made on the second replica")])
        #expect(made.status == 303, "\(made.body.prefix(500))")
        let location = try #require(made.header("Location"))
        let shown = try await kz.get(location)
        #expect(shown.status == 200 && shown.body.contains("Made on the second replica"), "the first replica shows what the second made")
        #expect(try await replica.stop() == 0, "\(replica.tail())")

        // 2. PostgreSQL restarted twice while one form is sent again and again: a human page
        // (503, never a 500) until the database is back, then exactly one proposal.
        let formID = UUID().lowercased
        let statuses = Shared([Int: Int]())
        let created = Shared<String?>(nil)
        let restarted = Shared(false)
        let sentDuringRestarts = Shared(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for _ in 0..<2 {
                    try await TestDatabaseServer.restart()
                    try await Task.sleep(for: .seconds(1))
                }
                restarted.update { $0 = true }
            }
            group.addTask {
                // The same form, sent on through both restarts and three times more after them.
                let deadline = ContinuousClock.now + .seconds(60)
                var afterRestarts = 0
                while ContinuousClock.now < deadline && afterRestarts < 3 {
                    let done = restarted.value
                    if !done { sentDuringRestarts.update { $0 += 1 } }
                    let answer = try await kz.post(
                        "/proposals/new", form: [("_csrf", token), ("form_id", formID), ("title", "Sent through restarts")])
                    statuses.update { $0[answer.status, default: 0] += 1 }
                    if answer.status != 303 {
                        #expect(answer.header("Content-Type")?.hasPrefix("text/html") == true, "a browser's page, not JSON: \(answer.status)")
                    }
                    if answer.status == 303 { created.update { $0 = answer.header("Location") } }
                    if done && answer.status == 303 { afterRestarts += 1 }
                    try await Task.sleep(for: .milliseconds(150))
                }
            }
            try await group.waitForAll()
        }
        #expect(Set(statuses.value.keys).isSubset(of: [303, 503]), "\(statuses.value)")
        // A send may wait a restart out and succeed (the page's call retries): what counts is that
        // sends were under way while PostgreSQL restarted, and that none answered otherwise.
        #expect(sentDuringRestarts.value >= 1, "the form was sent while PostgreSQL restarted: \(statuses.value)")
        let proposals = try await stack.client.proposals(as: stack.person("fp-kz"))
        #expect(proposals.filter { $0.title == "Sent through restarts" }.count == 1, "one form, one proposal, however often it was sent")
        #expect(proposals.count == before + 2)

        // 3. Submitted through the pages while RabbitMQ is stopped: the secretariat's queue has it once the broker is back.
        let id = try #require(created.value.flatMap { URL(string: "http://page\($0)")?.lastPathComponent })
        let edit = try await kz.get("/proposals/\(id)/edit")
        let etag = try #require(CookieSession.field("etag", in: edit.body))
        try await TestBroker.stop()
        do {
            let complete: [(String, String)] = [
                ("_csrf", token), ("form_id", UUID().lowercased), ("etag", etag), ("then", "submit"),
                ("title", "Sent through restarts"), ("summary", "Portal monitors at the border."), ("objectives", "Install portal monitors"),
                ("region", "CA"), ("leadCountry", "KZ"), ("participatingCountries", "UZ"), ("cbrnCategories", "radiological"),
                ("requestedBudget", "250 000,00"), ("durationMonths", "12"), ("contact_name", "Aigerim N."), ("contact_email", "fp-kz@pages.test"),
            ]
            let submitted = try await kz.post("/proposals/\(id)/edit", form: complete)
            #expect(submitted.status == 303, "\(submitted.body.prefix(800))")
        } catch {
            try? await TestBroker.start()
            throw error
        }
        try await TestBroker.start()
        let secretariat = try await CookieSession.signIn("sec-ca", at: stack.url, http: http)
        #expect(
            try await eventually(timeout: .seconds(60)) { try await secretariat.get("/reviews/\(id)").status == 200 },
            "the case reached workflow once the broker was back\n\(stack.intake.tail())")
    }

}
