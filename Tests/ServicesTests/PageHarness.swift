import AsyncHTTPClient
import Cycle
import Events
import Foundation
import NIOCore
import NIOFoundationCompat
import Testing
import TestSupport

/// The whole system as people meet it: the four real executables behind the real gateway
/// (nginx with deploy/gateway/routes.conf), the development sign-in listing the test's people,
/// an SMTP server, and a typed client for the setup a test needs that is not its subject.
struct PageStack: Sendable {
    let isolation: String
    let intake: ServiceProcess
    let workflow: ServiceProcess
    let funding: ServiceProcess
    let notifications: ServiceProcess
    let mail: MailCatcher
    let gatewayPort: Int
    let gatewayDirectory: URL
    let people: [Person]
    let client: CoEClient

    var url: String { "http://127.0.0.1:\(gatewayPort)" }
    var services: [ServiceProcess] { [intake, workflow, funding, notifications] }

    /// The people of the page tests: every role, a French-speaking focal point, two finance
    /// officers (four eyes) and two reviewers who are nationals of no Central Asian country.
    static let cast: [Person] = [
        Person(sub: "fp-kz", name: "Aigerim Nurlanovna", email: "fp-kz@pages.test", role: .focalPoint, country: "KZ"),
        Person(sub: "fp-uz", name: "Dilshod Karimov", email: "fp-uz@pages.test", role: .focalPoint, country: "UZ"),
        Person(sub: "fp-ma", name: "Youssef El Amrani", email: "fp-ma@pages.test", language: .fr, role: .focalPoint, country: "MA"),
        Person(sub: "sec-ca", name: "Central Asia Secretariat", email: "sec-ca@pages.test", role: .secretariat, region: "CA"),
        Person(sub: "sec-nas", name: "Secrétariat Afrique du Nord", email: "sec-nas@pages.test", language: .fr, role: .secretariat, region: "NAS"),
        Person(sub: "rev-fr", name: "Camille Laurent", email: "rev-fr@pages.test", role: .reviewer, country: "FR"),
        Person(sub: "rev-de", name: "Jonas Weber", email: "rev-de@pages.test", role: .reviewer, country: "DE"),
        Person(sub: "rev-kz", name: "Nodira Saidova", email: "rev-kz@pages.test", role: .reviewer, country: "KZ"),
        Person(sub: "pm", name: "Programme Manager", email: "pm@pages.test", role: .admin),
        Person(sub: "fin-alice", name: "Alice Finance", email: "fin-alice@pages.test", role: .finance),
        Person(sub: "fin-bob", name: "Bob Finance", email: "fin-bob@pages.test", role: .finance),
    ]

    func person(_ sub: String) -> Person { people.person(sub)! }

    /// Starts everything, runs `body`, and stops everything (each service must exit cleanly).
    static func run(_ body: (PageStack) async throws -> Void) async throws {
        let isolation = TestEnvironment.uniqueName("web")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(isolation)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let peopleFile = directory.appendingPathComponent("people.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(cast).write(to: peopleFile)

        let mail = try MailCatcher()
        try await mail.start()
        let ports = try (0..<5).map { _ in try ServiceProcess.freePort() }
        let gatewayPort = ports[4]
        let endpoints = [
            "COE_INTAKE_URL": "http://127.0.0.1:\(ports[0])", "COE_WORKFLOW_URL": "http://127.0.0.1:\(ports[1])",
            "COE_FUNDING_URL": "http://127.0.0.1:\(ports[2])", "COE_NOTIFICATIONS_URL": "http://127.0.0.1:\(ports[3])",
        ]
        var notificationEnvironment = NotificationServices.quick.merging(endpoints) { $1 }
        notificationEnvironment["COE_SMTP_URL"] = mail.url
        notificationEnvironment["COE_RECIPIENTS_FILE"] = peopleFile.path
        notificationEnvironment["COE_PUBLIC_URL"] = "http://127.0.0.1:\(gatewayPort)"
        var intakeEnvironment = endpoints
        intakeEnvironment["COE_SIGNIN_PEOPLE_FILE"] = peopleFile.path
        intakeEnvironment["COE_SIGNIN_KEY_FILE"] = try TestEnvironment.variable("COE_JWT_PRIVATE_KEY_FILE")
        intakeEnvironment["COE_SESSION_MINUTES"] = "30"
        let intake = try ServiceProcess("coe-intake", isolation: isolation, port: ports[0], extraEnvironment: intakeEnvironment)
        let workflow = try ServiceProcess("coe-workflow", isolation: isolation, port: ports[1], extraEnvironment: endpoints)
        let funding = try ServiceProcess("coe-funding", isolation: isolation, port: ports[2], extraEnvironment: endpoints)
        let notifications = try ServiceProcess("coe-notifications", isolation: isolation, port: ports[3], extraEnvironment: notificationEnvironment)
        let gatewayDirectory = directory.appendingPathComponent("gateway")
        let client = CoEClient(
            endpoints: ServiceEndpoints(
                intake: intake.baseURL, workflow: workflow.baseURL, funding: funding.baseURL, notifications: notifications.baseURL),
            tokens: try await TokenMinter(privateKeyFile: try TestEnvironment.variable("COE_JWT_PRIVATE_KEY_FILE")))
        let stack = PageStack(
            isolation: isolation, intake: intake, workflow: workflow, funding: funding, notifications: notifications, mail: mail,
            gatewayPort: gatewayPort, gatewayDirectory: gatewayDirectory, people: cast, client: client)
        do {
            for service in [funding, workflow, notifications, intake] { try await service.start() }
            try await stack.gateway("start")
            try await body(stack)
        } catch {
            _ = try? await stack.gateway("stop")
            for service in stack.services { _ = try? await service.stop() }
            await mail.stop()
            throw error
        }
        try await stack.gateway("stop")
        for service in stack.services {
            #expect(try await service.stop() == 0, "\(service.tail())")
        }
        await mail.stop()
    }

    /// deploy/local/gateway.sh, on this stack's ports.
    func gateway(_ command: String) async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try await runBashScript(
            root.appendingPathComponent("deploy/local/gateway.sh").path, [command],
            environment: [
                "COE_STACK": isolation, "COE_STACK_DIR": gatewayDirectory.deletingLastPathComponent().path,
                "COE_GATEWAY_PORT": String(gatewayPort), "COE_INTAKE_PORT": String(intake.port), "COE_WORKFLOW_PORT": String(workflow.port),
                "COE_FUNDING_PORT": String(funding.port), "COE_NOTIFICATIONS_PORT": String(notifications.port),
            ])
    }

