import Events
import Foundation
import Testing

@testable import Workflow

/// Workflow's rules as pure functions.
@Suite("Workflow domain: a review case's rules and transitions")
struct ReviewCaseDomainTests {
    static let now = Date(timeIntervalSince1970: 1_795_600_800)
    static let secretariat = Caller(sub: "sec-ca", role: .secretariat, region: "CA")
    static let focalPoint = EventActor(sub: "fp-kz", role: "focal_point")

    static func submitted(revision: Int = 1, participating: [String] = ["UZ", "KG"]) -> ProposalSubmitted {
        ProposalSubmitted(
            proposalId: UUID(uuidString: "6f1c1a56-08a3-4a52-9d8f-6d3f10e1a001")!, reference: "CBRN-2026-0001", revision: revision,
            title: "Border detection", region: "CA", leadCountry: "KZ", participatingCountries: participating,
            cbrnCategories: ["radiological"], requestedBudget: Money(cents: 125_000_000), durationMonths: 24, summary: "Portals",
            objectives: ["Install"], contactName: "A", contactEmail: "a@example.kz")
    }

    static func opened() -> ReviewCase { ReviewCase.open(submitted(), id: UUID(), rules: .standard, by: focalPoint, at: now).0 }

    static func assignment(_ reviewer: String, _ country: String) -> ReviewCase.Assignment {
        .init(reviewer: reviewer, name: reviewer.uppercased(), email: nil, country: country, assignedBy: "sec-ca", assignedAt: now)
    }

    @Test func openingKeepsWhatAReviewerNeedsButNoContact() throws {
        let (reviewCase, change) = ReviewCase.open(Self.submitted(), id: UUID(), rules: .standard, by: Self.focalPoint, at: Self.now)
        #expect(reviewCase.stage == .screening && change.history.map(\.action) == [.opened])
        #expect(reviewCase.rounds.map(\.number) == [1] && reviewCase.currentRound.revision == 1 && reviewCase.reminders.isEmpty)
        #expect(reviewCase.stageEnteredAt == Self.now && reviewCase.dueAt == Self.now.addingTimeInterval(14 * 86_400))
        #expect(change.history.map(\.round) == [1] && change.history.first?.reviewer == nil)
        #expect(reviewCase.proposal.summary == "Portals" && reviewCase.proposal.objectives == ["Install"])
        let json = String(decoding: try JSONEncoder().encode(reviewCase), as: UTF8.self)
        #expect(!json.contains("a@example.kz"))
        #expect(json.contains(reviewCase.proposalId.uuidString.lowercased()))
    }

