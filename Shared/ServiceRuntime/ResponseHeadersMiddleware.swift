import HTTPTypes
import Hummingbird
import Messaging

/// Headers every response carries: nothing the API answers is for a shared cache (answers
/// depend on who asks), no browser guesses another content type than the one declared, and
/// the request's `traceparent` goes back so a caller can find its trace in the logs.
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        response.headers[.xContentTypeOptions] = "nosniff"
        if let traceparent = Trace.currentTraceparent { response.headers[.traceparent] = traceparent }
        return response
    }
}

extension HTTPField.Name {
    static let traceparent = Self(Trace.traceparentHeader)!
}

/// Answers 405 with `Allow` for a method a known path does not take (the router alone says 404).
enum MethodNotAllowed {
    static let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options, .trace]

    /// Call once every route is on the router.
    static func register<Context: RequestContext>(on router: Router<Context>) {
        var byPath: [String: (path: RouterPath, methods: Set<HTTPRequest.Method>)] = [:]
        for route in router.routes {
            byPath[route.path.description, default: (route.path, [])].methods.insert(route.method)
        }
        for (_, entry) in byPath {
            var allowed = entry.methods
            if allowed.contains(.get) { allowed.insert(.head) }
            let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            for method in methods where !allowed.contains(method) {
                router.on(entry.path, method: method) { _, _ -> Response in
                    throw HTTPProblem(
                        .methodNotAllowed, type: "method-not-allowed",
                        detail: "This resource takes \(allow).", headers: [.allow: allow])
                }
            }
        }
    }
}
