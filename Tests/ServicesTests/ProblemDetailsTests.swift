import Events
import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceRuntime
import Testing
import TestSupport

/// The HTTP error conventions every service shares, on a router of their own (no database needed).
@Suite("Problem details for every client mistake")
struct ProblemDetailsTests {
    struct Input: Decodable {
        var name: String
        var count: Int
        var tags: [String]
    }

    struct Failure: Error {}

    func app() -> some ApplicationProtocol {
        let router = Router(context: ServiceRequestContext.self)
        router.middlewares.add(ProblemDetailsMiddleware())
        router.post("/things") { request, context -> HTTPResponse.Status in
            _ = try await request.decode(as: Input.self, context: context)
            return .created
        }
        router.get("/boom") { _, _ -> String in throw Failure() }
        return Application(router: router)
    }

    func problem(_ response: TestResponse) throws -> ProblemDetails {
        #expect(response.headers[.contentType] == "application/problem+json")
        return try JSONDecoder().decode(ProblemDetails.self, from: Data(buffer: response.body))
    }

    @Test func malformedJSONSaysWhereItBroke() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/things", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{\n  \"name\": \"x\",,\n}")) { response in
                #expect(response.status == .badRequest)
                let problem = try problem(response)
                #expect(problem.detail?.contains("line 2") == true, "\(problem.detail ?? "")")
            }
        }
    }

    @Test(arguments: [
        (#"{"count": 1, "tags": []}"#, "name", "is required"),
        (#"{"name": 5, "count": 1, "tags": []}"#, "name", "must be a string"),
        (#"{"name": "x", "count": "one", "tags": []}"#, "count", "must be an integer"),
        (#"{"name": "x", "count": 1, "tags": [1]}"#, "tags.0", "must be a string"),
        (#"{"name": "x", "count": null, "tags": []}"#, "count", "must be an integer, not null"),
    ])
    func wrongTypesNameTheField(body: String, field: String, message: String) async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/things", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)) { response in
                #expect(response.status == .unprocessableContent)
                let details = try problem(response)
                #expect(details.errors == [FieldProblem(field: field, problem: message)])
            }
        }
    }

    @Test func wrongContentTypeIs415() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/things", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "hi")) { response in
                #expect(response.status == .unsupportedMediaType)
                let details = try problem(response)
                #expect(details.status == 415)
            }
        }
    }

    @Test func oversizeBodyIs413() async throws {
        let big = "{\"name\": \"" + String(repeating: "x", count: 2 * 1024 * 1024) + "\", \"count\": 1, \"tags\": []}"
        try await app().test(.router) { client in
            try await client.execute(uri: "/things", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: big)) { response in
                #expect(response.status == .contentTooLarge)
                let details = try problem(response)
                #expect(details.status == 413)
            }
        }
    }

    @Test func internalErrorsNameNoInternals() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/boom", method: .get) { response in
                #expect(response.status == .internalServerError)
                let problem = try problem(response)
                #expect(problem.detail?.contains("Failure") == false)
                #expect(problem.detail?.contains("request id") == true)
            }
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                let details = try problem(response)
                #expect(details.status == 404)
            }
        }
    }
}

@Suite("Request deadlines")
struct RequestDeadlineTests {
    @Test func aRequestPastItsDeadlineIsCancelledAndAnswered503() async throws {
        let cancelled = Shared(false)
        let router = Router(context: ServiceRequestContext.self)
        router.middlewares.add(ProblemDetailsMiddleware())
        router.middlewares.add(RequestDeadlineMiddleware(limit: .milliseconds(200)))
        router.get("/slow") { _, _ -> String in
            do {
                try await Task.sleep(for: .seconds(600))
            } catch {
                cancelled.value = true
                throw error
            }
            return "done"
        }
        router.get("/fast") { _, _ -> String in "done" }
        router.get("/refused") { _, _ -> String in throw HTTPProblem(.conflict, detail: "no") }
        try await Application(router: router).test(.router) { client in
            let started = ContinuousClock.now
            try await client.execute(uri: "/slow", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try JSONDecoder().decode(ProblemDetails.self, from: Data(buffer: response.body))
                #expect(problem.type.hasSuffix("/timeout"))
            }
            // Not a timing test: a handler that wasn't cancelled would hold the answer for 10 minutes.
            #expect(ContinuousClock.now - started < .seconds(60))
            #expect(cancelled.value, "the handler was not cancelled")
            // Within the deadline, answers and errors pass through untouched.
            try await client.execute(uri: "/fast", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "done")
            }
            try await client.execute(uri: "/refused", method: .get) { response in
                #expect(response.status == .conflict)
            }
        }
    }
}
