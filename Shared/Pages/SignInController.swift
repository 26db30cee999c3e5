import Crypto
import Cycle
import Events
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceRuntime

/// The start page, and the development sign-in: a page listing the demonstration people whose
/// button mints a short-lived token for that person into the session cookie. It exists only
/// where `COE_SIGNIN_PEOPLE_FILE` names the people (the local stack); production puts an
/// OIDC-aware proxy in front, which passes the person's bearer token (docs/operations.md).
public struct SignInController: Sendable {
    let pages: Pages
    let people: [Person]
    let minter: LazyMinter?

    /// The pre-session cookie that the sign-in form's CSRF token must match (login CSRF).
    static let formCookie = "coe_signin"

    public init(pages: Pages) throws {
        self.pages = pages
        if let file = pages.settings.signInPeopleFile, let key = pages.settings.signingKeyFile {
            people = try Person.load(contentsOfFile: file)
            minter = LazyMinter(keyFile: key, settings: pages.settings.tokenSettings)
        } else {
            people = []
            minter = nil
        }
    }

    public func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.get("/", use: home)
        group.get("signin", use: signInPage)
        group.post("signin", use: signIn)
        group.post("signout", use: signOut)
    }

    /// `/`: each role's first page; the sign-in when there is no session.
    @Sendable func home(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        let start: String
        switch page.caller.role {
        case .focalPoint: start = "/proposals"
        case .secretariat, .reviewer, .admin: start = "/reviews"
        case .finance: start = "/funding"
        }
        return Response(status: .seeOther, headers: [.location: start, .cacheControl: "no-store"])
    }

    @Sendable func signInPage(request: Request, context: ServiceRequestContext) async throws -> Response {
        guard minter != nil else { throw PageError.notFound }
        let language = pages.language(of: request)
        let strings = pages.renderer.catalogue[language]
        let nonce = SessionCookie.cookies(of: request)[Self.formCookie].flatMap { Self.isNonce($0) ? $0 : nil } ?? Self.nonce()
        let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init))
        let groups = Caller.Role.allCases.map { role -> [String: Any] in
            let people = people.filter { $0.role == role }.map { person -> [String: Any] in
                var detail: [String] = []
                if let country = person.country { detail.append(pages.reference.countryName(country, in: language)) }
                if let region = person.region { detail.append(pages.reference.regionName(region, in: language)) }
                return ["sub": person.sub, "name": person.name, "detail": detail.joined(separator: " · "), "language": strings["language_\(person.language.rawValue)"]]
            }
            return ["role": strings["role_\(role.rawValue)"], "people": people, "id": role.rawValue]
        }.filter { !(($0["people"] as? [Any])?.isEmpty ?? true) }
        let other: Language = language == .en ? .fr : .en
        let data: [String: Any] = [
            "t": strings.table, "lang": language.rawValue, "title": strings["signin_title"], "csrf": nonce, "next": next, "groups": groups,
            "switch_language": ["code": other.rawValue, "label": strings["language_\(other.rawValue)"], "href": "/signin?lang=\(other.rawValue)"],
        ]
        var headers = BrowserErrorPage.pageHeaders
        headers[values: .setCookie] = [
            "\(Self.formCookie)=\(nonce); Path=/signin; Max-Age=3600; HttpOnly; SameSite=Strict" + (pages.settings.secureCookies ? "; Secure" : ""),
        ] + (request.uri.queryParameters["lang"] != nil ? [SessionCookie.language(language.rawValue, secure: pages.settings.secureCookies)] : [])
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: try pages.renderer.render("signin", data))))
    }

    @Sendable func signIn(request: Request, context: ServiceRequestContext) async throws -> Response {
        guard let minter else { throw PageError.notFound }
        let form = try await Form.read(request, context: context)
        guard let nonce = SessionCookie.cookies(of: request)[Self.formCookie], Self.isNonce(nonce), form[SessionCookie.csrfField] == nonce else {
            throw PageError.csrf
        }
        guard let sub = form["sub"], let person = people.person(sub) else { throw PageError.badRequest("no such person") }
        let token = try await minter.minter().freshToken(for: person)
        let secure = pages.settings.secureCookies
        var headers: HTTPFields = [.location: Self.safeNext(form["next"]), .cacheControl: "no-store"]
        headers[values: .setCookie] = [
            SessionCookie.setting(token, lifetime: pages.settings.sessionLifetime, secure: secure),
            SessionCookie.language(person.language.rawValue, secure: secure),
            "\(Self.formCookie)=; Path=/signin; Max-Age=0; HttpOnly; SameSite=Strict",
        ]
        context.logger.info("signed in", metadata: ["caller.sub": "\(person.sub)", "caller.role": "\(person.role.rawValue)"])
        return Response(status: .seeOther, headers: headers)
    }

    /// Ends the session: the cookie is cleared (the token itself lives until it expires, at most
    /// ``PageSettings/sessionLifetime``).
    @Sendable func signOut(request: Request, context: ServiceRequestContext) async throws -> Response {
        // With a session, only its own form signs it out; without one (expired), there is
        // nothing to protect and the cookie is cleared all the same.
        do {
            _ = try await pages.post(request, context: context)
        } catch PageError.signInRequired {
        }
        var headers: HTTPFields = [.location: minter == nil ? "/" : "/signin", .cacheControl: "no-store"]
        headers[.setCookie] = SessionCookie.clearing(secure: pages.settings.secureCookies)
        return Response(status: .seeOther, headers: headers)
    }

    /// A path of this site to go back to after signing in: `/` and then anything but another
    /// `/` (`//host` is another site), with no backslash (read as `/`) and no control or space
    /// character (browsers drop a tab or newline, so `/<TAB>/host` would become `//host`);
    /// else the start page.
    public static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/signin"),
              next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" && !$0.properties.isWhitespace }),
              next.utf8.count <= 2000
        else { return "/" }
        return next
    }

    /// A nonce as `nonce()` makes them (43 base64url characters): only such a value is sent back in `Set-Cookie`.
    static func isNonce(_ text: String) -> Bool {
        text.utf8.count == 43 && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
    }

    static func nonce() -> String {
        Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64URLEncoded
    }
}

/// The sign-in's signer, made on first use (loading a key is asynchronous; routes are added synchronously).
actor LazyMinter {
    let keyFile: String
    let settings: TokenMinter.Settings
    var made: TokenMinter?

    init(keyFile: String, settings: TokenMinter.Settings) {
        self.keyFile = keyFile
        self.settings = settings
    }

    func minter() async throws -> TokenMinter {
        if let made { return made }
        let minter = try await TokenMinter(privateKeyFile: keyFile, settings: settings)
        made = minter
        return minter
    }
}
