import Events
import Foundation
import ServiceRuntime
import Testing

@testable import Intake

/// Intake's rules as pure functions: microseconds each, no process, no database.
@Suite("Intake domain: a proposal's rules and transitions")
struct ProposalDomainTests {
    static let rules = ProposalRules(reference: try! ReferenceData.load(), budgetCeiling: Money(cents: 1_000_000_000))
    static let kazakh = Caller(sub: "fp-kz", role: .focalPoint, country: "KZ")
    static let now = Date(timeIntervalSince1970: 1_795_600_800)
    static let complete = """
        {"title":"Radiation detection at the Kazakh-Uzbek border","summary":"Portal monitors and training.",
         "objectives":["Install portal monitors"],"region":"CA","leadCountry":"KZ","participatingCountries":["UZ","KG"],
         "cbrnCategories":["radiological","nuclear"],"cbrnAreas":["border_control"],"requestedBudget":"1250000.00",
         "durationMonths":24,"contact":{"name":"Aigerim S.","email":"aigerim@example.kz"}}
        """

    static func json(_ text: String) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    /// A draft from a body, as the create request makes it.
    static func draft(_ body: String, by caller: Caller = kazakh) throws(ProposalError) -> Proposal {
        var content = ProposalContent()
        let problems = ProposalInput.apply(try! json(body), to: &content)
        return try Proposal.draft(id: UUID(), content: content, readProblems: problems, by: caller, rules: rules, at: now).0
    }

    static func submitted(_ body: String = complete) throws -> Proposal {
        var proposal = try draft(body)
        _ = try proposal.submit(by: kazakh, reference: "CBRN-2026-0001", rules: rules, at: now)
        return proposal
    }

    func fields(of error: ProposalError) -> [String] {
        if case .invalid(let problems, _) = error { return problems.map(\.field) }
        return []
    }

