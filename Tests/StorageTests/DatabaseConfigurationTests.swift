import Storage
import Testing

/// Schema names go into SQL as identifiers: what PostgreSQL would refuse only when the
/// migrations run is refused when the configuration is read, with the reason.
@Suite("Database configuration: schema names")
struct DatabaseConfigurationTests {
    @Test(arguments: ["intake", "web_1a2b_funding", "_private", "a"])
    func plainNamesAreAccepted(_ schema: String) throws {
        try DatabaseConfiguration.validate(schema: schema)
    }

    @Test(arguments: ["", "Intake", "intake-1", "1intake", "in take", "intake;drop", String(repeating: "a", count: 64), "pg_intake", "pg_"])
    func namesPostgreSQLWouldRefuseAreRefusedAtStart(_ schema: String) {
        #expect(throws: StorageError.self) { try DatabaseConfiguration.validate(schema: schema) }
    }

    @Test func theReservedPrefixIsNamed() {
        do {
            try DatabaseConfiguration.validate(schema: "pg_44a21dfe_funding")
            Issue.record("pg_ accepted")
        } catch {
            #expect("\(error)".contains("reserves the prefix pg_"))
        }
    }
}
