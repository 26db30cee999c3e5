import Events
import Foundation

/// The APIs' problem texts (English) as a language says them: patterns over the APIs' texts,
/// with `$1`… for what they capture and `{amount:$1}` for a captured decimal string of euros
/// written as the language writes amounts (`1 250 000,00 €`); a text no pattern matches stays
/// as the API wrote it.
public struct ProblemWords: Sendable {
    public struct Rule: Codable, Sendable {
        public var pattern: String
        public var text: String

        public init(pattern: String, text: String) {
            self.pattern = pattern
            self.text = text
        }
    }

    /// The rules, compiled once when the catalogue is read (not on every refused form).
    /// NSRegularExpression is immutable once made and documented safe to use from any thread.
    final class Compiled: @unchecked Sendable {
        let rules: [(expression: NSRegularExpression, text: String)]
        init(_ rules: [(NSRegularExpression, String)]) { self.rules = rules.map { (expression: $0.0, text: $0.1) } }
    }

    public let rules: [Rule]
    /// The language the rules' texts are in (how `{amount:…}` is written).
    public let language: Language
    let compiled: Compiled

    /// `{amount:…}` in a translated text.
    private static let amount = try! NSRegularExpression(pattern: #"\{amount:([^}]*)\}"#)

    /// The rules whose pattern compiles (the catalogue refuses the others at start).
    public init(rules: [Rule], language: Language = .en) {
        self.rules = rules
        self.language = language
        self.compiled = Compiled(rules.compactMap { rule in (try? NSRegularExpression(pattern: rule.pattern)).map { ($0, rule.text) } })
    }

    /// `text` in this language, or as it was.
    public func translate(_ text: String) -> String {
        let range = NSRange(text.startIndex..., in: text)
        for rule in compiled.rules {
            guard let match = rule.expression.firstMatch(in: text, range: range) else { continue }
            return amounts(in: rule.expression.replacementString(for: match, in: text, offset: 0, template: rule.text))
        }
        return text
    }

    /// `{amount:1250000.00}` written as the language writes amounts; what is not an amount as it is.
    func amounts(in text: String) -> String {
        var result = text
        for match in Self.amount.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            guard let whole = Range(match.range, in: result), let value = Range(match.range(at: 1), in: result) else { continue }
            result.replaceSubrange(whole, with: language.euros(decimal: String(result[value])))
        }
        return result
    }
}

/// The words of the pages in one language: the shared catalogue and the service's own, keyed
/// `snake_case` (`proposals_title`), so that a template says `{{t.proposals_title}}`.
public struct Strings: Sendable {
    public let language: Language
    public let table: [String: String]
    /// The APIs' problem texts in this language (none for English, which they are written in).
    public var problems = ProblemWords(rules: [])

    public init(language: Language, table: [String: String], problems: ProblemWords = ProblemWords(rules: [])) {
        self.language = language
        self.table = table
        self.problems = problems
    }

    /// The text of `key`; the key itself when it is missing (a test checks that none is).
    public subscript(_ key: String) -> String { table[key] ?? key }

    /// `key` with `{name}` placeholders filled in.
    public func callAsFunction(_ key: String, _ values: [String: String] = [:]) -> String {
        var text = self[key]
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// The text of `key` when the catalogue has it.
    public func optional(_ key: String) -> String? { table[key] }
}

/// The catalogues of every language, loaded once from JSON files (`Strings/en.json`, `fr.json`).
public struct Catalogue: Sendable {
    public let languages: [Language: Strings]

    /// Merges the JSON catalogues found in each directory, later ones adding to earlier ones;
    /// throws naming a file that is missing or not a flat object of strings, or a key that one
    /// language has and another lacks.
    public init(directories: [URL]) throws {
        var tables: [Language: [String: String]] = [:]
        var problems: [String] = []
        for language in Language.allCases {
            var table: [String: String] = [:]
            for directory in directories {
                let file = directory.appendingPathComponent("\(language.rawValue).json")
                do {
                    let data = try Data(contentsOf: file)
                    table.merge(try JSONDecoder().decode([String: String].self, from: data)) { _, new in new }
                } catch {
                    problems.append("\(file.path): \(error)")
                }
            }
            tables[language] = table
        }
        let keys = Set(tables.values.flatMap(\.keys))
        for language in Language.allCases {
            let missing = keys.subtracting(tables[language]?.keys ?? [:].keys).sorted()
            if !missing.isEmpty { problems.append("\(language.rawValue) lacks \(missing.joined(separator: ", "))") }
        }
        guard problems.isEmpty else { throw PageError.configuration(problems.joined(separator: "; ")) }
        var problemWords: [Language: ProblemWords] = [:]
        for language in Language.allCases where language != .en {
            var rules: [ProblemWords.Rule] = []
            for directory in directories {
                let file = directory.appendingPathComponent("problems.\(language.rawValue).json")
                guard FileManager.default.fileExists(atPath: file.path) else { continue }
                do {
                    let found = try JSONDecoder().decode([ProblemWords.Rule].self, from: Data(contentsOf: file))
                    for rule in found where (try? NSRegularExpression(pattern: rule.pattern)) == nil {
                        problems.append("\(file.path): the pattern \(rule.pattern) is not a regular expression")
                    }
                    rules += found
                } catch {
                    problems.append("\(file.path): \(error)")
                }
            }
            problemWords[language] = ProblemWords(rules: rules, language: language)
        }
        guard problems.isEmpty else { throw PageError.configuration(problems.joined(separator: "; ")) }
        languages = Dictionary(uniqueKeysWithValues: tables.map {
            ($0.key, Strings(language: $0.key, table: $0.value, problems: problemWords[$0.key] ?? ProblemWords(rules: [])))
        })
    }

    public subscript(_ language: Language) -> Strings { languages[language] ?? Strings(language: language, table: [:]) }
}

extension Language {
    /// The language a request asks for: `?lang=`, then the `coe_lang` cookie (the person's
    /// preference, set at sign-in and by the switcher), then `Accept-Language`, then English.
    public static func chosen(query: String?, cookie: String?, acceptLanguage: String?) -> Language {
        if let query, let language = Language(rawValue: query) { return language }
        if let cookie, let language = Language(rawValue: cookie) { return language }
        return preferred(acceptLanguage: acceptLanguage) ?? .en
    }

    /// The first of `Accept-Language`'s ranges (by quality, then order) that names a language we write.
    public static func preferred(acceptLanguage: String?) -> Language? {
        guard let acceptLanguage else { return nil }
        let ranges = acceptLanguage.split(separator: ",").enumerated().compactMap { index, part -> (tag: String, q: Double, index: Int)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased(), !tag.isEmpty else { return nil }
            let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (tag, q, index)
        }
        for range in ranges.sorted(by: { $0.q != $1.q ? $0.q > $1.q : $0.index < $1.index }) where range.q > 0 {
            let primary = String(range.tag.split(separator: "-").first ?? "")
            if let language = Language(rawValue: primary) { return language }
        }
        return nil
    }

    /// `1 250 000,00 €` / `€1,250,000.00` of a decimal string from an API; the text as it is when it isn't one.
    public func euros(decimal text: String?) -> String {
        guard let text else { return "" }
        return Money(text).map { euros($0) } ?? text
    }

    /// A moment, as a reader of the language writes it (UTC): `30 November 2026, 14:05`.
    public func moment(_ date: Date) -> String {
        let parts = UTC.calendar.dateComponents([.hour, .minute], from: date)
        let time = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        return self == .en ? "\(day(date)), \(time) UTC" : "\(day(date)) à \(time) UTC"
    }
}
