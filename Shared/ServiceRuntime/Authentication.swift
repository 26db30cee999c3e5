import Events
import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import Storage

/// The claims of a CoE Workflows access token.
public struct AccessClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var name: String?
    public var email: String?
    public var role: String
    public var country: String?
    public var region: String?
    public var iss: IssuerClaim
    public var aud: AudienceClaim
    public var exp: ExpirationClaim
    public var nbf: NotBeforeClaim?
    public var iat: IssuedAtClaim?

    public init(
        sub: String, name: String? = nil, email: String? = nil, role: String, country: String? = nil, region: String? = nil,
        issuer: String, audience: String, expires: Date, notBefore: Date? = nil, issuedAt: Date = Date()
    ) {
        self.sub = SubjectClaim(value: sub)
        self.name = name
        self.email = email
        self.role = role
        self.country = country
        self.region = region
        self.iss = IssuerClaim(value: issuer)
        self.aud = AudienceClaim(value: [audience])
        self.exp = ExpirationClaim(value: expires)
        self.nbf = notBefore.map { NotBeforeClaim(value: $0) }
        self.iat = IssuedAtClaim(value: issuedAt)
    }

    /// Issuer, audience and times are checked by ``TokenAuthenticator`` with its configuration and leeway.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Where the keys are and what a valid token must say, from `COE_JWT_*`.
public struct AuthenticationConfiguration: Sendable {
    public var issuer: String
    public var audience: String
    /// ES256 public key (PEM) that verifies tokens.
    public var publicKeyFile: String?
    /// A JWKS document with the verification keys, instead of or besides the PEM file.
    public var jwksFile: String?
    /// ES256 private key (PEM) with which `coe-<service> token` signs.
    public var privateKeyFile: String?
    /// HS256, for development only: used only when `allowHS256` is set.
    public var hs256Secret: String?
    public var allowHS256: Bool
    public var leeway: TimeInterval
    /// A token may live at most this long (`exp` − `iat`; `COE_JWT_MAX_LIFETIME_SECONDS`, default 12 h).
    public var maximumLifetime: TimeInterval
    /// When set, `/metrics` needs `Authorization: Bearer <this>`.
    public var metricsToken: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var reader = ConfigurationReader(environment)
        self.init(reader: &reader)
    }

    /// Reads `COE_JWT_*` and `COE_METRICS_TOKEN`, adding each bad value to `reader`'s problems.
    public init(reader: inout ConfigurationReader) {
        let environment = reader.environment
        func value(_ name: String) -> String? {
            let text = environment[name]?.trimmingCharacters(in: .whitespaces) ?? ""
            return text.isEmpty ? nil : text
        }
        issuer = value("COE_JWT_ISSUER") ?? "coe-workflows-local"
        audience = value("COE_JWT_AUDIENCE") ?? "coe-workflows"
        publicKeyFile = value("COE_JWT_PUBLIC_KEY_FILE") ?? Self.existing(".local/dev/jwt/public.pem")
        jwksFile = value("COE_JWT_JWKS_FILE")
        privateKeyFile = value("COE_JWT_PRIVATE_KEY_FILE") ?? Self.existing(".local/dev/jwt/private.pem")
        hs256Secret = value("COE_JWT_HS256_SECRET")
        allowHS256 = value("COE_JWT_ALLOW_HS256") == "true"
        leeway = TimeInterval(reader.integer("COE_JWT_LEEWAY_SECONDS", 30, in: 0...3600))
        maximumLifetime = TimeInterval(reader.integer("COE_JWT_MAX_LIFETIME_SECONDS", 12 * 3600, in: 60...(7 * 24 * 3600)))
        if let flag = value("COE_JWT_ALLOW_HS256"), flag != "true", flag != "false" {
            reader.problem("COE_JWT_ALLOW_HS256='\(flag)' must be true or false")
        }
        metricsToken = value("COE_METRICS_TOKEN")
    }

    static func existing(_ path: String) -> String? {
        FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The keys that verify tokens; throws naming what is missing or unreadable.
    public func verificationKeys() async throws -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        var loaded = 0
        if let publicKeyFile {
            let pem = try String(contentsOfFile: publicKeyFile, encoding: .utf8)
            await keys.add(ecdsa: try ES256PublicKey(pem: pem))
            loaded += 1
        }
        if let jwksFile {
            try await keys.add(jwksJSON: try String(contentsOfFile: jwksFile, encoding: .utf8))
            loaded += 1
        }
        if allowHS256, let hs256Secret {
            guard hs256Secret.utf8.count >= 32 else {
                throw ConfigurationError(problems: ["COE_JWT_HS256_SECRET must be at least 32 bytes long"])
            }
            await keys.add(hmac: HMACKey(from: hs256Secret), digestAlgorithm: .sha256)
            loaded += 1
        }
        guard loaded > 0 else {
            throw ConfigurationError(problems: [
                "no key verifies access tokens: set COE_JWT_PUBLIC_KEY_FILE (ES256 PEM) or COE_JWT_JWKS_FILE; deploy/up.sh generates a local key in .local/dev/jwt"
            ])
        }
        return keys
    }

    /// The key that signs tokens for `coe-<service> token`.
    public func signingKeys() async throws -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        if let privateKeyFile {
            await keys.add(ecdsa: try ES256PrivateKey(pem: try String(contentsOfFile: privateKeyFile, encoding: .utf8)))
        } else if allowHS256, let hs256Secret, hs256Secret.utf8.count >= 32 {
            await keys.add(hmac: HMACKey(from: hs256Secret), digestAlgorithm: .sha256)
        } else {
            throw ConfigurationError(problems: ["no signing key: set COE_JWT_PRIVATE_KEY_FILE (ES256 PEM); deploy/up.sh generates one in .local/dev/jwt"])
        }
        return keys
    }
}

