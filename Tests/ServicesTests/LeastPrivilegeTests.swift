import Events
import AMQP
import Foundation
import Messaging
import PostgresNIO
import Storage
import Testing
import TestSupport

/// deploy/production/provision.sh against the test stack: each service runs with its own
/// database role and broker user, and those reach nothing of another service.
@Suite("Least privilege: a database role and a broker user per service")
struct LeastPrivilegeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Credentials {
        var database: String
        var broker: String
    }

    /// The broker users provisioning made for `isolation`'s services, as `COE_AMQP_SENDERS` names them.
    static func senders(_ isolation: String) -> String {
        ["intake", "workflow", "funding", "notifications"].map { "\($0)=\(isolation)_\($0)" }.joined(separator: ",")
    }

    /// Provisions `services` of `isolation` and returns their URLs.
    static func provision(_ isolation: String, services: [String] = ["intake", "workflow"]) async throws -> [String: Credentials] {
        let database = try #require(URLComponents(string: try TestEnvironment.databaseURL()))
        let broker = try #require(URLComponents(string: try TestEnvironment.amqpURL().description))
        let databaseHost = "\(database.host ?? "127.0.0.1"):\(database.port ?? 5432)"
        let brokerHost = "\(broker.host ?? "127.0.0.1"):\(broker.port ?? 5672)"
        var environment = [
            "PSQL": "\(ProcessInfo.processInfo.environment["COE_TEST_POSTGRES_SCRIPT"] ?? "") psql",
            "RABBITMQCTL": "\(ProcessInfo.processInfo.environment["COE_TEST_BROKER_SCRIPT"] ?? "") ctl",
            "COE_DB_NAME": String(database.path.dropFirst()),
            "COE_DB_HOST": databaseHost,
            "COE_AMQP_HOST": brokerHost,
            "COE_AMQP_EXCHANGE": "\(isolation).events",
            "COE_SERVICES": services.joined(separator: " "),
            "COE_PROVISION_PREFIX": isolation,
        ]
        var credentials: [String: Credentials] = [:]
        // Passwords with the characters that break SQL literals and URLs, to see them quoted and encoded.
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }
        for service in services {
            let databasePassword = "p'w@:/%\(UUID().lowercased)", brokerPassword = "b'w@:/%\(UUID().lowercased)"
            environment["COE_\(service.uppercased())_DB_PASSWORD"] = databasePassword
            environment["COE_\(service.uppercased())_AMQP_PASSWORD"] = brokerPassword
            let role = "\(isolation)_\(service)"
            credentials[service] = Credentials(
                database: "postgres://\(role):\(encoded(databasePassword))@\(databaseHost)\(database.path)",
                broker: "amqp://\(role):\(encoded(brokerPassword))@\(brokerHost)/%2F")
        }
        try await runBashScript(Self.root.appendingPathComponent("deploy/production/provision.sh").path, [], environment: environment)
        // The operator's step: the shared exchanges and the unrouted keeper, declared with the administrator's rights.
        let admin = AMQPConnection(
            configuration: .init(
                url: try TestEnvironment.amqpURL(), name: "operator",
                topology: MessagingTopology(exchange: "\(isolation).events", service: "\(isolation).operator").sharedTopology),
            logger: TestEnvironment.logger)
        try await withRunning(admin) { #expect(await eventually { admin.isConnected }) }
        return credentials
    }

    /// What a least-privileged service of `isolation` runs with.
    static func environment(_ credentials: Credentials, isolation: String) -> [String: String] {
        ["COE_DATABASE_URL": credentials.database, "COE_AMQP_URL": credentials.broker,
         "COE_AMQP_SENDERS": senders(isolation), "COE_AMQP_DECLARE_SHARED": "false"]
    }

    @Test func servicesWorkWithTheirOwnCredentialsAndReachNothingOfEachOther() async throws {
        let isolation = TestEnvironment.uniqueName("lp")
        let credentials = try await Self.provision(isolation)
        let intakeCredentials = try #require(credentials["intake"])
        let workflowCredentials = try #require(credentials["workflow"])
        func environment(_ credentials: Credentials) -> [String: String] { Self.environment(credentials, isolation: isolation) }
        let intake = try ServiceProcess("coe-intake", isolation: isolation, extraEnvironment: environment(intakeCredentials))
        let workflow = try ServiceProcess("coe-workflow", isolation: isolation, extraEnvironment: environment(workflowCredentials))

        // Both migrate their schemas, relay and consume with only their own rights.
        try await workflow.start()
        try await intake.start()
        let id = try await submitProposal(intake)
        let secretariat = try await Callers.centralAsiaSecretariat
        let opened = try await eventually { try await workflow.get("/v1/reviews/\(id)", headers: secretariat).status == .ok }
        #expect(opened, "workflow log:\n\(workflow.tail())")
        let assigned = try await workflow.post("/v1/reviews/\(id)/assignments", json: reviewerJSON, headers: secretariat)
        #expect(assigned.status == .created, "\(assigned.text)")

        // Workflow parks a poison message through its own direct exchange, and its DLQ tool,
        // with workflow's user, replays it the same way (and it is parked again).
        let admin = AMQPConnection(configuration: .init(url: try TestEnvironment.amqpURL(), name: "admin"), logger: TestEnvironment.logger)
        try await withRunning(admin) {
            #expect(await eventually { admin.isConnected })
            let poison = #"{"id":"6f1c1a56-08a3-4a52-9d8f-6d3f10e1a0ff","type":"proposal.submitted","version":1,"occurredAt":"2026-11-25T10:00:00Z","source":"intake","subject":"p","correlationId":"6f1c1a56-08a3-4a52-9d8f-6d3f10e1a0ff","causationId":null,"actor":{"sub":"a","role":"focal_point"},"traceparent":null,"data":{"title":42}}"#
            try await admin.publish([
                AMQPMessage(
                    exchange: "\(isolation).events", routingKey: "proposal.submitted", body: Array(poison.utf8),
                    properties: AMQPProperties(messageID: "lp-poison", type: "proposal.submitted"))
            ])
        }
        let workflowTopology = MessagingTopology(exchange: "\(isolation).events", service: "\(isolation).workflow")
        let tool = AMQPConnection(configuration: .init(url: try AMQPURL(workflowCredentials.broker), name: "workflow.dlq-tool"), logger: TestEnvironment.logger)
        try await withRunning(tool) {
            #expect(await eventually { tool.isConnected })
            let dlq = DeadLetterQueue(connection: tool, topology: workflowTopology)
            #expect(await eventually { (try? await dlq.list().map(\.messageID)) == ["lp-poison"] }, "workflow log:\n\(workflow.tail())")
            let replayed = try await dlq.replay()
            #expect(replayed == 1)
            #expect(await eventually { (try? await dlq.list().map(\.messageID)) == ["lp-poison"] })
        }

        // Intake's database role: its schema only; no CREATE on the database.
        let logger = TestEnvironment.logger
        let connection = try await DatabaseConfiguration(url: intakeCredentials.database, schema: "\(isolation)_intake").connect(logger: logger)
        let own = try await connection.query("SELECT count(*) FROM proposals", logger: logger)
        for try await count in own.decode(Int64.self) { #expect(count == 1) }
        for statement: PostgresQuery in [
            "SELECT count(*) FROM \(unescaped: "\"\(isolation)_workflow\"").review_cases",
            "DELETE FROM \(unescaped: "\"\(isolation)_workflow\"").review_assignments",
            "CREATE SCHEMA \(unescaped: "\"\(isolation)_intruder\"")",
            "CREATE TABLE public.\(unescaped: "\"\(isolation)_intruder\"") (id int)",
        ] {
            do {
                for try await _ in try await connection.query(statement, logger: logger) {}
                Issue.record("intake's role ran \(statement.sql)")
            } catch {
                #expect(DatabaseFailure.sqlState(error) == "42501", "\(statement.sql): \(String(reflecting: error))")
            }
        }
        try await connection.close()

        // Nor connect to another database the project provisions (a database per service in production).
        let other = "\(isolation)_other"
        try await runBashScript(try TestEnvironment.variable("COE_TEST_POSTGRES_SCRIPT"), ["psql", "-c", "CREATE DATABASE \"\(other)\""])
        try await runBashScript(
            Self.root.appendingPathComponent("deploy/production/provision.sh").path, [],
            environment: [
                "PSQL": "\(try TestEnvironment.variable("COE_TEST_POSTGRES_SCRIPT")) psql -d \(other)",
                "RABBITMQCTL": "\(try TestEnvironment.variable("COE_TEST_BROKER_SCRIPT")) ctl", "COE_DB_NAME": other,
                "COE_SERVICES": "workflow", "COE_PROVISION_PREFIX": "\(isolation)o", "COE_AMQP_EXCHANGE": "\(isolation)o.events",
            ])
        var intakeElsewhere = try #require(URLComponents(string: intakeCredentials.database))
        intakeElsewhere.path = "/\(other)"
        do {
            let elsewhere = try await DatabaseConfiguration(url: try #require(intakeElsewhere.string), schema: "\(isolation)_intake").connect(logger: logger)
            try await elsewhere.close()
            Issue.record("intake's role connected to \(other)")
        } catch {
            #expect(DatabaseFailure.sqlState(error) == "42501", "\(String(reflecting: error))")
        }

        // Intake's broker user: can't read workflow's queue, nor write into it through any exchange.
        let url = try AMQPURL(intakeCredentials.broker)
        let attempts: [(String, @Sendable (AMQPConnection) async throws -> Void)] = [
            ("read workflow's queue", { _ = try await $0.get(from: "\(isolation).workflow.events") }),
            ("publish through the default exchange", {
                try await $0.publish([AMQPMessage(exchange: "", routingKey: "\(isolation).workflow.events", body: Array("{}".utf8))])
            }),
            ("publish through workflow's direct exchange", {
                try await $0.publish([AMQPMessage(exchange: "\(isolation).workflow.direct", routingKey: "\(isolation).workflow.events", body: Array("{}".utf8))])
            }),
        ]
        try await Self.expectRefused(attempts, as: url)
        #expect(try await intake.stop() == 0, "\(intake.tail())")
        #expect(try await workflow.stop() == 0, "\(workflow.tail())")
    }

    /// Runs each attempt as `url`'s user, on a connection of its own (a refusal closes the channel
    /// and the connection starts over), and expects the broker to refuse every one.
    static func expectRefused(_ attempts: [(String, @Sendable (AMQPConnection) async throws -> Void)], as url: AMQPURL) async throws {
        for (what, attempt) in attempts {
            let probe = AMQPConnection(configuration: .init(url: url, name: "probe"), logger: TestEnvironment.logger)
            let refusal: String? = try await withRunning(probe) {
                #expect(await eventually { probe.isConnected })
                do {
                    try await attempt(probe)
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            #expect(refusal?.contains("ACCESS_REFUSED") == true, "\(what): \(refusal ?? "allowed")")
        }
    }
}
