import Cycle
import Events
import Foundation
import Testing
import TestSupport

/// The four real executables and many proposals at once, each taken by the people of the
/// initiative from submission to a closed commitment through the typed client; then what each
/// service shows, and what the SMTP server received, are checked against each other.
@Suite("One lifecycle test with the real executables")
struct LifecycleTests {
    /// Proposals taken through at once: enough for every step to meet the others' at every
    /// service, few enough for a 2-core machine running four debug builds.
    static let proposals = 12

    @Test func manyProposalsGoFromSubmissionToAClosedCommitmentAndEveryServiceAndMailboxAgrees() async throws {
        let isolation = TestEnvironment.uniqueName("lc")
        try await NotificationServices.run(isolation: isolation) { services in
            let cycle = try await CycleServices.start(isolation: isolation)
            try await cycle.stopping {
                let cast = LifecycleCast(tag: String(UUID().uuidString.prefix(8).lowercased()))
                let client = CoEClient(
                    endpoints: ServiceEndpoints(cycle, notifications: services.notifications),
                    tokens: try await TokenMinter(privateKeyFile: try TestEnvironment.variable("COE_JWT_PRIVATE_KEY_FILE")))
                let run = try await LifecycleRun(client: client, cast: cast)
                try await run.prepare(forProposals: Self.proposals)

                let taken = try await withThrowingTaskGroup(of: (UUID, String).self) { group in
                    for number in 1...Self.proposals {
                        let lead = cast.leads[number % cast.leads.count]
                        group.addTask { (try await run.takeThrough(number: number, lead: lead), lead) }
                    }
                    return try await group.reduce(into: [UUID: String]()) { $0[$1.0] = $1.1 }
                }
                #expect(taken.count == Self.proposals)

                try await run.expectEveryServiceAgrees(on: taken)
                try await run.expectEachMailOnce(for: taken, received: services.mail)
            }
        }
    }
}

/// The people of one lifecycle run. Their addresses carry the run's tag, so the mails of the
/// run are told apart from any other.
struct LifecycleCast: Sendable {
    let tag: String
    /// The region of every proposal, and the lead countries (four of its five) that take turns.
    let region = "CA"
    let leads = ["KZ", "KG", "UZ", "TJ"]
    let programmeManager: Person
    let secretariat: Person
    /// Neither is a national of the region: no conflict of interest with any proposal.
    let reviewers: [Person]
    /// Four eyes: what one records, the other verifies.
    let finance: [Person]
    let focalPoints: [String: Person]

    init(tag: String) {
        self.tag = tag
        func person(_ sub: String, _ role: Caller.Role, country: String? = nil, region: String? = nil) -> Person {
            Person(sub: sub, name: "Person \(sub)", email: "\(sub).\(tag)@example.org", role: role, country: country, region: region)
        }
        programmeManager = person("pm", .admin)
        secretariat = person("sec-ca", .secretariat, region: "CA")
        reviewers = [person("rev-fr", .reviewer, country: "FR"), person("rev-de", .reviewer, country: "DE")]
        finance = [person("fin-alice", .finance), person("fin-bob", .finance)]
        focalPoints = Dictionary(uniqueKeysWithValues: leads.map { ($0, person("fp-\($0.lowercased())", .focalPoint, country: $0)) })
    }

    var everyone: [Person] { [programmeManager, secretariat] + reviewers + finance + leads.compactMap { focalPoints[$0] } }

    func focalPoint(_ lead: String) -> Person { focalPoints[lead]! }

    /// Whether a mail went to someone of this run.
    func isOurs(_ mail: MailCatcher.Mail) -> Bool { mail.rcptTos.allSatisfy { $0.hasSuffix(".\(tag)@example.org") } && !mail.rcptTos.isEmpty }

