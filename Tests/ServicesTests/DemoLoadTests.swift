import Cycle
@testable import Demo
import Events
import Foundation
import Testing
import TestSupport

/// The real `coe-demo load` against the four real executables of one isolation: what it leaves
/// at each service agrees with the plan and across the services, and a second load adds nothing.
@Suite("The demonstration load, with the real executables")
struct DemoLoadTests {
    @Test func theDemoLoadIsIdempotentAndLeavesEveryServiceConsistent() async throws {
        let isolation = TestEnvironment.uniqueName("dl")
        try await NotificationServices.run(isolation: isolation) { services in
            let cycle = try await CycleServices.start(isolation: isolation)
            try await cycle.stopping {
                let endpoints = ServiceEndpoints(cycle, notifications: services.notifications)
                let reference = try ReferenceData.load()
                let plan = DemoPlan(year: UTC.year(of: Date()), reference: reference)
                let people = try Person.load(contentsOfFile: Self.peopleFile)
                let cast = try DemoCast(people: people, plan: plan)
                let client = CoEClient(
                    endpoints: endpoints, tokens: try await TokenMinter(privateKeyFile: try TestEnvironment.variable("COE_JWT_PRIVATE_KEY_FILE")))

                let first = try await Self.load(endpoints)
                #expect(first.status == 0, "coe-demo load exited with \(first.status):\n\(first.output)\n\(first.errors)")
                // What it printed is the summary of what the services hold now.
                let summary = DemoSummary(plan: plan, inventory: try await DemoInventory.read(client, cast: cast)).text
                #expect(first.output == summary + "\n", "coe-demo printed:\n\(first.output)\nthe services hold:\n\(summary)")
                let regions = Set(plan.scenarios.map(\.region)).count
                #expect(first.output.contains("\(plan.scenarios.count) proposals in \(regions) regions") && !first.output.contains(" done"))

                let loaded = try await DemoCensus.settled(client, cast: cast, mail: services.mail)
                loaded.expectAgreesWith(plan, people: people)
                loaded.expectServicesAgree()

                let second = try await Self.load(endpoints)
                #expect(second.status == 0, "the second load exited with \(second.status):\n\(second.output)\n\(second.errors)")
                #expect(second.output == "demo data already loaded\n", "\(second.output)")
                let reloaded = try await DemoCensus.settled(client, cast: cast, mail: services.mail)
                #expect(reloaded.counts == loaded.counts, "after the first load: \(loaded.counts)")
                #expect(reloaded.differences(from: loaded).isEmpty, "the second load changed \(reloaded.differences(from: loaded))")
            }
        }
    }

    /// `deploy/local/demo-people.json` of the package this file is in (Tests/ServicesTests/ under its root).
    static var peopleFile: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/local/demo-people.json").path
    }

    /// What a run of `coe-demo` printed, and how it ended.
    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs `coe-demo load --quiet` against `endpoints` and waits for it.
    static func load(_ endpoints: ServiceEndpoints) async throws -> Outcome {
        let arguments = [
            "load", "--quiet", "--people-file", peopleFile, "--intake-url", endpoints.intake, "--workflow-url", endpoints.workflow,
            "--funding-url", endpoints.funding, "--notifications-url", endpoints.notifications,
        ]
        let executable = URL(fileURLWithPath: try TestEnvironment.binPath()).appendingPathComponent("coe-demo").path
        return try await run(executable, arguments, environment: ["COE_JWT_PRIVATE_KEY_FILE": try TestEnvironment.variable("COE_JWT_PRIVATE_KEY_FILE")])
    }

    /// Runs an executable and waits for it on a thread of its own (posix_spawn and waitpid, as
    /// `runBashScript` does: Foundation's `Process` misses some exits), its output in files.
    static func run(_ executable: String, _ arguments: [String], environment extra: [String: String]) async throws -> Outcome {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("coe-demo-\(UUID().uuidString.prefix(8))").path
        let (out, err) = (base + ".out", base + ".err")
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        let environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
                let argv = ([executable] + arguments).map { strdup($0) } + [nil]
                defer {
                    for pointer in envp + argv { free(pointer) }
                }
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                defer { posix_spawn_file_actions_destroy(&actions) }
                posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                var pid: pid_t = 0
                let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
                guard spawned == 0 else {
                    continuation.resume(throwing: ServiceProcessError(message: "\(executable): spawn failed (\(spawned))"))
                    return
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                // The exit code, or 128 + the signal that ended it, as a shell says.
                continuation.resume(returning: status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + status & 0x7f)
            }
        }
        let output = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        return Outcome(status: status, output: output, errors: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}

