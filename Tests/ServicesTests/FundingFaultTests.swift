import AMQP
import Foundation
import Messaging
import PostgresNIO
import Storage
import Testing
import TestSupport

/// The outside tester's scenario for funding: workflow's approvals keep arriving while
/// PostgreSQL is restarted twice and RabbitMQ once. Every approval is committed exactly once
/// against the envelope, nothing is parked, and the service is ready again afterwards.
@Suite("Funding through PostgreSQL and RabbitMQ restarts (FaultTests)", .serialized)
struct FundingFaultTests {
    static func count(_ database: Database, _ query: PostgresQuery) async -> Int? {
        guard let rows = try? await database.rows(query, logger: TestEnvironment.logger),
              let first = rows.first, let value = try? first.decode(Int64.self) else { return nil }
        return Int(value)
    }

    @Test func approvalsArrivingThroughRestartsAreEachCommittedOnce() async throws {
        let isolation = TestEnvironment.uniqueName("ffr")
        let funding = try ServiceProcess("coe-funding", isolation: isolation, extraEnvironment: DatabaseRestartProcessFaultTests.bounds)
        try await funding.start()
        let created = try await funding.post(
            "/v1/envelopes", json: #"{"year":2026,"region":"CA","amount":"1000000000.00","reason":"IfS allocation"}"#, headers: try await Finance.alice)
        #expect(created.status == .created, "\(created.text)")
        let watcher = Database(
            configuration: try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: "\(isolation)_funding"),
            callTimeout: .seconds(3), logger: TestEnvironment.logger)
        // Workflow's stand-in: the test's broker user is every service's in a single-user stack.
        let exchange = "\(isolation).events"
        let publisher = AMQPConnection(
            configuration: .init(
                url: try TestEnvironment.amqpURL(), name: "workflow-stand-in",
                topology: MessagingTopology(exchange: exchange, service: isolation).publisherTopology),
            logger: TestEnvironment.logger)
        let approvals = 90
        let published = Shared(0)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            defer { group.cancelAll() }
            try await withRunning(publisher) {
                #expect(await eventually { publisher.isConnected })
                try await withThrowingTaskGroup(of: Void.self) { flow in
                    flow.addTask {
                        for _ in 0..<approvals {
                            let body = Array(ForgedEventsTests.approval(of: UUID().lowercased, budget: "1000.00").utf8)
                            // A careful publisher retries until confirmed: a confirm lost in a restart
                            // sends the same event twice, which funding's inbox must absorb.
                            while true {
                                do {
                                    try await publisher.publish([AMQPMessage(
                                        exchange: exchange, routingKey: "proposal.approved", body: body,
                                        properties: AMQPProperties(messageID: UUID().lowercased, type: "proposal.approved"), mandatory: false)])
                                    break
                                } catch {
                                    try await Task.sleep(for: .milliseconds(200))
                                }
                            }
                            published.update { $0 += 1 }
                            try await Task.sleep(for: .milliseconds(30))
                        }
                    }
                    flow.addTask {
                        _ = await eventually(timeout: .seconds(60), every: .milliseconds(20)) { published.value >= 15 }
                        try await TestDatabaseServer.restart()
                        _ = await eventually(timeout: .seconds(60), every: .milliseconds(20)) { published.value >= 40 }
                        try await TestBroker.stop()
                        try await Task.sleep(for: .seconds(3))
                        try await TestBroker.start()
                        _ = await eventually(timeout: .seconds(60), every: .milliseconds(20)) { published.value >= 65 }
                        try await TestDatabaseServer.restart()
                    }
                    try await flow.waitForAll()
                }
            }
            #expect(published.value == approvals)
            let committed = await eventually(timeout: .seconds(120), every: .milliseconds(200)) {
                await Self.count(watcher, "SELECT count(*) FROM commitments WHERE status = 'active'") == approvals
            }
            let found = await Self.count(watcher, "SELECT count(*) FROM commitments")
            #expect(committed, "commitments: \(String(describing: found)) of \(approvals)\n\(funding.tail())")
            // Once each: the envelope took each budget once, one funding.committed per approval.
            #expect(await Self.count(watcher, "SELECT committed_cents FROM envelopes") == approvals * 100_000)
            #expect(await Self.count(watcher, "SELECT count(*) FROM outbox WHERE event_type = 'funding.committed'") == approvals)
            #expect(await Self.count(watcher, "SELECT count(*) FROM inbox") == approvals)
        }
        // Nothing parked, and ready again.
        let parked = try await parkedErrors("funding", isolation: isolation, as: try TestEnvironment.amqpURL(), count: 0)
        #expect(parked.isEmpty, "\(parked)")
        #expect(try await eventually(timeout: .seconds(30)) { try await funding.get("/health/ready").status == .ok }, "\(funding.tail())")
        #expect(try await funding.stop() == 0, "\(funding.tail())")
    }
}
