import Foundation

/// The APIs as documents: for the pages, which show what a service answers without a typed
/// model of every field, and send what a person typed as it is, so that the service (not the
/// page) says what is wrong with it.
extension CoEClient {
    /// An answer as JSON objects (`[String: Any]`, `[Any]`, `String`, `NSNumber`, `NSNull`),
    /// with its `ETag`. Sendable: what `JSONSerialization` reads is value types and immutable
    /// Foundation objects, never changed after the answer is read.
    public struct Document: @unchecked Sendable {
        public var status: Int
        public var json: Any?
        public var etag: String?

        /// The answer's top-level object (empty when it is not one).
        public var object: [String: Any] { json as? [String: Any] ?? [:] }
        /// The `items` of a list answer.
        public var items: [[String: Any]] { object["items"] as? [[String: Any]] ?? [] }
    }

    /// `GET path` of `service` as `person`; throws a ``CoEClientError`` for any status but 200.
    public func document(_ service: CoEService, _ path: String, query: [(String, String?)] = [], as person: Person) async throws -> Document {
        let call = Call(service, .GET, path, query: query)
        return try Self.document(try await send(call, as: person, expecting: [200]), of: call)
    }

    /// Every item of a paginated list, following its cursors, at most `maxPages` pages (so a
    /// cursor that doesn't move never loops the caller).
    public func documentItems(
        _ service: CoEService, _ path: String, query: [(String, String?)] = [], pageSize: Int = 100, maxPages: Int = 50, as person: Person
    ) async throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        var cursor: String?
        var pages = 0
        repeat {
            let answer = try await document(service, path, query: query + [("limit", String(pageSize)), ("cursor", cursor)], as: person)
            items += answer.items
            cursor = answer.object["nextCursor"] as? String
            pages += 1
        } while cursor != nil && pages < maxPages
        return items
    }

    /// Sends `body` (a JSON object, or none) with `method` to `path`; throws a ``CoEClientError``
    /// with the service's problem details for any status outside `expected`.
    public func change(
        _ service: CoEService, _ method: String, _ path: String, body: [String: Any]?, ifMatch: String? = nil, key: String? = nil,
        expecting expected: Set<Int> = [200, 201, 202], as person: Person
    ) async throws -> Document {
        guard let verb = Method(rawValue: method) else {
            throw CoEClientError(.invalidInput, method: method, path: path, detail: "\(method) is not a method the services take")
        }
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .withoutEscapingSlashes]) }
        let call = Call(service, verb, path, body: data, idempotencyKey: key, ifMatch: ifMatch)
        return try Self.document(try await send(call, as: person, expecting: expected), of: call)
    }

    static func document(_ reply: Reply, of call: Call) throws -> Document {
        guard !reply.body.isEmpty else { return Document(status: reply.status, json: nil, etag: reply.header("ETag")) }
        do {
            let json = try JSONSerialization.jsonObject(with: reply.body, options: [.fragmentsAllowed])
            return Document(status: reply.status, json: json, etag: reply.header("ETag"))
        } catch {
            throw CoEClientError(
                .unreadableResponse, method: call.method.rawValue, path: call.path, status: reply.status,
                body: String(decoding: reply.body, as: UTF8.self), detail: "The answer is not JSON: \(error)")
        }
    }
}
