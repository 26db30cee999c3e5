import Foundation
import JWTKit
import ServiceRuntime

/// Access tokens for tests, signed with the key deploy/test.sh generated (`COE_JWT_PRIVATE_KEY_FILE`).
public enum TestTokens {
    public static func mint(
        role: String, sub: String, country: String? = nil, region: String? = nil,
        issuer: String = "coe-workflows-local", audience: String = "coe-workflows",
        expires: Date = Date().addingTimeInterval(3600), notBefore: Date? = nil
    ) async throws -> String {
        let keys = JWTKeyCollection()
        let pem = try String(contentsOfFile: try TestEnvironment.variable("COE_JWT_PRIVATE_KEY_FILE"), encoding: .utf8)
        await keys.add(ecdsa: try ES256PrivateKey(pem: pem))
        let claims = AccessClaims(
            sub: sub, role: role, country: country, region: region, issuer: issuer, audience: audience, expires: expires,
            notBefore: notBefore)
        return try await keys.sign(claims)
    }

    /// `[("Authorization", "Bearer …")]` for a request.
    public static func header(role: String, sub: String, country: String? = nil, region: String? = nil) async throws -> [(String, String)] {
        [("Authorization", "Bearer " + (try await mint(role: role, sub: sub, country: country, region: region)))]
    }
}
