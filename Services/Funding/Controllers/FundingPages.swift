import Cycle
import Events
import Foundation
import Hummingbird
import Pages
import ServiceRuntime

/// Funding's pages for people: the envelopes and their absorption, the commitments, one
/// commitment with its schedule, payments and ledger, and finance's verification queue.
///
/// Like every page, they call funding's own API as the signed-in person (never the store), so
/// the money rules, four eyes, the access matrix and the audit stay the API's; a page only
/// shows what it answered and sends what the person typed.
struct FundingPages: Sendable {
    let pages: Pages

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        let commitments = CommitmentPages(pages: pages)
        EnvelopePages(pages: pages).addRoutes(to: group)
        commitments.addRoutes(to: group)
        PaymentPages(pages: pages, commitments: commitments).addRoutes(to: group)
    }

    // MARK: Reading values

    /// A year of `?year=` the API would take, else nil.
    static func year(_ text: Substring?) -> Int? {
        guard let text, let year = Int(text), (2000...2100).contains(year) else { return nil }
        return year
    }

    static var currentYear: Int { UTC.year(of: Date()) }

    /// A rate the API gives as a decimal string (`28.73`), written for the language; a dash when
    /// the API has none (its divisor was 0.00).
    static func percent(_ value: Any?, _ language: Language) -> String {
        guard let text = value as? String, !text.isEmpty else { return "—" }
        return language == .fr ? text.replacingOccurrences(of: ".", with: ",") + "\u{00A0}%" : text + "%"
    }

    // MARK: Calling the API

    /// Every item of a paginated list of funding's, following its cursors (bounded, so a
    /// page never loops on a cursor that doesn't move).
    static func everything(_ page: PageRequest, _ path: String, query: [(String, String?)]) async throws -> [[String: Any]] {
        try await page.client.documentItems(.funding, path, query: query, as: page.person)
    }

    /// Whether the API refused what was sent (the form is shown again with why), rather than failed.
    static func isRefusal(_ error: CoEClientError) -> Bool { [400, 409, 422].contains(error.status ?? 0) }

    /// A POST-only path asked for with GET (an address copied or bookmarked from a form shown
    /// again after a refusal): the page it belongs to.
    static func redirect(_ request: Request, to location: String) -> Response {
        var target = location
        if let language = request.uri.queryParameters["lang"].flatMap({ Language(rawValue: String($0)) }) { target += "?lang=\(language.rawValue)" }
        return Response(status: .seeOther, headers: [.location: target, .cacheControl: "no-store"])
    }
}
