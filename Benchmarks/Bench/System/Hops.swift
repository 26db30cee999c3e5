import Events
import Foundation
import Logging
import Messaging
import PostgresNIO
import Storage

/// One hop of the event path, from a producer's commit to its consumer's commit, measured
/// event by event with the database's own clocks: the producer's outbox row says when the
/// relay's transaction began (`claimed_at`) and when the broker confirmed (`dispatched_at`);
/// the consumer's inbox row says when its transaction began (`received_at`) and, with
/// `track_commit_timestamp`, when it committed. The producer's commit is the moment the
/// benchmark's own commit returned.
struct Hop: Sendable {
    var name: String
    var producer: String
    var consumer: String
    /// A new event for the producer's outbox.
    var event: @Sendable (Int) -> (id: UUID, write: @Sendable (PostgresConnection, Logger) async throws -> Void)

    static let intakeToWorkflow = Hop(name: "intake → workflow", producer: "intake", consumer: "workflow") { index in
        let proposal = UUID()
        let envelope = EventEnvelope(
            source: "intake", subject: proposal.lowercased, actor: EventActor(sub: "bench-fp", role: "focal_point"),
            data: ProposalSubmitted(
                proposalId: proposal, reference: "CBRN-2026-\(String(format: "%06d", index))", revision: 1,
                title: "Radiation detection at the border", region: "CA", leadCountry: "KZ", participatingCountries: ["UZ", "KG"],
                cbrnCategories: ["radiological"], requestedBudget: Money(cents: 125_000_000), durationMonths: 24,
                summary: "Portal monitors and training for customs.", objectives: ["Install portal monitors"], cbrnAreas: ["border_control"]))
        return (envelope.metadata.id, { connection, logger in try await Outbox.append(envelope, on: connection, logger: logger) })
    }

    static let workflowToFunding = Hop(name: "workflow → funding", producer: "workflow", consumer: "funding") { index in
        let proposal = UUID()
        let budget = Money(cents: 100_000_000)
        let approved = ProposalApproved(
            proposalId: proposal, caseId: UUID(), revision: 1, round: 1,
            proposal: DecidedProposal(
                reference: "CBRN-2026-\(String(format: "%06d", index))", title: "Radiation detection at the border", region: "CA",
                leadCountry: "KZ", participatingCountries: ["UZ", "KG"], requestedBudget: Money(cents: 125_000_000)),
            approvedBudget: budget, paymentSchedule: PaymentTranche.split(budget, shares: [(.preFinancing, 40), (.final, 60)]) ?? [],
            weightedScore: "75.00", decision: DecisionRecord(decidedAt: Date(), decidedBy: EventActor(sub: "bench-pm", role: "admin")))
        let envelope = EventEnvelope(
            source: "workflow", subject: proposal.lowercased, actor: EventActor(sub: "bench-pm", role: "admin"), data: approved)
        return (envelope.metadata.id, { connection, logger in try await Outbox.append(envelope, on: connection, logger: logger) })
    }
}

/// What one event's trip looked like, in milliseconds after the producer's commit.
struct HopSample {
    var claimed: Double
    var confirmed: Double
    var consumerBegan: Double
    var consumerCommitted: Double
}

struct HopRun {
    var hop: String
    var rate: Int
    var samples: [HopSample]
    var lost: Int

    var latencies: [Double] { samples.map(\.consumerCommitted) }
}

struct HopBench {
    let databaseURL: String
    /// Schema of a service in this run.
    let schema: @Sendable (String) -> String
    let logger: Logger

    /// Writes `rate` events per second for `duration` into the producer's outbox, one per
    /// transaction (as one request each), waits until the consumer committed them all, and
    /// reads each one's timeline.
    func run(_ hop: Hop, rate: Int, duration: Duration, first index: Int) async throws -> HopRun {
        let producer = try DatabaseConfiguration(url: databaseURL, schema: schema(hop.producer), maximumConnections: 4)
        let client = producer.makeClient(logger: logger)
        let pool = Task { await client.run() }
        defer { pool.cancel() }
        let count = max(1, Int(Double(rate) * duration.seconds))
        let interval = Duration.seconds(1) / rate
        var commits: [UUID: Date] = [:]
        let started = ContinuousClock.now
        for offset in 0..<count {
            let (id, write) = hop.event(index + offset)
            try await client.withTransaction(logger: logger) { connection in try await write(connection, logger) }
            commits[id] = Date()
            let due = started + interval * (offset + 1)
            if due > .now { try await Task.sleep(until: due) }
        }
        let ids = Array(commits.keys)
        let samples = try await timeline(of: ids, hop: hop, commits: commits, client: client)
        return HopRun(hop: hop.name, rate: rate, samples: samples, lost: ids.count - samples.count)
    }

    /// Writes `count` events at once in transactions of 500 and returns the events per second
    /// from the first commit until the consumer committed the last, and how many never arrived.
    func burst(_ hop: Hop, count: Int, first index: Int) async throws -> (rate: Double, lost: Int) {
        let producer = try DatabaseConfiguration(url: databaseURL, schema: schema(hop.producer), maximumConnections: 4)
        let client = producer.makeClient(logger: logger)
        let pool = Task { await client.run() }
        defer { pool.cancel() }
        var ids: [UUID] = []
        let started = ContinuousClock.now
        for batch in stride(from: 0, to: count, by: 500) {
            let events = (batch..<min(batch + 500, count)).map { hop.event(index + $0) }
            try await client.withTransaction(logger: logger) { connection in
                for (_, write) in events { try await write(connection, logger) }
            }
            ids += events.map(\.id)
        }
        let arrived = try await waitForInbox(of: ids, hop: hop, client: client)
        return (Double(arrived) / (ContinuousClock.now - started).seconds, ids.count - arrived)
    }

    /// Waits (up to 60 s) until the consumer's inbox has every event; returns how many it has.
    private func waitForInbox(of ids: [UUID], hop: Hop, client: PostgresClient) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        var arrived: Int64 = 0
        while ContinuousClock.now < deadline {
            let rows = try await client.query(
                "SELECT count(*)::BIGINT FROM \(unescaped: schema(hop.consumer)).inbox WHERE message_id = ANY(\(ids))", logger: logger)
            for try await value in rows.decode(Int64.self) { arrived = value }
            if arrived == ids.count { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return Int(arrived)
    }

    /// Waits until the consumer's inbox has every event, then reads the timelines.
    private func timeline(of ids: [UUID], hop: Hop, commits: [UUID: Date], client: PostgresClient) async throws -> [HopSample] {
        _ = try await waitForInbox(of: ids, hop: hop, client: client)
        let rows = try await client.query(
            """
            SELECT o.event_id, o.claimed_at, o.dispatched_at, i.received_at, pg_xact_commit_timestamp(i.xmin)
            FROM \(unescaped: schema(hop.producer)).outbox o JOIN \(unescaped: schema(hop.consumer)).inbox i ON i.message_id = o.event_id
            WHERE o.event_id = ANY(\(ids))
            """,
            logger: logger)
        var samples: [HopSample] = []
        for try await (id, claimed, confirmed, began, committed) in rows.decode((UUID, Date?, Date?, Date, Date?).self) {
            guard let commit = commits[id], let claimed, let confirmed, let committed else { continue }
            func after(_ date: Date) -> Double { date.timeIntervalSince(commit) * 1000 }
            samples.append(HopSample(claimed: after(claimed), confirmed: after(confirmed), consumerBegan: after(began), consumerCommitted: after(committed)))
        }
        return samples
    }
}
