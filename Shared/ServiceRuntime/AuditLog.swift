import Events
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import Storage
import Synchronization

/// The audit trail of a service: every state-changing request with its actor, action,
/// resource, outcome and time, in the service's own schema; admins read it at `/v1/audit`.
public struct AuditLog: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// The runtime's own tables (the audit log), applied with every service's migrations.
    public static func migrations() throws -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw StorageError(.missingMigrations, "the runtime migrations are missing from the bundle")
        }
        return try Migration.load(set: "runtime", from: directory)
    }

    /// Records a request that changed nothing (refused, failed, or a replay outside a transaction).
    /// A failure to record is logged, never turned into the client's error.
    func record(_ entry: AuditEntry, outcome: Int) async {
        // A task of its own: a request cancelled by its deadline still gets its record.
        let database = self.database
        let logger = self.logger
        await Task {
            do {
                try await database.withConnection { connection in
                    try await entry.insert(outcome: outcome, on: { query in try await connection.query(query, logger: logger) })
                }
            } catch {
                logger.error("audit record not written", metadata: ["error": "\(String(reflecting: error))", "action": "\(entry.action)"])
            }
        }.value
    }

    public struct Entry: Codable, Sendable {
        public var at: Date
        public var actor: String
        public var role: String
        public var action: String
        public var resource: String
        public var outcome: Int
        public var requestId: String
    }

    struct Page: ResponseEncodable {
        var items: [Entry]
    }

    /// `GET /v1/audit?limit=&actor=`: admins only.
    func addRoutes(to group: RouterGroup<ServiceRequestContext>, authenticator: TokenAuthenticator) {
        group.add(middleware: authenticator)
        group.get { request, context -> Page in
            let caller = try context.requireCaller()
            guard caller.role == .admin else {
                throw HTTPProblem(.forbidden, type: "forbidden", detail: "Only admins read the audit log.")
            }
            let limit = request.uri.queryParameters["limit"].flatMap { Int($0) }.map { min(max($0, 1), 500) } ?? 100
            let actor = request.uri.queryParameters["actor"].map(String.init)
            let rows = try await database.rows(
                """
                SELECT at, actor_sub, actor_role, action, resource, outcome, request_id FROM audit_log
                WHERE (\(actor)::text IS NULL OR actor_sub = \(actor))
                ORDER BY seq DESC LIMIT \(limit)
                """,
                logger: context.logger)
            var items: [Entry] = []
            for row in rows {
                let (at, sub, role, action, resource, outcome, id) = try row.decode((Date, String, String, String, String, Int, String).self)
                items.append(Entry(at: at, actor: sub, role: role, action: action, resource: resource, outcome: outcome, requestId: id))
            }
            return Page(items: items)
        }
    }
}

/// The audit record of one state-changing request, made by ``TokenAuthenticator``.
///
/// A change writes it in its own transaction (``ServiceDependencies/transaction(_:_:)``), so
/// no committed change lacks its record, whatever happens after the commit; a request that
/// changed nothing is recorded by the authenticator once the answer is known.
public final class AuditEntry: Sendable {
    let actor: Caller?
    let action: String
    let resource: String
    let requestID: String
    private let written = Atomic<Bool>(false)

    init(actor: Caller?, action: String, resource: String, requestID: String) {
        // What a client sent may hold NUL, which PostgreSQL refuses in text: the row is written all the same.
        func clean(_ text: String) -> String { text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text }
        self.actor = actor
        self.action = clean(action)
        self.resource = clean(resource)
        self.requestID = requestID
    }

    var isWritten: Bool { written.load(ordering: .acquiring) }

    /// Writes the record in the caller's transaction.
    public func write(outcome: Int, on connection: PostgresConnection, logger: Logger) async throws {
        try await insert(outcome: outcome, on: { query in try await connection.query(query, logger: logger) })
    }

    /// Marks the record as written once its transaction committed.
    func committed() { written.store(true, ordering: .releasing) }

    func insert(outcome: Int, on run: (PostgresQuery) async throws -> PostgresRowSequence) async throws {
        _ = try await run(
            """
            INSERT INTO audit_log (actor_sub, actor_role, action, resource, outcome, request_id)
            VALUES (\(actor?.sub ?? "unauthenticated"), \(actor?.role.rawValue ?? "none"), \(action), \(resource), \(outcome), \(requestID))
            """)
    }
}
