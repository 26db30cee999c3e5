import Foundation
import PostgresNIO
import Storage
import Testing
import TestSupport

/// The outside tester's scenario against the real executables: PostgreSQL restarted
/// (`pg_ctl restart -m fast`) several times while submissions arrive, and again while
/// workflow works through a backlog. No request may hang, no flow may stall: progress is
/// asserted within a bound after every restart, not only the final counts.
@Suite("PostgreSQL restarts under load and during catch-up (FaultTests)", .serialized)
struct DatabaseRestartProcessFaultTests {
    /// Tight bounds, so that a hang shows within the test's patience.
    static let bounds = ["COE_DATABASE_CALL_TIMEOUT": "5", "COE_HTTP_REQUEST_TIMEOUT": "10", "COE_SHUTDOWN_TIMEOUT": "15"]

    /// Submits one proposal like a careful client: each step retried with its Idempotency-Key
    /// until answered. Records the slowest single answer.
    static func submitRetrying(_ intake: ServiceProcess, slowest: Shared<Duration>, statuses: Shared<[UInt: Int]>) async throws {
        let headers = try await Callers.kazakhFocalPoint
        let key = UUID().lowercased
        func attempt(_ method: HTTPMethodName, _ path: String, json: String?, key: String) async throws -> ServiceProcess.Reply? {
            // A service that died is a failure, not something to wait out.
            guard intake.isRunning else { throw ServiceProcessError(message: "coe-intake exited:\n\(intake.tail())") }
            let started = ContinuousClock.now
            let reply = try? await intake.request(.init(rawValue: method.rawValue), path, json: json, headers: headers + [("Idempotency-Key", key)])
            let took = ContinuousClock.now - started
            slowest.update { $0 = max($0, took) }
            if let reply { statuses.update { $0[reply.status.code, default: 0] += 1 } }
            return reply
        }
        var id: String?
        while id == nil {
            if let reply = try await attempt(.post, "/v1/proposals", json: completeProposal, key: "c-\(key)"), reply.status == .created {
                id = try reply.json(FullProposalReply.self).id.lowercased
            } else {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        while try await attempt(.post, "/v1/proposals/\(id!)/submit", json: nil, key: "s-\(key)")?.status != .ok {
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    enum HTTPMethodName: String { case post = "POST" }

    static func cases(_ database: Database) async -> Int? {
        guard let rows = try? await database.rows("SELECT count(*) FROM review_cases", logger: TestEnvironment.logger),
              let first = rows.first, let value = try? first.decode(Int64.self) else { return nil }
        return Int(value)
    }

    @Test func restartsUnderLoadAndDuringCatchUpLeaveNoRequestHangingAndNoFlowStalled() async throws {
        let isolation = TestEnvironment.uniqueName("pgr")
        let url = try TestEnvironment.databaseURL()
        let workflowConfiguration = try DatabaseConfiguration(url: url, schema: "\(isolation)_workflow")
        let watcher = Database(configuration: workflowConfiguration, callTimeout: .seconds(3), logger: TestEnvironment.logger)
        let intake = try ServiceProcess("coe-intake", isolation: isolation, extraEnvironment: Self.bounds)
        let workflow = try ServiceProcess("coe-workflow", isolation: isolation, extraEnvironment: Self.bounds)
        try await workflow.start()
        try await intake.start()
        let slowest = Shared(Duration.zero)
        let statuses = Shared([UInt: Int]())

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            defer { group.cancelAll() }

            // 1. Under load: 4 clients submit 120 proposals while the server restarts three times.
            let submitted = Shared(0)
            try await withThrowingTaskGroup(of: Void.self) { load in
                for _ in 0..<4 {
                    load.addTask {
                        for _ in 0..<30 {
                            try await Self.submitRetrying(intake, slowest: slowest, statuses: statuses)
                            submitted.update { $0 += 1 }
                        }
                    }
                }
                load.addTask {
                    for _ in 0..<3 {
                        _ = await eventually(timeout: .seconds(30), every: .milliseconds(20)) { submitted.value >= 10 }
                        try await TestDatabaseServer.restart()
                        try await Task.sleep(for: .seconds(2))
                    }
                }
                try await load.waitForAll()
            }
            // Every request was answered, none after the request deadline (10 s) plus slack.
            #expect(slowest.value < .seconds(13), "slowest answer: \(slowest.value); statuses \(statuses.value)")
            #expect(Set(statuses.value.keys).isSubset(of: [200, 201, 503]), "\(statuses.value)")
            let afterLoad = ContinuousClock.now
            let allOpened = await eventually(timeout: .seconds(60), every: .milliseconds(200)) { await Self.cases(watcher) == 120 }
            let opened = await Self.cases(watcher)
            #expect(allOpened, "cases: \(String(describing: opened)) of 120 after \(ContinuousClock.now - afterLoad)\n\(workflow.tail())")
            for service in [intake, workflow] {
                #expect(try await eventually(timeout: .seconds(30)) { try await service.get("/health/ready").status == .ok }, "\(service.tail())")
            }

            // 2. During catch-up: workflow is down while 80 more are submitted, then works through
            // the backlog while the server restarts twice. Each restart must be followed by progress.
            let stopStarted = ContinuousClock.now
            #expect(try await workflow.stop() == 0)
            #expect(ContinuousClock.now - stopStarted < .seconds(15))
            for _ in 0..<80 { try await Self.submitRetrying(intake, slowest: slowest, statuses: statuses) }
            try await workflow.start()
            for _ in 0..<2 {
                try await TestDatabaseServer.restart()
                let before = await eventually(timeout: .seconds(10), every: .milliseconds(100)) { await Self.cases(watcher) != nil }
                #expect(before)
                let base = await Self.cases(watcher) ?? 0
                guard base < 200 else { break }
                let progressed = await eventually(timeout: .seconds(30), every: .milliseconds(100)) { (await Self.cases(watcher) ?? 0) > base }
                #expect(progressed, "no case opened within 30 s of a restart (at \(base))\n\(workflow.tail())")
            }
            let caughtUp = await eventually(timeout: .seconds(90), every: .milliseconds(200)) { await Self.cases(watcher) == 200 }
            #expect(caughtUp, "\(workflow.tail())")
            // Nothing twice: one case and one `opened` step per submitted proposal.
            let histories = try await watcher.rows("SELECT count(*) FROM review_history WHERE action = 'opened'", logger: TestEnvironment.logger)
            #expect(try histories.first?.decode(Int64.self) == 200)
        }
        #expect(try await intake.stop() == 0, "\(intake.tail())")
        #expect(try await workflow.stop() == 0, "\(workflow.tail())")
    }

    /// A process told to stop while the database is away ends within its shutdown bound.
    @Test func sigtermEndsTheProcessWithinItsBoundWhileTheDatabaseIsAway() async throws {
        let isolation = TestEnvironment.uniqueName("term")
        let intake = try ServiceProcess("coe-intake", isolation: isolation, extraEnvironment: Self.bounds)
        try await intake.start()
        let headers = try await Callers.kazakhFocalPoint
        try await TestDatabaseServer.stop()
        do {
            // Requests in flight against a database that is gone.
            let inFlight = Task { for _ in 0..<3 { _ = try? await intake.post("/v1/proposals", json: completeProposal, headers: headers) } }
            try await Task.sleep(for: .seconds(1))
            let started = ContinuousClock.now
            _ = try await intake.stop(signal: SIGTERM, timeout: .seconds(25))
            #expect(ContinuousClock.now - started < .seconds(20), "\(intake.tail())")
            inFlight.cancel()
        } catch {
            try await TestDatabaseServer.start()
            throw error
        }
        try await TestDatabaseServer.start()
    }
}
