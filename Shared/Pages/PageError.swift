import Cycle
import Foundation
import HTTPTypes

/// What stops a page: each case answers with its status and a page a person can read.
public enum PageError: Error, Sendable, CustomStringConvertible {
    /// No valid session: the browser is sent to sign in, and comes back to `next` after.
    case signInRequired(next: String)
    /// A form without the CSRF token of the session that shows it.
    case csrf
    /// The page or thing does not exist or is not the person's to see.
    case notFound
    /// The person's role doesn't use this page.
    case forbidden
    /// A form or query the page can't read (malformed, too many fields).
    case badRequest(String)
    /// A form larger than a page takes.
    case tooLarge
    /// A service the page needs answered otherwise than expected.
    case service(CoEClientError)
    /// The pages are set up wrong (a template or catalogue missing).
    case configuration(String)

    public var status: HTTPResponse.Status {
        switch self {
        case .signInRequired: .seeOther
        case .csrf, .forbidden: .forbidden
        case .notFound: .notFound
        case .badRequest: .badRequest
        case .tooLarge: .contentTooLarge
        case .service(let error):
            switch error.code {
            case .unexpectedStatus: error.status.map { $0 >= 500 ? .badGateway : HTTPResponse.Status(code: $0) } ?? .badGateway
            case .unreachable, .timedOut: .serviceUnavailable
            default: .badGateway
            }
        case .configuration: .internalServerError
        }
    }

    public var description: String {
        switch self {
        case .signInRequired(let next): "sign-in required for \(next)"
        case .csrf: "CSRF token missing or wrong"
        case .notFound: "not found"
        case .forbidden: "not for this role"
        case .badRequest(let why): "bad request: \(why)"
        case .tooLarge: "form too large"
        case .service(let error): "\(error)"
        case .configuration(let why): "pages misconfigured: \(why)"
        }
    }
}
