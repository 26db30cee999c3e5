import Events
import Foundation

/// What the notifications service refuses, each with a sentence a person can act on; one
/// mapping in Controllers/ turns it into problem details.
enum NotificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing the caller may see has this id (404).
    case notFound(String)
    /// The caller may see it but not do this (403).
    case forbidden(String)
    /// The request's fields break a rule, every problem named (422).
    case invalid([FieldProblem])
    /// The thing is in a state that does not allow the action (409 `invalid-state`).
    case invalidState(state: String, allowed: [String], detail: String)
    /// The caller is not in the recipients directory, so has no preferences yet (404).
    case notInDirectory(sub: String)
    /// A recipient with this subject exists already (409).
    case recipientExists(sub: String, id: UUID)

    var description: String {
        switch self {
        case .notFound(let what): "\(what) was not found"
        case .forbidden(let detail): detail
        case .invalid(let problems): problems.map { "\($0.field) \($0.problem)" }.joined(separator: "; ")
        case .invalidState(_, _, let detail): detail
        case .notInDirectory(let sub): "'\(sub)' is not in the recipients directory yet: an admin adds them at /v1/recipients"
        case .recipientExists(let sub, let id): "a recipient with sub '\(sub)' exists already (\(id.lowercased))"
        }
    }
}
