import Foundation
import Testing

/// Every word the pages show exists in English and in French: each key a template
/// (`{{t.key}}`) or a page's Swift code (`strings["key"]`, `strings("key", …)`,
/// `strings.optional("key")`, `redirect(… notice: "key")`) names is in the shared catalogue
/// or the service's own, in both languages, and neither catalogue has a key the other lacks.
/// A missing key would show itself, raw, on the page.
@Suite("The pages' words, in both languages")
struct PageWordsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let services = ["Intake", "Workflow", "Funding", "Notifications"]

    static var catalogueFolders: [URL] {
        [root.appendingPathComponent("Shared/Pages/Strings")] + services.map { root.appendingPathComponent("Services/\($0)/Pages/Strings") }
    }

    static func catalogue(_ folder: URL, _ language: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(contentsOf: folder.appendingPathComponent("\(language).json")))
    }

    static func files(in folder: URL, ending suffix: String) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.map { folder.appendingPathComponent($0) }
    }

    static func matches(_ pattern: String, in text: String) -> Set<String> {
        let expression = try! NSRegularExpression(pattern: pattern)
        return Set(expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        })
    }

    /// The keys a service's pages name literally, in its templates and its page controllers.
    static func namedKeys(service: String?) throws -> [String: Set<String>] {
        var named: [String: Set<String>] = [:]
        let templates = service.map { root.appendingPathComponent("Services/\($0)/Pages/Templates") } ?? root.appendingPathComponent("Shared/Pages/Templates")
        for file in files(in: templates, ending: ".mustache") {
            named[file.lastPathComponent] = matches(#"\{\{[#^/]?t\.([A-Za-z0-9_]+)"#, in: try String(contentsOf: file, encoding: .utf8))
        }
        let code = service.map { root.appendingPathComponent("Services/\($0)/Controllers") } ?? root.appendingPathComponent("Shared/Pages")
        for file in files(in: code, ending: ".swift") where service == nil || file.lastPathComponent.contains("Pages") {
            let text = try String(contentsOf: file, encoding: .utf8)
            var keys = matches(#"strings\[\"([A-Za-z0-9_]+)\"\]"#, in: text)
            keys.formUnion(matches(#"strings\(\"([A-Za-z0-9_]+)\""#, in: text))
            keys.formUnion(matches(#"strings\.optional\(\"([A-Za-z0-9_]+)\"\)"#, in: text))
            keys.formUnion(matches(#"notice: \"([A-Za-z0-9_]+)\""#, in: text).map { "notice_\($0)" })
            named[file.lastPathComponent] = keys
        }
        return named
    }

    @Test func everyCatalogueHasTheSameKeysInEnglishAndFrench() throws {
        for folder in Self.catalogueFolders {
            let english = try Self.catalogue(folder, "en"), french = try Self.catalogue(folder, "fr")
            #expect(Set(english.keys).symmetricDifference(french.keys).isEmpty, "\(folder.path): \(Set(english.keys).symmetricDifference(french.keys).sorted())")
            #expect(english.values.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty }, "\(folder.path): a blank English text")
            #expect(french.values.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty }, "\(folder.path): a blank French text")
        }
    }

    @Test(arguments: [nil] + services.map { Optional($0) })
    func everyKeyThePagesNameIsInBothLanguages(service: String?) throws {
        let shared = Self.root.appendingPathComponent("Shared/Pages/Strings")
        for language in ["en", "fr"] {
            var known = try Self.catalogue(shared, language)
            if let service { known.merge(try Self.catalogue(Self.root.appendingPathComponent("Services/\(service)/Pages/Strings"), language)) { $1 } }
            let named = try Self.namedKeys(service: service)
            #expect(!named.isEmpty, "no templates or page code found for \(service ?? "Shared/Pages")")
            for (file, keys) in named.sorted(by: { $0.key < $1.key }) {
                let missing = keys.filter { known[$0] == nil }.sorted()
                #expect(missing.isEmpty, "\(service ?? "Shared/Pages") \(file) names keys missing from \(language).json: \(missing)")
            }
        }
    }

    /// French typography, in the catalogues and the problem texts: a no-break space before `:`, `;`,
    /// `?` and `!` and inside guillemets, and no typewriter apostrophe.
    @Test func frenchTextsFollowFrenchTypography() throws {
        for folder in Self.catalogueFolders {
            var texts = try Self.catalogue(folder, "fr")
            // The APIs' problem texts as French pages say them.
            let problems = folder.appendingPathComponent("problems.fr.json")
            if FileManager.default.fileExists(atPath: problems.path) {
                for (index, rule) in try JSONDecoder().decode([[String: String]].self, from: Data(contentsOf: problems)).enumerated() {
                    texts["problems.fr.json #\(index)"] = rule["text"]
                }
            }
            for (key, text) in texts {
                #expect(!text.contains(" :") && !text.contains(" ;") && !text.contains(" ?") && !text.contains(" !"), "\(folder.lastPathComponent) \(key): «\(text)»")
                #expect(!text.contains("'"), "\(folder.path) \(key): a typewriter apostrophe in «\(text)»")
                #expect(!text.contains("« ") && !text.contains(" »"), "\(folder.path) \(key): guillemets take a no-break space in «\(text)»")
            }
        }
    }
}
