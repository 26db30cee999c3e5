import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Notifications

/// Everyone saving their preferences in French reads a refusal in French.
@Suite("Notifications' problems, as a French page shows them")
struct PreferencesProblemsInFrenchTests {
    @Test("Every problem of a preferences form reads in French")
    func everyProblemReadsInFrench() throws {
        var texts: [String] = []
        for json in [
            #"{"language":"de","emailOptOut":["proposal.lost","proposal.approved","proposal.approved"],"digest":"yes","theme":"dark"}"#,
            #"{"emailOptOut":"all"}"#,
            #"{"language":7,"emailOptOut":[3]}"#,
            "[]",
        ] {
            texts += PageProblemWords.refusal { _ = try PreferencesInput.parse(JSONBody(bytes: Array(json.utf8))) }
        }
        #expect(texts.count > 10, "the rules named \(texts.count) problems")
        let english = try PageProblemWords.leftInEnglish(texts, service: "Notifications")
        #expect(english.isEmpty, "a French page shows these in English:\n\(english.joined(separator: "\n"))")
    }
}
