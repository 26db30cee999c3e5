import Foundation
import Pages
import ServiceRuntime
import Testing

/// The APIs' problem texts as a French page shows them: through the shared patterns
/// (`Shared/Pages/Strings/problems.fr.json`) and the service's own
/// (`Services/<service>/Pages/Strings/problems.fr.json`), the two catalogues the service's pages load.
public enum PageProblemWords {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The catalogues of `service`'s pages, read from the source tree.
    public static func catalogue(of service: String) throws -> Catalogue {
        try Catalogue(directories: [
            root.appendingPathComponent("Shared/Pages/Strings"), root.appendingPathComponent("Services/\(service)/Pages/Strings"),
        ])
    }

    /// `text` on a French page of `service`.
    public static func french(_ text: String, service: String) throws -> String {
        try catalogue(of: service)[.fr].problems.translate(text)
    }

    /// The texts among `texts` a French page of `service` would show in English, sorted, each once.
    public static func leftInEnglish(_ texts: some Sequence<String>, service: String) throws -> [String] {
        let french = try catalogue(of: service)[.fr].problems
        return Set(texts).filter { french.translate($0) == $0 }.sorted()
    }

    /// What a page shows of a refusal: each field's problem and the detail.
    public static func texts(of problem: HTTPProblem) -> [String] {
        (problem.problem.errors ?? []).map(\.problem) + [problem.problem.detail].compactMap { $0 }
    }

    /// What a page shows of the refusal `body` throws: a service's domain error through the
    /// service's own mapping, or an input reader's 422. Records an issue when nothing is refused.
    public static func refusal(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> [String] {
        do {
            try body()
        } catch let error as any ProblemConvertible {
            return texts(of: error.problem)
        } catch let problem as HTTPProblem {
            return texts(of: problem)
        } catch {
            Issue.record("not a refusal: \(error)", sourceLocation: sourceLocation)
            return []
        }
        Issue.record("accepted", sourceLocation: sourceLocation)
        return []
    }
}