    /// A body breaking one rule each, and the field the rule names.
    static let refusedBodies: [(body: String, field: String)] = [
        (#"{"title":"ab"}"#, "title"),
        (#"{"summary":"\#(String(repeating: "x", count: 4001))"}"#, "summary"),
        (#"{"region":"EU"}"#, "region"),
        (#"{"leadCountry":"UZ"}"#, "leadCountry"),
        (#"{"region":"SEA","leadCountry":"KZ"}"#, "leadCountry"),
        (#"{"participatingCountries":["FR"]}"#, "participatingCountries.0"),
        (#"{"region":"CA","participatingCountries":["TH"]}"#, "participatingCountries.0"),
        (#"{"participatingCountries":["UZ","UZ"]}"#, "participatingCountries.1"),
        (#"{"cbrnCategories":["explosive"]}"#, "cbrnCategories.0"),
        (#"{"cbrnAreas":["space"]}"#, "cbrnAreas.0"),
        (#"{"requestedBudget":"0.00"}"#, "requestedBudget"),
        (#"{"requestedBudget":"12.345"}"#, "requestedBudget"),
        (#"{"requestedBudget":1250000}"#, "requestedBudget"),
        (#"{"requestedBudget":"99999999999.00"}"#, "requestedBudget"),
        (#"{"durationMonths":0}"#, "durationMonths"),
        (#"{"durationMonths":61}"#, "durationMonths"),
        (#"{"durationMonths":"12"}"#, "durationMonths"),
        (#"{"objectives":"one"}"#, "objectives"),
        (#"{"contact":{"name":"A","email":"not-an-address"}}"#, "contact.email"),
        (#"{"implementingPartners":[{"role":"x"}]}"#, "implementingPartners.0.name"),
        (#"{"color":"blue"}"#, "color"),
        (#"{"contact":{"name":"A","email":"a@b.kz","fax":"1"}}"#, "contact.fax"),
    ]

    @Test(arguments: refusedBodies)
    func eachRuleNamesItsField(body: String, field: String) {
        #expect(throws: ProposalError.self, "\(body)") { try Self.draft(body) }
        do {
            _ = try Self.draft(body)
        } catch {
            #expect(fields(of: error) == [field], "\(body)")
        }
    }

    @Test func everyProblemIsNamedAtOnce() {
        do {
            _ = try Self.draft(#"{"title":"ab","region":"XX","durationMonths":99,"requestedBudget":"-1","cbrnCategories":["x"],"extra":1}"#)
            Issue.record("accepted")
        } catch {
            #expect(Set(fields(of: error)) == ["extra", "title", "region", "durationMonths", "requestedBudget", "cbrnCategories.0"])
        }
        do {
            _ = try Self.draft(#"{"title":7,"objectives":[1,"ok",2],"durationMonths":"long","requestedBudget":5,"region":"XX"}"#)
            Issue.record("accepted")
        } catch {
            #expect(Set(fields(of: error)) == ["title", "objectives.0", "objectives.2", "durationMonths", "requestedBudget", "region"])
        }
    }

    @Test func submittingAnIncompleteDraftNamesEverythingMissing() throws {
        var proposal = try Self.draft(#"{"title":"Chemical waste"}"#)
        do {
            _ = try proposal.submit(by: Self.kazakh, reference: "R", rules: Self.rules, at: Self.now)
            Issue.record("submitted")
        } catch {
            #expect(Set(fields(of: error)) == [
                "summary", "objectives", "region", "participatingCountries", "cbrnCategories", "requestedBudget", "durationMonths", "contact",
            ])
        }
        #expect(proposal.status == .draft && proposal.revision == 0)
    }

    @Test func onlyAFocalPointCreatesAndOnlyForTheirCountry() {
        #expect(throws: ProposalError.forbidden("Only a National Focal Point creates proposals.")) {
            try Self.draft("{}", by: Caller(sub: "a", role: .admin))
        }
        do {
            _ = try Self.draft(#"{"leadCountry":"UZ"}"#)
        } catch {
            #expect(fields(of: error) == ["leadCountry"])
        }
        #expect((try? Self.draft("{}"))?.content.leadCountry == "KZ")
    }

    @Test func submissionGrowsTheRevisionAndCarriesTheEvent() throws {
        var proposal = try Self.draft(Self.complete)
        let change = try proposal.submit(by: Self.kazakh, reference: "CBRN-2026-0007", rules: Self.rules, at: Self.now)
        #expect(proposal.status == .submitted && proposal.revision == 1 && proposal.reference == "CBRN-2026-0007")
        #expect(change.history?.action == .submitted)
        let event = try #require(change.events.first as? ProposalSubmitted)
        #expect(event.revision == 1 && event.requestedBudget == Money(cents: 125_000_000) && event.participatingCountries == ["UZ", "KG"])
    }

    /// Every (state, action) pair of a focal point: allowed ones move on, the others are 409s naming the state.
    @Test(arguments: ProposalStatus.allCases)
    func focalPointActionsFollowTheStateMachine(status: ProposalStatus) throws {
        for action in [ProposalAction.update, .submit, .withdraw] {
            var proposal = try Self.submitted()
            proposal.status = status
            var refusal: ProposalError?
            do {
                switch action {
                case .update: _ = try proposal.edit(to: proposal.content, readProblems: [], by: Self.kazakh, rules: Self.rules, at: Self.now)
                case .submit: _ = try proposal.submit(by: Self.kazakh, reference: nil, rules: Self.rules, at: Self.now)
                case .withdraw: _ = try proposal.withdraw(by: Self.kazakh, reason: nil, at: Self.now)
                }
            } catch {
                refusal = error
            }
            #expect(refusal == (status.allows(action) ? nil : .invalidState(status, action)), "\(status) \(action)")
        }
    }

    @Test func decisionsApplyOnlyToTheRevisionUnderReview() throws {
        var proposal = try Self.submitted()
        let workflow = EventActor(sub: "pm", role: "admin")
        // A revision never submitted, and approving more than requested: refused, nothing changes.
        for index in 0..<4 {
            var copy = proposal
            do {
                switch index {
                case 0: _ = try copy.approve(2, budget: Money(cents: 100), by: workflow, at: Self.now)
                case 1: _ = try copy.approve(1, budget: Money(cents: 999_999_999), by: workflow, at: Self.now)
                case 2: _ = try copy.reject(0, reasons: ["x"], by: workflow, at: Self.now)
                default: _ = try copy.requestRevision(of: 5, reasons: ["x"], by: workflow, at: Self.now)
                }
                Issue.record("decision \(index) was applied")
            } catch {
                if case .decisionRefused = error {} else { Issue.record("decision \(index): \(error)") }
            }
            #expect(copy == proposal)
        }
        let change = try proposal.approve(1, budget: Money(cents: 100_000_000), by: workflow, at: Self.now)
        #expect(proposal.status == .approved && proposal.approvedBudget == Money(cents: 100_000_000))
        #expect(change.history?.action == .approved && change.history?.actor == workflow)
        // Decided once: a second decision is refused.
        #expect(throws: ProposalError.self) { try proposal.reject(1, reasons: ["late"], by: workflow, at: Self.now) }
    }

    @Test func aRevisionRequestLetsTheFocalPointEditAndResubmit() throws {
        var proposal = try Self.submitted()
        _ = try proposal.requestRevision(of: 1, reasons: ["add Tajikistan"], by: EventActor(sub: "pm", role: "admin"), at: Self.now)
        #expect(proposal.status == .revisionRequested && proposal.decisionReasons == ["add Tajikistan"])
        var content = proposal.content
        content.participatingCountries.append("TJ")
        let edit = try proposal.edit(to: content, readProblems: [], by: Self.kazakh, rules: Self.rules, at: Self.now)
        #expect(edit.history?.changedFields == ["participatingCountries"])
        let resubmit = try proposal.submit(by: Self.kazakh, reference: nil, rules: Self.rules, at: Self.now)
        #expect(proposal.revision == 2 && resubmit.history?.action == .resubmitted && proposal.decisionReasons.isEmpty)
    }

    @Test func withdrawingADraftTellsNoOneAndASubmittedOneTellsWorkflow() throws {
        var draft = try Self.draft("{}")
        #expect(try draft.withdraw(by: Self.kazakh, reason: nil, at: Self.now).events.isEmpty)
        var submitted = try Self.submitted()
        let change = try submitted.withdraw(by: Self.kazakh, reason: "merged", at: Self.now)
        #expect((change.events.first as? ProposalWithdrawn)?.reason == "merged")
    }

    @Test func accessByRole() throws {
        let proposal = try Self.submitted()
        #expect(ProposalAccess(caller: Self.kazakh).canRead(proposal))
        #expect(!ProposalAccess(caller: Caller(sub: "fp-uz", role: .focalPoint, country: "UZ")).canRead(proposal))
        #expect(ProposalAccess(caller: Caller(sub: "s", role: .secretariat, region: "CA")).canRead(proposal))
        #expect(!ProposalAccess(caller: Caller(sub: "s", role: .secretariat, region: "SEA")).canRead(proposal))
        #expect(!ProposalAccess(caller: Caller(sub: "r", role: .reviewer)).canRead(proposal))
        #expect(ProposalAccess(caller: Caller(sub: "f", role: .finance)).canRead(proposal))
        #expect(throws: ProposalError.forbidden("Only the focal point of KZ changes this proposal.")) {
            try ProposalAccess(caller: Caller(sub: "a", role: .admin)).checkCanAct(on: proposal)
        }
    }
}

/// What the API fuzzer found loose in intake's rules.
@Suite("Intake domain: rules the fuzzer tightened")
struct ProposalRulesFuzzFindingsTests {
    /// A body breaking one rule each, and the field the rule names.
    static let looseBodies: [(body: String, field: String)] = [
        (#"{"implementingPartners":[{"name":"ISTC","country":"12"}]}"#, "implementingPartners.0.country"),
        (#"{"implementingPartners":[{"name":"ISTC","country":"K1"}]}"#, "implementingPartners.0.country"),
        (#"{"cbrnCategories":["nuclear","nuclear"]}"#, "cbrnCategories.1"),
        (#"{"cbrnAreas":["border_control","border_control"]}"#, "cbrnAreas.1"),
    ]

    @Test(arguments: looseBodies)
    func looseValuesAreNamed(body: String, field: String) {
        do {
            _ = try ProposalDomainTests.draft(body)
            Issue.record("accepted \(body)")
        } catch {
            if case .invalid(let problems, _) = error { #expect(problems.map(\.field) == [field]) } else { Issue.record("\(error)") }
        }
    }

    @Test func textIsKeptTrimmed() throws {
        let proposal = try ProposalDomainTests.draft(#"{"title":"  Radiation detection  ","objectives":[" Train officers "]}"#)
        #expect(proposal.content.title == "Radiation detection" && proposal.content.objectives == ["Train officers"])
    }
}