/// Everything the four services hold, read through their APIs as the programme manager (every
/// proposal, case, recipient and delivery) and a finance officer (every envelope, commitment and
/// payment), and what the SMTP server received.
struct DemoCensus: Equatable {
    var proposals: [Proposal]
    var cases: [ReviewCase]
    var commitments: [Commitment]
    var payments: [QueuedPayment]
    var envelopes: [Envelope]
    var recipients: [Recipient]
    var deliveries: [Delivery]
    var mails: [String]

    /// The counts a person would compare, service by service.
    struct Counts: Equatable, CustomStringConvertible {
        var proposals: [ProposalStatus: Int]
        var cases: [ReviewStage: Int]
        var commitments: [CommitmentStatus: Int]
        var payments: [PaymentStatus: Int]
        var envelopes: Int
        var recipients: [Caller.Role: Int]
        var deliveries: [String: Int]
        var mails: Int

        var description: String {
            func listed<Key: RawRepresentable>(_ counts: [Key: Int]) -> String where Key.RawValue == String {
                counts.map { "\($0.value) \($0.key.rawValue)" }.sorted().joined(separator: ", ")
            }
            let delivered = deliveries.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ")
            return "proposals: \(listed(proposals)); cases: \(listed(cases)); commitments: \(listed(commitments)); payments: \(listed(payments)); "
                + "envelopes: \(envelopes); recipients: \(listed(recipients)); deliveries: \(delivered); mails: \(mails)"
        }
    }

    var counts: Counts {
        func counted<Key: Hashable>(_ keys: [Key]) -> [Key: Int] { keys.reduce(into: [:]) { $0[$1, default: 0] += 1 } }
        return Counts(
            proposals: counted(proposals.map(\.status)), cases: counted(cases.map(\.stage)), commitments: counted(commitments.map(\.status)),
            payments: counted(payments.map(\.payment.status)), envelopes: envelopes.count, recipients: counted(recipients.map(\.role)),
            deliveries: counted(deliveries.map(\.status)), mails: mails.count)
    }

    static func read(_ client: CoEClient, cast: DemoCast, mail: MailCatcher) async throws -> DemoCensus {
        let (manager, finance) = (cast.programmeManager, cast.recorder)
        async let proposals = client.proposals(as: manager)
        async let cases = client.reviewCases(as: manager)
        async let commitments = client.commitments(as: finance)
        async let payments = client.payments(as: finance)
        async let envelopes = client.envelopes(as: finance)
        async let recipients = client.recipients(as: manager)
        async let deliveries = client.deliveries(as: manager)
        return DemoCensus(
            proposals: try await proposals.sorted { $0.id.lowercased < $1.id.lowercased },
            cases: try await cases.sorted { $0.id.lowercased < $1.id.lowercased },
            commitments: try await commitments.sorted { $0.id.lowercased < $1.id.lowercased },
            payments: try await payments.sorted { $0.payment.id.lowercased < $1.payment.id.lowercased },
            envelopes: try await envelopes.sorted { $0.id.lowercased < $1.id.lowercased },
            recipients: try await recipients.sorted { $0.sub < $1.sub }, deliveries: try await deliveries.sorted { $0.id.lowercased < $1.id.lowercased },
            mails: mail.mails().map(\.messageId).sorted())
    }