    @Test func aReviewerOfAnInvolvedCountryIsRefused() {
        var reviewCase = Self.opened()
        for country in ["KZ", "UZ", "KG"] {
            #expect(throws: ReviewError.conflictOfInterest(country: country, involved: ["KG", "KZ", "UZ"], atAssessment: false)) {
                try reviewCase.assign(Self.assignment("r-\(country)", country), by: Self.secretariat, at: Self.now)
            }
        }
        #expect(reviewCase.assignments.isEmpty)
    }

    @Test func assigningTwiceChangesNothingAndOnlyTheRegionsSecretariatAssigns() throws {
        var reviewCase = Self.opened()
        let first = try reviewCase.assign(Self.assignment("r-fr", "FR"), by: Self.secretariat, at: Self.now)
        #expect(first.events.first is ReviewAssigned)
        #expect(try reviewCase.assign(Self.assignment("r-fr", "FR"), by: Self.secretariat, at: Self.now).isEmpty)
        #expect(throws: ReviewError.notFound(reviewCase.proposalId)) {
            try reviewCase.assign(Self.assignment("r-de", "DE"), by: Caller(sub: "s", role: .secretariat, region: "SEA"), at: Self.now)
        }
        #expect(throws: ReviewError.forbidden("Only the CA secretariat assigns reviewers to this case.")) {
            try reviewCase.assign(Self.assignment("r-de", "DE"), by: Caller(sub: "a", role: .admin), at: Self.now)
        }
    }

    /// Assign and unassign in every stage, each reached through the domain's methods: allowed
    /// during screening, the technical assessment and the decision only.
    @Test(arguments: ReviewStage.allCases)
    func reviewersChangeOnlyWhileTheCaseIsUnderReview(stage: ReviewStage) throws {
        let reviewCase = try Fixture.reviewCase(in: stage)
        var copy = reviewCase
        if stage.allows(.assign) {
            #expect(stage.allows(.unassign))
            #expect(try copy.assign(Fixture.dana.assignment(), by: Fixture.secretariat, at: Self.now).events.count == 1)
            #expect(try copy.unassign(Fixture.chen.sub, by: Fixture.secretariat, at: Self.now).events.first is ReviewUnassigned)
        } else {
            #expect(throws: ReviewError.invalidState(stage, .assign)) {
                try copy.assign(Fixture.dana.assignment(), by: Fixture.secretariat, at: Self.now)
            }
            #expect(throws: ReviewError.invalidState(stage, .unassign)) {
                try copy.unassign(Fixture.chen.sub, by: Fixture.secretariat, at: Self.now)
            }
            #expect(copy == reviewCase)
        }
    }

    @Test func aRevisionInvolvingAReviewersCountryTakesThemOff() throws {
        var reviewCase = Self.opened()
        _ = try reviewCase.assign(Self.assignment("r-tj", "TJ"), by: Self.secretariat, at: Self.now)
        _ = try reviewCase.assign(Self.assignment("r-fr", "FR"), by: Self.secretariat, at: Self.now)
        // A revision is taken only once the decision asked for one.
        _ = try reviewCase.screen(Fixture.eligible(), rules: .standard, by: Self.secretariat, at: Self.now)
        for reviewer in ["r-tj", "r-fr"] {
            _ = try reviewCase.assess(Fixture.uniform(70), rules: .standard, by: Caller(sub: reviewer, role: .reviewer), at: Self.now)
        }
        _ = try reviewCase.decide(Fixture.revisionRequest(), rules: .standard, by: Caller(sub: "pm", role: .admin), at: Self.now)
        let change = try reviewCase.resubmit(
            Self.submitted(revision: 2, participating: ["UZ", "TJ"]), rules: .standard, by: Self.focalPoint, system: .system("workflow"), at: Self.now)
        #expect(reviewCase.assignments.map(\.reviewer) == ["r-fr"])
        #expect(change.history.map(\.action) == [.resubmitted, .reviewerUnassigned])
        #expect((change.events.first as? ReviewUnassigned)?.reviewer == "r-tj")
        // A late, older revision changes nothing.
        #expect(try reviewCase.resubmit(Self.submitted(revision: 1), rules: .standard, by: Self.focalPoint, system: .system("workflow"), at: Self.now).isEmpty)
        #expect(reviewCase.revision == 2)
    }

    @Test func withdrawalClosesOnceAndAClosedCaseRefusesANewRevision() throws {
        var reviewCase = Self.opened()
        let withdrawn = ProposalWithdrawn(proposalId: reviewCase.proposalId, reference: nil, revision: 1, region: "CA", leadCountry: "KZ", reason: nil)
        #expect(try reviewCase.close(withdrawn, by: Self.focalPoint, at: Self.now).history.count == 1)
        #expect(reviewCase.stage == .closed && reviewCase.currentRound.endedAt == Self.now && reviewCase.dueAt == nil)
        #expect(try reviewCase.close(withdrawn, by: Self.focalPoint, at: Self.now).isEmpty)
        let closed = reviewCase
        let error = try #require(throws: ReviewError.self) {
            try reviewCase.resubmit(Self.submitted(revision: 2), rules: .standard, by: Self.focalPoint, system: .system("workflow"), at: Self.now)
        }
        guard case .refused(let reason) = error else {
            Issue.record("expected .refused, got \(error)")
            return
        }
        #expect(reason.contains("closed"))
        #expect(reviewCase == closed)
    }

    @Test func aWithdrawalOfADecidedCaseIsRefused() throws {
        var reviewCase = try Fixture.reviewCase(in: .approved)
        let approved = reviewCase
        let error = try #require(throws: ReviewError.self) {
            try reviewCase.close(Fixture.withdrawn(revision: 1), by: Self.focalPoint, at: Self.now)
        }
        #expect(error == .refused("revision 1 was withdrawn, but the case was already approved"))
        #expect(reviewCase == approved)
    }

    @Test func aSubmissionOfAnotherProposalIsRefused() throws {
        var reviewCase = try Fixture.reviewCase(in: .revisionRequested)
        let before = reviewCase
        #expect(throws: ReviewError.refused("a submission of proposal \(Fixture.uuid(9).lowercased) is not this case's")) {
            try reviewCase.resubmit(
                Fixture.submitted(revision: 2, proposalId: Fixture.uuid(9)), rules: .standard, by: Self.focalPoint, system: .system("workflow"), at: Self.now)
        }
        #expect(reviewCase == before)
    }
}