    /// What Services/Notifications/Domain/RoutingRules.swift mails for one proposal's lifecycle
    /// (digests off, no webhooks): each (event type, address) with how many mails.
    ///
    /// - proposal.submitted: the region's secretariat and the lead country's focal point;
    /// - review.screened (eligible): the focal point;
    /// - review.assigned: each reviewer, of their own assignment;
    /// - review.assessed: programme managers, once the round is ready for the decision (the second);
    /// - proposal.approved: the focal point and finance (the secretariat only in its feed);
    /// - funding.committed, funding.disbursed (one per verified tranche), funding.closed: the focal point.
    func expectedMails(lead: String) -> [MailKey: Int] {
        let focalPoint = focalPoint(lead).email
        var expected: [MailKey: Int] = [
            MailKey("proposal.submitted", secretariat.email): 1, MailKey("proposal.submitted", focalPoint): 1,
            MailKey("review.screened", focalPoint): 1, MailKey("review.assessed", programmeManager.email): 1,
            MailKey("proposal.approved", focalPoint): 1, MailKey("funding.committed", focalPoint): 1,
            MailKey("funding.disbursed", focalPoint): 3, MailKey("funding.closed", focalPoint): 1,
        ]
        for reviewer in reviewers { expected[MailKey("review.assigned", reviewer.email)] = 1 }
        for officer in finance { expected[MailKey("proposal.approved", officer.email)] = 1 }
        return expected
    }

    struct MailKey: Hashable, CustomStringConvertible {
        var eventType: String
        var address: String
        init(_ eventType: String, _ address: String) {
            self.eventType = eventType
            self.address = address
        }
        var description: String { "\(eventType) → \(address)" }
    }
}

/// The steps of the run and its checks, through the typed client as the people take them.
struct LifecycleRun: Sendable {
    let client: CoEClient
    let cast: LifecycleCast
    let reference: ReferenceData
    let today: String
    let year: Int
    static let schedule: [Decision.Share] = [.init(.preFinancing, 30), .init(.interim, 50), .init(.final, 20)]

    init(client: CoEClient, cast: LifecycleCast) async throws {
        self.client = client
        self.cast = cast
        reference = try ReferenceData.load()
        let now = Date()
        today = UTC.day(now)
        year = UTC.year(of: now)
    }

    /// A proposal's draft: the same for the same number.
    func draft(number: Int, lead: String) throws -> ProposalDraft {
        try ProposalDraft.sample(number: number, lead: lead, region: cast.region, reference: reference)
    }

