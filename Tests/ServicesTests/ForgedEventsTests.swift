import AMQP
import Events
import Foundation
import Messaging
import Testing
import TestSupport

/// The attack an outside probe made: log in to RabbitMQ with one service's credentials and
/// publish another service's event. Refused three times over, each layer tested on its own:
/// the broker's topic permissions, the validated `user_id` checked by the consumer, and the
/// consumer's own state.
@Suite("Forged events are refused at every layer")
struct ForgedEventsTests {
    static let services = ["intake", "workflow", "funding", "notifications"]

    /// Publishes one message with `url`'s user on a connection of its own (a refusal closes the
    /// channel); returns the error text, or nil when the broker confirmed it.
    static func publish(
        _ body: String, routingKey: String, exchange: String, as url: AMQPURL, userID: String?? = .none
    ) async throws -> String? {
        var configuration = AMQPConnection.Configuration(url: url, name: "forger")
        if case .some = userID { configuration.stampsUserID = false }
        let connection = AMQPConnection(configuration: configuration, logger: TestEnvironment.logger)
        return try await withRunning(connection) {
            #expect(await eventually { connection.isConnected })
            var properties = AMQPProperties(messageID: UUID().lowercased, type: routingKey)
            if case .some(let forced) = userID { properties.userID = forced }
            do {
                try await connection.publish([AMQPMessage(exchange: exchange, routingKey: routingKey, body: Array(body.utf8), properties: properties, mandatory: false)])
                return nil
            } catch {
                return "\(error)"
            }
        }
    }

    static func approval(of id: String, revision: Int = 1, budget: String, source: String = "workflow") -> String {
        """
        {"id":"\(UUID().lowercased)","type":"proposal.approved","version":1,"occurredAt":"2026-11-30T10:00:00.000Z","source":"\(source)",
         "subject":"\(id)","correlationId":"\(UUID().lowercased)","causationId":null,"actor":{"sub":"admin","role":"admin"},
         "traceparent":null,"data":{"proposalId":"\(id)","caseId":"\(UUID().lowercased)","revision":\(revision),"round":1,
         "proposal":{"reference":"CBRN-2026-0001","title":"Border monitoring","region":"CA","leadCountry":"KZ","participatingCountries":["UZ"],
                     "requestedBudget":"1250000.00"},
         "approvedBudget":"\(budget)","paymentSchedule":[{"tranche":"final","percent":100,"amount":"\(budget)"}],"weightedScore":"80.00",
         "decision":{"decidedAt":"2026-11-30T10:00:00.000Z","decidedBy":{"sub":"admin","role":"admin"}}}}
        """
    }

