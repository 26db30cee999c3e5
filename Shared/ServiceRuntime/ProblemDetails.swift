import Events
import Foundation
import HTTPTypes
import Hummingbird
import Messaging
import Storage

/// An RFC 9457 problem details document (`application/problem+json`).
public struct ProblemDetails: Codable, Sendable, Equatable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String?
    public var instance: String?
    /// Every invalid field at once.
    public var errors: [FieldProblem]?
    /// For a 409 on a state machine: the current state and what it allows.
    public var state: String?
    public var allowedActions: [String]?
    /// For a refused business rule with a limit: which rule (also the last part of `type`, kept
    /// here so that clients need not parse the URI), and by how much the request goes past the
    /// limit (`excess`, a decimal string of euros).
    public var rule: String?
    public var excess: String?

    public init(
        type: String = "about:blank", title: String, status: Int, detail: String? = nil, instance: String? = nil,
        errors: [FieldProblem]? = nil, state: String? = nil, allowedActions: [String]? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.errors = errors
        self.state = state
        self.allowedActions = allowedActions
    }
}

/// An error that answers the client with problem details; the one way services report client mistakes.
public struct HTTPProblem: HTTPResponseError, Sendable {
    public var problem: ProblemDetails
    public var headers: HTTPFields

    public var status: HTTPResponse.Status { .init(code: problem.status) }

    public init(_ status: HTTPResponse.Status, type: String? = nil, title: String? = nil, detail: String? = nil, errors: [FieldProblem]? = nil, headers: HTTPFields = [:]) {
        self.problem = ProblemDetails(
            type: type.map { "https://coe-workflows.eu/problems/\($0)" } ?? "about:blank",
            title: title ?? status.reasonPhrase, status: status.code, detail: detail, errors: errors)
        self.headers = headers
    }

    /// 422 with every invalid field.
    public static func validation(_ errors: [FieldProblem], detail: String? = nil) -> HTTPProblem {
        HTTPProblem(
            .unprocessableContent, type: "validation", title: "The request has invalid fields",
            detail: detail ?? "\(errors.count) field\(errors.count == 1 ? " is" : "s are") invalid; see errors.", errors: errors)
    }

    /// 409 for a state machine: the current state, what it allows, and why this act does not fit.
    /// `type` and `title` name a more particular refusal of the same kind (`not-enough-assessments`).
    public static func invalidState(
        _ state: String, allowed: [String], detail: String, type: String = "invalid-state", title: String = "Not allowed in this state"
    ) -> HTTPProblem {
        var problem = HTTPProblem(.conflict, type: type, title: title, detail: detail)
        problem.problem.state = state
        problem.problem.allowedActions = allowed
        return problem
    }

    public static func notFound(_ what: String) -> HTTPProblem {
        HTTPProblem(.notFound, type: "not-found", title: "Not found", detail: "\(what) does not exist or is not visible to you.")
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var problem = self.problem
        problem.instance = problem.instance ?? request.uri.path
        return try Self.response(problem, headers: headers)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response(_ problem: ProblemDetails, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/problem+json"
        let body = try encoder.encode(problem)
        return Response(status: .init(code: problem.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// A service's domain error that answers the client: its one mapping to problem details.
public protocol ProblemConvertible: Error {
    var problem: HTTPProblem { get }
}

/// Turns every error into problem details: client errors say what is wrong; anything else
/// becomes a 500 that names no internals (the log has them, under the request id).
public struct ProblemDetailsMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let (problem, headers): (ProblemDetails, HTTPFields)
        do {
            do {
                return try await next(request, context)
            } catch {
                // A problem thrown inside a database transaction arrives wrapped.
                throw DatabaseFailure.underlying(error)
            }
        } catch let error as HTTPProblem {
            var details = error.problem
            details.instance = details.instance ?? request.uri.path
            (problem, headers) = (details, error.headers)
        } catch let error as any ProblemConvertible {
            var details = error.problem.problem
            details.instance = details.instance ?? request.uri.path
            (problem, headers) = (details, error.problem.headers)
        } catch let error as HTTPError {
            let detail: String? = error.body.flatMap { $0.isEmpty ? nil : $0 }
            var details = ProblemDetails(title: error.status.reasonPhrase, status: error.status.code, detail: detail, instance: request.uri.path)
            if error.status == .contentTooLarge {
                details.detail = "The body is larger than the \(context.maxUploadSize / 1024) KiB this endpoint accepts."
            }
            (problem, headers) = (details, error.headers)
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            (problem, headers) = (ProblemDetails(title: error.status.reasonPhrase, status: error.status.code, instance: request.uri.path), [:])
        } catch where DatabaseFailure.sqlState(error) == "57014" || DatabaseFailure.isTransient(error) {
            // The database took too long (statement_timeout) or is away: try again later, not a bug of the client.
            context.logger.warning("request gave up on the database", metadata: ["error": "\(String(reflecting: error))"])
            let details = ProblemDetails(
                type: "https://coe-workflows.eu/problems/unavailable", title: "Service Unavailable", status: 503,
                detail: "The service could not finish in time; retry in a moment. Request id \(context.id).", instance: request.uri.path)
            (problem, headers) = (details, [.retryAfter: "5"])
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            let details = ProblemDetails(
                title: "Internal Server Error", status: 500,
                detail: "Something went wrong on our side. Quote request id \(context.id) when you report it.",
                instance: request.uri.path)
            (problem, headers) = (details, [:])
        }
        // A browser that navigated here reads a page; a client that asks for JSON gets problem
        // details. The answer depends on Accept, and caches must know.
        var varied = headers
        varied[.vary] = "Accept"
        if BrowserErrorPage.prefersHTML(request.headers[values: .accept]) {
            return BrowserErrorPage.response(problem, headers: varied)
        }
        return try HTTPProblem.response(problem, headers: varied)
    }
}
