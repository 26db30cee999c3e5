import AMQP
import Events
import Foundation
import Messaging
import Testing
import TestSupport

/// A commitment as funding's API returns it.
struct CommitmentReply: Decodable {
    struct Payment: Decodable {
        var id: UUID
        var sequence: Int
        var kind: String
        var tranche: String?
        var amount: String
        var status: String
        var recordedBy: EventActor
        var decidedBy: EventActor?
    }
    var id: UUID
    var proposalId: UUID
    var status: String
    var amount: String
    var disbursed: String
    var remaining: String
    var released: String
    var shortfall: String?
    var year: Int
    var payments: [Payment]
    var allowedActions: [String]
}

struct EnvelopeReply: Decodable {
    var id: UUID
    var amount: String
    var committed: String
    var available: String
    var commitmentsUnblocked: [UUID]?
}

struct RegionReportReply: Decodable {
    struct Row: Decodable {
        var year: Int?
        var region: String?
        var envelope: String
        var committed: String
        var available: String
        var disbursed: String
        var remaining: String
        var absorptionRate: String?
        var paymentRate: String?
    }
    var rows: [Row]
    var totals: Row
}

struct LedgerReply: Decodable {
    struct Entry: Decodable {
        var amount: String
        var status: String
        var disbursedToDate: String
        var recordedBy: String
        var decidedBy: String?
    }
    var disbursed: String
    var remaining: String
    var released: String
    var entries: [Entry]
}

/// Finance users and their tokens.
enum Finance {
    static var alice: [(String, String)] { get async throws { try await TestTokens.header(role: "finance", sub: "fin-alice") } }
    static var bob: [(String, String)] { get async throws { try await TestTokens.header(role: "finance", sub: "fin-bob") } }
    static func key(_ value: String = UUID().uuidString) -> [(String, String)] { [("Idempotency-Key", value)] }
    static var year: Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.component(.year, from: Date())
    }
    static var today: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: Date())
    }
    static func payment(_ tranche: String, _ amount: String, reference: String) -> String {
        #"{"tranche":"\#(tranche)","amount":"\#(amount)","valueDate":"\#(today)","bankReference":"\#(reference)","note":"Paid to the national CBRN team"}"#
    }
}

@Suite("Funding: the money of approved projects, end to end with the real executables")
struct FundingServiceTests {
    /// Runs intake, workflow and funding of one isolation, with a spy queue on `funding.*`.
    func withServices(_ body: (ServiceProcess, ServiceProcess, ServiceProcess, AMQPConnection) async throws -> Void) async throws {
        let isolation = TestEnvironment.uniqueName("fu")
        let spy = try eventSpy(isolation: isolation, pattern: "funding.*")
        try await withRunning(spy) {
            #expect(await eventually { spy.isConnected })
            let services = try await CycleServices.start(isolation: isolation)
            try await body(services.intake, services.workflow, services.funding, spy)
            try await services.stop()
        }
    }

    /// Submitted at intake, screened, assessed twice and approved at workflow for `budget` (40/40/20).
    func approve(_ intake: ServiceProcess, _ workflow: ServiceProcess, budget: String) async throws -> String {
        let id = try await openCase(intake, workflow)
        let steps = ReviewSteps(workflow: workflow, id: id)
        try await steps.toDecision([80, 70, 75, 60, 90], [70, 80, 65, 70, 80])
        let decided = try await steps.decide(ReviewSteps.approval(budget: budget))
        #expect(decided.status == .ok, "\(decided.text)")
        return id
    }

    /// The next `count` funding events the spy receives, by type; fewer when they don't come within 30 s.
    func events(_ spy: AMQPConnection, count: Int) async -> [String] {
        await received(spy, count: count).map(\.type)
    }

