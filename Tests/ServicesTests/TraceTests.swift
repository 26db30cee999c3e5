import Foundation
import Testing
import TestSupport

/// W3C trace context across the bus, with the four real executables: a trace started at
/// intake's submit is followed through workflow, funding and notifications in their logs.
@Suite("One trace across the four services")
struct TraceTests {
    @Test func aTraceStartedAtSubmitIsInTheLogsOfWorkflowFundingAndNotificationsForTheProposal() async throws {
        let isolation = TestEnvironment.uniqueName("tr")
        try await NotificationServices.run(isolation: isolation) { services in
            let cycle = try await CycleServices.start(isolation: isolation)
            let traceID = Self.hex(bytes: 16)
            let callerSpan = Self.hex(bytes: 8)
            let focalPoint = try await Callers.kazakhFocalPoint
            let created = try await cycle.intake.post("/v1/proposals", json: completeProposal, headers: focalPoint)
            let id = try created.json(ProposalReply.self).id.lowercased
            #expect(!Self.traceIDs(in: created).contains(traceID), "the draft's request started a trace of its own")

            // A malformed tracestate beside it costs nothing (W3C: it must not affect traceparent).
            let submitted = try await cycle.intake.request(
                .POST, "/v1/proposals/\(id)/submit",
                headers: focalPoint + [("traceparent", "00-\(traceID)-\(callerSpan)-01"), ("tracestate", "==,,not a list")])
            #expect(submitted.status == .ok, "\(submitted.text)")
            // The answer names the caller's trace and intake's own span in it.
            let answered = try #require(submitted.headers.first(name: "traceparent"))
            #expect(answered.hasPrefix("00-\(traceID)-") && !answered.contains(callerSpan), "\(answered)")

            // A read without a traceparent starts a trace and says which.
            let read = try await cycle.intake.get("/v1/proposals/\(id)", headers: focalPoint)
            let readTrace = try #require(read.headers.first(name: "traceparent"))
            #expect(readTrace.wholeMatch(of: /00-[0-9a-f]{32}-[0-9a-f]{16}-01/) != nil && !readTrace.contains(traceID), "\(readTrace)")
            // A malformed or hostile one is ignored, never echoed: the request starts a trace of its own.
            for hostile in ["00-\(traceID)-0000000000000000-01", "00-zz\(traceID.dropFirst(2))-\(callerSpan)-01", "ff-\(traceID)-\(callerSpan)-01",
                            "00-\(traceID)-\(callerSpan)-01-extra", String(repeating: "0", count: 8_000)] {
                let answer = try await cycle.intake.get("/v1/proposals/\(id)", headers: focalPoint + [("traceparent", hostile)])
                let started = try #require(answer.headers.first(name: "traceparent"))
                #expect(answer.status == .ok, "\(hostile.prefix(60)): \(answer.status)")
                #expect(started.wholeMatch(of: /00-[0-9a-f]{32}-[0-9a-f]{16}-01/) != nil && started != hostile, "\(started)")
            }

            // Through workflow (the case opens in the submission's trace; the decision continues it) to funding.
            #expect(try await eventually { try await cycle.workflow.get("/v1/reviews/\(id)", headers: Callers.centralAsiaSecretariat).status == .ok })
            let steps = ReviewSteps(workflow: cycle.workflow, id: id)
            try await steps.toDecision([80, 70, 75, 60, 90], [70, 80, 65, 70, 80])
            #expect(try await steps.decide(ReviewSteps.approval(budget: "1000000.00")).status == .ok)
            _ = try await commitment(of: id, in: cycle.funding)

            // Every service logged the proposal's events with the submission's trace id.
            for process in [cycle.workflow, cycle.funding, services.notifications] {
                let found = await eventually(timeout: .seconds(30)) {
                    Self.lines(of: process).contains { $0.contains("trace_id=\(traceID)") && $0.contains(id) && $0.contains("event handled") }
                }
                #expect(found, "\(process.executable) logged no event of \(id) in trace \(traceID):\n\(process.tail())")
            }
            // Funding handled the approval in that trace, and workflow the submission.
            #expect(Self.lines(of: cycle.funding).contains { $0.contains("trace_id=\(traceID)") && $0.contains("proposal.approved") })
            #expect(Self.lines(of: cycle.workflow).contains { $0.contains("trace_id=\(traceID)") && $0.contains("proposal.submitted") })
            // The notifications of funding's commitment continue it too: one trace from submit to the last mail.
            #expect(
                await eventually(timeout: .seconds(30)) {
                    Self.lines(of: services.notifications).contains { $0.contains("trace_id=\(traceID)") && $0.contains("funding.commitment_blocked") }
                })
            try await cycle.stop()
        }
    }

    static func lines(of process: ServiceProcess) -> [Substring] {
        ((try? String(contentsOf: process.logFile, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    static func traceIDs(in reply: ServiceProcess.Reply) -> [String] {
        reply.headers[canonicalForm: "traceparent"].map { String($0.split(separator: "-").dropFirst().first ?? "") }
    }

    static func hex(bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
