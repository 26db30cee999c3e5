import AMQP
import Crypto
import Foundation
import Hummingbird
import Synchronization
import Testing
import TestSupport

/// An admin (programme manager) of the tests.
enum Admin {
    static var pm: [(String, String)] { get async throws { try await TestTokens.header(role: "admin", sub: "pm-1") } }
}

/// A partner system's webhook endpoint, in the test process: answers with the statuses it is
/// told to (then 200), and keeps every request.
final class WebhookReceiver: Sendable {
    struct Call: Sendable {
        var headers: [String: String]
        var body: [UInt8]
        var status: Int
    }

    let port: Int
    private let statuses = Mutex<[Int]>([])
    private let fallback = Mutex(200)
    private let calls = Mutex<[Call]>([])

    init() throws { port = try ServiceProcess.freePort() }

    var url: String { "http://127.0.0.1:\(port)/hooks/coe" }
    var received: [Call] { calls.withLock { $0 } }

    /// Answer these statuses to the next calls, in order.
    func answer(_ next: [Int]) { statuses.withLock { $0 += next } }
    /// Answer this status once the queued ones are used.
    func answerFromNowOn(_ status: Int) { fallback.withLock { $0 = status } }

    /// Serves until `body` returns.
    func serving<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        let router = Router()
        router.post("/hooks/coe") { request, context -> Response in
            let bytes = try await request.body.collect(upTo: 1024 * 1024)
            let status = self.statuses.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? self.fallback.withLock { $0 }
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            self.calls.withLock { $0.append(Call(headers: headers, body: Array(bytes.readableBytesView), status: status)) }
            return Response(status: .init(code: status))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        let port = self.port
        #expect(await eventually(timeout: .seconds(10)) { !ServiceProcess.canBind(port) })
        return try await body()
    }

    /// Whether a call carries a valid Standard Webhooks signature for `secret`, checked the way a
    /// receiver following the standard does.
    static func verify(_ call: Call, secret: String) -> Bool {
        guard let id = call.headers["webhook-id"], let timestamp = call.headers["webhook-timestamp"], let signatures = call.headers["webhook-signature"],
            let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count)))
        else { return false }
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(contentsOf: call.body)
        let expected = "v1," + Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))).base64EncodedString()
        return signatures.split(separator: " ").contains { $0 == expected }
    }
}

/// coe-notifications of one isolation with its own SMTP server, and a connection that publishes
/// events to its exchange as their owners would.
struct NotificationServices {
    let isolation: String
    let notifications: ServiceProcess
    let mail: MailCatcher
    /// The connection events are published through (none where a test only calls the API).
    let publisher: AMQPConnection?
    var exchange: String { "\(isolation).events" }

    /// Settings that make retries and digests quick enough to watch.
    static let quick: [String: String] = [
        "COE_WEBHOOK_ALLOW_INTERNAL": "true", "COE_DELIVERY_BACKOFF_MS": "200", "COE_DELIVERY_BACKOFF_CAP_MS": "1000",
        "COE_DELIVERY_POLL_MS": "200", "COE_SMTP_TIMEOUT_SECONDS": "3", "COE_WEBHOOK_TIMEOUT_SECONDS": "2", "COE_DELIVERY_LEASE_SECONDS": "8",
        "COE_DIGEST_CHECK_SECONDS": "1", "COE_PUBLIC_URL": "https://coe.example.eu",
    ]

    static func run(
        _ extra: [String: String] = [:], isolation: String = TestEnvironment.uniqueName("nt"), _ body: (NotificationServices) async throws -> Void
    ) async throws {
        let mail = try MailCatcher()
        try await mail.start()
        var environment = quick
        environment["COE_SMTP_URL"] = mail.url
        for (key, value) in extra { environment[key] = value }
        let notifications = try ServiceProcess("coe-notifications", isolation: isolation, extraEnvironment: environment)
        let publisher = try eventSpy(isolation: isolation, pattern: "nothing.at.all")
        try await withRunning(publisher) {
            #expect(await eventually { publisher.isConnected })
            try await notifications.start()
            try await body(NotificationServices(isolation: isolation, notifications: notifications, mail: mail, publisher: publisher))
            #expect(try await notifications.stop() == 0, "\(notifications.tail())")
        }
        await mail.stop()
    }

    func publish(_ events: SampleEvent...) async throws {
        try await publish(events)
    }

    func publish(_ events: [SampleEvent]) async throws {
        let publisher = try #require(publisher)
        for event in events { try await event.publish(to: publisher, exchange: exchange) }
    }

    /// Adds a person to the directory as an admin; their id.
    @discardableResult
    func addRecipient(
        _ sub: String, role: String, email: String, language: String = "en", country: String? = nil, region: String? = nil
    ) async throws -> String {
        let place = (country.map { #","country":"\#($0)""# } ?? "") + (region.map { #","region":"\#($0)""# } ?? "")
        let reply = try await notifications.post(
            "/v1/recipients",
            json: #"{"sub":"\#(sub)","name":"Person \#(sub)","email":"\#(email)","language":"\#(language)","role":"\#(role)"\#(place)}"#,
            headers: try await Admin.pm)
        #expect(reply.status == .created, "\(reply.text)")
        struct Created: Decodable { var id: String }
        return try reply.json(Created.self).id
    }

    struct DeliveryReply: Decodable {
        var id: String
        var eventId: String?
        var eventType: String
        var channel: String
        var address: String
        var status: String
        var attempts: Int
        var lastError: String?
        var note: String?
        var subscriptionId: String?
    }

    /// Whether, within `limit`, no delivery is left pending, sending or retrying.
    func settled(within limit: Duration) async throws -> Bool {
        try await eventually(timeout: limit) {
            var unfinished = 0
            for status in ["pending", "sending", "retrying"] { unfinished += try await deliveries("&status=\(status)").count }
            return unfinished == 0
        }
    }

    func deliveries(_ query: String = "") async throws -> [DeliveryReply] {
        struct Page: Decodable { var items: [DeliveryReply] }
        let reply = try await notifications.get("/v1/deliveries?limit=100\(query)", headers: try await Admin.pm)
        #expect(reply.status == .ok, "\(reply.text)")
        return try reply.json(Page.self).items
    }
}
