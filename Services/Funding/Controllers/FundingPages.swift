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

    /// A path's UUID, lowercased as the API writes it; a page that can't exist otherwise.
    static func id(_ context: ServiceRequestContext, _ name: String = "id") throws -> String {
        guard let text = context.parameters.get(name), let id = UUID(uuidString: text) else { throw PageError.notFound }
        return id.uuidString.lowercased()
    }

    static func text(_ value: Any?) -> String {
        switch value {
        case let text as String: text
        case let number as NSNumber: number.stringValue
        default: ""
        }
    }

    /// Text for a template's section: `false` when empty, since Mustache renders a section for any string, the empty one too.
    static func optional(_ text: String?) -> Any {
        guard let text, !text.isEmpty else { return false }
        return text
    }

    static func date(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        return (try? Date(text, strategy: .iso8601)) ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }

    static func money(_ value: Any?) -> Money { (value as? String).flatMap(Money.init) ?? .zero }

    /// A year of `?year=` the API would take, else nil.
    static func year(_ text: Substring?) -> Int? {
        guard let text, let year = Int(text), (2000...2100).contains(year) else { return nil }
        return year
    }

    static var currentYear: Int { UTC.year(of: Date()) }

    /// An amount as people type it, as the API's decimal string: `1 250 000,50` and
    /// `1,250,000.50` are both `1250000.50`; `−250 000` is `-250000`. Anything else is sent as
    /// typed, for the API to say what is wrong with it.
    static func decimal(_ text: String) -> String {
        var compact = text.filter { !$0.isWhitespace && $0 != "\u{00A0}" && $0 != "\u{202F}" && $0 != "€" }
        compact = compact.replacingOccurrences(of: "\u{2212}", with: "-")
        if compact.contains(","), !compact.contains("."), compact.split(separator: ",").last.map({ $0.count <= 2 }) == true,
           compact.filter({ $0 == "," }).count == 1 {
            return compact.replacingOccurrences(of: ",", with: ".")
        }
        if compact.contains(","), compact.contains(".") { return compact.replacingOccurrences(of: ",", with: "") }
        return compact
    }

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
        var items: [[String: Any]] = []
        var cursor: String?
        var pages = 0
        repeat {
            let answer = try await page.client.document(.funding, path, query: query + [("limit", "100"), ("cursor", cursor)], as: page.person)
            items += answer.items
            cursor = answer.object["nextCursor"] as? String
            pages += 1
        } while cursor != nil && pages < 50
        return items
    }

    /// Whether the API refused what was sent (the form is shown again with why), rather than failed.
    static func isRefusal(_ error: CoEClientError) -> Bool { [400, 409, 422].contains(error.status ?? 0) }

    /// A POST-only path asked for with GET (the language switcher of a form shown again after
    /// a refusal links to the path it was posted to): the page it belongs to.
    static func redirect(_ request: Request, to location: String) -> Response {
        var target = location
        if let language = request.uri.queryParameters["lang"].flatMap({ Language(rawValue: String($0)) }) { target += "?lang=\(language.rawValue)" }
        return Response(status: .seeOther, headers: [.location: target, .cacheControl: "no-store"])
    }
}
