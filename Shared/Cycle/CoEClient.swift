import AsyncHTTPClient
import Events
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat

/// A typed client of the four services' HTTP APIs, as people use them: each method is one step
/// a person takes (a focal point submits, a secretariat screens, finance records a payment), sent
/// with that person's token.
///
/// Every state-changing `POST` takes an `Idempotency-Key` the caller may choose: a deterministic
/// key makes a rerun replay the first answer instead of doing it twice. Requests that are safe
/// to repeat are retried on a connection error or a 503 (``RetryPolicy``). An answer other than
/// the step's expected status throws a ``CoEClientError`` with the request and the problem details.
///
/// ```swift
/// let tokens = try await TokenMinter(privateKeyFile: ".local/dev/jwt/private.pem")
/// let http = CoEClient.makeHTTPClient()
/// let client = CoEClient(http: http, endpoints: .local, tokens: tokens)
/// let draft = try await client.createProposal(proposal, as: focalPoint, key: "p01-create")
/// let submitted = try await client.submitProposal(draft.id, as: focalPoint, key: "p01-submit-1")
/// let opened = try await client.waitForReviewCase(submitted.id, as: secretariat) { $0.stage == .screening }
/// ```
public struct CoEClient: Sendable {
    public let http: HTTPClient
    public let endpoints: ServiceEndpoints
    public let tokens: any TokenSource
    public var retry: RetryPolicy
    /// How long one attempt may take; above the services' own 30 s, so their 503 comes first.
    public var requestTimeout: Duration
    /// How long a wait for another service (``waitUntil(_:timeout:probe:)``) lasts by default.
    public var waitTimeout: Duration
    public var logger: Logger

    /// - Parameters:
    ///   - http: ``makeHTTPClient(connections:connectTimeout:)`` makes one that leaves retries to
    ///     `retry`; `.shared` keeps re-trying a refused connection until the request's timeout.
    public init(
        http: HTTPClient = .shared, endpoints: ServiceEndpoints = .local, tokens: any TokenSource, retry: RetryPolicy = .standard,
        requestTimeout: Duration = .seconds(45), waitTimeout: Duration = .seconds(60), logger: Logger = Logger(label: "coe.cycle")
    ) {
        self.http = http
        self.endpoints = endpoints
        self.tokens = tokens
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.waitTimeout = waitTimeout
        self.logger = logger
    }

