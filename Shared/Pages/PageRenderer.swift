import Foundation
import Mustache

/// The templates of a service's pages and the shared ones (the layout, the error and sign-in
/// pages, the components), in one library so that a page names `{{<layout}}` and partials.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    public let catalogue: Catalogue

    /// Loads every `.mustache` file of the directories (a later one may replace an earlier
    /// one's template of the same name) and the catalogues in their `Strings` folders.
    public init(templateDirectories: [URL], stringDirectories: [URL]) throws {
        var library = MustacheLibrary()
        var problems: [String] = []
        for directory in templateDirectories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            if names.isEmpty { problems.append("no templates in \(directory.path)") }
            for name in names.sorted() where name.hasSuffix(".mustache") {
                let file = directory.appendingPathComponent(name)
                do {
                    try library.register(try String(contentsOf: file, encoding: .utf8), named: String(name.dropLast(".mustache".count)))
                } catch {
                    problems.append("\(file.path): \(error)")
                }
            }
        }
        guard problems.isEmpty else { throw PageError.configuration(problems.joined(separator: "; ")) }
        self.library = library
        self.catalogue = try Catalogue(directories: stringDirectories)
    }

    /// The page `template` rendered with `data`; throws when there is no such template.
    public func render(_ template: String, _ data: [String: Any]) throws -> String {
        guard let html = library.render(data, withTemplate: template) else { throw PageError.configuration("no template \(template)") }
        return html
    }

    /// The shared templates and catalogue, and those of a service's bundle (`Pages/Templates`, `Pages/Strings`).
    public static func bundled(service bundle: Bundle?) throws -> PageRenderer {
        guard let shared = Bundle.module.resourceURL else {
            throw PageError.configuration("the shared page resources are missing")
        }
        var templates = [shared.appendingPathComponent("Templates")]
        var strings = [shared.appendingPathComponent("Strings")]
        if let own = bundle?.resourceURL?.appendingPathComponent("Pages") {
            templates.append(own.appendingPathComponent("Templates"))
            strings.append(own.appendingPathComponent("Strings"))
        }
        return try PageRenderer(templateDirectories: templates, stringDirectories: strings)
    }

    /// A shared asset's bytes (`coe.css`, `coe.js`).
    static func asset(_ name: String) -> Data? {
        guard let url = Bundle.module.resourceURL?.appendingPathComponent("Assets").appendingPathComponent(name) else { return nil }
        return try? Data(contentsOf: url)
    }
}
