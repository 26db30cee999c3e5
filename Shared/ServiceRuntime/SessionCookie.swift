import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The browser's credential: the same access token as `Authorization: Bearer`, kept in an
/// HttpOnly, SameSite=Lax cookie, and the CSRF token that every state-changing request made
/// with that cookie must carry.
///
/// The CSRF token is an HMAC of the session token under a fixed label: any service can check
/// it without a shared secret or a session table, it changes with every sign-in, and a page of
/// another site can neither read the HttpOnly cookie nor compute it.
public enum SessionCookie {
    /// The cookie that carries the access token.
    public static let name = "coe_session"
    /// The cookie with the chosen page language (`en`, `fr`).
    public static let languageName = "coe_lang"
    /// Where a script sends the CSRF token; a form sends it as the `_csrf` field.
    public static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    public static let csrfField = "_csrf"

    /// The CSRF token that belongs to `token`.
    public static func csrfToken(for token: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("coe-csrf-v1".utf8), using: SymmetricKey(data: Data(token.utf8)))
        return Data(mac).base64URLEncoded
    }

    /// Whether `candidate` is the CSRF token of `token`, compared in constant time.
    public static func verify(csrf candidate: String?, for token: String) -> Bool {
        guard let candidate, !candidate.isEmpty else { return false }
        let expected = Array(csrfToken(for: token).utf8)
        let given = Array(candidate.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        return difference == 0
    }

    /// The cookies a request carries, by name (the first of a repeated name wins).
    public static func cookies(of request: Request) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if cookies[name] == nil { cookies[name] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return cookies
    }

    /// The session token a request's cookie carries, if any.
    public static func token(of request: Request) -> String? {
        guard let token = cookies(of: request)[name], !token.isEmpty else { return nil }
        return token
    }

    /// `Set-Cookie` for a new session that the browser keeps for `lifetime`.
    public static func setting(_ token: String, lifetime: Duration, secure: Bool) -> String {
        "\(name)=\(token); Path=/; Max-Age=\(lifetime.components.seconds); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    /// `Set-Cookie` that ends the session.
    public static func clearing(secure: Bool) -> String {
        "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    /// `Set-Cookie` for the page language (a preference, not a credential: readable, a year long).
    public static func language(_ code: String, secure: Bool) -> String {
        "\(languageName)=\(code); Path=/; Max-Age=31536000; SameSite=Lax" + (secure ? "; Secure" : "")
    }
}

extension Data {
    /// RFC 4648 §5 base64url without padding.
    public var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
