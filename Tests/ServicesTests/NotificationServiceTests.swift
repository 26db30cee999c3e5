import AMQP
import AsyncHTTPClient
import Events
import Foundation
import Messaging
import NIOCore
import Testing
import TestSupport

/// What users of notifications check: the mail a real SMTP server received (headers, both
/// bodies, French subjects encoded), each person's feed, the webhooks a partner's endpoint
/// received and verified, and that nothing is sent twice. The real executable, PostgreSQL,
/// RabbitMQ and SMTP server; events published as their owners would.
@Suite("Notifications: mail, webhooks and the feed, end to end", .serialized)
struct NotificationServiceTests {
    /// The people of one test, with addresses of their own.
    struct People {
        let tag = UUID().uuidString.prefix(8).lowercased()
        func email(_ sub: String) -> String { "\(sub).\(tag)@example.org" }

        func add(to services: NotificationServices) async throws {
            try await services.addRecipient("fp-ma", role: "focal_point", email: email("fp-ma"), language: "fr", country: "MA")
            try await services.addRecipient("sec-nas", role: "secretariat", email: email("sec-nas"), language: "fr", region: "NAS")
            try await services.addRecipient("rev-1", role: "reviewer", email: email("rev-1"), country: "FR")
            try await services.addRecipient("fin-alice", role: "finance", email: email("fin-alice"))
            try await services.addRecipient("pm-1", role: "admin", email: email("pm-1"))
        }
    }

    static func token(_ sub: String, _ role: String, country: String? = nil, region: String? = nil) async throws -> [(String, String)] {
        try await TestTokens.header(role: role, sub: sub, country: country, region: region)
    }

    @Test func everyEventMailsTheRightPeopleInTheirLanguage() async throws {
        try await NotificationServices.run { services in
            let people = People()
            try await people.add(to: services)
            let samples = NotificationSamples(reference: "CBRN-2026-0042", region: "NAS", lead: "MA", reviewer: "rev-1")
            try await services.publish(samples.all)
            // Who gets a mail of each type (RoutingRules): 17 mails for the 15 events.
            let expected: [String: Set<String>] = [
                "proposal.submitted": ["sec-nas", "fp-ma"], "proposal.withdrawn": ["sec-nas"], "review.screened": ["fp-ma"],
                "review.assigned": ["rev-1"], "review.unassigned": ["rev-1"], "review.assessed": ["pm-1"], "review.overdue": ["sec-nas", "rev-1"],
                "proposal.revision_requested": ["fp-ma"], "proposal.approved": ["fp-ma", "fin-alice"], "proposal.rejected": ["fp-ma"],
                "funding.committed": ["fp-ma"], "funding.commitment_blocked": ["fin-alice"], "funding.disbursed": ["fp-ma"], "funding.closed": ["fp-ma"],
            ]
            let total = expected.values.reduce(0) { $0 + $1.count }
            let mails = await services.mail.waitFor(total)
            try await Task.sleep(for: .seconds(1))
            #expect(services.mail.mails().count == total, "exactly one mail per person and event: \(services.mail.mails().map(\.subject))")
            var received: [String: Set<String>] = [:]
            for mail in mails {
                let type = mail.headers["X-CoE-Event-Type"] ?? "?"
                let sub = String(mail.rcptTos.first?.split(separator: ".").first ?? "")
                received[type, default: []].insert(sub)
                #expect(mail.defects.isEmpty, "Python's parser finds the message well formed: \(mail.defects)")
                #expect(mail.contentType == "multipart/alternative")
                #expect(mail.messageId.wholeMatch(of: /<[0-9a-f-]{36}@coe-workflows\.local>/) != nil, "\(mail.messageId)")
                #expect(!mail.date.isEmpty && mail.from.contains("notifications@coe-workflows.local"))
                #expect(mail.subject.hasPrefix("[CoE] ") && !mail.text.isEmpty && mail.html.contains("<html"))
                #expect(mail.text.contains("https://coe.example.eu/"), "each mail links to the system")
            }
            #expect(received == expected)

            // The focal point reads French: subject encoded (RFC 2047), bodies in French, amounts as in French.
            let approval = try #require(mails.first { $0.rcptTos == [people.email("fp-ma")] && $0.headers["X-CoE-Event-Type"] == "proposal.approved" })
            #expect(approval.subject == "[CoE] CBRN-2026-0042 : proposition approuvée")
            #expect(approval.rawSubject.hasPrefix("=?UTF-8?B?"), "the raw header is an encoded word: \(approval.rawSubject)")
            #expect(approval.text.contains("Bonjour Person fp-ma,"))
            #expect(approval.text.contains("1\u{00A0}250\u{00A0}000,00\u{00A0}€"))
            #expect(approval.text.contains("Détection aux frontières"))
            #expect(approval.html.contains("lang=\"fr\"") && approval.html.contains("https://coe.example.eu/proposals/\(samples.proposalID.lowercased)"))
            // Finance reads English.
            let financeCopy = try #require(mails.first { $0.rcptTos == [people.email("fin-alice")] && $0.headers["X-CoE-Event-Type"] == "proposal.approved" })
            #expect(financeCopy.subject.contains("CBRN-2026-0042") && financeCopy.text.contains("Dear Person fin-alice,"))
            #expect(financeCopy.text.contains("€1,250,000.00"))
            // The withdrawal did not name the title; the service knew it from the submission.
            let withdrawal = try #require(mails.first { $0.headers["X-CoE-Event-Type"] == "proposal.withdrawn" })
            #expect(withdrawal.text.contains("Détection aux frontières"), "\(withdrawal.text)")

            // Every mail is a delivery, sent at the first attempt; its Message-ID is the delivery's.
            let deliveries = try await services.deliveries("&channel=email")
            #expect(deliveries.count == total && deliveries.allSatisfy { $0.status == "sent" && $0.attempts == 1 })
            #expect(Set(mails.map(\.messageId)) == Set(deliveries.map { "<\($0.id)@coe-workflows.local>" }))
        }
    }

