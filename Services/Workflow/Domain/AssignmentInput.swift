import Foundation
import ServiceRuntime

/// The body of `POST /v1/reviews/{proposalId}/assignments`:
/// `{"reviewer": "sub", "name": "…", "email": "…", "country": "FR"}`.
///
/// `country` is the reviewer's nationality: a reviewer never assesses a proposal whose lead
/// or participating countries include their own.
struct AssignmentInput: Sendable, Equatable {
    var reviewer: String
    var name: String
    var email: String?
    var country: String

    static let fields: Set<String> = ["reviewer", "name", "email", "country"]

    /// Reads the body, naming every problem at once.
    static func parse(_ body: JSONValue) throws -> AssignmentInput {
        var reader = JSONFieldReader()
        guard case .object(let object) = body else {
            throw HTTPProblem.validation([FieldProblem(field: "body", problem: "must be a JSON object with reviewer, name, email and country")])
        }
        reader.rejectUnknown(object, known: fields)
        func text(_ field: String, required: Bool, maximum: Int) -> String? {
            guard let value = object[field], let read = reader.string(value, field: field), let text = read?.trimmingCharacters(in: .whitespacesAndNewlines) else {
                if required && (object[field] == nil || object[field] == .null) { reader.problem(field, "is required") }
                return nil
            }
            if text.isEmpty {
                if required { reader.problem(field, "must not be empty") }
                return nil
            }
            if text.count > maximum { reader.problem(field, "must be at most \(maximum) characters") }
            return text
        }
        let reviewer = text("reviewer", required: true, maximum: 200)
        let name = text("name", required: true, maximum: 200)
        let email = text("email", required: false, maximum: 254)
        let country = text("country", required: true, maximum: 2)
        if let email, !EmailAddress.isPlausible(email) { reader.problem("email", "must be an e-mail address") }
        if let country, !(country.count == 2 && country.allSatisfy { $0.isASCII && $0.isUppercase }) {
            if country.count <= 2 { reader.problem("country", "must be an ISO 3166-1 alpha-2 code such as FR") }
        }
        guard reader.problems.isEmpty, let reviewer, let name, let country else {
            throw HTTPProblem.validation(reader.problems)
        }
        return AssignmentInput(reviewer: reviewer, name: name, email: email, country: country)
    }
}
