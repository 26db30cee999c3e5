import Crypto
import Events
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import Storage

/// `Idempotency-Key` for any write: the first answer to (caller, key) is kept and given again
/// to a retry of the same request, in the transaction of the change itself, so a failed
/// request leaves no key behind and two concurrent requests with one key serialize on it.
///
/// Authorization comes first: a service calls ``replay(for:on:)`` only once the caller is
/// allowed the operation on the resource, and the stored answer is keyed by the caller's
/// whole identity (sub, role, country, region) and the operation with its resource, so a
/// token with the same `sub` but another role or country never receives someone else's answer.
public struct Idempotency: Sendable {
    /// A request that carries a key, ready to be checked and recorded.
    public struct Request: Sendable {
        public let key: String
        let caller: String
        let operation: String
        let requestHash: String
    }

    /// What a replay answers.
    public struct Answer: Sendable {
        public var status: HTTPResponse.Status
        public var body: String
        public var headers: [String: String]

        public init(status: HTTPResponse.Status, body: String, headers: [String: String]) {
            self.status = status
            self.body = body
            self.headers = headers
        }

        /// `value` as JSON, written as every answer is (``ResponseJSON``).
        public init(status: HTTPResponse.Status, encoding value: some Encodable, headers: [String: String] = [:]) throws {
            self.init(status: status, body: String(decoding: try ResponseJSON.encoder.encode(value), as: UTF8.self), headers: headers)
        }

        public var response: Response {
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
                if let name = HTTPField.Name(name) { fields[name] = value }
            }
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }

    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    static let header = HTTPField.Name("Idempotency-Key")!

    /// The request's key, if it has one (422 when it is malformed), for `operation` on `resource`.
    public static func request(_ request: Hummingbird.Request, caller: Caller, operation: String, body: some Collection<UInt8>) throws -> Request? {
        guard let key = request.headers[header] else { return nil }
        // Counted in bytes of visible ASCII: a "character" may carry any number of combining
        // marks, and the key is part of a primary key PostgreSQL bounds in bytes.
        guard (1...200).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw HTTPProblem.validation([FieldProblem(
                field: "Idempotency-Key", problem: "must be 1 to 200 visible ASCII characters (a UUID is a good key)")])
        }
        let identity = [caller.sub, caller.role.rawValue, caller.country ?? "", caller.region ?? ""].joined(separator: "\u{1F}")
        let hash = SHA256.hash(data: Array(body)).map { String(format: "%02x", $0) }.joined()
        return Request(key: key, caller: identity, operation: "\(operation) \(request.uri.path)", requestHash: hash)
    }

    /// The stored answer to this request, if there is one; 422 when the key was used for
    /// another request. Locks the key for the transaction, so a concurrent twin waits here.
    public func replay(for request: Request, on connection: PostgresConnection) async throws -> Answer? {
        // Take the key's lock first: a twin running concurrently commits or rolls back before we look.
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(\(request.caller + "\u{1F}" + request.key), 0))", logger: logger)
        let rows = try await connection.query(
            "SELECT operation, request_hash, status, body, headers FROM idempotent_requests WHERE caller = \(request.caller) AND key = \(request.key)",
            logger: logger)
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let operation = try cells["operation"].decode(String.self, context: .default)
            let hash = try cells["request_hash"].decode(String.self, context: .default)
            guard operation == request.operation, hash == request.requestHash else {
                throw HTTPProblem(
                    .unprocessableContent, type: "idempotency-key-reused", title: "Idempotency-Key reused",
                    detail: "This Idempotency-Key was already used for a different request; use a new key for a new request.")
            }
            let headers = try JSONDecoder().decode([String: String].self, from: Data(try cells["headers"].decode(String.self, context: .default).utf8))
            return Answer(
                status: .init(code: try cells["status"].decode(Int.self, context: .default)),
                body: try cells["body"].decode(String.self, context: .default), headers: headers)
        }
        return nil
    }

    /// A keyed write answered once, in the caller's transaction (after authorization): the
    /// stored answer when the key was seen, otherwise `produce`'s, recorded. Without a key, just `produce`.
    public func answer(for request: Request?, on connection: PostgresConnection, _ produce: () async throws -> Answer) async throws -> Answer {
        guard let request else { return try await produce() }
        if let stored = try await replay(for: request, on: connection) { return stored }
        let answer = try await produce()
        try await record(answer, for: request, on: connection)
        return answer
    }

    /// Records the answer in the caller's transaction.
    public func record(_ answer: Answer, for request: Request, on connection: PostgresConnection) async throws {
        let headers = String(decoding: try JSONEncoder().encode(answer.headers), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO idempotent_requests (caller, key, operation, request_hash, status, body, headers)
            VALUES (\(request.caller), \(request.key), \(request.operation), \(request.requestHash), \(Int(answer.status.code)), \(answer.body), \(headers))
            """,
            logger: logger)
    }
}

/// Forgets stored answers once no client would retry them any more: every hour, answers
/// older than `keep` (7 days) are deleted. Every replica may run it; a delete twice is harmless.
public struct IdempotencyRetention: Service {
    let database: Database
    let keep: Duration
    let interval: Duration
    let logger: Logger

    public init(database: Database, keep: Duration = .seconds(7 * 24 * 3600), interval: Duration = .seconds(3600), logger: Logger) {
        self.database = database
        self.keep = keep
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await PeriodicJob("idempotent answers retention", every: interval, logger: logger) { _ = try await sweep(at: Date()) }.run()
    }

    /// Deletes the answers stored before `now - keep`; returns how many.
    public func sweep(at now: Date) async throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(keep.components.seconds))
        return try await database.rows("DELETE FROM idempotent_requests WHERE created_at < \(cutoff) RETURNING 1", logger: logger).count
    }
}