    /// An envelope for `region` this year, large enough for the tests' approvals.
    func openEnvelope(region: String = "CA", cents: Int64 = 500_000_000) async throws {
        let year = UTC.calendar.component(.year, from: Date())
        _ = try await client.createEnvelope(year: year, region: region, amount: Money(cents: cents), reason: "IfS allocation \(year)", as: person("fin-alice"))
    }
}

/// A person's browser session over plain HTTP (no browser): for the checks a browser can't
/// make, such as a form posted without its CSRF token or a cookie sent to another person's page.
struct CookieSession: Sendable {
    let base: String
    let cookie: String
    let http: HTTPClient

    struct Answer: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: String
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        func headers(_ name: String) -> [String] { headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }
    }

    /// Signs in as `sub` through the sign-in page, as a browser would.
    static func signIn(_ sub: String, at base: String, http: HTTPClient) async throws -> CookieSession {
        let page = try await send(http, "GET", base + "/signin", cookie: nil, form: nil)
        let nonce = try #require(page.headers("Set-Cookie").first { $0.hasPrefix("coe_signin=") }?.split(separator: ";").first.map(String.init))
        let csrf = try #require(Self.csrf(in: page.body))
        let signedIn = try await send(http, "POST", base + "/signin", cookie: nonce, form: [("_csrf", csrf), ("sub", sub), ("next", "/")])
        #expect(signedIn.status == 303)
        let session = try #require(signedIn.headers("Set-Cookie").first { $0.hasPrefix("coe_session=") })
        return CookieSession(base: base, cookie: String(session.split(separator: ";")[0]), http: http)
    }

    /// The first `_csrf` value of a page's forms.
    static func csrf(in html: String) -> String? { field("_csrf", in: html) }

    /// The first value of the form field `name` on a page, as the browser sends it back (unescaped).
    static func field(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    func get(_ path: String, accept: String = "text/html") async throws -> Answer {
        try await Self.send(http, "GET", base + path, cookie: cookie, form: nil, accept: accept)
    }

    func post(_ path: String, form: [(String, String)]) async throws -> Answer {
        try await Self.send(http, "POST", base + path, cookie: cookie, form: form)
    }

    func postJSON(_ path: String, json: String, headers: [(String, String)] = []) async throws -> Answer {
        try await Self.send(http, "POST", base + path, cookie: cookie, form: nil, json: json, accept: "application/json", extra: headers)
    }

    static func send(
        _ http: HTTPClient, _ method: String, _ url: String, cookie: String?, form: [(String, String)]?, json: String? = nil,
        accept: String = "text/html", extra: [(String, String)] = []
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Accept", value: accept)
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let form {
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            let body = form.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
                .joined(separator: "&")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        } else if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 8 * 1024 * 1024)
        return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: bytes))
    }

    /// A client that follows no redirect (a test reads each 303) and sends no trace of its own.
    static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Runs `body` with a client that follows no redirect, shut down afterwards whatever happens.
    static func withClient(_ body: (HTTPClient) async throws -> Void) async throws {
        let http = makeClient()
        do {
            try await body(http)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }
}
