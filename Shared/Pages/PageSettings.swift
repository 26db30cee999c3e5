import Cycle
import Foundation
import ServiceRuntime

/// How the pages of a service are set up, from `COE_*` (read with the rest of the configuration).
public struct PageSettings: Sendable {
    /// Where the pages call the APIs as the signed-in person (`COE_INTAKE_URL`, …).
    public var endpoints: ServiceEndpoints
    /// `COE_COOKIE_SECURE=true` behind HTTPS: cookies are then sent over HTTPS only.
    public var secureCookies: Bool
    /// How long a session minted by the development sign-in lasts (`COE_SESSION_MINUTES`, 60).
    public var sessionLifetime: Duration
    /// Where a browser without a valid session is sent to sign in, with `next=` the page it
    /// wanted, or that page in place of `{next}` (`COE_SIGNIN_URL`, `/signin`; behind an OIDC
    /// proxy, its start path, such as `/oauth2/start?rd={next}`).
    public var signInURL: String
    /// The development sign-in (`COE_SIGNIN_PEOPLE_FILE`): only where configuration enables it.
    public var signInPeopleFile: String?
    /// The ES256 key the development sign-in signs with (`COE_SIGNIN_KEY_FILE`).
    public var signingKeyFile: String?
    public var tokenSettings: TokenMinter.Settings

    public init(reader: inout ConfigurationReader) {
        let environment = reader.environment
        func value(_ name: String) -> String? {
            let text = environment[name]?.trimmingCharacters(in: .whitespaces) ?? ""
            return text.isEmpty ? nil : text
        }
        do {
            endpoints = try ServiceEndpoints(environment: environment)
        } catch {
            reader.problem("\(error)")
            endpoints = .local
        }
        secureCookies = value("COE_COOKIE_SECURE") == "true"
        if let flag = value("COE_COOKIE_SECURE"), flag != "true", flag != "false" {
            reader.problem("COE_COOKIE_SECURE='\(flag)' must be true or false")
        }
        let minutes = reader.integer("COE_SESSION_MINUTES", 60, in: 5...720)
        sessionLifetime = .seconds(minutes * 60)
        signInURL = value("COE_SIGNIN_URL") ?? "/signin"
        if !signInURL.hasPrefix("/") || signInURL.hasPrefix("//") {
            reader.problem("COE_SIGNIN_URL='\(signInURL)' must be a path of this site, like /signin or /oauth2/start")
        }
        signInPeopleFile = value("COE_SIGNIN_PEOPLE_FILE")
        // Not COE_JWT_PRIVATE_KEY_FILE: a serving process refuses that one; this key is given on purpose, to the sign-in only.
        signingKeyFile = value("COE_SIGNIN_KEY_FILE")
        tokenSettings = TokenMinter.Settings(environment: environment, lifetime: sessionLifetime)
        if signInPeopleFile != nil, signingKeyFile == nil {
            reader.problem("COE_SIGNIN_PEOPLE_FILE needs COE_SIGNIN_KEY_FILE (ES256 PEM): the development sign-in signs the session tokens")
        }
    }
}
