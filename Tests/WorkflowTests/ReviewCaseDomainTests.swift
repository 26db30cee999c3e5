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

    static func opened() -> ReviewCase { ReviewCase.open(submitted(), id: UUID(), by: focalPoint, at: now).0 }

    static func assignment(_ reviewer: String, _ country: String) -> ReviewCase.Assignment {
        .init(reviewer: reviewer, name: reviewer.uppercased(), email: nil, country: country, assignedBy: "sec-ca", assignedAt: now)
    }

    @Test func openingKeepsWhatAReviewerNeedsButNoContact() throws {
        let (reviewCase, change) = ReviewCase.open(Self.submitted(), id: UUID(), by: Self.focalPoint, at: Self.now)
        #expect(reviewCase.stage == .screening && change.history.map(\.action) == [.opened])
        #expect(reviewCase.proposal.summary == "Portals" && reviewCase.proposal.objectives == ["Install"])
        let json = String(decoding: try JSONEncoder().encode(reviewCase), as: UTF8.self)
        #expect(!json.contains("a@example.kz"))
        #expect(json.contains(reviewCase.proposalId.uuidString.lowercased()))
    }

    @Test func aReviewerOfAnInvolvedCountryIsRefused() {
        var reviewCase = Self.opened()
        for country in ["KZ", "UZ", "KG"] {
            #expect(throws: ReviewError.conflictOfInterest(country: country, involved: ["KG", "KZ", "UZ"])) {
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

    /// Assign and unassign in every stage: allowed during screening and technical assessment only.
    @Test(arguments: ReviewStage.allCases)
    func reviewersChangeOnlyWhileScreeningOrAssessing(stage: ReviewStage) throws {
        var reviewCase = Self.opened()
        _ = try reviewCase.assign(Self.assignment("r-fr", "FR"), by: Self.secretariat, at: Self.now)
        reviewCase.stage = stage
        var copy = reviewCase
        if stage.acceptsAssignments {
            #expect(try copy.assign(Self.assignment("r-de", "DE"), by: Self.secretariat, at: Self.now).events.count == 1)
            #expect(try copy.unassign("r-fr", by: Self.secretariat, at: Self.now).events.first is ReviewUnassigned)
        } else {
            #expect(throws: ReviewError.invalidStage(stage, act: "assigned a reviewer")) {
                try copy.assign(Self.assignment("r-de", "DE"), by: Self.secretariat, at: Self.now)
            }
            #expect(throws: ReviewError.invalidStage(stage, act: "unassigned a reviewer")) {
                try copy.unassign("r-fr", by: Self.secretariat, at: Self.now)
            }
            #expect(copy == reviewCase)
        }
    }

    @Test func aRevisionInvolvingAReviewersCountryTakesThemOff() throws {
        var reviewCase = Self.opened()
        _ = try reviewCase.assign(Self.assignment("r-tj", "TJ"), by: Self.secretariat, at: Self.now)
        _ = try reviewCase.assign(Self.assignment("r-fr", "FR"), by: Self.secretariat, at: Self.now)
        let change = try reviewCase.resubmit(Self.submitted(revision: 2, participating: ["UZ", "TJ"]), by: Self.focalPoint, system: .system("workflow"), at: Self.now)
        #expect(reviewCase.assignments.map(\.reviewer) == ["r-fr"])
        #expect(change.history.map(\.action) == [.resubmitted, .reviewerUnassigned])
        #expect((change.events.first as? ReviewUnassigned)?.reviewer == "r-tj")
        // A late, older revision changes nothing.
        #expect(try reviewCase.resubmit(Self.submitted(revision: 1), by: Self.focalPoint, system: .system("workflow"), at: Self.now).isEmpty)
        #expect(reviewCase.revision == 2)
    }

    @Test func withdrawalClosesOnceAndAClosedCaseRefusesANewRevision() throws {
        var reviewCase = Self.opened()
        let withdrawn = ProposalWithdrawn(proposalId: reviewCase.proposalId, reference: nil, revision: 1, region: "CA", leadCountry: "KZ", reason: nil)
        #expect(reviewCase.close(withdrawn, by: Self.focalPoint, at: Self.now).history.count == 1)
        #expect(reviewCase.close(withdrawn, by: Self.focalPoint, at: Self.now).isEmpty)
        #expect(throws: ReviewError.self) {
            try reviewCase.resubmit(Self.submitted(revision: 2), by: Self.focalPoint, system: .system("workflow"), at: Self.now)
        }
    }
}