    @Test func aRedeliveredEventSendsOneMailAndMakesOneFeedItem() async throws {
        try await NotificationServices.run { services in
            let people = People()
            try await people.add(to: services)
            let screened = NotificationSamples(region: "NAS", lead: "MA").screened
            try await services.publish(screened, screened, screened)
            await services.mail.waitFor(1)
            try await Task.sleep(for: .seconds(2))
            #expect(services.mail.mails(to: people.email("fp-ma")).count == 1)
            let feed = try await services.notifications.get("/v1/notifications", headers: try await Self.token("fp-ma", "focal_point", country: "MA"))
            struct Feed: Decodable { var items: [Item]; var unread: Int; struct Item: Decodable { var eventId: String } }
            let page = try feed.json(Feed.self)
            #expect(page.items.map(\.eventId) == [screened.id.lowercased] && page.unread == 1)
            #expect(try await services.deliveries("&eventId=\(screened.id.lowercased)").count == 1)
        }
    }

    struct Created: Decodable {
        var id: String
        var secret: String?
        var status: String
    }

    @Test func webhooksAreSignedRetriedSuspendedAndResumed() async throws {
        let receiver = try WebhookReceiver()
        try await receiver.serving {
            try await NotificationServices.run(["COE_WEBHOOK_SUSPEND_AFTER": "3"]) { services in
                let created = try await services.notifications.post(
                    "/v1/subscriptions", json: #"{"url":"\#(receiver.url)","eventTypes":["proposal.approved","funding.disbursed"],"description":"Partner MIS"}"#,
                    headers: try await Admin.pm)
                #expect(created.status == .created, "\(created.text)")
                let subscription = try created.json(Created.self)
                let secret = try #require(subscription.secret)
                #expect(secret.hasPrefix("whsec_"))
                let shown = try await services.notifications.get("/v1/subscriptions/\(subscription.id)", headers: try await Admin.pm)
                #expect(shown.status == .ok && !shown.text.contains("whsec_"), "the secret is shown once")

                // 5xx, 5xx, then 200: three attempts of the same message, each signed; the delivery is sent.
                receiver.answer([500, 503])
                let approved = NotificationSamples().approved
                try await services.publish(approved)
                #expect(await eventually(timeout: .seconds(30)) { receiver.received.contains { $0.status == 200 } })
                let calls = receiver.received
                try #require(calls.map(\.status) == [500, 503, 200])
                #expect(Set(calls.compactMap { $0.headers["webhook-id"] }).count == 1, "one message id across retries")
                #expect(calls.allSatisfy { $0.headers["traceparent"] == nil }, "the partner gets the event's trace in the body, no header of another")
                #expect(calls.allSatisfy { WebhookReceiver.verify($0, secret: secret) }, "signatures verify with the Standard Webhooks algorithm")
                #expect(!WebhookReceiver.verify(calls[0], secret: "whsec_" + Data(repeating: 1, count: 32).base64EncodedString()))
                let posted = try JSONSerialization.jsonObject(with: Data(calls[2].body)) as? [String: Any]
                let published = try JSONSerialization.jsonObject(with: Data(approved.body)) as? [String: Any]
                #expect(posted?["id"] as? String == published?["id"] as? String && posted?["type"] as? String == "proposal.approved")
                #expect(calls[2].headers["content-type"] == "application/json")
                // The receiver has answered; the worker records it a moment later.
                #expect(try await eventually { try await services.deliveries("&channel=webhook").first?.status == "sent" })
                let hook = try #require(try await services.deliveries("&channel=webhook").first)
                #expect(hook.status == "sent" && hook.attempts == 3 && hook.id == calls[0].headers["webhook-id"])

                // A 4xx is not retried: failed at once; an admin retries it.
                receiver.answer([410])
                try await services.publish(NotificationSamples().disbursed)
                #expect(try await eventually(timeout: .seconds(20)) { try await services.deliveries("&status=failed").count == 1 })
                try await Task.sleep(for: .seconds(1))
                #expect(receiver.received.count == 4, "no retry after a 4xx")
                let failed = try #require(try await services.deliveries("&status=failed").first)
                #expect(failed.attempts == 1 && failed.lastError?.contains("410") == true)
                let retried = try await services.notifications.post("/v1/deliveries/\(failed.id)/retry", json: "{}", headers: try await Admin.pm)
                #expect(retried.status == .ok, "\(retried.text)")
                #expect(try await eventually(timeout: .seconds(20)) { try await services.deliveries("&status=sent").count == 2 })
                let again = try await services.notifications.post("/v1/deliveries/\(failed.id)/retry", json: "{}", headers: try await Admin.pm)
                #expect(again.status == .conflict && again.text.contains("invalid-state"))

                // Failing again and again: suspended after three in a row; nothing more is tried until an admin resumes it.
                receiver.answerFromNowOn(500)
                let third = NotificationSamples().approved
                try await services.publish(third)
                #expect(try await eventually(timeout: .seconds(30)) {
                    try await services.notifications.get("/v1/subscriptions/\(subscription.id)", headers: try await Admin.pm).json(Created.self).status == "suspended"
                })
                let callsWhenSuspended = receiver.received.count
                receiver.answerFromNowOn(200)
                try await Task.sleep(for: .seconds(2))
                #expect(receiver.received.count == callsWhenSuspended, "a suspended subscription is not called")
                let resumed = try await services.notifications.post("/v1/subscriptions/\(subscription.id)/resume", json: "{}", headers: try await Admin.pm)
                #expect(resumed.status == .ok && resumed.text.contains(#""status":"active""#), "\(resumed.text)")
                #expect(try await eventually(timeout: .seconds(20)) { try await services.deliveries("&status=sent").count == 3 })
                #expect(receiver.received.filter { $0.status == 200 }.count == 3)
            }
        }
    }

    /// The service as production runs it (its own database role and broker user), with the
    /// broker's first layer off for intake's user: intake forging workflow's approval is parked
    /// and tells nobody; workflow's approval, delivered twice, mails the focal point once.
    @Test func aForgedEventIsParkedAndAReplayedOneMailsOnce() async throws {
        let isolation = TestEnvironment.uniqueName("nf")
        let credentials = try await LeastPrivilegeTests.provision(isolation, services: ["intake", "workflow", "notifications"])
        try await runBashScript(try TestEnvironment.variable("COE_TEST_BROKER_SCRIPT"), ["ctl", "clear_topic_permissions", "-p", "/", "\(isolation)_intake"])
        let own = try #require(credentials["notifications"])
        try await NotificationServices.run(LeastPrivilegeTests.environment(own, isolation: isolation), isolation: isolation) { services in
            try await services.addRecipient("fp-kz", role: "focal_point", email: "fp-kz.\(isolation)@example.org", country: "KZ")
            let exchange = "\(isolation).events"
            let intake = try AMQPURL(try #require(credentials["intake"]).broker)
            let workflow = try AMQPURL(try #require(credentials["workflow"]).broker)
            let forged = ForgedEventsTests.approval(of: UUID().lowercased, budget: "9999999.99")
            #expect(try await ForgedEventsTests.publish(forged, routingKey: "proposal.approved", exchange: exchange, as: intake) == nil)
            let approval = ForgedEventsTests.approval(of: UUID().lowercased, budget: "1000000.00")
            #expect(try await ForgedEventsTests.publish(approval, routingKey: "proposal.approved", exchange: exchange, as: workflow) == nil)
            #expect(try await ForgedEventsTests.publish(approval, routingKey: "proposal.approved", exchange: exchange, as: workflow) == nil)

            let errors = try await parkedErrors("notifications", isolation: isolation, as: try AMQPURL(own.broker), count: 1)
            #expect(errors.count == 1, "\(services.notifications.tail())")
            #expect(errors.contains { $0.contains("published by broker user '\(isolation)_intake', not by its owner workflow") }, "\(errors)")
            let mails = await services.mail.waitFor(1)
            try await Task.sleep(for: .seconds(1))
            #expect(mails.count == 1 && services.mail.mails().count == 1)
            #expect(mails.first?.text.contains("€1,000,000.00") == true, "the real approval, not the forged one")
            #expect(try await services.deliveries().count == 1)
        }
    }

    /// A secretariat sees of the directory only what assigning a reviewer takes: the active
    /// reviewers' sub, name, e-mail and country. Never the other people, the inactive, or anyone's
    /// language or preferences; the directory itself stays the admins'.
    @Test func aSecretariatListsTheActiveReviewersAndNothingElseOfThem() async throws {
        try await NotificationServices.run { services in
            let notifications = services.notifications
            _ = try await services.addRecipient("rev-fr", role: "reviewer", email: "camille@example.fr", language: "fr", country: "FR")
            _ = try await services.addRecipient("rev-none", role: "reviewer", email: "kim@example.org")
            let gone = try await services.addRecipient("rev-gone", role: "reviewer", email: "gone@example.org", country: "DE")
            _ = try await services.addRecipient("fp-ma", role: "focal_point", email: "pfn.ma@example.org", country: "MA")
            #expect(try await notifications.request(.PATCH, "/v1/recipients/\(gone)", json: #"{"active":false}"#, headers: try await Admin.pm).status == .ok)
            let secretariat = try await TestTokens.header(role: "secretariat", sub: "sec-ca", region: "CA")

            let reply = try await notifications.get("/v1/reviewers", headers: secretariat)
            #expect(reply.status == .ok, "\(reply.text)")
            let items = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])["items"] as? [[String: Any]]
            #expect(Set((items ?? []).compactMap { $0["sub"] as? String }) == ["rev-fr", "rev-none"], "active reviewers only")
            for item in items ?? [] { #expect(Set(item.keys) == ["sub", "name", "email", "country"], "\(item)") }
            let camille = items?.first { $0["sub"] as? String == "rev-fr" }
            #expect(camille?["email"] as? String == "camille@example.fr" && camille?["country"] as? String == "FR")
            #expect(items?.first { $0["sub"] as? String == "rev-none" }?["country"] is NSNull, "no country is null, not missing")
            struct Subs: Decodable { var items: [Item]; struct Item: Decodable { var sub: String } }
            #expect(try await notifications.get("/v1/reviewers?country=FR&limit=1", headers: secretariat).json(Subs.self).items.map(\.sub) == ["rev-fr"])

            // The directory stays the admins', whatever the filter says.
            for path in ["/v1/recipients", "/v1/recipients?role=reviewer", "/v1/recipients?role=reviewer&active=true"] {
                #expect(try await notifications.get(path, headers: secretariat).status == .forbidden, "\(path)")
            }
            for (role, sub) in [("focal_point", "fp-ma"), ("reviewer", "rev-fr"), ("finance", "fin-1")] {
                let caller = try await TestTokens.header(role: role, sub: sub, country: role == "focal_point" ? "MA" : nil)
                #expect(try await notifications.get("/v1/reviewers", headers: caller).status == .forbidden, "\(role)")
            }
            #expect(try await notifications.get("/v1/reviewers?country=FRA", headers: secretariat).status == .unprocessableEntity)
            #expect(try await notifications.get("/v1/reviewers", headers: try await Admin.pm).status == .ok)
        }
    }

    /// The local stack's people file: valid entries are added, invalid ones skipped with a
    /// warning, and a second start adds nothing and keeps an admin's change.
    @Test func theRecipientsFileSeedsTheDirectoryOnce() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("recipients-\(UUID().uuidString.prefix(8)).json")
        try Data(
            """
            [{"sub":"fp-ma","name":"Point focal, Maroc","email":"pfn.ma@example.org","language":"fr","role":"focal_point","country":"MA"},
             {"sub":"rev-fr","name":"Camille","email":"camille@example.fr","role":"reviewer","country":"FR"},
             {"sub":"fp-nowhere","name":"No country","email":"x@example.org","role":"focal_point"},
             {"sub":"fp-xx","name":"Unknown country","email":"y@example.org","role":"focal_point","country":"XX"},
             {"sub":"bad-mail","name":"Split","email":"a@b.co>\\r\\nBcc: c@d.ef","role":"finance"}]
            """.utf8
        ).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await NotificationServices.run(["COE_RECIPIENTS_FILE": file.path]) { services in
            struct Page: Decodable { var items: [Person]; struct Person: Decodable { var id: String; var sub: String; var name: String; var language: String } }
            func people() async throws -> [Page.Person] {
                try await services.notifications.get("/v1/recipients", headers: try await Admin.pm).json(Page.self).items
            }
            #expect(try await eventually { try await people().count == 2 })
            let seeded = try await people()
            #expect(Set(seeded.map(\.sub)) == ["fp-ma", "rev-fr"])
            #expect(seeded.first { $0.sub == "fp-ma" }?.language == "fr")
            let fp = try #require(seeded.first { $0.sub == "fp-ma" })
            #expect(try await services.notifications.request(.PATCH, "/v1/recipients/\(fp.id)", json: #"{"name":"Amina B."}"#, headers: try await Admin.pm).status == .ok)
            #expect(try await services.notifications.stop() == 0)
            try await services.notifications.start()
            try await Task.sleep(for: .seconds(1))
            let again = try await people()
            #expect(again.count == 2 && again.first { $0.sub == "fp-ma" }?.name == "Amina B.")
        }
    }

    @Test func internalWebhookAddressesAreRefusedUnlessAllowed() async throws {
        try await NotificationServices.run(["COE_WEBHOOK_ALLOW_INTERNAL": "false"]) { services in
            for url in ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest"] {
                let reply = try await services.notifications.post(
                    "/v1/subscriptions", json: #"{"url":"\#(url)","eventTypes":["proposal.approved"]}"#, headers: try await Admin.pm)
                #expect(reply.status == .unprocessableEntity, "\(url): \(reply.text)")
                #expect(reply.text.contains(#""field":"url""#) && reply.text.contains("internal"), "\(reply.text)")
            }
            let all = try await services.notifications.get("/v1/subscriptions", headers: try await Admin.pm)
            #expect(all.text.contains(#""items":[]"#))
        }
    }

    @Test func optOutAndDigestAreHonouredAndTheDigestIsOncePerDayAcrossReplicas() async throws {
        try await NotificationServices.run(["COE_DIGEST_HOUR": "0", "COE_DIGEST_CHECK_SECONDS": "3600"]) { services in
            let people = People()
            try await people.add(to: services)
            let focal = try await Self.token("fp-ma", "focal_point", country: "MA")
            let optOut = try await services.notifications.request(
                .PUT, "/v1/preferences", json: #"{"language":"fr","emailOptOut":["proposal.approved"],"digest":false}"#, headers: focal)
            #expect(optOut.status == .ok, "\(optOut.text)")
            let finance = try await Self.token("fin-alice", "finance")
            let digest = try await services.notifications.request(
                .PUT, "/v1/preferences", json: #"{"language":"en","emailOptOut":[],"digest":true}"#, headers: finance)
            #expect(digest.status == .ok, "\(digest.text)")
            let unknown = try await services.notifications.get("/v1/preferences", headers: try await Self.token("nobody", "reviewer"))
            #expect(unknown.status == .notFound && unknown.text.contains("not-in-directory"))

            let first = NotificationSamples(reference: "CBRN-2026-0101", region: "NAS", lead: "MA")
            let second = NotificationSamples(reference: "CBRN-2026-0102", region: "NAS", lead: "MA")
            try await services.publish(first.approved, second.blocked, first.screened)
            await services.mail.waitFor(1) { $0.rcptTos == [people.email("fp-ma")] }
            #expect(try await eventually(timeout: .seconds(20)) { try await services.deliveries("&status=suppressed").count == 3 })
            let focalMail = services.mail.mails(to: people.email("fp-ma"))
            #expect(focalMail.map { $0.headers["X-CoE-Event-Type"] } == ["review.screened"], "opted out of approvals only")
            #expect(services.mail.mails(to: people.email("fin-alice")).isEmpty, "held for the digest")
            let suppressed = try await services.deliveries("&status=suppressed")
            #expect(suppressed.contains { $0.note?.contains("opted out") == true && $0.address == people.email("fp-ma") })
            #expect(suppressed.filter { $0.note?.contains("digest") == true }.count == 2)

            // Two replicas run the day's digests at the same moment: one digest.
            let replica = try ServiceProcess(
                "coe-notifications", isolation: services.isolation, extraEnvironment: services.notifications.environment.filter { $0.key != "COE_HTTP_PORT" })
            try await replica.start()
            async let one = services.notifications.post("/v1/digests/run", json: "{}", headers: try await Admin.pm)
            async let two = replica.post("/v1/digests/run", json: "{}", headers: try await Admin.pm)
            let made = try await [one, two].map { reply -> Int in
                struct Run: Decodable { var made: Int }
                return try reply.json(Run.self).made
            }
            // (The replica's own digest job also runs as it starts: three tries, one digest.)
            #expect(made.reduce(0, +) <= 1, "\(made)")
            let digests = await services.mail.waitFor(1) { $0.rcptTos == [people.email("fin-alice")] }
            #expect(digests.count == 1)
            let mail = try #require(digests.first)
            #expect(mail.subject.contains("digest") && mail.headers["X-CoE-Event-Type"] == "digest")
            #expect(mail.text.contains("CBRN-2026-0101") && mail.text.contains("CBRN-2026-0102"), "\(mail.text)")

            // Another event the same day waits for tomorrow's digest.
            try await services.publish(NotificationSamples(reference: "CBRN-2026-0103", region: "NAS", lead: "MA").blocked)
            #expect(try await eventually(timeout: .seconds(20)) { try await services.deliveries("&status=suppressed").count == 4 })
            let rerun = try await replica.post("/v1/digests/run", json: "{}", headers: try await Admin.pm)
            #expect(rerun.text == #"{"made":0}"#, "\(rerun.text)")
            try await Task.sleep(for: .seconds(1))
            #expect(services.mail.mails(to: people.email("fin-alice")).count == 1)
            #expect(try await replica.stop() == 0)

            // The feed keeps everything, mail or not.
            let feed = try await services.notifications.get("/v1/notifications", headers: finance)
            struct Feed: Decodable { var unread: Int }
            #expect(try feed.json(Feed.self).unread == 3)
        }
    }

    @Test func theFeedCountsUnreadMarksReadAndStreamsNewItems() async throws {
        try await NotificationServices.run { services in
            let people = People()
            try await people.add(to: services)
            let focal = try await Self.token("fp-ma", "focal_point", country: "MA")
            var request = HTTPClientRequest(url: services.notifications.baseURL + "/v1/notifications/stream")
            for (name, value) in focal { request.headers.add(name: name, value: value) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            #expect(response.status == .ok && response.headers["content-type"].first?.hasPrefix("text/event-stream") == true)
            var iterator = response.body.makeAsyncIterator()
            var streamed = ""
            func read(until marker: String) async throws -> Bool {
                let deadline = ContinuousClock.now + .seconds(20)
                while !streamed.contains(marker), ContinuousClock.now < deadline {
                    guard let chunk = try await iterator.next() else { return false }
                    streamed += String(buffer: chunk)
                }
                return streamed.contains(marker)
            }
            #expect(try await read(until: "data: {\"unread\":0}"), "\(streamed)")

            let samples = NotificationSamples(reference: "CBRN-2026-0200", region: "NAS", lead: "MA")
            try await services.publish(samples.screened)
            #expect(try await read(until: "event: notification"), "\(streamed)")
            #expect(try await read(until: "data: {\"unread\":1}"), "\(streamed)")
            #expect(streamed.contains("CBRN-2026-0200"))

            struct Feed: Decodable { var items: [Item]; var unread: Int; struct Item: Decodable { var id: String; var read: Bool; var subject: String } }
            let page = try await services.notifications.get("/v1/notifications", headers: focal).json(Feed.self)
            #expect(page.unread == 1 && page.items.count == 1 && page.items[0].subject.hasPrefix("[CoE] CBRN-2026-0200"))
            // Someone else's item is not found; one's own is marked read, and the stream says so.
            let secretariat = try await Self.token("sec-nas", "secretariat", region: "NAS")
            #expect(try await services.notifications.post("/v1/notifications/\(page.items[0].id)/read", json: "{}", headers: secretariat).status == .notFound)
            let marked = try await services.notifications.post("/v1/notifications/\(page.items[0].id)/read", json: "{}", headers: focal)
            #expect(marked.status == .ok && marked.text.contains(#""read":true"#))
            streamed = ""
            #expect(try await read(until: "data: {\"unread\":0}"), "\(streamed)")

            // Two more, marked read at once; a reconnecting client gets what it missed.
            try await services.publish(samples.revisionRequested, samples.rejected)
            #expect(try await eventually { try await services.notifications.get("/v1/notifications", headers: focal).json(Feed.self).unread == 2 })
            let all = try await services.notifications.post("/v1/notifications/read-all", json: "{}", headers: focal)
            #expect(all.text == #"{"marked":2,"unread":0}"#, "\(all.text)")
            var resume = HTTPClientRequest(url: services.notifications.baseURL + "/v1/notifications/stream")
            for (name, value) in focal { resume.headers.add(name: name, value: value) }
            resume.headers.add(name: "Last-Event-ID", value: "0")
            let again = try await HTTPClient.shared.execute(resume, timeout: .seconds(60))
            var replayed = ""
            var replay = again.body.makeAsyncIterator()
            while replayed.components(separatedBy: "event: notification").count < 4, let chunk = try await replay.next() { replayed += String(buffer: chunk) }
            #expect(replayed.components(separatedBy: "event: notification").count == 4, "all three items again: \(replayed)")
        }
    }
}