    /// Registers everyone with notifications and creates the region's envelope, big enough for
    /// `count` proposals at their largest budget.
    func prepare(forProposals count: Int) async throws {
        for person in cast.everyone {
            let registration = try await client.registerRecipient(person, as: cast.programmeManager)
            #expect(registration.outcome == .created, "\(person.sub)")
        }
        let budgets = try (1...count).map { try #require(try draft(number: $0, lead: cast.leads[0]).requestedBudget) }
        let amount = try #require(budgets.max()).multiplied(by: Int64(count))
        let envelope = try await client.createEnvelope(
            year: year, region: cast.region, amount: amount, reason: "Lifecycle test \(cast.tag)", as: cast.finance[0])
        #expect(envelope.available == amount)
    }

    /// Takes proposal `number` of `lead` from its draft to a closed commitment; its id.
    func takeThrough(number: Int, lead: String) async throws -> UUID {
        let focalPoint = cast.focalPoint(lead)
        let secretariat = cast.secretariat
        let manager = cast.programmeManager
        let key = { (step: String) in "lc-\(cast.tag)-p\(number)-\(step)" }
        let draft = try draft(number: number, lead: lead)
        let budget = try #require(draft.requestedBudget)

        let created = try await client.createProposal(draft, as: focalPoint, key: key("create"))
        let id = created.id
        let submitted = try await client.submitProposal(id, as: focalPoint, key: key("submit"))
        #expect(submitted.status == .submitted && submitted.revision == 1)

        // Workflow opens the case when intake's proposal.submitted arrives.
        _ = try await client.waitForReviewCase(id, as: secretariat)
        let rules = try await client.reviewRules(as: secretariat)
        let screened = try await client.screen(id, .eligible(rules), as: secretariat, key: key("screen"))
        #expect(screened.stage == .technical)
        for reviewer in cast.reviewers {
            _ = try await client.assignReviewer(id, reviewer, as: secretariat, key: key("assign-\(reviewer.sub)"))
        }
        for (index, reviewer) in cast.reviewers.enumerated() {
            let assessment = Assessment(rules, scores: [82 - index * 4, 76, 88, 71, 80], recommendation: .fund)
            _ = try await client.assess(id, assessment, as: reviewer, key: key("assess-\(reviewer.sub)"))
        }
        let ready = try await client.reviewCase(id, as: manager)
        #expect(ready.stage == .decision && ready.currentRound?.assessments.count == 2)
        let approval = Decision.approve(budget: budget, schedule: Self.schedule, reasons: ["Lifecycle test"])
        let decided = try await client.decide(id, approval, as: manager, key: key("decide"))
        #expect(decided.stage == .approved)

        // Intake applies the decision, and funding commits it, when workflow's proposal.approved reaches them.
        let approved = try await client.waitForProposal(id, as: focalPoint) { $0.status == .approved }
        #expect(approved.approvedBudget == budget)
        var commitment = try await client.waitForCommitment(ofProposal: id, region: cast.region, leadCountry: lead, as: cast.finance[0])
        #expect(commitment.status == .active && commitment.amount == budget)

        // One officer records each tranche, the other verifies it; who is which alternates by proposal.
        let recorder = cast.finance[number % 2]
        let verifier = cast.finance[(number + 1) % 2]
        for tranche in Self.schedule.map(\.tranche) {
            let amount = try #require(commitment.scheduled(tranche))
            let request = PaymentRequest.disbursement(
                tranche, amount: amount, valueDate: today, bankReference: "LC-\(cast.tag)-\(number)-\(tranche.rawValue)")
            let recorded = try await client.recordPayment(commitment.id, request, as: recorder, key: key("pay-\(tranche.rawValue)"))
            #expect(recorded.payment?.status == .pending)
            commitment = try await client.verifyPayment(commitment.id, payment: recorded.paymentID, as: verifier, key: key("verify-\(tranche.rawValue)"))
        }
        #expect(commitment.status == .closed, "proposal \(number)")
        return id
    }

    // MARK: Checks

    /// What each service shows of the proposals: approved at intake, decided at workflow, paid
    /// in full at funding, with the same budget at all three.
    func expectEveryServiceAgrees(on taken: [UUID: String]) async throws {
        let manager = cast.programmeManager
        let finance = cast.finance[0]
        let ids = Set(taken.keys)

        // Intake: every proposal approved, with the budget asked for.
        let proposals = try await client.proposals(as: manager)
        #expect(Set(proposals.map(\.id)) == ids, "intake holds exactly the run's proposals")
        #expect(proposals.allSatisfy { $0.status == .approved }, "\(proposals.map(\.status))")
        let budgets = Dictionary(uniqueKeysWithValues: proposals.map { ($0.id, $0.approvedBudget) })
        #expect(proposals.allSatisfy { $0.approvedBudget != nil && $0.approvedBudget == $0.requestedBudget })

        // Workflow: every case approved, on two assessments, with that budget.
        let cases = try await client.reviewCases(as: manager)
        #expect(Set(cases.map(\.proposalId)) == ids, "workflow holds a case for each proposal, and no other")
        #expect(try await client.reviewCaseCounts(as: manager) == [.approved: ids.count])
        for id in ids {
            let decided = try await client.reviewCase(id, as: manager)
            #expect(decided.stage == .approved && decided.rounds.count == 1)
            #expect(decided.currentRound?.assessments.count == 2)
            #expect(decided.currentRound?.decision?.outcome == "approved")
            #expect(decided.currentRound?.decision?.approvedBudget == budgets[id] ?? nil)
        }

        // Funding: every commitment closed, its three tranches each verified by someone other than who recorded it.
        let commitments = try await client.commitments(as: finance)
        #expect(Set(commitments.map(\.proposalId)) == ids, "funding holds a commitment for each proposal, and no other")
        #expect(try await client.commitmentCounts(as: finance) == [.closed: ids.count])
        for commitment in commitments {
            #expect(commitment.amount == budgets[commitment.proposalId] ?? nil)
            #expect(commitment.disbursed == commitment.amount && commitment.remaining == .zero && commitment.released == .zero)
            #expect(commitment.payments.count == 3 && commitment.payments.allSatisfy { $0.status == .verified })
            #expect(commitment.payments.compactMap(\.tranche) == [.preFinancing, .interim, .final])
            #expect(commitment.payments.allSatisfy { $0.decidedBy != nil && $0.decidedBy?.sub != $0.recordedBy.sub }, "four eyes")
            #expect(commitment.payments.map(\.amount) == commitment.paymentSchedule.map(\.amount))
        }
        #expect(try await client.paymentCounts(as: finance) == [.verified: 3 * ids.count])
        let envelope = try #require(try await client.envelopes(year: year, region: cast.region, as: finance).first)
        // Closed commitments count at their net disbursement.
        let disbursed = try Money.sum(commitments.map(\.disbursed))
        let available = try envelope.amount.subtracting(disbursed)
        #expect(envelope.committed == disbursed && envelope.available == available)
    }

    /// The SMTP server got, for each proposal, exactly the mails the routing rules send, once
    /// each; notifications shows every delivery sent, one per event, person and channel.
    func expectEachMailOnce(for taken: [UUID: String], received catcher: MailCatcher) async throws {
        let manager = cast.programmeManager
        var expected: [UUID: [LifecycleCast.MailKey: Int]] = [:]
        for (id, lead) in taken { expected[id] = cast.expectedMails(lead: lead) }
        let total = expected.values.flatMap(\.values).reduce(0, +)

        // Settled: every delivery decided, and as many mails in as there are deliveries to expect.
        var deliveries: [Delivery] = []
        let settled = try await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
            deliveries = try await client.deliveries(as: manager)
            let open = deliveries.filter { ["pending", "sending", "retrying"].contains($0.status) }
            return open.isEmpty && deliveries.count >= total && catcher.mails().filter(cast.isOurs).count >= deliveries.count
        }
        #expect(settled, "\(deliveries.count) deliveries of \(total), \(catcher.mails().filter(cast.isOurs).count) mails in")

        #expect(deliveries.count == total, "one delivery per mail the rules send")
        #expect(deliveries.allSatisfy { $0.status == "sent" && $0.channel == "email" }, "\(Dictionary(grouping: deliveries, by: \.status).mapValues(\.count))")
        let perTarget = Dictionary(grouping: deliveries) { "\($0.eventId?.lowercased ?? "none") \($0.recipientId?.lowercased ?? "none") \($0.channel)" }
        let repeated = perTarget.filter { $0.value.count != 1 }
        #expect(repeated.isEmpty, "deliveries of one event to one person by one channel: \(repeated.keys.sorted())")

        let mails = catcher.mails()
        #expect(mails.allSatisfy(cast.isOurs), "only the run's people got mail")
        #expect(Set(mails.map(\.messageId)).count == mails.count, "every Message-ID is distinct")
        let byID = Dictionary(uniqueKeysWithValues: deliveries.map { ($0.id.lowercased, $0) })
        var actual: [UUID: [LifecycleCast.MailKey: Int]] = [:]
        var unattributed: [String] = []
        for mail in mails {
            guard let delivery = mail.headers["X-CoE-Delivery"].flatMap({ byID[$0] }), let proposal = delivery.proposalId,
                let type = mail.headers["X-CoE-Event-Type"], let address = mail.rcptTos.first, mail.rcptTos.count == 1
            else {
                unattributed.append("\(mail.subject) → \(mail.rcptTos)")
                continue
            }
            #expect(type == delivery.eventType)
            actual[proposal, default: [:]][LifecycleCast.MailKey(type, address), default: 0] += 1
        }
        #expect(unattributed.isEmpty, "mails no delivery of a proposal accounts for: \(unattributed)")
        for (id, wanted) in expected {
            let got = actual[id] ?? [:]
            let differences = Set(wanted.keys).union(got.keys).filter { wanted[$0] != got[$0] }.map { "\($0): \(got[$0] ?? 0) of \(wanted[$0] ?? 0)" }
            #expect(differences.isEmpty, "proposal \(id.lowercased): \(differences.sorted())")
        }
        #expect(Set(actual.keys) == Set(expected.keys))
    }
}

extension ServiceEndpoints {
    /// The base URLs of one isolation's four processes.
    init(_ cycle: CycleServices, notifications: ServiceProcess) {
        self.init(intake: cycle.intake.baseURL, workflow: cycle.workflow.baseURL, funding: cycle.funding.baseURL, notifications: notifications.baseURL)
    }
}

extension CycleServices {
    /// Runs `body`, then stops the three, also when `body` throws.
    func stopping(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            for service in [intake, workflow, funding] { _ = try? await service.stop() }
            throw error
        }
        try await stop()
    }
}
