import ServiceRuntime
import Testing

@Suite("Configuration from the environment")
struct ServiceConfigurationTests {
    @Test func defaultsServeTheLocalStack() throws {
        let configuration = try ServiceConfiguration(service: "intake", defaultPort: 8081, environment: [:])
        #expect(configuration.httpPort == 8081)
        #expect(configuration.databaseSchema == "intake")
        #expect(configuration.queuePrefix == "intake")
        #expect(configuration.exchange == "coe.events")
        #expect(configuration.amqpURL.port == 26672)
        #expect(configuration.retryDelays == [.seconds(1), .seconds(10), .seconds(60)])
        #expect(configuration.statementTimeoutSeconds == 15)
        #expect(configuration.requestTimeoutSeconds == 30)
    }

    @Test func everyBadValueIsNamedAtOnce() {
        let environment = [
            "COE_HTTP_PORT": "eighty", "COE_AMQP_URL": "http://nope", "COE_RETRY_DELAYS": "soon",
            "COE_LOG_LEVEL": "loud", "COE_DATABASE_SCHEMA": "Bad-Name",
            "COE_DATABASE_STATEMENT_TIMEOUT": "0", "COE_HTTP_REQUEST_TIMEOUT": "forever",
        ]
        let error = #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration(service: "intake", defaultPort: 8081, environment: environment)
        }
        let text = error?.problems.joined(separator: "\n") ?? ""
        for name in [
            "COE_HTTP_PORT", "COE_AMQP_URL", "COE_RETRY_DELAYS", "COE_LOG_LEVEL", "COE_DATABASE_SCHEMA",
            "COE_DATABASE_STATEMENT_TIMEOUT", "COE_HTTP_REQUEST_TIMEOUT",
        ] {
            #expect(text.contains(name), "\(name) not named in: \(text)")
        }
    }

    @Test func retryDelaysAcceptMillisecondsSecondsAndMinutes() throws {
        let configuration = try ServiceConfiguration(service: "w", defaultPort: 1, environment: ["COE_RETRY_DELAYS": "250ms, 5s,2m"])
        #expect(configuration.retryDelays == [.milliseconds(250), .seconds(5), .seconds(120)])
    }
}
