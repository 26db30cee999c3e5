import Cycle
import Events
import Foundation

/// Takes one proposal through its journey, from wherever an earlier run left it.
///
/// Each step first looks whether it is done (the proposal's status at intake, the case's round
/// at workflow, the commitment's payments at funding) and every change carries the scenario's
/// own `Idempotency-Key`, so a rerun after a crash neither repeats a step nor duplicates a
/// creation. Where the next step waits for an event at another service, it polls that service.
struct ScenarioRunner: Sendable {
    let client: CoEClient
    let cast: DemoCast
    let rules: ReviewRules
    let reference: ReferenceData
    /// The value date of today's payments (UTC): a payment is dated neither after today nor before the approval.
    let today: String
    let year: Int

    /// Runs `scenario`; `existing` is its proposal if an earlier run made it. Answers what it left.
    func run(_ scenario: Scenario, existing: Proposal?) async throws -> String {
        let journey = scenario.journey
        let focalPoint = cast.focalPoint(scenario.lead)
        let manager = cast.programmeManager
        let contact = ProposalDraft.Contact(name: focalPoint.name, email: focalPoint.email)

        var proposal: Proposal
        if let existing {
            proposal = existing
        } else {
            proposal = try await client.createProposal(
                try scenario.creation(contact: contact, reference: reference), as: focalPoint, key: scenario.key("create"))
        }
        let id = proposal.id
        if journey.draft == .completedByEdit, proposal.status == .draft, proposal.requestedBudget == nil {
            let current = try await client.proposal(id, as: focalPoint)
            try await client.editProposal(id, try scenario.completion(contact: contact, reference: reference), from: current, as: focalPoint)
        }
        if journey.submit, proposal.status == .draft {
            proposal = try await client.submitProposal(id, as: focalPoint, key: scenario.key("submit-1"))
        }
        guard journey.submit else {
            if let reason = journey.withdrawal, proposal.status != .withdrawn {
                try await withdraw(id, reason: reason, scenario, as: focalPoint)
            }
            return journey.label
        }

        // Workflow opens the case when intake's proposal.submitted arrives.
        var reviewCase = try await client.waitForReviewCase(id, as: manager)
        let secretariat = cast.secretariat(scenario.region)
        if let screening = journey.screening {
            if reviewCase.round(1)?.screening == nil {
                reviewCase = try await client.screen(id, self.screening(screening, of: scenario), as: secretariat, key: scenario.key("screen-1"))
            }
            if case .ineligible = screening {
                // The rejection at screening reaches intake as proposal.rejected.
                _ = try await client.waitForProposal(id, as: manager) { $0.status == .rejected }
                return journey.label
            }
        }

        let reviewers = cast.reviewers(count: journey.reviewers, for: scenario.number, involving: scenario.involvedCountries)
        guard reviewers.count == journey.reviewers else {
            throw DemoError("\(scenario.slug): only \(reviewers.count) of the reviewers have no conflict of interest; \(journey.reviewers) are needed")
        }
        for reviewer in reviewers where !reviewCase.isAssigned(reviewer.sub) {
            reviewCase = try await client.assignReviewer(id, reviewer, as: secretariat, key: scenario.key("assign-1-\(reviewer.sub)"))
        }
        var assessed = false
        for (index, reviewer) in reviewers.prefix(journey.assessments).enumerated() where reviewCase.round(1)?.assessment(by: reviewer.sub) == nil {
            _ = try await client.assess(id, assessment(by: index, of: scenario), as: reviewer, key: scenario.key("assess-1-\(reviewer.sub)"))
            assessed = true
        }
        // A reviewer's answer hides the other assessments: read the case whole again.
        if assessed { reviewCase = try await client.reviewCase(id, as: manager) }

        if let outcome = journey.outcome {
            if reviewCase.round(1)?.decision == nil {
                reviewCase = try await client.decide(id, decision(outcome), as: manager, key: scenario.key("decide-1"))
            }
            // Intake applies workflow's decision when its event arrives.
            proposal = try await client.waitForProposal(id, as: manager) { proposal in
                switch outcome {
                case .approve: proposal.status == .approved
                case .reject: proposal.status == .rejected
                case .requestRevision: proposal.status == .revisionRequested || proposal.status == .withdrawn || proposal.revision >= 2
                }
            }
        }
        if let changes = journey.revision {
            if proposal.revision < 2 {
                proposal = try await client.reviseAndResubmit(id, changes, as: focalPoint, key: scenario.key("submit-2"))
            }
            reviewCase = try await client.waitForReviewCase(id, as: manager) { $0.rounds.count >= 2 }
        }
        if let reason = journey.withdrawal {
            if proposal.status != .withdrawn {
                try await withdraw(id, reason: reason, scenario, as: focalPoint)
            }
            // Workflow closes the case when intake's proposal.withdrawn arrives.
            reviewCase = try await client.waitForReviewCase(id, as: manager) { $0.stage == .closed }
        }
        if let funding = journey.funding {
            return try await fund(scenario, proposal: id, funding)
        }
        return journey.label
    }

