import AsyncHTTPClient
import Events
import Foundation
import Hummingbird
import JWTKit
import Logging
import ServiceLifecycle
import ServiceRuntime
import Storage
import Testing
import TestSupport

/// What the runtime offers a new service: typed settings read with the rest of the
/// configuration (every bad value named at once), and long-running services of its own that
/// run in the group and stop with it.
@Suite("A service definition extends the runtime")
struct ServiceDefinitionTests {
    /// A long-running job of the test service: records that it ran and that it was told to stop.
    struct Job: Service {
        let events: Shared<[String]>
        func run() async throws {
            events.update { $0.append("started") }
            try? await gracefulShutdown()
            events.update { $0.append("stopped") }
        }
    }

    enum Sample: ServiceDefinition {
        static let name = "sample"
        static let defaultPort = 0
        static let events = Shared<[String]>([])

        struct Settings: Sendable {
            var greeting: String
            var ceiling: Money
        }

        static func settings(_ reader: inout ConfigurationReader) -> Settings {
            let greeting = reader.value("COE_SAMPLE_GREETING", "hello")
            if greeting.count > 20 { reader.problem("COE_SAMPLE_GREETING must be at most 20 characters") }
            return Settings(greeting: greeting, ceiling: reader.money("COE_SAMPLE_CEILING", Money(cents: 100)))
        }

        static func migrations() throws -> [Migration] { [] }
        static func openAPIDocument() throws -> String { "openapi: 3.1.0\n" }

        static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings) {
            router.get("greeting") { _, _ in "\(settings.greeting), up to \(settings.ceiling) EUR" }
        }

        static func services(_ dependencies: ServiceDependencies, settings: Settings) -> [any Service] {
            [Job(events: events)]
        }
    }

    @Test func everyBadValueIsNamedAtOnceTheServicesOwnIncluded() {
        var reader = ConfigurationReader(["COE_HTTP_PORT": "eighty", "COE_SAMPLE_GREETING": String(repeating: "x", count: 30), "COE_SAMPLE_CEILING": "-5"])
        _ = ServiceConfiguration(service: Sample.name, defaultPort: Sample.defaultPort, reader: &reader)
        _ = Sample.settings(&reader)
        #expect(reader.problems.count == 3, "\(reader.problems)")
        #expect(throws: ConfigurationError.self) { try reader.validate() }
    }

    @Test func itsOwnServicesRunInTheGroupAndStopWithIt() async throws {
        let isolation = TestEnvironment.uniqueName("def")
        let port = try ServiceProcess.freePort()
        var reader = ConfigurationReader([
            "COE_DATABASE_URL": try TestEnvironment.databaseURL(), "COE_DATABASE_SCHEMA": isolation,
            "COE_AMQP_URL": try TestEnvironment.variable("COE_TEST_AMQP_URL"),
            "COE_AMQP_EXCHANGE": "\(isolation).events", "COE_AMQP_QUEUE_PREFIX": isolation, "COE_HTTP_PORT": String(port),
            "COE_SAMPLE_GREETING": "salut",
        ])
        let configuration = ServiceConfiguration(service: Sample.name, defaultPort: Sample.defaultPort, reader: &reader)
        let settings = Sample.settings(&reader)
        try reader.validate()
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: ES256PrivateKey().publicKey)
        let app = try ServiceApplication.build(
            Sample.self, configuration: configuration, settings: settings,
            authenticator: TokenAuthenticator(keys: keys, configuration: AuthenticationConfiguration(environment: [:])),
            logger: TestEnvironment.logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: TestEnvironment.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let answered = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
                guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/greeting"), timeout: .seconds(5)),
                      response.status == .ok, let body = try? await response.body.collect(upTo: 1024)
                else { return false }
                return String(buffer: body) == "salut, up to 1.00 EUR"
            }
            #expect(answered)
            #expect(Sample.events.value == ["started"])
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(Sample.events.value == ["started", "stopped"])
        let database = try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: isolation)
        let connection = try await database.connect(logger: TestEnvironment.logger)
        try await connection.query("DROP SCHEMA \(unescaped: "\"\(isolation)\"") CASCADE", logger: TestEnvironment.logger)
        try await connection.close()
    }
}