    @Test func theBrokerLetsEachServicePublishOnlyTheTypesItOwns() async throws {
        let isolation = TestEnvironment.uniqueName("fe")
        let credentials = try await LeastPrivilegeTests.provision(isolation, services: Self.services)
        let exchange = "\(isolation).events"

        for service in Self.services {
            let url = try AMQPURL(try #require(credentials[service]).broker)
            for type in EventType.allCases {
                let refusal = try await Self.publish("{}", routingKey: type.rawValue, exchange: exchange, as: url)
                if type.owner.rawValue == service {
                    #expect(refusal == nil, "\(service) publishing its own \(type.rawValue): \(refusal ?? "")")
                } else {
                    #expect(refusal?.contains("ACCESS_REFUSED") == true, "\(service) publishing \(type.rawValue): \(refusal ?? "accepted")")
                }
            }
        }
        // A user_id that is not the connection's user: refused by the broker.
        let intake = try AMQPURL(try #require(credentials["intake"]).broker)
        let spoofed = try await Self.publish("{}", routingKey: "proposal.submitted", exchange: exchange, as: intake, userID: "\(isolation)_workflow")
        #expect(spoofed?.contains("PRECONDITION_FAILED") == true, "\(spoofed ?? "accepted")")
        // And no service reads the queue of unrouted events (every service's events, with names and e-mails).
        let reader = AMQPConnection(configuration: .init(url: intake, name: "reader"), logger: TestEnvironment.logger)
        let read: String? = try await withRunning(reader) {
            #expect(await eventually { reader.isConnected })
            do {
                _ = try await reader.get(from: "\(exchange).unrouted")
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(read?.contains("ACCESS_REFUSED") == true, "\(read ?? "read")")
        // Nor gets a copy of them by binding a queue of its own to the alternate exchange, nor
        // deletes or redeclares what all services share.
        let ownQueue = "\(isolation).intake.events"
        let attempts: [(String, @Sendable (AMQPConnection) async throws -> Void)] = [
            ("bind its queue to the alternate exchange", { connection in
                try await connection.declare(AMQPTopology(
                    queues: [.quorum(ownQueue)], bindings: [.init(queue: ownQueue, exchange: "\(exchange).alternate", routingKey: "")]))
            }),
            ("redeclare the events exchange", { connection in
                try await connection.declare(AMQPTopology(exchanges: [.init(name: exchange, type: "topic")]))
            }),
            ("bind its queue to a type it does not consume", { connection in
                try await connection.declare(AMQPTopology(
                    queues: [.quorum(ownQueue)], bindings: [.init(queue: ownQueue, exchange: exchange, routingKey: "review.assigned")]))
            }),
        ]
        try await LeastPrivilegeTests.expectRefused(attempts, as: intake)
    }

    /// Found by review: a service's own user may publish into its own queue through its own
    /// direct exchange (that is how it retries), so a header claiming another sender must not be
    /// believed from it. Only copies the service recorded itself carry their original sender.
    @Test func aServicesOwnDirectExchangeCannotCarryAForgedSender() async throws {
        let isolation = TestEnvironment.uniqueName("fd")
        let credentials = try await LeastPrivilegeTests.provision(isolation, services: ["intake", "workflow"])
        let intakeCredentials = try #require(credentials["intake"])
        let intake = try ServiceProcess(
            "coe-intake", isolation: isolation, extraEnvironment: LeastPrivilegeTests.environment(intakeCredentials, isolation: isolation))
        try await intake.start()
        let id = try await submitProposal(intake)
        let url = try AMQPURL(intakeCredentials.broker)
        let forger = AMQPConnection(configuration: .init(url: url, name: "forger"), logger: TestEnvironment.logger)
        try await withRunning(forger) {
            #expect(await eventually { forger.isConnected })
            try await forger.publish([AMQPMessage(
                exchange: "\(isolation).intake.direct", routingKey: "\(isolation).intake.events",
                body: Array(Self.approval(of: id, budget: "1000000.00").utf8),
                properties: AMQPProperties(
                    messageID: UUID().lowercased, type: "proposal.approved",
                    headers: [SenderPolicy.senderHeader: .string("\(isolation)_workflow"), "x-coe-attempts": .int(1)]))])
            let dlq = DeadLetterQueue(connection: forger, topology: MessagingTopology(exchange: "\(isolation).events", service: "\(isolation).intake"))
            #expect(await eventually { (try? await dlq.list().count) == 1 }, "\(intake.tail())")
            let errors = try await dlq.list().map(\.error)
            #expect(errors.first?.contains("published by broker user '\(isolation)_intake', not by its owner workflow") == true, "\(errors)")
            // The DLQ's depth, measured by the service under its own least-privileged broker user (every 15 s).
            let depth = #"coe_queue_messages{service="\#(isolation).intake",queue="dlq"} 1"#
            var metrics = ""
            let measured = try await eventually {
                metrics = try await intake.get("/metrics").text
                return metrics.contains(depth)
            }
            #expect(measured, "\(metrics)")
        }
        let proposal = try await intake.get("/v1/proposals/\(id)", headers: try await Callers.kazakhFocalPoint).json(FullProposalReply.self)
        #expect(proposal.status == "submitted" && proposal.approvedBudget == nil)
        #expect(try await intake.stop() == 0, "\(intake.tail())")
    }

    @Test func withTopicPermissionsOffTheConsumerParksWhatItsOwnerDidNotSendAndItsStateRefuses() async throws {
        let isolation = TestEnvironment.uniqueName("fc")
        let credentials = try await LeastPrivilegeTests.provision(isolation, services: ["intake", "workflow", "notifications"])
        // The first layer off: notifications may publish any routing key again.
        try await runBashScript(
            try TestEnvironment.variable("COE_TEST_BROKER_SCRIPT"), ["ctl", "clear_topic_permissions", "-p", "/", "\(isolation)_notifications"])
        let intakeCredentials = try #require(credentials["intake"])
        let intake = try ServiceProcess(
            "coe-intake", isolation: isolation, extraEnvironment: LeastPrivilegeTests.environment(intakeCredentials, isolation: isolation))
        try await intake.start()
        let id = try await submitProposal(intake)
        let exchange = "\(isolation).events"
        let kazakh = try await Callers.kazakhFocalPoint
        let notifications = try AMQPURL(try #require(credentials["notifications"]).broker)
        let workflow = try AMQPURL(try #require(credentials["workflow"]).broker)

        // The probe's message: notifications' credentials, workflow's event, an actor claiming admin.
        #expect(try await Self.publish(Self.approval(of: id, budget: "9999999.99"), routingKey: "proposal.approved", exchange: exchange, as: notifications) == nil)
        // A message without user_id, claiming to be workflow's.
        #expect(try await Self.publish(Self.approval(of: id, budget: "1000.00"), routingKey: "proposal.approved", exchange: exchange, as: notifications, userID: .some(nil)) == nil)
        // The real workflow user, with what the proposal contradicts: a revision never submitted, more than requested.
        #expect(try await Self.publish(Self.approval(of: id, revision: 2, budget: "1000.00"), routingKey: "proposal.approved", exchange: exchange, as: workflow) == nil)
        #expect(try await Self.publish(Self.approval(of: id, budget: "1250000.01"), routingKey: "proposal.approved", exchange: exchange, as: workflow) == nil)

        let tool = AMQPConnection(configuration: .init(url: try AMQPURL(intakeCredentials.broker), name: "intake.dlq-tool"), logger: TestEnvironment.logger)
        let topology = MessagingTopology(exchange: exchange, service: "\(isolation).intake")
        try await withRunning(tool) {
            #expect(await eventually { tool.isConnected })
            let dlq = DeadLetterQueue(connection: tool, topology: topology)
            #expect(await eventually { (try? await dlq.list().count) == 4 }, "\(intake.tail())")
            let errors = try await dlq.list().map(\.error)
            #expect(errors.contains { $0.contains("published by broker user '\(isolation)_notifications', not by its owner workflow") }, "\(errors)")
            #expect(errors.contains { $0.contains("carries no AMQP user_id") }, "\(errors)")
            #expect(errors.contains { $0.contains("revision 2") && $0.contains("never submitted") }, "\(errors)")
            #expect(errors.contains { $0.contains("exceeds the 1250000.00 EUR requested") }, "\(errors)")

            // Replayed by intake's own tool, each keeps its original sender: the forged one is
            // refused for its sender again, the real workflow ones for what they say.
            #expect(try await dlq.replay() == 4)
            #expect(await eventually { (try? await dlq.list().count) == 4 })
            let again = try await dlq.list().map(\.error)
            #expect(again.filter { $0.contains("not by its owner") }.count == 1, "\(again)")
            #expect(again.filter { $0.contains("carries no AMQP user_id") }.count == 1, "\(again)")
            #expect(again.filter { $0.contains("refused: proposal.approved for proposal") }.count == 2, "\(again)")
        }
        // Nothing was applied: the proposal is still submitted, with no approved budget.
        let proposal = try await intake.get("/v1/proposals/\(id)", headers: kazakh).json(FullProposalReply.self)
        #expect(proposal.status == "submitted" && proposal.approvedBudget == nil)

        // The real owner's valid decision still goes through.
        #expect(try await Self.publish(Self.approval(of: id, budget: "1000000.00"), routingKey: "proposal.approved", exchange: exchange, as: workflow) == nil)
        #expect(try await eventually { try await intake.get("/v1/proposals/\(id)", headers: kazakh).json(FullProposalReply.self).status == "approved" })
        #expect(try await intake.get("/v1/proposals/\(id)", headers: kazakh).json(FullProposalReply.self).approvedBudget == "1000000.00")
        #expect(try await intake.stop() == 0, "\(intake.tail())")
    }
}
