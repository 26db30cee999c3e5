import Events
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

    /// Reads the body, naming every problem at once.
    static func parse(_ body: JSONBody) throws -> AssignmentInput {
        var reader = body.objectReader(
            known: ["reviewer", "name", "email", "country"], shape: #"{"reviewer": "sub", "name": "…", "email": "…", "country": "FR"}"#)
        let reviewer = reader.text("reviewer", required: true, maximum: 200)
        let name = reader.text("name", required: true, maximum: 200)
        let email = reader.email("email")
        let country = reader.countryCode("country", required: true)
        try reader.validate()
        guard let reviewer, let name, let country else { throw HTTPProblem.validation(reader.problems) }
        return AssignmentInput(reviewer: reviewer, name: name, email: email, country: country)
    }
}