    /// An HTTP client suited to this one: a refused or slow connection fails within
    /// `connectTimeout` (AsyncHTTPClient would otherwise keep trying until the request's
    /// deadline), so that ``RetryPolicy`` decides what is retried; up to `connections`
    /// connections per service. Shut it down (`shutdown()`) when done.
    public static func makeHTTPClient(connections: Int = 16, connectTimeout: Duration = .seconds(5)) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, connections)
        configuration.timeout.connect = .milliseconds(max(1, connectTimeout.milliseconds))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    // MARK: Requests

    /// The methods the services' APIs take.
    enum Method: String, Sendable {
        case GET, HEAD, POST, PUT, PATCH, DELETE
    }

    /// One request to a service, as the methods of the extensions build it.
    struct Call: Sendable {
        var service: CoEService
        var method: Method
        var path: String
        var body: Data?
        var idempotencyKey: String?
        var ifMatch: String?
        /// Safe to send twice whatever its method (a `PATCH` that sets a whole profile, say).
        var repeatable: Bool

        init(
            _ service: CoEService, _ method: Method, _ path: String, query: [(String, String?)] = [], body: Data? = nil,
            idempotencyKey: String? = nil, ifMatch: String? = nil, repeatable: Bool = false
        ) {
            self.service = service
            self.method = method
            self.path = path + Self.queryString(query)
            self.body = body
            self.idempotencyKey = idempotencyKey
            self.ifMatch = ifMatch
            self.repeatable = repeatable
        }

        /// Whether sending it twice does what sending it once does.
        var isRepeatable: Bool {
            repeatable || [.GET, .HEAD, .PUT, .DELETE].contains(method) || idempotencyKey != nil || ifMatch != nil
        }

        /// `?a=1&b=x` of the parameters that have a value, each percent-encoded (a value is
        /// whatever a person typed or a page was given).
        static func queryString(_ query: [(String, String?)]) -> String {
            let pairs = query.compactMap { name, value in value.map { "\(name)=\(encoded($0))" } }
            return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
        }

        static func encoded(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .urlUnreserved) ?? text
        }
    }

    /// A service's answer, read whole.
    struct Reply: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: Data

        /// The first value of the header `name` (case-insensitive).
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    }

    /// Sends `call` as `person` (no token when nil), retrying what is safe to retry, and checks
    /// that the status is one of `expected`.
    func send(_ call: Call, as person: Person?, expecting expected: Set<Int>) async throws -> Reply {
        let reply = try await send(call, as: person)
        guard expected.contains(reply.status) else { throw unexpected(reply, to: call) }
        return reply
    }

    /// Sends `call`, retrying a connection error or a 503 while the call is repeatable.
    func send(_ call: Call, as person: Person?) async throws -> Reply {
        // Signed once for all attempts: a token lives for minutes past any retry.
        var token: String?
        if let person { token = try await tokens.token(for: person) }
        var attempt = 1
        while true {
            var retryAfter: Duration?
            do {
                let reply = try await attemptOnce(call, token: token)
                guard reply.status == 503, call.isRepeatable, attempt < retry.attempts else { return reply }
                retryAfter = reply.header("Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
            } catch let error as CancellationError {
                throw error
            } catch {
                guard call.isRepeatable, attempt < retry.attempts else {
                    throw CoEClientError(
                        .unreachable, method: call.method.rawValue, path: call.path,
                        detail: "No answer from \(call.service.rawValue) at \(endpoints.baseURL(of: call.service)) after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(error)")
                }
            }
            let delay = retry.delay(after: attempt, retryAfter: retryAfter)
            logger.debug(
                "retrying request",
                metadata: [
                    "http.method": "\(call.method.rawValue)", "http.path": "\(call.path)", "retry.attempt": "\(attempt)",
                    "retry.delay_ms": "\(delay.milliseconds)",
                ])
            try await Task.sleep(for: delay)
            attempt += 1
        }
    }

    private func attemptOnce(_ call: Call, token: String?) async throws -> Reply {
        var request = HTTPClientRequest(url: endpoints.baseURL(of: call.service) + call.path)
        request.method = .init(rawValue: call.method.rawValue)
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer " + token) }
        if let key = call.idempotencyKey { request.headers.add(name: "Idempotency-Key", value: key) }
        if let ifMatch = call.ifMatch { request.headers.add(name: "If-Match", value: ifMatch) }
        if let body = call.body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response = try await http.execute(request, timeout: .milliseconds(max(1, requestTimeout.milliseconds)), logger: logger)
        let bytes = try await response.body.collect(upTo: 32 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Data(buffer: bytes))
    }

    // MARK: JSON

    /// JSON as the services write it: sorted keys, so the same body is the same bytes on every
    /// run (the services compare a repeated `Idempotency-Key`'s body by its hash).
    static func encoded(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value)
    }

    /// Decodes an answer's body, or throws naming the request and what could not be read.
    func decode<T: Decodable>(_ type: T.Type, from reply: Reply, of call: Call) throws -> T {
        do {
            return try Self.decoder().decode(type, from: reply.body)
        } catch {
            throw CoEClientError(
                .unreadableResponse, method: call.method.rawValue, path: call.path, status: reply.status,
                body: String(decoding: reply.body, as: UTF8.self), detail: "The answer is not the \(type) this client reads: \(error)")
        }
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? Date(text, strategy: .iso8601) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO 8601 date-time")
        }
        return decoder
    }

    /// The error for an answer the step did not expect, with the problem details when there are some.
    func unexpected(_ reply: Reply, to call: Call) -> CoEClientError {
        let problem = try? Self.decoder().decode(Problem.self, from: reply.body)
        let hasProblem = problem?.type != nil || problem?.title != nil
        return CoEClientError(
            .unexpectedStatus, method: call.method.rawValue, path: call.path, status: reply.status, problem: hasProblem ? problem : nil,
            body: hasProblem ? nil : String(decoding: reply.body, as: UTF8.self),
            detail: "\(call.service.rawValue) answered \(reply.status)")
    }

    /// The id at the end of a `Location` header (`/v1/commitments/…/payments/<id>`).
    static func id(inLocation location: String?) -> UUID? {
        location.flatMap { $0.split(separator: "/").last }.flatMap { UUID(uuidString: String($0)) }
    }
}

extension CharacterSet {
    /// RFC 3986's unreserved characters, ASCII only: what goes into a URL's path segment or
    /// query value as it is (Foundation's `.alphanumerics` has every script's letters).
    public static let urlUnreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