    /// Withdraws the proposal. Intake keeps no key for a withdrawal: when a retry finds it
    /// withdrawn already (the first attempt went through, its answer lost), that is the outcome wanted.
    private func withdraw(_ id: UUID, reason: String, _ scenario: Scenario, as focalPoint: Person) async throws {
        do {
            _ = try await client.withdrawProposal(id, reason: reason, as: focalPoint, key: scenario.key("withdraw"))
        } catch let error as CoEClientError where error.problemName == "invalid-state" && error.problem?.state == ProposalStatus.withdrawn.rawValue {
            return
        }
    }

    // MARK: Funding

    /// Waits for funding to commit the approval, then has one finance officer record the planned
    /// tranches and the other verify them.
    private func fund(_ scenario: Scenario, proposal id: UUID, _ funding: Journey.Funding) async throws -> String {
        // Funding commits the approved budget when workflow's proposal.approved arrives.
        var commitment = try await client.waitForCommitment(ofProposal: id, region: scenario.region, leadCountry: scenario.lead, as: cast.recorder)
        if funding.blocked {
            guard commitment.status == .blocked else {
                return "approved, committed: the \(scenario.region) envelope covered it (was it there before the demonstration?)"
            }
            return "approved, commitment blocked: \(Language.en.euros(commitment.shortfall ?? .zero)) short"
        }
        guard commitment.status != .blocked else {
            throw DemoError(
                "\(scenario.slug): the commitment is blocked, \(Language.en.euros(commitment.shortfall ?? .zero)) short: the \(scenario.region) envelope of \(commitment.year) does not cover it")
        }
        for tranche in funding.verified {
            commitment = try await pay(tranche, verify: true, on: commitment, scenario)
        }
        if let tranche = funding.pending {
            commitment = try await pay(tranche, verify: false, on: commitment, scenario)
        }
        return scenario.journey.label
    }

    /// Records `tranche` unless it is recorded already, then verifies it by the other finance officer when asked and still pending.
    private func pay(_ tranche: PaymentTranche.Kind, verify: Bool, on commitment: Commitment, _ scenario: Scenario) async throws -> Commitment {
        var commitment = commitment
        var payment = commitment.payment(of: tranche)
        if payment == nil {
            guard var amount = commitment.scheduled(tranche) else {
                throw DemoError("\(scenario.slug): the payment schedule has no \(tranche.rawValue) tranche")
            }
            if tranche == .final, let savings = scenario.journey.funding?.finalShortBy { amount = try amount.subtracting(savings) }
            let country = reference.countryName(scenario.lead, in: .en)
            let request = PaymentRequest.disbursement(
                tranche, amount: amount, valueDate: today, bankReference: "EC-FPI-\(year)-\(scenario.slug.uppercased())-\(Self.code(tranche))",
                note: "Paid to the national CBRN team of \(country)")
            let recorded = try await client.recordPayment(commitment.id, request, as: cast.recorder, key: scenario.key("pay-\(tranche.rawValue)"))
            commitment = recorded.commitment
            payment = recorded.payment
        }
        if verify, let pending = payment, pending.status == .pending {
            commitment = try await client.verifyPayment(commitment.id, payment: pending.id, as: cast.verifier, key: scenario.key("verify-\(tranche.rawValue)"))
        }
        return commitment
    }

    private static func code(_ tranche: PaymentTranche.Kind) -> String {
        switch tranche {
        case .preFinancing: "PF"
        case .interim: "IN"
        case .final: "FI"
        }
    }

    // MARK: What people write

    private func screening(_ outcome: Journey.ScreeningOutcome, of scenario: Scenario) -> Screening {
        let areas = scenario.content.areas.map { area in reference.cbrnAreas.first { $0.code == area }?.name.lowercased() ?? area }
        let notes = ["cbrn_relevance": "Reduces \(scenario.content.categories.joined(separator: ", ")) risks: \(areas.joined(separator: ", "))."]
        switch outcome {
        case .eligible: return .eligible(rules, notes: notes)
        case .ineligible(let unmet, let reasons): return .ineligible(rules, unmet: unmet, reasons: reasons, notes: notes)
        }
    }

    /// The assessment of the `index`-th reviewer: scores around the merit's level, varying by
    /// reviewer and proposal so that rankings differ, the same on every run.
    private func assessment(by index: Int, of scenario: Scenario) -> Assessment {
        let (base, recommendation, comment): ([Int], Assessment.Recommendation, String) =
            switch scenario.journey.merit {
            case .strong: ([84, 78, 88, 74, 80], .fund, "A well-prepared proposal with a credible work plan and clear cross-border benefits.")
            case .mixed:
                ([66, 58, 62, 55, 60], .fundWithChanges, "Relevant, but the work plan and the sustainability of the results need more detail.")
            case .weak: ([42, 35, 38, 30, 45], .doNotFund, "The work plan has no measurable outputs and the results would not last.")
            }
        let offset = (scenario.number * 7 + index * 5) % 9 - 4
        let scores = base.enumerated().map { criterion, score in min(100, max(0, score + offset + (criterion == index % base.count ? 3 : 0))) }
        return Assessment(rules, scores: scores, recommendation: recommendation, comment: comment)
    }

    private func decision(_ outcome: Journey.Outcome) -> Decision {
        switch outcome {
        case .approve(let budget, let schedule):
            .approve(budget: budget, schedule: schedule, reasons: ["Strong cross-border impact and a credible work plan."])
        case .reject(let reasons): .reject(reasons: reasons)
        case .requestRevision(let reasons): .requestRevision(reasons: reasons)
        }
    }
}