/// Verifies `Authorization: Bearer <JWT>` and sets ``ServiceRequestContext/caller``.
///
/// Signature (ES256 keys, a JWKS, or HS256 only when development allows it), issuer,
/// audience, expiry and not-before with a small leeway. Anything else is a 401 with
/// `WWW-Authenticate: Bearer` naming what was wrong; the token itself is never logged.
public struct TokenAuthenticator: RouterMiddleware, Sendable {
    public typealias Context = ServiceRequestContext

    let keys: JWTKeyCollection
    let configuration: AuthenticationConfiguration
    /// When set, every state-changing request (POST, PUT, PATCH, DELETE) is recorded, refused ones included.
    var audit: AuditLog?

    public init(keys: JWTKeyCollection, configuration: AuthenticationConfiguration) {
        self.keys = keys
        self.configuration = configuration
    }

    /// The same authenticator, recording state-changing requests in `audit`.
    public func auditing(to audit: AuditLog) -> TokenAuthenticator {
        var copy = self
        copy.audit = audit
        return copy
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let changes = [.post, .put, .patch, .delete].contains(request.method)
        do {
            // A browser says where a request comes from: a change sent by another site's page
            // (or a sibling host's) is refused whatever credential rides along (a session cookie, or the bearer an
            // OIDC proxy adds for its own cookie). Clients that are not browsers don't send it.
            if changes, Self.isCrossSite(request) {
                throw HTTPProblem(
                    .forbidden, type: "csrf", title: "Cross-site request refused",
                    detail: "A change can't be sent from another site's page.")
            }
            let credential = Self.credential(of: request)
            context.caller = try await caller(from: credential.authorization)
            // A cookie is sent by the browser whoever made the page: a change needs the CSRF token too.
            if changes, let token = credential.cookieToken, !SessionCookie.verify(csrf: request.headers[SessionCookie.csrfHeader], for: token) {
                throw HTTPProblem(
                    .forbidden, type: "csrf", title: "CSRF token missing or wrong",
                    detail: "A change made with the session cookie needs the X-CSRF-Token header of the page that makes it (or send Authorization: Bearer instead).")
            }
            if changes, audit != nil {
                let route = context.endpointPath ?? request.uri.path
                context.audit = AuditEntry(
                    actor: context.caller, action: "\(request.method.rawValue) \(route)", resource: request.uri.path, requestID: context.id)
            }
            try Self.refuseNUL(in: request)
            let response = try await next(request, context)
            await record(request, context: context, outcome: response.status.code)
            return response
        } catch {
            if changes {
                let cause = DatabaseFailure.underlying(error)
                let status = (cause as? any ProblemConvertible)?.problem.status.code ?? (cause as? any HTTPResponseError)?.status.code
                    ?? (DatabaseFailure.isTransient(cause) || DatabaseFailure.sqlState(cause) == "57014" || cause is CancellationError ? 503 : 500)
                await record(request, context: context, outcome: status)
            }
            throw error
        }
    }

    /// Records what the change's own transaction did not (refusals, failures, answers without a change).
    private func record(_ request: Request, context: Context, outcome: Int) async {
        guard let audit, [.post, .put, .patch, .delete].contains(request.method) else { return }
        let entry = context.audit ?? AuditEntry(
            actor: context.caller, action: "\(request.method.rawValue) \(context.endpointPath ?? request.uri.path)",
            resource: request.uri.path, requestID: context.id)
        guard !entry.isWritten else { return }
        await audit.record(entry, outcome: outcome)
    }

    static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// Whether a browser marked the request as sent by another page than this site's own:
    /// `cross-site`, and `same-site` too (a sibling host, another port of the same host), since
    /// an OIDC proxy's cookie would carry it. Only `same-origin` and `none` (typed or bookmarked)
    /// are the site's; clients that are not browsers send no such header.
    public static func isCrossSite(_ request: Request) -> Bool {
        guard let site = request.headers[fetchSite]?.lowercased() else { return false }
        return site != "same-origin" && site != "none"
    }

    /// The `Authorization` header, or else the session cookie's token as a bearer credential;
    /// `cookieToken` is set when it came from the cookie.
    public static func credential(of request: Request) -> (authorization: String?, cookieToken: String?) {
        if let authorization = request.headers[.authorization] { return (authorization, nil) }
        guard let token = SessionCookie.token(of: request) else { return (nil, nil) }
        return ("Bearer \(token)", token)
    }

