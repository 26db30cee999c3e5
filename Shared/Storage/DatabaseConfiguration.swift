import Foundation
import PostgresNIO

/// Where a service's database is: a `postgres://user:password@host:port/database` URL and the schema it owns.
public struct DatabaseConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var database: String
    /// The schema the service owns; every connection of the service uses it as its search path.
    public var schema: String
    public var maximumConnections: Int
    /// PostgreSQL cancels a statement that runs longer (a request's deadline for its database work).
    public var statementTimeout: Duration = .seconds(15)

    public init(url: String, schema: String, maximumConnections: Int = 20) throws {
        guard let components = URLComponents(string: url),
              components.scheme == "postgres" || components.scheme == "postgresql",
              let host = components.host, !host.isEmpty
        else {
            throw StorageError(.invalidConfiguration, "the database URL is not postgres://user:password@host:port/database")
        }
        try Self.validate(schema: schema)
        self.host = host
        self.port = components.port ?? 5432
        self.user = components.percentEncodedUser?.removingPercentEncoding ?? "postgres"
        self.password = components.percentEncodedPassword?.removingPercentEncoding ?? ""
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? self.user : path
        self.schema = schema
        self.maximumConnections = maximumConnections
    }

    /// Schema names go into SQL as identifiers (they cannot be bound), so only plain names pass.
    public static func validate(schema: String) throws {
        let valid = !schema.isEmpty && schema.count <= 63
            && schema.utf8.first.map { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "_") } == true
            && schema.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || $0 == UInt8(ascii: "_")
            }
        guard valid else {
            throw StorageError(.invalidConfiguration, "'\(schema)' is not a valid schema name (lower-case letters, digits, '_')")
        }
        // PostgreSQL refuses to create such a schema (42939) only when the migrations run: say it at start.
        guard !schema.hasPrefix("pg_") else {
            throw StorageError(.invalidConfiguration, "'\(schema)' is not a valid schema name: PostgreSQL reserves the prefix pg_")
        }
    }

    /// One connection working in ``schema``, for one-off jobs such as `migrate`; close it when done.
    public func connect(logger: Logger) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: .disable)
        configuration.options.additionalStartupParameters = startupParameters
        configuration.options.connectTimeout = .seconds(5)
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    }

    /// Every connection works in ``schema``, and gives up on a statement after ``statementTimeout``
    /// and on a transaction left idle for a minute.
    var startupParameters: [(String, String)] {
        let milliseconds = statementTimeout.components.seconds * 1000 + statementTimeout.components.attoseconds / 1_000_000_000_000_000
        return [
            ("search_path", schema), ("application_name", "coe-\(schema)"),
            ("statement_timeout", "\(milliseconds)"), ("idle_in_transaction_session_timeout", "60000"),
        ]
    }

    /// A pooled client whose connections all work in ``schema``.
    public func makeClient(logger: Logger) -> PostgresClient {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: .disable)
        configuration.options.additionalStartupParameters = startupParameters
        configuration.options.maximumConnections = maximumConnections
        // A pool that keeps no connection strands a queued request when its last one fails
        // (postgres-nio #657, not fixed in 1.33): keep two open.
        configuration.options.minimumConnections = min(2, maximumConnections)
        configuration.options.connectTimeout = .seconds(5)
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }
}

/// The one error type of the Storage module.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let invalidConfiguration = Code(name: "invalidConfiguration")
        public static let migrationFailed = Code(name: "migrationFailed")
        public static let missingMigrations = Code(name: "missingMigrations")
        public static let unexpectedResult = Code(name: "unexpectedResult")
        public var description: String { name }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "Storage \(code): \(message)" }
}
