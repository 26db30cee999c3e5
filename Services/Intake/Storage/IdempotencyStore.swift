import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `Idempotency-Key`: the first response to (caller, key) is kept and returned to a retry
/// with the same body; a different body with the same key is a 422.
///
/// The key is recorded in the transaction of the change itself: a failed request leaves no
/// key behind, and two concurrent requests with one key serialize on the row.
struct IdempotencyStore: Sendable {
    let logger: Logger

    enum Outcome {
        case proceed
        case replay(status: Int, body: String, location: String?)
    }

    func begin(caller: String, key: String, operation: String, request: String, on connection: PostgresConnection) async throws -> Outcome {
        guard (1...200).contains(key.count) else {
            throw HTTPProblem.validation([FieldProblem(field: "Idempotency-Key", problem: "must be 1 to 200 characters long")])
        }
        let inserted = try await connection.query(
            """
            INSERT INTO idempotency_keys (caller, key, operation, request) VALUES (\(caller), \(key), \(operation), \(request))
            ON CONFLICT DO NOTHING RETURNING 1
            """,
            logger: logger)
        for try await _ in inserted { return .proceed }
        let rows = try await connection.query(
            "SELECT operation, request, status, response, headers FROM idempotency_keys WHERE caller = \(caller) AND key = \(key)",
            logger: logger)
        for try await (storedOperation, storedRequest, status, response, location) in rows.decode((String, String, Int?, String?, String?).self) {
            guard storedOperation == operation, storedRequest == request else {
                throw HTTPProblem(
                    .unprocessableContent, type: "idempotency-key-reused", title: "Idempotency-Key reused",
                    detail: "This Idempotency-Key was already used for a different request; use a new key for a new request.")
            }
            guard let status, let response else { break }
            return .replay(status: status, body: response, location: location)
        }
        throw HTTPProblem(.conflict, type: "idempotency-key-in-use", detail: "A request with this Idempotency-Key is still being processed; retry shortly.")
    }

    func finish(caller: String, key: String, status: Int, body: String, location: String?, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE idempotency_keys SET status = \(status), response = \(body), headers = \(location)
            WHERE caller = \(caller) AND key = \(key)
            """,
            logger: logger)
    }
}
