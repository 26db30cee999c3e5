import Events
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Intake

/// A focal point working in French reads every refusal of intake's rules in French: each
/// problem a rule names, the detail of every refused state change, a stale edit.
@Suite("Intake's problems, as a French page shows them")
struct ProposalProblemsInFrenchTests {
    typealias D = ProposalDomainTests

    @Test("Every problem of a proposal's content, of an incomplete submission and of a refused state change reads in French")
    func everyProblemReadsInFrench() throws {
        var texts: [String] = []
        let bodies = D.refusedBodies.map(\.body) + ProposalRulesFuzzFindingsTests.looseBodies.map(\.body) + [
            #"{"title":7,"objectives":[1,"ok",2],"durationMonths":"long","requestedBudget":5,"region":"XX"}"#,
            #"{"title":null,"summary":[],"contact":"me","implementingPartners":{},"participatingCountries":[true]}"#,
            #"{"contact":{"name":" ","email":"a@b.kz","phone":"\#(String(repeating: "1", count: 51))"},"objectives":[" "]}"#,
            #"{"objectives":[\#(Array(repeating: "\"x\"", count: 21).joined(separator: ","))]}"#,
            #"{"implementingPartners":[\#(Array(repeating: #"{"name":"ISTC"}"#, count: 21).joined(separator: ","))]}"#,
        ]
        for body in bodies { texts += PageProblemWords.refusal { _ = try D.draft(body) } }
        texts += PageProblemWords.refusal { _ = try D.draft(#"{"leadCountry":"UZ"}"#) }

        var incomplete = try D.draft("{}")
        texts += PageProblemWords.refusal { _ = try incomplete.submit(by: D.kazakh, reference: "R", rules: D.rules, at: D.now) }
        for status in ProposalStatus.allCases {
            for action in [ProposalAction.update, .submit, .withdraw] where !status.allows(action) {
                texts += PageProblemWords.refusal { throw ProposalError.invalidState(status, action) }
            }
        }
        texts += PageProblemWords.refusal { throw ProposalError.staleVersion(current: #""r3""#, given: #""r2""#) }

        #expect(texts.count > 40, "the rules named \(texts.count) problems")
        let english = try PageProblemWords.leftInEnglish(texts, service: "Intake")
        #expect(english.isEmpty, "a French page shows these in English:\n\(english.joined(separator: "\n"))")
    }

    @Test("The words a French page puts in place of the English")
    func theFrenchWords() throws {
        let french = { (text: String) in try PageProblemWords.french(text, service: "Intake") }
        #expect(try french("must be 3 to 200 characters long (it is 2)") == "doit compter de 3 à 200 caractères (il en compte 2)")
        #expect(try french("A submitted proposal can't be updated.") == "Une proposition à l’état «\u{00A0}submitted\u{00A0}» ne peut pas être modifiée.")
        #expect(try french("An approved proposal can't be withdrawn.") == "Une proposition à l’état «\u{00A0}approved\u{00A0}» ne peut pas être retirée.")
        #expect(try french("'EU' is not a CoE region; use one of AAF, CA") == "«\u{00A0}EU\u{00A0}» n’est pas une région des centres d’excellence\u{00A0}; choisissez parmi AAF, CA")
        #expect(try french("UZ is listed twice") == "UZ figure deux fois")
    }
}