    /// The caller a bearer token names, or a 401 problem.
    public func caller(from authorization: String?) async throws -> Caller {
        try await verified(authorization).caller
    }

    /// The caller a bearer token names and its verified claims (a page's person has the token's
    /// name and e-mail too), or a 401 problem.
    public func verified(_ authorization: String?) async throws -> (caller: Caller, claims: AccessClaims) {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else {
            throw Self.unauthorized("missing", detail: "Send Authorization: Bearer <access token> (coe-<service> token mints one locally), or sign in for the session cookie.")
        }
        let token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        let claims: AccessClaims
        do {
            claims = try await keys.verify(token, as: AccessClaims.self)
        } catch {
            throw Self.unauthorized("invalid_token", detail: "The token's signature or algorithm is not accepted.")
        }
        let now = Date()
        var problems: [FieldProblem] = []
        if claims.exp.value < now.addingTimeInterval(-configuration.leeway) {
            problems.append(FieldProblem(field: "exp", problem: "the token expired at \(claims.exp.value.formatted(.iso8601))"))
        }
        if let nbf = claims.nbf, nbf.value > now.addingTimeInterval(configuration.leeway) {
            problems.append(FieldProblem(field: "nbf", problem: "the token is not valid before \(nbf.value.formatted(.iso8601))"))
        }
        if let iat = claims.iat, iat.value > now.addingTimeInterval(configuration.leeway) {
            problems.append(FieldProblem(field: "iat", problem: "the token claims to be issued in the future (\(iat.value.formatted(.iso8601)))"))
        }
        // Without iat the lifetime left counts: a token can't outlive the limit either way.
        let issued = claims.iat.map { min($0.value, now) } ?? now
        if claims.exp.value.timeIntervalSince(issued) > configuration.maximumLifetime + configuration.leeway {
            problems.append(FieldProblem(
                field: "exp", problem: "the token lives longer than the \(Int(configuration.maximumLifetime)) s this service accepts"))
        }
        let subject = claims.sub.value
        if subject.trimmed.isEmpty {
            problems.append(FieldProblem(field: "sub", problem: "must name someone (it is blank)"))
        }
        for (claim, text) in [("sub", subject), ("name", claims.name), ("email", claims.email), ("role", claims.role),
                              ("country", claims.country), ("region", claims.region)] {
            if let text, text.utf8.contains(0) || text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\t" }) {
                problems.append(FieldProblem(field: claim, problem: "must not contain NUL or other control characters"))
            }
            if let text, text.utf8.count > 512 {
                problems.append(FieldProblem(field: claim, problem: "must be at most 512 bytes long"))
            }
        }
        if claims.iss.value != configuration.issuer {
            problems.append(FieldProblem(field: "iss", problem: "must be \(configuration.issuer)"))
        }
        if !claims.aud.value.contains(configuration.audience) {
            problems.append(FieldProblem(field: "aud", problem: "must include \(configuration.audience)"))
        }
        let role = Caller.Role(rawValue: claims.role)
        if role == nil {
            problems.append(FieldProblem(field: "role", problem: "must be one of \(Caller.Role.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        if role == .focalPoint && (claims.country ?? "").isEmpty {
            problems.append(FieldProblem(field: "country", problem: "is required for a focal point"))
        }
        if role == .secretariat && (claims.region ?? "").isEmpty {
            problems.append(FieldProblem(field: "region", problem: "is required for a secretariat"))
        }
        guard problems.isEmpty, let role else {
            throw Self.unauthorized("invalid_token", detail: "The token's claims are not accepted.", errors: problems)
        }
        return (Caller(sub: claims.sub.value, role: role, country: claims.country, region: claims.region), claims)
    }

    /// PostgreSQL keeps no text with NUL in it: a path segment or query parameter holding one is
    /// the client's mistake (422), found before it can reach a query.
    static func refuseNUL(in request: Request) throws {
        var problems: [FieldProblem] = []
        if (request.uri.path.removingPercentEncoding ?? request.uri.path).utf8.contains(0) {
            problems.append(FieldProblem(field: "path", problem: "must not contain NUL characters"))
        }
        for (name, value) in request.uri.queryParameters where name.utf8.contains(0) || value.utf8.contains(0) {
            problems.append(FieldProblem(field: String(name).replacingOccurrences(of: "\u{0}", with: "\\u0000"), problem: "must not contain NUL characters"))
        }
        guard problems.isEmpty else { throw HTTPProblem.validation(problems) }
    }

    static func unauthorized(_ error: String, detail: String, errors: [FieldProblem]? = nil) -> HTTPProblem {
        HTTPProblem(
            .unauthorized, type: "unauthenticated", title: "Authentication required", detail: detail, errors: errors,
            headers: [.wwwAuthenticate: "Bearer realm=\"coe-workflows\", error=\"\(error)\""])
    }
}
