import Events
import Foundation
import Mustache

/// A message as people read it: the subject, the plain text and the HTML, in one language.
struct RenderedMessage: Sendable, Equatable {
    var subject: String
    var text: String
    var html: String
}

/// Renders messages from the templates under `Templates/<language>/`: one per event type and
/// language (`proposal.approved.mustache`: the subject on its first line, then the body),
/// `digest.mustache` for a day's digest, and `layout.html.mustache`, which turns a body into
/// the HTML part. Every template is checked when the service starts.
struct MessageRenderer: Sendable {
    let library: MustacheLibrary
    let reference: ReferenceData
    /// The public address links start from (`https://coe.example.eu/`).
    let publicURL: String

    struct TemplateProblem: Error, CustomStringConvertible {
        var description: String
    }

    init(library: MustacheLibrary, reference: ReferenceData, publicURL: String) {
        self.library = library
        self.reference = reference
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }

    /// Loads and parses every template; names each one missing or broken.
    init(directory: URL, reference: ReferenceData, publicURL: String) throws {
        var library = MustacheLibrary()
        var problems: [String] = []
        for language in Language.allCases {
            let names = EventType.allCases.map(\.rawValue) + ["digest", "layout.html"]
            for name in names {
                let file = directory.appendingPathComponent(language.rawValue).appendingPathComponent("\(name).mustache")
                do {
                    let text = try String(contentsOf: file, encoding: .utf8)
                    try library.register(text, named: "\(language.rawValue)/\(name)")
                } catch {
                    problems.append("template \(language.rawValue)/\(name).mustache: \(error)")
                }
            }
        }
        if !problems.isEmpty { throw TemplateProblem(description: problems.joined(separator: "; ")) }
        self.init(library: library, reference: reference, publicURL: publicURL)
    }

    /// The templates shipped with the service.
    static func bundled(reference: ReferenceData, publicURL: String) throws -> MessageRenderer {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates") else {
            throw TemplateProblem(description: "the Templates folder is missing from the bundle")
        }
        return try MessageRenderer(directory: directory, reference: reference, publicURL: publicURL)
    }

    func link(_ path: String) -> String { "\(publicURL)/\(path)" }

    /// The message of an event for one person, in their language.
    func render(_ facts: NotificationFacts, for name: String, in language: Language) -> RenderedMessage {
        var context: [String: Any] = [
            "recipientName": name, "link": link(facts.linkPath),
            "reference": facts.proposal?.reference ?? "", "title": facts.proposal?.title ?? "",
            "region": facts.concernedRegion ?? "", "regionName": facts.concernedRegion.map { reference.regionName($0, in: language) } ?? "",
            "country": facts.proposal?.leadCountry ?? "",
            "countryName": facts.proposal?.leadCountry.map { reference.countryName($0, in: language) } ?? "",
        ]
        for (name, value) in facts.values { context[name] = resolve(value, in: language) }
        let output = library.render(context, withTemplate: "\(language.rawValue)/\(facts.type.rawValue)") ?? facts.type.rawValue
        return compose(output, link: link(facts.linkPath), in: language)
    }

    /// One item of a digest: what it says, and where it links.
    struct DigestItem: Sendable, Equatable {
        var subject: String
        var link: String?
    }

    /// A day's digest for one person.
    func renderDigest(_ items: [DigestItem], for name: String, day: String, in language: Language) -> RenderedMessage {
        let context: [String: Any] = [
            "recipientName": name, "day": language.day(iso: day), "count": items.count, "link": link("inbox"),
            "items": items.map { ["subject": $0.subject, "link": $0.link ?? ""] as [String: Any] },
        ]
        let output = library.render(context, withTemplate: "\(language.rawValue)/digest") ?? "digest"
        return compose(output, link: link("inbox"), in: language)
    }

    private func resolve(_ value: NotificationFacts.Value, in language: Language) -> Any {
        switch value {
        case .text(let text): text
        case .decimal(let text): language == .fr ? text.replacingOccurrences(of: ".", with: ",") : text
        case .number(let number): number
        case .flag(let flag): flag
        case .money(let money): language.euros(money)
        case .day(let date): language.day(date)
        case .isoDay(let text): language.day(iso: text)
        case .countries(let codes): codes.map { reference.countryName($0, in: language) }.joined(separator: ", ")
        case .word(let code): Vocabulary.word(code, in: language)
        case .list(let values): values.map { resolve($0, in: language) }
        case .record(let fields): fields.mapValues { resolve($0, in: language) }
        }
    }

    /// Splits a template's output into the subject (its first line) and the body, and lays the
    /// body out as HTML: paragraphs, bullet lists (lines starting `- `), and the link as a button.
    func compose(_ output: String, link: String, in language: Language) -> RenderedMessage {
        var lines = output.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).trimmingCharacters(in: .whitespaces) }
        let subject = lines.isEmpty ? "" : lines.removeFirst()
        var paragraphs: [[String]] = []
        var current: [String] = []
        for line in lines {
            if line.isEmpty {
                if !current.isEmpty { paragraphs.append(current) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        let text = paragraphs.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
        let blocks: [[String: Any]] = paragraphs.map { paragraph in
            if paragraph.count == 1, paragraph[0] == link { return ["button": link] }
            if paragraph.allSatisfy({ $0.hasPrefix("- ") }) { return ["list": true, "items": paragraph.map { String($0.dropFirst(2)) }] }
            return ["paragraph": true, "lines": paragraph]
        }
        let html = library.render(["subject": subject, "blocks": blocks, "link": link], withTemplate: "\(language.rawValue)/layout.html") ?? text
        return RenderedMessage(subject: subject, text: text, html: html)
    }
}
