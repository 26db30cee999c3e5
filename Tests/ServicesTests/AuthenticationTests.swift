import Events
import Foundation
import JWTKit
import ServiceRuntime
import Testing

/// Bearer tokens: what passes and everything that must not.
@Suite("Access tokens")
struct AuthenticationTests {
    let signing = ES256PrivateKey()
    let configuration: AuthenticationConfiguration = {
        var configuration = AuthenticationConfiguration(environment: [:])
        configuration.issuer = "coe-test"
        configuration.audience = "coe-workflows"
        configuration.leeway = 30
        return configuration
    }()

    func authenticator() async -> TokenAuthenticator {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: signing.publicKey)
        return TokenAuthenticator(keys: keys, configuration: configuration)
    }

    func token(
        role: String = "focal_point", country: String? = "KZ", issuer: String = "coe-test", audience: String = "coe-workflows",
        expires: Date = Date().addingTimeInterval(600), notBefore: Date? = nil, key: ES256PrivateKey? = nil,
        sub: String = "u1", name: String? = nil, issuedAt: Date = Date()
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key ?? signing)
        return try await keys.sign(
            AccessClaims(
                sub: sub, name: name, role: role, country: country, issuer: issuer, audience: audience, expires: expires,
                notBefore: notBefore, issuedAt: issuedAt))
    }

    func rejected(_ header: String?) async -> HTTPProblem? {
        do {
            _ = try await authenticator().caller(from: header)
            return nil
        } catch let problem as HTTPProblem {
            return problem
        } catch {
            return nil
        }
    }

    @Test func aValidTokenNamesTheCaller() async throws {
        let caller = try await authenticator().caller(from: "Bearer " + (try await token()))
        #expect(caller == Caller(sub: "u1", role: .focalPoint, country: "KZ"))
        // Within the leeway, just expired still passes.
        _ = try await authenticator().caller(from: "Bearer " + (try await token(expires: Date().addingTimeInterval(-10))))
    }

    @Test func expiredNotYetValidWrongIssuerWrongAudienceAndBadClaimsAreRejected() async throws {
        let cases: [(String, String)] = [
            ("expired", try await token(expires: Date().addingTimeInterval(-120))),
            ("not yet valid", try await token(notBefore: Date().addingTimeInterval(600))),
            ("wrong issuer", try await token(issuer: "someone-else")),
            ("wrong audience", try await token(audience: "another-system")),
            ("unknown role", try await token(role: "superuser")),
            ("focal point without a country", try await token(country: nil)),
        ]
        for (name, token) in cases {
            let problem = await rejected("Bearer " + token)
            #expect(problem?.status == .unauthorized, "\(name)")
            #expect(problem?.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(name)")
        }
    }

    /// Found by an outside probe: a blank subject was accepted and audited as an empty actor.
    @Test func blankOrControlCharacterIdentitiesFutureIssueAndLongLivesAreRejected() async throws {
        let cases: [(String, String, String)] = [
            ("empty sub", try await token(sub: ""), "sub"),
            ("blank sub", try await token(sub: "   "), "sub"),
            ("NUL in sub", try await token(sub: "fp\u{0}kz"), "sub"),
            ("NUL in country", try await token(country: "K\u{0}"), "country"),
            ("control character in name", try await token(name: "A\u{7}"), "name"),
            ("issued in the future", try await token(issuedAt: Date().addingTimeInterval(3600)), "iat"),
            ("a lifetime of two days", try await token(expires: Date().addingTimeInterval(48 * 3600)), "exp"),
        ]
        for (name, token, claim) in cases {
            let problem = await rejected("Bearer " + token)
            #expect(problem?.status == .unauthorized, "\(name)")
            #expect(problem?.problem.errors?.map(\.field).contains(claim) == true, "\(name): \(String(describing: problem?.problem))")
        }
        // Twelve hours is the default limit, so an eight-hour token (what `coe-<service> token` mints) passes.
        _ = try await authenticator().caller(from: "Bearer " + (try await token(expires: Date().addingTimeInterval(8 * 3600))))
    }

    @Test func badSignatureAlgNoneAndHS256WhenES256IsExpectedAreRejected() async throws {
        let otherKey = try await token(key: ES256PrivateKey())
        #expect(await rejected("Bearer " + otherKey)?.status == .unauthorized)

        let valid = try await token()
        let parts = valid.split(separator: ".")
        let noneHeader = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        #expect(await rejected("Bearer \(noneHeader).\(parts[1]).")?.status == .unauthorized)

        let hmac = JWTKeyCollection()
        await hmac.add(hmac: HMACKey(from: "a-development-secret-of-32-bytes-or-more"), digestAlgorithm: .sha256)
        let hs256 = try await hmac.sign(AccessClaims(sub: "u1", role: "admin", issuer: "coe-test", audience: "coe-workflows", expires: Date().addingTimeInterval(600)))
        #expect(await rejected("Bearer " + hs256)?.status == .unauthorized)

        #expect(await rejected(nil)?.headers[.wwwAuthenticate] == "Bearer realm=\"coe-workflows\", error=\"missing\"")
        #expect(await rejected("Basic dXNlcjpwYXNz")?.status == .unauthorized)
        #expect(await rejected("Bearer not.a.token")?.status == .unauthorized)
    }
}
