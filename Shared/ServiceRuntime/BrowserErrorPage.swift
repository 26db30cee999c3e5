import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A browser that navigates to an address that fails (an unknown page, an API address it was
/// linked to, a 401) gets a page a person can read, in the site's style, instead of
/// `application/problem+json`; a client that asks for JSON, or doesn't ask for HTML first, gets
/// the problem details as always (``ProblemDetailsMiddleware`` decides).
public enum BrowserErrorPage {
    /// The problem as a page, with the status and headers it would have had.
    /// What every page a person reads is sent with: no script, style, frame or form target but
    /// this site's own (the pages have no inline script or style), never inside another site's
    /// frame, no address leaked to another site, and never kept by a shared cache.
    public static let pageHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        .cacheControl: "no-store",
        .contentType: "text/html; charset=utf-8",
    ]

    static func response(_ problem: ProblemDetails, headers: HTTPFields) -> Response {
        var headers = headers
        for field in pageHeaders { headers[field.name] = field.value }
        let status = HTTPResponse.Status(code: problem.status)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page(status: status, problem: problem))))
    }

    /// Whether the `Accept` header puts HTML before JSON (as browsers' navigations do).
    public static func prefersHTML(_ accept: [String]) -> Bool {
        let types = accept.flatMap { $0.split(separator: ",") }.map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() }
        guard let html = types.firstIndex(where: { $0 == "text/html" || $0 == "application/xhtml+xml" }) else { return false }
        guard let json = types.firstIndex(where: { $0.hasSuffix("json") }) else { return true }
        return html < json
    }

    public static func page(status: HTTPResponse.Status, problem: ProblemDetails?) -> String {
        let title = escaped(problem?.title ?? status.reasonPhrase)
        var detail = escaped(problem?.detail ?? "")
        if status == .unauthorized { detail += " <a href=\"/signin\">Sign in</a>" }
        let problems = (problem?.errors ?? []).map { "<li><code>\(escaped($0.field))</code> \(escaped($0.problem))</li>" }.joined()
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(status.code) \(title) · CoE Workflows</title><link rel="stylesheet" href="/assets/coe.css"></head>
            <body><main class="page error-page"><h1>\(title)</h1><p class="status">Error \(status.code)</p><p>\(detail)</p>
            \(problems.isEmpty ? "" : "<ul>\(problems)</ul>")<p><a href="/">Back to the start page</a></p></main></body></html>
            """
    }

    static func escaped(_ text: String) -> String { HTML.escaped(text) }
}

/// Writing text into HTML.
public enum HTML {
    /// Text safe inside HTML elements and quoted attributes.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