    /// The census once notifications has settled: nothing pending, sending or retrying, and the
    /// same at every service over two reads a couple of seconds apart (the last events of the
    /// load may still be on their way when it ends).
    static func settled(_ client: CoEClient, cast: DemoCast, mail: MailCatcher) async throws -> DemoCensus {
        var last = try await read(client, cast: cast, mail: mail)
        let settled = try await eventually(timeout: .seconds(60)) {
            try await Task.sleep(for: .seconds(2))
            let now = try await read(client, cast: cast, mail: mail)
            defer { last = now }
            let open = now.deliveries.filter { ["pending", "sending", "retrying"].contains($0.status) }
            return open.isEmpty && now == last
        }
        #expect(settled, "notifications did not settle: \(last.counts)")
        return last
    }

    /// The parts of the census that are not as in `other`, each with the records that differ.
    func differences(from other: DemoCensus) -> [String] {
        func compared<Record: Equatable>(_ name: String, _ mine: [Record], _ theirs: [Record]) -> String? {
            guard mine != theirs else { return nil }
            let changed = mine.filter { !theirs.contains($0) }
            return "\(name) (\(theirs.count) → \(mine.count)), new or changed: \(changed.prefix(3))"
        }
        return [
            compared("proposals", proposals, other.proposals), compared("cases", cases, other.cases),
            compared("commitments", commitments, other.commitments), compared("payments", payments, other.payments),
            compared("envelopes", envelopes, other.envelopes), compared("recipients", recipients, other.recipients),
            compared("deliveries", deliveries, other.deliveries), compared("mails", mails, other.mails),
        ].compactMap { $0 }
    }

    // MARK: Checks

