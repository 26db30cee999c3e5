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
        let caller: Caller
        do {
            caller = try await authenticator.caller(from: authorization)
        } catch {
            return nil
        }
        let token = String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        // The signature was checked above: the profile claims are read from the same token.
        let profile = Self.profile(of: token)
        let person = Person(
            sub: caller.sub, name: profile.name ?? caller.sub, email: profile.email ?? "", language: language, role: caller.role,
            country: caller.country, region: caller.region)
        return PageSession(token: token, caller: caller, person: person)
    }

    private struct Profile: Decodable {
        var name: String?
        var email: String?
    }

    private static func profile(of token: String) -> Profile {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return Profile() }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let profile = try? JSONDecoder().decode(Profile.self, from: data) else { return Profile() }
        return profile
    }
}
