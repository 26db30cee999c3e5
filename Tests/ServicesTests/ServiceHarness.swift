import AMQP
import Foundation
import Testing
import TestSupport

// The services of one isolation as the process-level tests run them: started downstream first,
// so that no event waits for its consumer, and stopped with their exit status checked.

/// Runs intake and workflow of one isolation, with a spy queue on `review.*`.
func withWorkflowServices(_ body: (ServiceProcess, ServiceProcess, AMQPConnection) async throws -> Void) async throws {
    try await withWorkflowServices { intake, workflow, spy, _ in try await body(intake, workflow, spy) }
}

/// The same, also passing the isolation's events exchange (the spy can publish to it); the spy binds `pattern`.
func withWorkflowServices(spying pattern: String = "review.*", _ body: (ServiceProcess, ServiceProcess, AMQPConnection, String) async throws -> Void) async throws {
    let isolation = TestEnvironment.uniqueName("wf")
    let intake = try ServiceProcess("coe-intake", isolation: isolation)
    let workflow = try ServiceProcess("coe-workflow", isolation: isolation)
    let spy = try eventSpy(isolation: isolation, pattern: pattern)
    try await withRunning(spy) {
        #expect(await eventually { spy.isConnected })
        try await workflow.start()
        try await intake.start()
        try await body(intake, workflow, spy, "\(isolation).events")
    }
    #expect(try await intake.stop() == 0, "\(intake.tail())")
    #expect(try await workflow.stop() == 0, "\(workflow.tail())")
}

func openCase(_ intake: ServiceProcess, _ workflow: ServiceProcess, json: String = completeProposal) async throws -> String {
    let id = try await submitProposal(intake, json: json)
    let opened = try await eventually { try await workflow.get("/v1/reviews/\(id)", headers: try await Callers.centralAsiaSecretariat).status == .ok }
    #expect(opened, "workflow log:\n\(workflow.tail())")
    return id
}

/// The commitment of a proposal, once funding has it.
func commitment(of proposalID: String, in funding: ServiceProcess) async throws -> CommitmentReply {
    var found: CommitmentReply?
    let arrived = try await eventually {
        let page = try await funding.get("/v1/commitments?limit=100", headers: try await Finance.alice)
        struct Page: Decodable { var items: [CommitmentReply] }
        found = try page.json(Page.self).items.first { $0.proposalId.lowercased == proposalID }
        return found != nil
    }
    #expect(arrived, "funding log:\n\(funding.tail())")
    return try #require(found)
}

/// Intake, workflow and funding of one isolation.
struct CycleServices {
    let isolation: String
    let intake: ServiceProcess
    let workflow: ServiceProcess
    let funding: ServiceProcess

    /// Started, funding first (it consumes workflow's approvals), then workflow, then intake.
    static func start(_ prefix: String) async throws -> CycleServices {
        try await start(isolation: TestEnvironment.uniqueName(prefix))
    }

    static func start(isolation: String) async throws -> CycleServices {
        let services = CycleServices(
            isolation: isolation, intake: try ServiceProcess("coe-intake", isolation: isolation),
            workflow: try ServiceProcess("coe-workflow", isolation: isolation), funding: try ServiceProcess("coe-funding", isolation: isolation))
        try await services.funding.start()
        try await services.workflow.start()
        try await services.intake.start()
        return services
    }

    /// Stops the three; each must exit cleanly.
    func stop() async throws {
        for service in [intake, workflow, funding] {
            #expect(try await service.stop() == 0, "\(service.tail())")
        }
    }
}
