import Foundation
import JWTKit

/// Where ``CoEClient`` gets the bearer token it sends for a person.
public protocol TokenSource: Sendable {
    func token(for person: Person) async throws -> String
}

/// A token someone else issued, sent as it is: the pages act for the signed-in person with
/// the token of their session, never with one they mint.
public struct PassedToken: TokenSource {
    public let token: String
    public init(_ token: String) { self.token = token }
    public func token(for person: Person) async throws -> String { token }
}

/// Signs the ES256 access tokens the services accept, one per person, and keeps each until
/// shortly before it expires: a load of thousands of requests signs a handful of tokens.
///
/// The claims are those of the services' `AccessClaims` (`Shared/ServiceRuntime/Authentication.swift`):
/// `sub`, `name`, `email`, `role`, `country` (a focal point's; a reviewer's, which the
/// conflict-of-interest check reads), `region` (a secretariat's), `iss`, `aud`, `exp`, `iat`.
public actor TokenMinter: TokenSource {
    /// What a valid token must say and how long one lives.
    public struct Settings: Sendable, Equatable {
        /// `COE_JWT_ISSUER` of the services.
        public var issuer: String
        /// `COE_JWT_AUDIENCE` of the services.
        public var audience: String
        /// Within the services' `COE_JWT_MAX_LIFETIME_SECONDS` (12 h by default).
        public var lifetime: Duration
        /// A cached token is replaced once it has less than this left (5 minutes, or half its lifetime when that is shorter).
        public var renewBefore: Duration

        public init(
            issuer: String = "coe-workflows-local", audience: String = "coe-workflows", lifetime: Duration = .seconds(3600),
            renewBefore: Duration = .seconds(300)
        ) {
            self.issuer = issuer
            self.audience = audience
            self.lifetime = lifetime
            self.renewBefore = min(renewBefore, lifetime / 2)
        }

        /// `COE_JWT_ISSUER` and `COE_JWT_AUDIENCE`, each defaulting as the services do.
        public init(environment: [String: String], lifetime: Duration = .seconds(3600)) {
            func value(_ name: String) -> String? {
                let text = environment[name]?.trimmingCharacters(in: .whitespaces) ?? ""
                return text.isEmpty ? nil : text
            }
            self.init(issuer: value("COE_JWT_ISSUER") ?? "coe-workflows-local", audience: value("COE_JWT_AUDIENCE") ?? "coe-workflows", lifetime: lifetime)
        }
    }

    private struct Cached {
        var token: String
        var renewAt: Date
    }

    private let keys: JWTKeyCollection
    public nonisolated let settings: Settings
    private var cache: [Person: Cached] = [:]

    /// - Parameters:
    ///   - privateKeyPEM: the ES256 private key whose public half the services verify with.
    public init(privateKeyPEM: String, settings: Settings = Settings()) async throws {
        let key: ES256PrivateKey
        do {
            key = try ES256PrivateKey(pem: privateKeyPEM)
        } catch {
            throw CoEClientError(.invalidInput, detail: "The private key is not an ES256 (P-256) key in PEM: \(error)")
        }
        keys = JWTKeyCollection()
        await keys.add(ecdsa: key)
        self.settings = settings
    }

    /// Reads the key from a PEM file, such as the `.local/dev/jwt/private.pem` that `deploy/up.sh` made.
    public init(privateKeyFile path: String, settings: Settings = Settings()) async throws {
        let pem: String
        do {
            pem = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CoEClientError(.invalidInput, detail: "Can't read the private key \(path): \(error.localizedDescription)")
        }
        try await self.init(privateKeyPEM: pem, settings: settings)
    }

    /// A bearer token for `person`, signed now or reused while it has time left.
    public func token(for person: Person) async throws -> String {
        let now = Date()
        if let cached = cache[person], cached.renewAt > now { return cached.token }
        let token = try await sign(for: person, at: now, id: nil)
        cache[person] = Cached(token: token, renewAt: now.addingTimeInterval(Self.seconds(settings.lifetime) - Self.seconds(settings.renewBefore)))
        return token
    }

    /// A token of its own for each call, never cached and with a unique `jti`: a session (the
    /// development sign-in) must not share its token, nor the CSRF token derived from it, with
    /// another sign-in of the same person.
    public func freshToken(for person: Person) async throws -> String {
        try await sign(for: person, at: Date(), id: UUID().uuidString.lowercased())
    }

    private func sign(for person: Person, at now: Date, id: String?) async throws -> String {
        let lifetime = Self.seconds(settings.lifetime)
        let claims = AccessTokenClaims(
            sub: SubjectClaim(value: person.sub), name: person.name, email: person.email, role: person.role.rawValue,
            country: person.role == .focalPoint || person.role == .reviewer ? person.country : nil,
            region: person.role == .secretariat ? person.region : nil, iss: IssuerClaim(value: settings.issuer),
            aud: AudienceClaim(value: [settings.audience]), exp: ExpirationClaim(value: now.addingTimeInterval(lifetime)),
            iat: IssuedAtClaim(value: now), jti: id.map { IDClaim(value: $0) })
        return try await keys.sign(claims)
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}

/// The claims of an access token, named as the services' `AccessClaims` name them. Kept here
/// rather than imported so this library builds without the service runtime.
struct AccessTokenClaims: JWTPayload {
    var sub: SubjectClaim
    var name: String?
    var email: String?
    var role: String
    var country: String?
    var region: String?
    var iss: IssuerClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim?

    /// The services verify; the signer has nothing to check.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
