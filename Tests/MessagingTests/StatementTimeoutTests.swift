import PostgresNIO
import Storage
import Testing
import TestSupport

@Suite("Database deadlines")
struct StatementTimeoutTests {
    @Test func aStatementRunningPastTheTimeoutIsCancelledByPostgreSQL() async throws {
        var configuration = try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: "public")
        configuration.statementTimeout = .milliseconds(200)
        let connection = try await configuration.connect(logger: TestEnvironment.logger)
        let shown = try await connection.query("SHOW statement_timeout", logger: TestEnvironment.logger)
        for try await value in shown.decode(String.self) { #expect(value == "200ms") }
        let started = ContinuousClock.now
        do {
            // The error arrives with the rows (PostgresNIO streams them).
            for try await _ in try await connection.query("SELECT pg_sleep(60)", logger: TestEnvironment.logger) {}
            Issue.record("pg_sleep(60) finished despite a 200 ms statement timeout")
        } catch {
            #expect(DatabaseFailure.sqlState(error) == "57014", "\(String(reflecting: error))")
        }
        #expect(ContinuousClock.now - started < .seconds(30))  // cancelled, not slept out: not a timing test
        try await connection.close()
    }
}
