import Foundation
import Logging
import PostgresNIO

/// One numbered SQL file: `0001_create_proposals.sql` is version 1.
public struct Migration: Sendable, Equatable {
    /// The set it belongs to (`messaging`, `intake`): versions count per set.
    public var set: String
    public var version: Int
    public var name: String
    public var sql: String

    public init(set: String, version: Int, name: String, sql: String) {
        self.set = set
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Loads every `NNNN_name.sql` file of a folder, ordered by number.
    public static func load(set: String, from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        let migrations = try files.map { file -> Migration in
            let base = file.deletingPathExtension().lastPathComponent
            guard let underscore = base.firstIndex(of: "_"), let version = Int(base[..<underscore]) else {
                throw StorageError(.missingMigrations, "'\(file.lastPathComponent)' is not named NNNN_description.sql")
            }
            return Migration(
                set: set, version: version, name: String(base[base.index(after: underscore)...]),
                sql: try String(contentsOf: file, encoding: .utf8))
        }.sorted { $0.version < $1.version }
        for (index, migration) in migrations.enumerated() where migration.version != index + 1 {
            throw StorageError(.missingMigrations, "\(set) migrations must be numbered 1, 2, 3…; found \(migration.version) at position \(index + 1)")
        }
        return migrations
    }
}

/// Applies migrations to a service's schema, once, even with several replicas starting together.
public struct Migrator: Sendable {
    public let schema: String
    public let migrations: [Migration]

    public init(schema: String, migrations: [Migration]) throws {
        try DatabaseConfiguration.validate(schema: schema)
        self.schema = schema
        self.migrations = migrations
    }

    /// Applies what is missing, in one transaction under an advisory lock, over a connection
    /// of its own (not the pool: it runs before the pool does); returns the migrations applied.
    @discardableResult
    public func migrate(database: DatabaseConfiguration, logger: Logger) async throws -> [Migration] {
        let connection = try await database.connect(logger: logger)
        do {
            let applied = try await migrate(connection: connection, logger: logger)
            try await connection.close()
            return applied
        } catch {
            try? await connection.close()
            throw error
        }
    }

    func migrate(connection: PostgresConnection, logger: Logger) async throws -> [Migration] {
        // Identifiers can't be bound; the schema name was validated in init.
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("coe.migrate." + schema)))", logger: logger)
            // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists;
            // a least-privilege role owns its schema already and has no such right.
            var exists = false
            for try await _ in try await connection.query("SELECT 1 FROM pg_namespace WHERE nspname = \(schema)", logger: logger) {
                exists = true
            }
            if !exists {
                try await connection.query("CREATE SCHEMA \(unescaped: schema)", logger: logger)
            }
            try await connection.query("SET LOCAL search_path TO \(unescaped: schema)", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    set_name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    PRIMARY KEY (set_name, version)
                )
                """,
                logger: logger)
            var applied = Set<String>()
            let rows = try await connection.query("SELECT set_name, version FROM \(unescaped: schema).schema_migrations", logger: logger)
            for try await (set, version) in rows.decode((String, Int).self) { applied.insert("\(set)/\(version)") }
            var done: [Migration] = []
            for migration in migrations where !applied.contains("\(migration.set)/\(migration.version)") {
                logger.info(
                    "applying migration",
                    metadata: ["db.schema": "\(schema)", "migration": "\(migration.set)/\(migration.version)_\(migration.name)"])
                do {
                    for statement in SQLScript.statements(migration.sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                } catch {
                    throw StorageError(
                        .migrationFailed,
                        "migration \(migration.set)/\(migration.version)_\(migration.name) failed: \(String(reflecting: error))")
                }
                try await connection.query(
                    "INSERT INTO \(unescaped: schema).schema_migrations (set_name, version, name) VALUES (\(migration.set), \(migration.version), \(migration.name))",
                    logger: logger)
                done.append(migration)
            }
            try await connection.query("COMMIT", logger: logger)
            return done
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
