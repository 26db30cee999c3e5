import Foundation
import PostgresNIO
import Testing
import TestSupport

/// Kills the real executables with SIGKILL mid-run: `deploy/test.sh` runs these on their own, after the rest.
@Suite("Process faults (FaultTests)", .serialized)
struct ProcessFaultTests {
    @Test func servicesKilledWithSIGKILLAndRestartedLoseNothingAndApplyNothingTwice() async throws {
        let isolation = TestEnvironment.uniqueName("kill")
        try await withTestDatabase(schema: "\(isolation)_intake") { intakeDB, _ in
            try await withTestDatabase(schema: "\(isolation)_workflow") { workflowDB, _ in
                let intake = try ServiceProcess("coe-intake", isolation: isolation)
                let workflow = try ServiceProcess("coe-workflow", isolation: isolation)
                try await workflow.start()
                try await intake.start()

                let total = 240
                let accepted = Shared(0)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            while accepted.update({ value -> Bool in
                                guard value < total else { return false }
                                value += 1
                                return true
                            }) {
                                // Like a user, retry until the service answers again.
                                while (try? await submitProposal(intake)) == nil {
                                    try await Task.sleep(for: .milliseconds(100))
                                }
                            }
                        }
                    }
                    group.addTask {
                        _ = await eventually(timeout: .seconds(60), every: .milliseconds(10)) { accepted.value >= total / 4 }
                        try await workflow.stop(signal: SIGKILL)
                        try await workflow.start()
                        _ = await eventually(timeout: .seconds(60), every: .milliseconds(10)) { accepted.value >= total / 2 }
                        try await intake.stop(signal: SIGKILL)
                        try await intake.start()
                    }
                    try await group.waitForAll()
                }

                // What intake committed is the truth: every submitted proposal has exactly one case and one
                // history entry. (A draft whose submit was cut by the kill stays a draft and sends nothing.)
                let committed = try await count(intakeDB, "SELECT count(*) FROM proposals WHERE revision > 0")
                #expect(committed >= total)
                let caught = try await eventually(timeout: .seconds(60)) {
                    try await count(workflowDB, "SELECT count(*) FROM review_cases") >= committed
                }
                #expect(caught, "workflow log:\n\(workflow.tail())")
                try await Task.sleep(for: .seconds(1))
                #expect(try await count(workflowDB, "SELECT count(*) FROM review_cases") == committed)
                #expect(try await count(workflowDB, "SELECT count(*) FROM review_history") == committed)
                #expect(try await count(workflowDB, "SELECT count(*) FROM inbox") == committed)
                #expect(try await count(intakeDB, "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL") == 0)
                #expect(try await intake.stop() == 0)
                #expect(try await workflow.stop() == 0)
            }
        }
    }
}
