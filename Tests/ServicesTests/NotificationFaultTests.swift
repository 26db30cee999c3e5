import Foundation
import Testing
import TestSupport

/// Notifications when things break: the process killed in the middle of sending, the SMTP
/// server gone while events arrive. Every mail arrives, and once (by Message-ID: the one window
/// SMTP leaves open is a kill between the server's acceptance and our record, and then the copy
/// carries the same Message-ID).
@Suite("Notifications under faults", .serialized)
struct NotificationFaultTests {
    /// Approvals of `count` proposals of Morocco: each mails its focal point and finance.
    static func approvals(_ count: Int) -> [SampleEvent] {
        (0..<count).map { NotificationSamples(reference: "CBRN-2026-\(1000 + $0)", region: "NAS", lead: "MA").approved }
    }

    static func addPeople(_ services: NotificationServices, tag: String) async throws {
        try await services.addRecipient("fp-ma", role: "focal_point", email: "fp-ma.\(tag)@example.org", language: "fr", country: "MA")
        try await services.addRecipient("fin-alice", role: "finance", email: "fin-alice.\(tag)@example.org")
    }

    @Test func sigkillMidBatchThenRestartSendsEveryMailOnce() async throws {
        try await NotificationServices.run(["COE_DELIVERY_CONCURRENCY": "4"]) { services in
            try await Self.addPeople(services, tag: "kill")
            let events = Self.approvals(60)
            try await services.publish(events)
            // Killed while the batch is being sent.
            await services.mail.waitFor(10)
            #expect(try await services.notifications.stop(signal: SIGKILL) != 0)
            let beforeKill = services.mail.mails().count
            #expect(beforeKill < 120, "the kill came mid-batch (\(beforeKill) of 120 sent)")
            try await services.notifications.start()
            // What was claimed when the process died is taken again once its lease runs out.
            #expect(try await services.settled(within: .seconds(90)), "nothing left pending, sending or retrying")
            try await Task.sleep(for: .seconds(1))
            let all = services.mail.mails()
            let distinct = Set(all.map(\.messageId))
            #expect(distinct.count == 120, "every mail arrived: \(distinct.count) of 120")
            // A copy is only possible for a mail in flight at the kill (at most one per sending slot),
            // and it carries the same Message-ID.
            #expect(all.count <= 120 + 4, "\(all.count) mails for 120 deliveries")
            #expect(try await services.deliveries("&status=failed").isEmpty)
            // Each approval: one mail to each of the two people.
            for event in events {
                let ids = Set(all.filter { $0.headers["X-CoE-Event-Id"] == event.id.lowercased }.map(\.messageId))
                #expect(ids.count == 2, "\(event.id): \(ids)")
            }
        }
    }

    /// Two replicas share the sending while PostgreSQL restarts twice and RabbitMQ once, events
    /// arriving before, between and after: every mail once (no kill here, so no copy either).
    @Test func twoReplicasThroughDatabaseAndBrokerRestartsSendEveryMailOnce() async throws {
        try await NotificationServices.run(["COE_DELIVERY_CONCURRENCY": "2", "COE_DELIVERY_LEASE_SECONDS": "60"]) { services in
            try await Self.addPeople(services, tag: "restarts")
            let replica = try ServiceProcess(
                "coe-notifications", isolation: services.isolation, extraEnvironment: services.notifications.environment.filter { $0.key != "COE_HTTP_PORT" })
            try await replica.start()
            try await services.publish(Self.approvals(30))
            await services.mail.waitFor(5)
            try await TestDatabaseServer.restart()
            try await TestBroker.stop()
            try await TestBroker.start()
            #expect(await eventually(timeout: .seconds(60)) { services.publisher?.isConnected == true })
            try await services.publish(Self.approvals(10))
            try await TestDatabaseServer.restart()
            try await services.publish(Self.approvals(10))
            await services.mail.waitFor(100, timeout: .seconds(120))
            #expect(try await services.settled(within: .seconds(60)), "nothing left pending, sending or retrying")
            try await Task.sleep(for: .seconds(1))
            let all = services.mail.mails()
            #expect(Set(all.map(\.messageId)).count == 100, "every mail arrived")
            #expect(all.count == 100, "and none twice: \(all.count) for 100 deliveries")
            #expect(try await services.deliveries("&status=failed").isEmpty)
            #expect(try await replica.stop() == 0, "\(replica.tail())")
        }
    }

    @Test func smtpServerDownWhileEventsArriveThenBackLosesNothing() async throws {
        try await NotificationServices.run(["COE_DELIVERY_MAX_ATTEMPTS": "100"]) { services in
            try await Self.addPeople(services, tag: "smtp")
            await services.mail.stop()
            let events = Self.approvals(10)
            try await services.publish(events)
            // The attempts fail and are retried with backoff; nothing is lost meanwhile.
            #expect(try await eventually(timeout: .seconds(30)) {
                let waiting = try await services.deliveries("&status=retrying")
                return waiting.count == 20 && waiting.allSatisfy { $0.lastError?.contains("SMTP") == true }
            })
            try await services.mail.start()
            let mails = await services.mail.waitFor(20, timeout: .seconds(60))
            try await Task.sleep(for: .seconds(1))
            #expect(mails.count == 20 && services.mail.mails().count == 20, "every mail once")
            #expect(Set(mails.map(\.messageId)).count == 20)
            let sent = try await services.deliveries("&status=sent")
            #expect(sent.count == 20 && sent.allSatisfy { $0.attempts >= 2 })
        }
    }
}