    /// The same, with their bodies as published.
    func received(_ spy: AMQPConnection, count: Int) async -> [(type: String, body: Data)] {
        guard count > 0 else { return [] }
        return await withTaskGroup(of: [(type: String, body: Data)]?.self) { group in
            group.addTask {
                var events: [(type: String, body: Data)] = []
                for await delivery in spy.deliveries {
                    spy.ack(delivery)
                    events.append((delivery.properties.type ?? "?", Data(delivery.body)))
                    if events.count == count { break }
                }
                return events
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? [("timed out waiting for \(count) events", Data())]
        }
    }

    /// The payload of the received event of `type`.
    func payload<Payload: EventPayload>(_ type: Payload.Type, in events: [(type: String, body: Data)]) throws -> Payload {
        let body = try #require(events.first { $0.type == Payload.eventType.rawValue }?.body)
        return try EventCoding.decoder().decode(EventEnvelope<Payload>.self, from: body).data
    }

    @Test func approvedThenBlockedThenRaisedThenPaidInThreeVerifiedTranchesAndClosed() async throws {
        try await withServices { intake, workflow, funding, spy in
            let alice = try await Finance.alice
            let bob = try await Finance.bob
            // An envelope too small for the project; created once however often the request is retried with its key.
            let createKey = Finance.key()
            let envelopeJSON = #"{"year":\#(Finance.year),"region":"CA","amount":"100000.00","reason":"IfS 2026 allocation, first instalment"}"#
            let created = try await funding.post("/v1/envelopes", json: envelopeJSON, headers: alice + createKey)
            #expect(created.status == .created, "\(created.text)")
            let createdAgain = try await funding.post("/v1/envelopes", json: envelopeJSON, headers: alice + createKey)
            #expect(createdAgain.status == .created && createdAgain.body == created.body)
            let envelope = try created.json(EnvelopeReply.self)
            #expect(await events(spy, count: 1) == ["funding.envelope_changed"])

            // Approved at workflow for 1 000 000.00: funding blocks it, saying by how much.
            let id = try await approve(intake, workflow, budget: "1000000.00")
            var commitment = try await commitment(of: id, in: funding)
            #expect(commitment.status == "blocked" && commitment.shortfall == "900000.00" && commitment.amount == "1000000.00")
            #expect(commitment.year == Finance.year)
            #expect(await events(spy, count: 1) == ["funding.commitment_blocked"])
            let early = try await funding.post(
                "/v1/commitments/\(commitment.id.lowercased)/payments", json: Finance.payment("pre_financing", "400000.00", reference: "EARLY"),
                headers: alice)
            #expect(early.status == .conflict, "nothing is paid on a blocked commitment: \(early.text)")
            let stillShort = try await funding.request(.POST, "/v1/commitments/\(commitment.id.lowercased)/retry", headers: alice)
            #expect(stillShort.status == .conflict)
            #expect(try stillShort.json(ProblemReply.self).excess == "900000.00")

            // Finance raises the envelope (a retried request raises it once): the commitment goes through at once.
            let raiseKey = Finance.key()
            let raisePath = "/v1/envelopes/\(envelope.id.lowercased)/adjustments"
            let raised = try await funding.post(raisePath, json: #"{"delta":"1900000.00","reason":"Second instalment"}"#, headers: alice + raiseKey)
            #expect(raised.status == .ok, "\(raised.text)")
            let raisedAgain = try await funding.post(raisePath, json: #"{"delta":"1900000.00","reason":"Second instalment"}"#, headers: alice + raiseKey)
            #expect(raisedAgain.status == .ok && raisedAgain.body == raised.body)
            let afterRaise = try raised.json(EnvelopeReply.self)
            #expect(afterRaise.commitmentsUnblocked == [commitment.id])
            #expect(raised.text.contains(commitment.id.lowercased) && !raised.text.contains(commitment.id.uuidString), "ids go out lower-case")
            #expect(afterRaise.committed == "1000000.00" && afterRaise.available == "1000000.00")
            let unblocking = await received(spy, count: 2)
            #expect(Set(unblocking.map(\.type)) == ["funding.committed", "funding.envelope_changed"])
            let committedEvent = try payload(FundingCommitted.self, in: unblocking)
            #expect(committedEvent.afterBlock && committedEvent.amount == Money(cents: 100_000_000) && committedEvent.envelope.available == Money(cents: 100_000_000))
            #expect(committedEvent.paymentSchedule.map(\.amount) == [Money(cents: 40_000_000), Money(cents: 40_000_000), Money(cents: 20_000_000)])
            let changed = try payload(FundingEnvelopeChanged.self, in: unblocking)
            #expect(changed.change == "raised" && changed.delta == Money(cents: 190_000_000) && changed.commitmentsUnblocked == [commitment.id])
            let changedBody = try #require(unblocking.first { $0.type == "funding.envelope_changed" }?.body)
            #expect(String(decoding: changedBody, as: UTF8.self).contains(commitment.id.lowercased), "ids go out lower-case on the bus too")
            commitment = try await funding.get("/v1/commitments/\(commitment.id.lowercased)", headers: alice).json(CommitmentReply.self)
            #expect(commitment.status == "active")

            // Pre-financing recorded by Alice, with a key: a retry of the same request records it once.
            let path = "/v1/commitments/\(commitment.id.lowercased)/payments"
            let key = Finance.key()
            let recorded = try await funding.post(path, json: Finance.payment("pre_financing", "400000.00", reference: "BNK-001"), headers: alice + key)
            #expect(recorded.status == .created, "\(recorded.text)")
            let again = try await funding.post(path, json: Finance.payment("pre_financing", "400000.00", reference: "BNK-001"), headers: alice + key)
            #expect(again.status == .created && again.body == recorded.body)
            let pre = try #require(try recorded.json(CommitmentReply.self).payments.first)
            #expect(try again.json(CommitmentReply.self).payments.count == 1)

            // The verification queue shows it to both, but only Bob may decide it.
            struct Queue: Decodable {
                struct Item: Decodable { var commitmentId: UUID; var payment: CommitmentReply.Payment; var mayDecide: Bool; var why: String? }
                var items: [Item]
            }
            let asAlice = try await funding.get("/v1/payments?status=pending", headers: alice).json(Queue.self)
            let asBob = try await funding.get("/v1/payments?status=pending", headers: bob).json(Queue.self)
            #expect(asAlice.items.map(\.payment.id) == [pre.id] && asBob.items.map(\.payment.id) == [pre.id])
            #expect(asAlice.items.first?.mayDecide == false && asAlice.items.first?.why?.contains("four eyes") == true)
            #expect(asBob.items.first?.mayDecide == true && asBob.items.first?.commitmentId == commitment.id)

            // Four eyes: Alice can't verify her own request; Bob can, once.
            let own = try await funding.request(.POST, "\(path)/\(pre.id.lowercased)/verification", headers: alice)
            #expect(own.status == .conflict)
            #expect(try own.json(ProblemReply.self).rule == "four-eyes")
            let verifyKey = Finance.key()
            let verified = try await funding.request(.POST, "\(path)/\(pre.id.lowercased)/verification", headers: bob + verifyKey)
            #expect(verified.status == .ok, "\(verified.text)")
            #expect(try verified.json(CommitmentReply.self).disbursed == "400000.00")
            // Bob's retry with the same key gets the same answer; a new verification is refused.
            let verifiedAgain = try await funding.request(.POST, "\(path)/\(pre.id.lowercased)/verification", headers: bob + verifyKey)
            #expect(verifiedAgain.status == .ok && verifiedAgain.body == verified.body)
            #expect(try await funding.request(.POST, "\(path)/\(pre.id.lowercased)/verification", headers: bob).status == .conflict)
            #expect(try await funding.get("/v1/payments?status=pending", headers: bob).json(Queue.self).items.isEmpty)

            // Interim, then a final of less than its share: the final closes and releases the rest.
            for (tranche, amount, reference) in [("interim", "400000.00", "BNK-002"), ("final", "150000.00", "BNK-003")] {
                let request = try await funding.post(path, json: Finance.payment(tranche, amount, reference: reference), headers: alice + Finance.key())
                #expect(request.status == .created, "\(request.text)")
                let payment = try #require(try request.json(CommitmentReply.self).payments.last)
                let done = try await funding.request(.POST, "\(path)/\(payment.id.lowercased)/verification", headers: bob)
                #expect(done.status == .ok, "\(done.text)")
                commitment = try done.json(CommitmentReply.self)
            }
            #expect(commitment.status == "closed")
            #expect(commitment.disbursed == "950000.00" && commitment.released == "50000.00" && commitment.remaining == "0.00")
            let paid = await received(spy, count: 4)
            #expect(paid.map(\.type) == ["funding.disbursed", "funding.disbursed", "funding.disbursed", "funding.closed"])
            let closedEvent = try payload(FundingClosed.self, in: paid)
            #expect(closedEvent.released == Money(cents: 5_000_000) && closedEvent.disbursed == Money(cents: 95_000_000))
            #expect(closedEvent.envelope?.available == Money(cents: 105_000_000))
            let after = try await funding.get("/v1/envelopes/\(envelope.id.lowercased)", headers: alice).json(EnvelopeReply.self)
            #expect(after.committed == "950000.00" && after.available == "1050000.00")

            // The ledger, the report and its CSV agree to the cent.
            let ledger = try await funding.get("/v1/commitments/\(commitment.id.lowercased)/ledger", headers: alice).json(LedgerReply.self)
            #expect(ledger.entries.map(\.disbursedToDate) == ["400000.00", "800000.00", "950000.00"])
            #expect(ledger.entries.allSatisfy { $0.recordedBy == "fin-alice" && $0.decidedBy == "fin-bob" })
            let report = try await funding.get("/v1/reports/regions?year=\(Finance.year)&region=CA", headers: alice).json(RegionReportReply.self)
            #expect(report.rows.count == 1)
            #expect(report.totals.committed == "950000.00" && report.totals.disbursed == ledger.disbursed && report.totals.envelope == "2000000.00")
            #expect(report.totals.absorptionRate == "47.50" && report.totals.paymentRate == "100.00")
            let csv = try await funding.get("/v1/reports/regions?year=\(Finance.year)&region=CA&format=csv", headers: alice)
            #expect(csv.headers.first(name: "content-type")?.hasPrefix("text/csv") == true)
            #expect(csv.headers.first(name: "content-disposition")?.contains("filename=") == true)
            let lines = csv.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
            #expect(lines.first?.prefix(8) == ["year", "region", "instrument", "envelope", "committed", "available", "disbursed", "remaining"])
            #expect(lines.dropFirst().first?[4] == report.rows[0].committed && lines.dropFirst().first?[6] == report.rows[0].disbursed)
            let byCountry = try await funding.get("/v1/reports/countries?year=\(Finance.year)", headers: alice + [("Accept", "text/csv")])
            #expect(byCountry.headers.first(name: "content-type")?.hasPrefix("text/csv") == true)
            let countryRows = byCountry.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
            #expect(countryRows.count == 3, "header, Kazakhstan, totals: \(byCountry.text)")
            #expect(countryRows.dropFirst().first.map { [$0[2], $0[3], $0[5], $0[6]] } == ["KZ", "KG UZ", "950000.00", "950000.00"])

            // A secretariat's report is its region's: Central Asia's sees the row, South East Asia's none.
            let ours = try await funding.get("/v1/reports/regions", headers: try await Callers.centralAsiaSecretariat).json(RegionReportReply.self)
            #expect(ours.rows.map(\.region) == ["CA"] && ours.totals.disbursed == "950000.00")
            let theirs = try await funding.get("/v1/reports/regions", headers: try await TestTokens.header(role: "secretariat", sub: "sec-sea", region: "SEA"))
            #expect(try theirs.json(RegionReportReply.self).rows.isEmpty && theirs.json(RegionReportReply.self).totals.disbursed == "0.00")

            // The focal point of Kazakhstan sees the project's money; a reviewer sees nothing.
            #expect(try await funding.get("/v1/commitments/\(commitment.id.lowercased)", headers: try await Callers.kazakhFocalPoint).status == .ok)
            #expect(try await funding.get("/v1/commitments/\(commitment.id.lowercased)", headers: try await Callers.uzbekFocalPoint).status == .notFound)
            #expect(try await funding.get("/v1/commitments", headers: try await Callers.reviewer).status == .forbidden)

            // The IATI export of this project validates against the IATI 2.03 schema.
            let iati = try await funding.get("/v1/exports/iati?year=\(Finance.year)", headers: alice)
            #expect(iati.status == .ok)
            let problems = try IATISchema.problems(iati.text)
            #expect(problems == nil, "\(problems ?? "")")
            #expect(iati.text.contains(#"<transaction-type code="3"/>"#))
        }
    }

    /// The broker's first layer off (notifications may publish any routing key): funding parks
    /// what workflow's user did not send, drops a redelivered approval, and refuses an approval
    /// that contradicts the commitment it keeps or whose schedule does not add up.
    @Test func fundingCommitsOnlyWorkflowsApprovalsAndEachOnce() async throws {
        let isolation = TestEnvironment.uniqueName("ff")
        let credentials = try await LeastPrivilegeTests.provision(isolation, services: ["workflow", "funding", "notifications"])
        try await runBashScript(
            try TestEnvironment.variable("COE_TEST_BROKER_SCRIPT"), ["ctl", "clear_topic_permissions", "-p", "/", "\(isolation)_notifications"])
        let fundingCredentials = try #require(credentials["funding"])
        let funding = try ServiceProcess(
            "coe-funding", isolation: isolation, extraEnvironment: LeastPrivilegeTests.environment(fundingCredentials, isolation: isolation))
        try await funding.start()
        let alice = try await Finance.alice
        let created = try await funding.post(
            "/v1/envelopes", json: #"{"year":2026,"region":"CA","amount":"5000000.00","reason":"IfS allocation"}"#, headers: alice)
        #expect(created.status == .created, "\(created.text)")
        let exchange = "\(isolation).events"
        let notifications = try AMQPURL(try #require(credentials["notifications"]).broker)
        let workflow = try AMQPURL(try #require(credentials["workflow"]).broker)
        let id = UUID().lowercased
        let approval = ForgedEventsTests.approval(of: id, budget: "1000000.00")

        // A forgery from notifications' user, then workflow's real approval twice (a redelivery:
        // the same message), then two approvals from workflow that funding's state refuses.
        #expect(try await ForgedEventsTests.publish(
            ForgedEventsTests.approval(of: UUID().lowercased, budget: "9999999.99"), routingKey: "proposal.approved", exchange: exchange, as: notifications) == nil)
        #expect(try await ForgedEventsTests.publish(approval, routingKey: "proposal.approved", exchange: exchange, as: workflow) == nil)
        #expect(try await ForgedEventsTests.publish(approval, routingKey: "proposal.approved", exchange: exchange, as: workflow) == nil)
        #expect(try await ForgedEventsTests.publish(
            ForgedEventsTests.approval(of: id, budget: "500000.00"), routingKey: "proposal.approved", exchange: exchange, as: workflow) == nil)
        let unbalanced = ForgedEventsTests.approval(of: UUID().lowercased, budget: "1000.00").replacingOccurrences(of: #""percent":100"#, with: #""percent":90"#)
        #expect(try await ForgedEventsTests.publish(unbalanced, routingKey: "proposal.approved", exchange: exchange, as: workflow) == nil)

        let errors = try await parkedErrors("funding", isolation: isolation, as: try AMQPURL(fundingCredentials.broker), count: 3)
        #expect(errors.count == 3, "\(funding.tail())")
        #expect(errors.contains { $0.contains("published by broker user '\(isolation)_notifications', not by its owner workflow") }, "\(errors)")
        #expect(errors.contains { $0.contains("already has commitment") }, "\(errors)")
        #expect(errors.contains { $0.contains("percentages must sum to 100") }, "\(errors)")
        // One commitment, of workflow's approval, committed once against the envelope.
        struct Page: Decodable { var items: [CommitmentReply] }
        let page = try await funding.get("/v1/commitments?limit=100", headers: alice).json(Page.self)
        #expect(page.items.map(\.proposalId.lowercased) == [id])
        #expect(page.items.first?.status == "active" && page.items.first?.amount == "1000000.00")
        let envelope = try await funding.get("/v1/envelopes?year=2026&region=CA", headers: alice)
        struct Envelopes: Decodable { var items: [EnvelopeReply] }
        #expect(try envelope.json(Envelopes.self).items.first?.committed == "1000000.00")
        #expect(try await funding.stop() == 0, "\(funding.tail())")
    }
}