    /// The counts the plan leaves at each service: proposals by status, cases by stage,
    /// commitments and payments by status, the envelopes and the people.
    func expectAgreesWith(_ plan: DemoPlan, people: [Person]) {
        func counted<Key: Hashable>(_ keys: [Key]) -> [Key: Int] { keys.reduce(into: [:]) { $0[$1, default: 0] += 1 } }
        let journeys = plan.scenarios.map(\.journey)
        let funded = journeys.compactMap(\.funding)
        let counts = self.counts
        #expect(proposals.count == plan.scenarios.count)
        #expect(counts.proposals == counted(journeys.map(\.finalStatus)))
        #expect(counts.cases == counted(journeys.compactMap(\.finalStage)))
        let commitmentStatuses = funded.map { funding -> CommitmentStatus in
            funding.blocked ? .blocked : (funding.verified.contains(.final) ? .closed : .active)
        }
        #expect(counts.commitments == counted(commitmentStatuses))
        let verified = funded.filter { !$0.blocked }.map(\.verified.count).reduce(0, +)
        let pending = funded.filter { !$0.blocked && $0.pending != nil }.count
        #expect(counts.payments == counted(Array(repeating: PaymentStatus.verified, count: verified) + Array(repeating: .pending, count: pending)))
        #expect(
            Set(envelopes.map { "\($0.year) \($0.region) \($0.amount)" }) == Set(plan.envelopes.map { "\($0.year) \($0.region) \($0.amount)" }),
            "the plan's envelopes, each of its amount")
        #expect(recipients.count == people.count)
        for person in people {
            #expect(recipients.first { $0.sub == person.sub }?.matches(person) == true, "\(person.sub) is in the directory as the people file says")
        }
    }

    /// What one service holds agrees with what the others hold of the same proposals.
    func expectServicesAgree() {
        let casesByProposal = Dictionary(cases.map { ($0.proposalId, $0) }) { first, _ in first }
        let commitmentsByProposal = Dictionary(commitments.map { ($0.proposalId, $0) }) { first, _ in first }
        #expect(casesByProposal.count == cases.count && commitmentsByProposal.count == commitments.count, "one case and one commitment per proposal")

        // Submitted at least once ⇔ a case at workflow.
        let submitted = proposals.filter { $0.revision >= 1 }
        #expect(Set(submitted.map(\.id)) == Set(casesByProposal.keys), "a case for every proposal submitted and beyond, and no other")
        for proposal in submitted {
            guard let reviewCase = casesByProposal[proposal.id] else { continue }
            let stages: Set<ReviewStage> =
                switch proposal.status {
                case .approved: [.approved]
                case .rejected: [.rejected]
                case .withdrawn: [.closed]
                case .revisionRequested: [.revisionRequested]
                case .submitted: [.screening, .technical, .decision]
                case .draft: []
                }
            #expect(stages.contains(reviewCase.stage), "\(proposal.reference ?? "?"): \(proposal.status) at intake, \(reviewCase.stage) at workflow")
            #expect(reviewCase.revision == proposal.revision && reviewCase.reference == proposal.reference)
        }

        // Approved at intake ⇔ a commitment at funding, of the approved budget.
        let approved = proposals.filter { $0.status == .approved }
        #expect(Set(approved.map(\.id)) == Set(commitmentsByProposal.keys), "a commitment for every approved proposal, and no other")
        for proposal in approved {
            let commitment = commitmentsByProposal[proposal.id]
            #expect(commitment?.amount == proposal.approvedBudget && commitment?.leadCountry == proposal.leadCountry)
            #expect(casesByProposal[proposal.id]?.currentRound?.decision?.approvedBudget == proposal.approvedBudget)
        }
        #expect(commitments.filter { $0.status == .blocked }.count == 1, "one commitment blocked")
        #expect(commitments.filter { $0.status == .blocked }.allSatisfy { ($0.shortfall ?? .zero) > .zero && $0.payments.isEmpty })

        // Funding's own figures: the queue lists every commitment's payments; what is disbursed is what is verified.
        #expect(Set(payments.map(\.payment.id)) == Set(commitments.flatMap(\.payments).map(\.id)))
        for commitment in commitments {
            let verified = commitment.payments.filter { $0.status == .verified }.map(\.amount.cents).reduce(0, +)
            #expect(commitment.disbursed.cents == verified, "\(commitment.reference)")
            #expect(commitment.payments.allSatisfy { $0.decidedBy == nil || $0.decidedBy?.sub != $0.recordedBy.sub }, "four eyes")
        }
        for envelope in envelopes {
            let ofEnvelope = commitments.filter { $0.year == envelope.year && $0.region == envelope.region && $0.instrument == envelope.instrument }
            // Funding's rule: active commitments' amounts and closed ones' net disbursements.
            let active = ofEnvelope.filter { $0.status == .active }.map(\.amount.cents).reduce(0, +)
            let closed = ofEnvelope.filter { $0.status == .closed }.map(\.disbursed.cents).reduce(0, +)
            let committed = active + closed
            #expect(envelope.committed.cents == committed, "envelope \(envelope.year) \(envelope.region)")
        }

        // Notifications: every delivery sent once, each mail received once.
        #expect(!deliveries.isEmpty)
        #expect(deliveries.allSatisfy { $0.status == "sent" }, "\(counts.deliveries)")
        let perTarget = Dictionary(grouping: deliveries) { "\($0.eventId?.lowercased ?? "none") \($0.recipientId?.lowercased ?? "none") \($0.channel)" }
        #expect(perTarget.values.allSatisfy { $0.count == 1 }, "one delivery per event, person and channel")
        #expect(mails.count == deliveries.count && Set(mails).count == mails.count, "\(mails.count) mails for \(deliveries.count) deliveries")
        // A mail's Message-ID is `<delivery id@sender's domain>`.
        #expect(Set(mails.map { String($0.drop { $0 == "<" }.prefix { $0 != "@" }) }) == Set(deliveries.map(\.id.lowercased)), "a mail for each delivery")
    }
}
