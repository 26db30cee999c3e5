import Events
import Foundation
import ServiceRuntime
import Testing

/// The declarative body reader the next bodies are written with: every problem of a body,
/// unknown fields, wrong types, missing and bad values, named in one answer.
@Suite("Body reader")
struct BodyReaderTests {
    static let known: Set<String> = ["name", "amount", "months", "tags", "email", "country", "kind"]

    func reader(_ json: String) throws -> BodyReader {
        BodyReader(try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)), known: Self.known, shape: #"{"name": "…"}"#)
    }

    @Test func aValidBodyReadsIntoTypedValues() throws {
        var body = try reader(#"{"name":"  Border  ","amount":"1250.50","months":12,"tags":[" a ","b"],"email":"x@y.eu","country":"FR","kind":"interim"}"#)
        #expect(body.text("name", required: true, maximum: 20) == "Border")
        #expect(body.money("amount", required: true) == Money(cents: 125_050))
        #expect(body.integer("months", in: 1...60) == 12)
        #expect(body.texts("tags", maximumCount: 5, maximumLength: 10) == ["a", "b"])
        #expect(body.email("email") == "x@y.eu")
        #expect(body.countryCode("country") == "FR")
        #expect(body.choice("kind", of: ["pre_financing", "interim", "final"]) == "interim")
        #expect(body.has("name") && !body.has("missing"))
        #expect(body.problems.isEmpty)
        try body.validate()
    }

    @Test func everyProblemIsNamedAtOnce() throws {
        var body = try reader(#"{"amount":12.5,"months":99,"tags":["ok",""],"email":"nope","country":"fr","kind":"advance","extra":1}"#)
        _ = body.text("name", required: true, maximum: 20)
        _ = body.money("amount")
        _ = body.integer("months", in: 1...60)
        _ = body.texts("tags", maximumCount: 5, maximumLength: 10)
        _ = body.email("email")
        _ = body.countryCode("country")
        _ = body.choice("kind", of: ["pre_financing", "interim", "final"])
        #expect(Set(body.problems.map(\.field)) == ["extra", "name", "amount", "months", "tags.1", "email", "country", "kind"])
        #expect(throws: HTTPProblem.self) { try body.validate() }
    }

    @Test func aBodyThatIsNotAnObjectSaysWhatShapeIsExpected() throws {
        let body = try reader("[1, 2]")
        #expect(body.problems.map(\.field) == ["body"])
        #expect(body.problems.first?.problem.contains(#"{"name": "…"}"#) == true)
    }
}
