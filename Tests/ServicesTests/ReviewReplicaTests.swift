import AMQP
import Events
import Foundation
import PostgresNIO
import Storage
import Testing
import TestSupport

/// Two `coe-workflow` processes on one database and queue, as two replicas run: the overdue
/// job of each sweeps every second, and each case is reminded once per round and stage.
@Suite("Workflow: two replicas")
struct ReviewReplicaTests {
    @Test func twoReplicasRemindEachCaseOncePerStage() async throws {
        let isolation = TestEnvironment.uniqueName("rep")
        let every = ["COE_WORKFLOW_OVERDUE_CHECK_SECONDS": "1"]
        let intake = try ServiceProcess("coe-intake", isolation: isolation)
        let first = try ServiceProcess("coe-workflow", isolation: isolation, extraEnvironment: every)
        let second = try ServiceProcess("coe-workflow", isolation: isolation, extraEnvironment: every)
        let spy = try eventSpy(isolation: isolation, pattern: "review.overdue")
        let logger = TestEnvironment.logger
        try await withRunning(spy) {
            #expect(await eventually { spy.isConnected })
            try await first.start()
            try await second.start()
            try await intake.start()
            var ids: [String] = []
            for _ in 0..<10 { ids.append(try await openCase(intake, first)) }

            // One consumer of the spy for the whole test (its stream is iterated once).
            let received = Shared([EventEnvelope<ReviewOverdue>]())
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await delivery in spy.deliveries {
                        spy.ack(delivery)
                        let event = try EventCoding.decoder().decode(EventEnvelope<ReviewOverdue>.self, from: Data(delivery.body))
                        received.update { $0.append(event) }
                    }
                }
                defer { group.cancelAll() }
                let connection = try await DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: "\(isolation)_workflow").connect(logger: logger)
                do {
                    // Every case's screening is past due: each is reminded once, by one replica or the other.
                    try await connection.query("UPDATE review_cases SET due_at = now() - interval '1 minute'", logger: logger)
                    #expect(await eventually(timeout: .seconds(30)) { received.value.count >= 10 }, "workflow logs:\n\(first.tail())\n\(second.tail())")
                    try await Task.sleep(for: .seconds(3))  // several more sweeps by each replica
                    let events = received.value
                    #expect(events.count == 10)
                    #expect(Set(events.map(\.data.proposalId.lowercased)) == Set(ids))
                    #expect(events.allSatisfy { $0.data.stage == "screening" && $0.data.waitingFor == ["secretariat"] })

                    // One case moves on to technical assessment and is past due there too: one more, for that stage.
                    #expect(try await ReviewSteps(workflow: second, id: ids[0]).screen().status == .ok)
                    try await connection.query("UPDATE review_cases SET due_at = now() - interval '1 minute' WHERE stage = 'technical'", logger: logger)
                    #expect(await eventually(timeout: .seconds(30)) { received.value.count >= 11 })
                    try await Task.sleep(for: .seconds(3))
                    let technical = received.value.dropFirst(10)
                    #expect(technical.map(\.data.proposalId.lowercased) == [ids[0]])
                    #expect(technical.first?.data.stage == "technical")

                    let rows = try await connection.query("SELECT count(*)::BIGINT FROM review_history WHERE action = 'overdue'", logger: logger)
                    var steps = 0
                    for try await count in rows.decode(Int64.self) { steps = Int(count) }
                    #expect(steps == 11)
                    try await connection.close()
                } catch {
                    try? await connection.close()
                    throw error
                }
            }
        }
        #expect(try await intake.stop() == 0, "\(intake.tail())")
        #expect(try await first.stop() == 0, "\(first.tail())")
        #expect(try await second.stop() == 0, "\(second.tail())")
    }
}
