import Cycle
import Events
import Foundation
import Hummingbird
import ServiceRuntime

/// The signed-in person of a page request: their verified token (from the session cookie, or
/// the `Authorization` header an OIDC-aware proxy sets), who it names, and the CSRF token that
/// the page's forms carry.
public struct PageSession: Sendable {
    public let token: String
    public let caller: Caller
    public let person: Person

    /// What every form of the page sends back as `_csrf`.
    public var csrf: String { SessionCookie.csrfToken(for: token) }

    /// The session of `request`, verified as the APIs verify a bearer token; nil without one.
    static func of(_ request: Request, authenticator: TokenAuthenticator, language: Language) async throws -> PageSession? {
        let credential = TokenAuthenticator.credential(of: request)
        guard let authorization = credential.authorization else { return nil }
        guard let (caller, claims) = try? await authenticator.verified(authorization) else { return nil }
        let token = String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        let person = Person(
            sub: caller.sub, name: claims.name ?? caller.sub, email: claims.email ?? "", language: language, role: caller.role,
            country: caller.country, region: caller.region)
        return PageSession(token: token, caller: caller, person: person)
    }
}
