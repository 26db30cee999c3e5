import AsyncHTTPClient
import Cycle
import Events
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceRuntime

/// What a service's pages work with: the templates and words, the settings, and the way to the
/// APIs, which the pages call as the signed-in person with that person's own token. A page
/// never reads another service's tables and never decides a rule: it shows what the APIs
/// answer and sends what the person filled in, so the validation, the authorization matrix
/// and the audit are the APIs' own.
public struct Pages: Sendable {
    public let renderer: PageRenderer
    public let settings: PageSettings
    public let authenticator: TokenAuthenticator
    public let reference: ReferenceData
    public let http: HTTPClient
    public let logger: Logger

    /// The pages' one HTTP client for the process: a refused connection fails within a second
    /// (`.shared` would keep retrying it until the request's deadline, so a page would wait on
    /// a service that is down). Never shut down, so it is made once, for the process's life.
    public static let http = CoEClient.makeHTTPClient(connections: 32, connectTimeout: .seconds(1))

    public init(
        renderer: PageRenderer, settings: PageSettings, authenticator: TokenAuthenticator, reference: ReferenceData,
        http: HTTPClient = Pages.http, logger: Logger
    ) {
        self.renderer = renderer
        self.settings = settings
        self.authenticator = authenticator
        self.reference = reference
        self.http = http
        self.logger = logger
    }

    /// A service's pages with its bundled templates; the settings from the environment.
    public static func make(service bundle: Bundle?, authenticator: TokenAuthenticator, logger: Logger) throws -> Pages {
        var reader = ConfigurationReader(ProcessInfo.processInfo.environment)
        let settings = PageSettings(reader: &reader)
        try reader.validate()
        return Pages(
            renderer: try PageRenderer.bundled(service: bundle), settings: settings, authenticator: authenticator,
            reference: try ReferenceData.load(), logger: logger)
    }

    /// Adds the shared page middleware and the assets to `router`; returns the group a service
    /// adds its pages to.
    public func group(on router: Router<ServiceRequestContext>) -> RouterGroup<ServiceRequestContext> {
        AssetsController().addRoutes(to: router)
        return router.group().add(middleware: PageErrorMiddleware(pages: self))
    }

    /// The language a request asks for (``Language/chosen(query:cookie:acceptLanguage:)``).
    func language(of request: Request) -> Language {
        Language.chosen(
            query: request.uri.queryParameters["lang"].map(String.init), cookie: SessionCookie.cookies(of: request)[SessionCookie.languageName],
            acceptLanguage: request.headers[.acceptLanguage])
    }

    /// Opens a page for the signed-in person, or sends them to sign in first.
    public func open(_ request: Request, context: ServiceRequestContext) async throws -> PageRequest {
        let language = language(of: request)
        guard let session = try await PageSession.of(request, authenticator: authenticator, language: language) else {
            throw PageError.signInRequired(next: request.uri.description)
        }
        return PageRequest(pages: self, session: session, request: request, language: language)
    }

    /// Opens a page's form post: the person's session, and the form once its CSRF token is theirs.
    public func post(_ request: Request, context: ServiceRequestContext) async throws -> (PageRequest, Form) {
        guard !TokenAuthenticator.isCrossSite(request) else { throw PageError.csrf }
        let page = try await open(request, context: context)
        let form = try await Form.read(request, context: context)
        guard SessionCookie.verify(csrf: form[SessionCookie.csrfField], for: page.session.token) else { throw PageError.csrf }
        return (page, form)
    }
}

/// One page being answered: who asks, in which language, and the client that calls the APIs as them.
public struct PageRequest: Sendable {
    public let pages: Pages
    public let session: PageSession
    public let language: Language
    public let strings: Strings
    /// The APIs, called with the person's own token.
    public let client: CoEClient
    /// The path and query the page was asked for.
    public let uri: String
    let path: String
    let setsLanguage: Bool
    /// The header's unread count, asked for as the page opens (a GET), so that it comes while
    /// the page calls its own APIs rather than after them.
    let unreadCount: Task<Int?, Never>?

    init(pages: Pages, session: PageSession, request: Request, language: Language) {
        self.pages = pages
        self.session = session
        self.language = language
        self.strings = pages.renderer.catalogue[language]
        self.client = CoEClient(
            http: pages.http, endpoints: pages.settings.endpoints, tokens: PassedToken(session.token), retry: RetryPolicy(attempts: 2),
            requestTimeout: .seconds(20), logger: pages.logger)
        self.uri = request.uri.description
        // A form shown again after a refusal answers a POST: its language switch goes to the
        // page the form belongs to (the path without the action, or the one `render` is told),
        // which a GET can open. Empty segments are dropped: `//proposals` must not become a
        // link to another host.
        let segments = request.uri.path.split(separator: "/")
        self.path = request.method == .post ? Self.parent(of: request.uri.path) : "/" + segments.joined(separator: "/")
        self.setsLanguage = request.uri.queryParameters["lang"].flatMap { Language(rawValue: String($0)) } != nil
        // A form post mostly answers with a redirect: it asks only when it renders.
        self.unreadCount = request.method == .get ? Self.unread(client: client, person: session.person) : nil
    }

