import Cycle
import Events
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceRuntime

/// Every page that fails answers with its status and a page in the person's language: sign-in
/// for a missing session, 403 for a forged form, 404, and 502/503 when a service the page
/// needs is away. Never problem+json, never a stack trace.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let pages: Pages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as PageError {
            return try answer(error, request: request, context: context)
        } catch let error as CoEClientError {
            return try answer(.service(error), request: request, context: context)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return try answer(.tooLarge, request: request, context: context)
        } catch {
            context.logger.error("page failed", metadata: ["error": "\(String(reflecting: error))"])
            return try page(status: .internalServerError, heading: "error_server_title", detail: "error_server_detail", request: request, context: context)
        }
    }

    func answer(_ error: PageError, request: Request, context: Context) throws -> Response {
        switch error {
        case .signInRequired(let next):
            let signIn = pages.settings.signInURL
            let back = next.addingPercentEncoding(withAllowedCharacters: .urlUnreserved) ?? "%2F"
            // `{next}` puts the page where the sign-in wants it (oauth2-proxy's `rd=`); else `next=`.
            let target = signIn.contains("{next}")
                ? signIn.replacingOccurrences(of: "{next}", with: back) : signIn + (signIn.contains("?") ? "&" : "?") + "next=" + back
            return Response(status: .seeOther, headers: [.location: target, .cacheControl: "no-store"])
        case .csrf:
            return try page(status: .forbidden, heading: "error_csrf_title", detail: "error_csrf_detail", request: request, context: context)
        case .forbidden:
            return try page(status: .forbidden, heading: "error_forbidden_title", detail: "error_forbidden_detail", request: request, context: context)
        case .notFound:
            return try page(status: .notFound, heading: "error_not_found_title", detail: "error_not_found_detail", request: request, context: context)
        case .badRequest:
            return try page(status: .badRequest, heading: "error_bad_request_title", detail: "error_bad_request_detail", request: request, context: context)
        case .tooLarge:
            return try page(status: .contentTooLarge, heading: "error_too_large_title", detail: "error_too_large_detail", request: request, context: context)
        case .service(let failure):
            context.logger.warning("page's service call failed", metadata: ["error": "\(failure)"])
            switch error.status.code {
            case 404: return try page(status: .notFound, heading: "error_not_found_title", detail: "error_not_found_detail", request: request, context: context)
            case 403: return try page(status: .forbidden, heading: "error_forbidden_title", detail: "error_forbidden_detail", request: request, context: context)
            case 401: return try answer(.signInRequired(next: request.uri.description), request: request, context: context)
            case 409: return try page(status: .conflict, heading: "error_conflict_title", detail: "error_conflict_detail", request: request, context: context, extra: failure.problem?.detail)
            case 400..<500:
                return try page(status: error.status, heading: "error_bad_request_title", detail: "error_bad_request_detail", request: request, context: context, extra: failure.problem?.detail)
            default: return try page(status: error.status, heading: "error_unavailable_title", detail: "error_unavailable_detail", request: request, context: context)
            }
        case .configuration(let why):
            context.logger.error("pages misconfigured", metadata: ["error": "\(why)"])
            return try page(status: .internalServerError, heading: "error_server_title", detail: "error_server_detail", request: request, context: context)
        }
    }

    func page(status: HTTPResponse.Status, heading: String, detail: String, request: Request, context: Context, extra: String? = nil) throws -> Response {
        let language = pages.language(of: request)
        let strings = pages.renderer.catalogue[language]
        var data: [String: Any] = [
            "t": strings.table, "lang": language.rawValue, "title": strings[heading], "heading": strings[heading], "detail": strings[detail],
            "status": status.code, "request_id": context.id,
        ]
        if let extra { data["extra"] = strings.problems.translate(extra) }
        let html = (try? pages.renderer.render("error", data)) ?? BrowserErrorPage.page(status: status, problem: nil)
        return Response(status: status, headers: BrowserErrorPage.pageHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