    /// The unread count is a courtesy: a second at most, no retry, none when notifications is away.
    static func unread(client: CoEClient, person: Person) -> Task<Int?, Never> {
        var quick = client
        quick.requestTimeout = .seconds(1)
        quick.retry = .none
        return Task { [quick] in try? await quick.unreadCount(as: person) }
    }

    public var person: Person { session.person }
    public var caller: Caller { session.caller }

    /// Only for `roles`: anyone else gets a 403 page.
    public func require(_ roles: Caller.Role...) throws {
        guard roles.contains(caller.role) else { throw PageError.forbidden }
    }

    /// The page `template` in the shared layout, with the person's navigation, unread count,
    /// language switcher and CSRF token. `path`: the page a form shown again belongs to, when it
    /// is not the form's action without its last segment.
    public func render(
        _ template: String, title: String, _ data: [String: Any] = [:], status: HTTPResponse.Status = .ok, path: String? = nil
    ) async throws -> Response {
        let path = path ?? self.path
        var context = data
        context["t"] = strings.table
        context["lang"] = language.rawValue
        context["title"] = title
        context["csrf"] = session.csrf
        context["user"] = ["name": person.name, "role": strings["role_\(caller.role.rawValue)"]]
        context["nav"] = Navigation.items(for: caller.role, current: path, strings: strings)
        if let unread = await (unreadCount ?? Self.unread(client: client, person: person)).value, unread > 0 { context["unread"] = unread }
        let other: Language = language == .en ? .fr : .en
        context["switch_language"] = ["code": other.rawValue, "label": strings["language_\(other.rawValue)"], "href": Self.switching(path, to: other)]
        if let noticeKey, let notice = strings.optional("notice_\(noticeKey)") { context["notice"] = notice }
        let html = try pages.renderer.render(template, context)
        var headers = BrowserErrorPage.pageHeaders
        if setsLanguage { headers[.setCookie] = SessionCookie.language(language.rawValue, secure: pages.settings.secureCookies) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `?notice=` of a redirect after a change: only a key the catalogue has is shown.
    var noticeKey: String? {
        guard let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        return Form(encoded: String(query))["notice"]
    }

    /// After a change: back to `location` (a path of ours), with the notice of `notice`.
    public func redirect(to location: String, notice: String? = nil) -> Response {
        var target = location
        if let notice { target += (target.contains("?") ? "&" : "?") + "notice=\(notice)" }
        return Response(status: .seeOther, headers: [.location: target, .cacheControl: "no-store"])
    }

    /// `/reviews/{id}/screening` → `/reviews/{id}`; `/proposals/{id}/edit` → `/proposals/{id}`.
    static func parent(of path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.count > 1 ? "/" + parts.dropLast().joined(separator: "/") : "/"
    }

    /// The same page in another language.
    static func switching(_ path: String, to language: Language) -> String { "\(path)?lang=\(language.rawValue)" }

    // MARK: Formatting for the person's language

    public func euros(_ money: Money?) -> String { money.map { language.euros($0) } ?? "" }
    public func day(_ date: Date?) -> String { date.map { language.day($0) } ?? "" }
    public func moment(_ date: Date?) -> String { date.map { language.moment($0) } ?? "" }
    public func country(_ code: String?) -> String { code.map { pages.reference.countryName($0, in: language) } ?? "" }
    public func region(_ code: String?) -> String { code.map { pages.reference.regionName($0, in: language) } ?? "" }
    /// The words of a status or other code: `status_<code>` from the catalogue.
    public func label(_ prefix: String, _ code: String) -> String { strings.optional("\(prefix)_\(code)") ?? code }

    /// One page of an API's list from `cursor` (the page's `?cursor=`, read with
    /// `PageValue.cursor`), and the cursor used: one the API refuses as not its own (422) gives
    /// the first page, not an error page.
    public func listPage(_ service: CoEService, _ path: String, query: [(String, String?)], cursor: String?) async throws -> (CoEClient.Document, cursor: String?) {
        do {
            return (try await client.document(service, path, query: query + [("cursor", cursor)], as: person), cursor)
        } catch let error as CoEClientError where error.status == 422 && cursor != nil {
            return (try await client.document(service, path, query: query, as: person), nil)
        }
    }

    /// The API's problem texts of `error` in the page's language (those the language's
    /// patterns know; the rest as the API wrote them).
    public func translated(_ error: CoEClientError) -> CoEClientError {
        guard var problem = error.problem, language != .en else { return error }
        problem.errors = problem.errors?.map { FieldProblem(field: $0.field, problem: strings.problems.translate($0.problem)) }
        problem.detail = problem.detail.map { strings.problems.translate($0) }
        var copy = error
        copy.problem = problem
        return copy
    }

    /// The problems of a refused form, by field (the API's JSON path, `contact.email`, first part
    /// kept: `participatingCountries.2` is shown at `participatingCountries`), and the rest.
    public func fieldProblems(_ error: CoEClientError) -> (byField: [String: [String]], general: [String]) {
        let error = translated(error)
        var byField: [String: [String]] = [:]
        var general: [String] = []
        for problem in error.problem?.errors ?? [] {
            let field = problem.field.split(separator: ".").first.map(String.init) ?? problem.field
            if field.isEmpty || field == "body" { general.append(problem.problem) } else { byField[field, default: []].append(problem.problem) }
        }
        if byField.isEmpty && general.isEmpty { general.append(error.problem?.detail ?? error.detail) }
        return (byField, general)
    }
}
