import Events
import Foundation

/// A payment or recovery as finance records it: the amount as entered (positive), the rest as sent.
struct PaymentRequest: Sendable, Equatable {
    var kind: Movement.Kind
    var tranche: PaymentTranche.Kind?
    var amount: Money
    var valueDate: String
    var bankReference: String
    var note: String?
    var reason: String?
}

// Every change of a commitment: pure, synchronous, throwing `FundingError` before it changes
// anything. Checked in one order: the status (409 invalid-state), the request itself (422),
// then the state the money has reached (409, naming the rule and by how much).
extension Commitment {
    /// The commitment `proposal.approved` creates: active when the envelope covers it, else blocked.
    static func open(
        _ approved: ProposalApproved, instrument: String, reference: ReferenceData, envelope: inout Envelope?, id: UUID, at time: Date
    ) throws(FundingError) -> (Commitment, [any EventPayload]) {
        try check(approved, reference: reference)
        let decided = approved.proposal
        var commitment = Commitment(
            id: id,
            project: FundedProject(
                proposalId: approved.proposalId, caseId: approved.caseId, reference: decided.reference, title: decided.title,
                region: decided.region, leadCountry: decided.leadCountry, participatingCountries: decided.participatingCountries),
            round: approved.round, revision: approved.revision, year: UTC.year(of: approved.decision.decidedAt), instrument: instrument,
            amount: approved.approvedBudget, schedule: approved.paymentSchedule, status: .blocked, shortfall: nil,
            summary: decided.summary, durationMonths: decided.durationMonths, approvedAt: approved.decision.decidedAt,
            approvedBy: approved.decision.decidedBy, committedAt: nil, closedAt: nil, updatedAt: time, movements: [])
        do {
            let events = try commitment.commit(against: &envelope, afterBlock: false, at: time)
            return (commitment, events)
        } catch {
            let available = envelope?.available ?? .zero
            let shortfall = Money(cents: commitment.amount.cents - available.cents)
            commitment.shortfall = shortfall
            let blocked = FundingCommitmentBlocked(
                commitmentId: id, project: commitment.project, year: commitment.year, instrument: instrument, amount: commitment.amount,
                available: available, shortfall: shortfall, envelopeId: envelope?.id)
            return (commitment, [blocked])
        }
    }

    /// Whether a second `proposal.approved` is the same approval (a replay: nothing to do);
    /// another approval of a proposal that has its commitment contradicts funding's state.
    func isSame(approval approved: ProposalApproved) throws(FundingError) -> Bool {
        guard approved.caseId == project.caseId, approved.round == round, approved.approvedBudget == amount else {
            throw .refused(
                "proposal \(project.proposalId.lowercased) already has commitment \(id.lowercased) for round \(round) of case "
                    + "\(project.caseId.lowercased) (\(amount)); an approval of round \(approved.round) for \(approved.approvedBudget) contradicts it")
        }
        return true
    }

    /// A blocked commitment tried again against its envelope (finance, or the envelope's raise).
    mutating func retry(envelope: inout Envelope?, at time: Date) throws(FundingError) -> [any EventPayload] {
        guard status == .blocked else { throw .invalidState(status, .retry) }
        return try commit(against: &envelope, afterBlock: true, at: time)
    }

    /// Records a payment request or a recovery, pending until another finance user verifies it.
    mutating func record(_ request: PaymentRequest, id: UUID, by actor: EventActor, at time: Date) throws(FundingError) -> Movement {
        let action: CommitmentAction = request.kind == .disbursement ? .recordPayment : .recordRecovery
        guard status.allowedActions.contains(action) else { throw .invalidState(status, action) }
        guard request.amount > .zero else { throw .invalid([FieldProblem(field: "amount", problem: "must be positive")]) }
        let movement = Movement(
            id: id, sequence: (movements.map(\.sequence).max() ?? 0) + 1, kind: request.kind,
            tranche: request.kind == .disbursement ? request.tranche : nil,
            amount: request.kind == .disbursement ? request.amount : Money(cents: -request.amount.cents),
            valueDate: request.valueDate, bankReference: request.bankReference, note: request.note,
            reason: request.kind == .recovery ? request.reason : nil, status: .pending, recordedBy: actor, recordedAt: time)
        let approvalDay = UTC.day(approvedAt)
        guard request.valueDate >= approvalDay else {
            throw .invalid([FieldProblem(field: "valueDate", problem: "must not be before the approval (\(approvalDay)): no money moves for a project before it")])
        }
        switch request.kind {
        case .disbursement:
            guard let tranche = request.tranche else { throw .invalid([FieldProblem(field: "tranche", problem: "is required for a disbursement")]) }
            try checkTranche(tranche)
            try checkOrder(of: movement, recording: true)
            if let breach = breachOfLimits(adding: movement) { throw .conflict(breach) }
        case .recovery:
            guard request.reason != nil else {
                throw .invalid([FieldProblem(field: "reason", problem: "is required for a recovery: say why the money comes back")])
            }
            if let breach = breachOfLimits(adding: movement) { throw .conflict(breach) }
        }
        movements.append(movement)
        updatedAt = time
        return movement
    }

    /// A second finance user verifies a pending movement: it counts from now on. A verified
    /// `final` closes the commitment and releases what was not paid to `envelope`.
    mutating func verify(_ paymentID: UUID, envelope: inout Envelope?, by actor: EventActor, at time: Date) throws(FundingError) -> [any EventPayload] {
        let index = try pendingIndex(of: paymentID, by: actor, action: .verify)
        var movement = movements[index]
        if movement.kind == .disbursement {
            guard status == .active else { throw .invalidState(status, .verify) }
            try checkOrder(of: movement, recording: false)
        }
        if let breach = breachOfLimits(adding: movement) { throw .conflict(breach) }
        movement.status = .verified
        movement.decidedBy = actor
        movement.decidedAt = time
        movements[index] = movement
        updatedAt = time
        var events: [any EventPayload] = []
        if status == .closed {
            // A recovery after closing: the money goes back to the envelope as well.
            envelope?.release(Money(cents: -movement.amount.cents), at: time)
        }
        events.append(disbursed(movement))
        if movement.tranche == .final { events.append(close(envelope: &envelope, by: actor, at: time)) }
        return events
    }

    /// A second finance user rejects a pending movement, with a reason: it never counts.
    mutating func reject(_ paymentID: UUID, reason: String, by actor: EventActor, at time: Date) throws(FundingError) {
        let index = try pendingIndex(of: paymentID, by: actor, action: .reject)
        movements[index].status = .rejected
        movements[index].decidedBy = actor
        movements[index].decidedAt = time
        movements[index].rejectionReason = reason
        updatedAt = time
    }

    // MARK: Rules

    /// Who rejects what a closing leaves pending.
    static let service = EventActor.system("funding")

    /// What an incoming approval must be: workflow's rules, checked again, since a consumer
    /// trusts its own state, not the event. Ranges first, so that no sum can overflow.
    static func check(_ approved: ProposalApproved, reference: ReferenceData) throws(FundingError) {
        var problems: [String] = []
        let decided = approved.proposal
        let budget = approved.approvedBudget
        let schedule = approved.paymentSchedule
        if budget <= .zero || budget > Envelope.maximumAmount { problems.append("the approved budget \(budget) is not from 0.01 to \(Envelope.maximumAmount)") }
        if let region = reference.region(decided.region) {
            if !region.countries.contains(decided.leadCountry) { problems.append("\(decided.leadCountry) is not a partner country of \(region.code)") }
        } else {
            problems.append("\(decided.region) is not a region of the initiative")
        }
        if let unknown = decided.participatingCountries.first(where: { !reference.isCountry($0) }) { problems.append("\(unknown) is not a partner country") }
        if !(2000...2100).contains(UTC.year(of: approved.decision.decidedAt)) { problems.append("the decision's year is not from 2000 to 2100") }
        if !(1...1_000).contains(approved.round) || !(1...1_000).contains(approved.revision) { problems.append("round and revision must be from 1 to 1000") }
        if let months = decided.durationMonths, !(1...600).contains(months) { problems.append("the duration must be from 1 to 600 months") }
        if schedule.isEmpty || schedule.count > 24 { problems.append("the payment schedule must have 1 to 24 tranches") }
        if schedule.contains(where: { !(1...100).contains($0.percent) || $0.amount <= .zero || $0.amount > budget }) {
            problems.append("every tranche must be 1 to 100 percent and a positive amount within the budget")
        }
        if problems.isEmpty {
            if schedule.last?.tranche != .final || schedule.filter({ $0.tranche == .final }).count != 1 {
                problems.append("the schedule must end with its one final tranche")
            }
            if schedule.dropFirst().contains(where: { $0.tranche == .preFinancing }) { problems.append("pre-financing may only come first") }
            if schedule.reduce(0, { $0 + $1.percent }) != 100 { problems.append("the schedule's percentages must sum to 100") }
            // The amounts are the one split of the budget workflow makes (and so add up to it).
            if schedule != PaymentTranche.split(budget, shares: schedule.map { ($0.tranche, $0.percent) }) {
                problems.append("the schedule's amounts are not its percentages of \(budget) (rounded down, the final taking the rest)")
            }
        }
        guard problems.isEmpty else {
            throw .refused("proposal.approved for \(approved.proposalId.lowercased) can't be committed: \(problems.joined(separator: "; "))")
        }
    }

    private mutating func commit(against envelope: inout Envelope?, afterBlock: Bool, at time: Date) throws(FundingError) -> [any EventPayload] {
        guard var found = envelope else {
            throw .conflict(.init(
                rule: .envelopeShort, detail: "\(envelopeKey) does not exist; \(amount) is needed.", excess: amount, field: "amount"))
        }
        try found.reserve(amount, at: time)
        envelope = found
        status = .active
        shortfall = nil
        committedAt = time
        updatedAt = time
        return [FundingCommitted(
            commitmentId: id, project: project, year: year, amount: amount, paymentSchedule: schedule, envelope: found.figures, afterBlock: afterBlock)]
    }

    private func checkTranche(_ tranche: PaymentTranche.Kind) throws(FundingError) {
        guard schedule.contains(where: { $0.tranche == tranche }) else {
            let kinds = schedule.map(\.tranche.rawValue).joined(separator: ", ")
            throw .invalidRequest(.init(
                rule: .trancheNotInSchedule, detail: "The payment schedule (\(kinds)) has no \(tranche.rawValue) tranche.", excess: nil, field: "tranche"))
        }
    }

    /// Tranches are paid in the schedule's order: every earlier kind has a verified payment,
    /// none of a later kind is recorded, and one final at a time.
    private func checkOrder(of movement: Movement, recording: Bool) throws(FundingError) {
        guard let tranche = movement.tranche else { return }
        let rank = Self.rank(tranche)
        let counted = movements.filter { $0.kind == .disbursement && $0.status != .rejected && $0.id != movement.id }
        for earlier in Set(schedule.map(\.tranche)) where Self.rank(earlier) < rank {
            if !counted.contains(where: { $0.tranche == earlier && $0.status == .verified }) {
                throw .conflict(.init(
                    rule: .trancheOrder,
                    detail: "The schedule pays \(earlier.rawValue) before \(tranche.rawValue), and no \(earlier.rawValue) payment is verified yet.",
                    excess: nil, field: "tranche"))
            }
        }
        if let later = counted.first(where: { Self.rank($0.tranche ?? .preFinancing) > rank }) {
            throw .conflict(.init(
                rule: .trancheOrder,
                detail: "A \(later.tranche?.rawValue ?? "later") payment is already \(later.status.rawValue); \(tranche.rawValue) comes before it in the schedule.",
                excess: nil, field: "tranche"))
        }
        if recording, tranche == .final, let other = counted.first(where: { $0.tranche == .final }) {
            throw .conflict(.init(
                rule: .trancheOrder, detail: "Payment \(other.id.lowercased) of the final tranche is already \(other.status.rawValue); there is one final payment.",
                excess: nil, field: "tranche"))
        }
    }

    private static func rank(_ tranche: PaymentTranche.Kind) -> Int {
        switch tranche {
        case .preFinancing: 0
        case .interim: 1
        case .final: 2
        }
    }

    /// The money rule `movement` would break once counted, if any: the commitment, the
    /// pre-financing share, or (a recovery) what was disbursed.
    private func breachOfLimits(adding movement: Movement) -> FundingError.RuleBreach? {
        let disbursed = self.disbursed
        if movement.kind == .recovery {
            let returned = Money(cents: -movement.amount.cents)
            guard returned <= disbursed else {
                return .init(
                    rule: .exceedsDisbursed, detail: "A recovery of \(returned) exceeds the \(disbursed) disbursed by \(Money(cents: returned.cents - disbursed.cents)).",
                    excess: Money(cents: returned.cents - disbursed.cents), field: "amount")
            }
            return nil
        }
        let after = disbursed.cents + movement.amount.cents
        if after > amount.cents {
            let excess = Money(cents: after - amount.cents)
            return .init(
                rule: .exceedsCommitment,
                detail: "Paying \(movement.amount) would take the disbursed total to \(Money(cents: after)), \(excess) above the \(amount) committed (\(remaining) remains).",
                excess: excess, field: "amount")
        }
        if movement.tranche == .preFinancing {
            let paid = movements.filter { $0.tranche == .preFinancing && $0.status == .verified && $0.id != movement.id }.reduce(0) { $0 + $1.amount.cents }
            let share = preFinancingShare
            if paid + movement.amount.cents > share.cents {
                let excess = Money(cents: paid + movement.amount.cents - share.cents)
                return .init(
                    rule: .preFinancingCap,
                    detail: "Pre-financing of \(movement.amount) would bring it to \(Money(cents: paid + movement.amount.cents)), \(excess) above the schedule's share of \(share).",
                    excess: excess, field: "amount")
            }
        }
        return nil
    }

    /// The index of a pending movement another finance user may decide.
    private func pendingIndex(of paymentID: UUID, by actor: EventActor, action: CommitmentAction) throws(FundingError) -> Int {
        guard let index = movements.firstIndex(where: { $0.id == paymentID }) else { throw .notFound("Payment \(paymentID.lowercased) of this commitment") }
        let movement = movements[index]
        guard movement.status == .pending else { throw .paymentDecided(paymentID, movement.status) }
        guard status.allowedActions.contains(action) else { throw .invalidState(status, action) }
        guard movement.recordedBy.sub != actor.sub else {
            throw .conflict(.init(
                rule: .fourEyes,
                detail: "\(actor.sub) recorded this \(movement.kind.rawValue); another finance user must \(action.rawValue) it (four eyes).",
                excess: nil, field: "payment"))
        }
        return index
    }

    private func disbursed(_ movement: Movement) -> FundingDisbursed {
        FundingDisbursed(
            commitmentId: id, paymentId: movement.id, project: project, movement: movement.kind.rawValue, tranche: movement.tranche,
            amount: movement.amount, valueDate: movement.valueDate, bankReference: movement.bankReference, recordedBy: movement.recordedBy,
            verifiedBy: movement.decidedBy ?? movement.recordedBy, committed: amount, disbursed: disbursed, remaining: remaining)
    }

    /// The verified final tranche closes: the rest goes back to the envelope, requests still
    /// pending are rejected (nothing more can be paid).
    private mutating func close(envelope: inout Envelope?, by actor: EventActor, at time: Date) -> FundingClosed {
        let paid = disbursed
        let released = Money(cents: amount.cents - paid.cents)
        envelope?.release(released, at: time)
        status = .closed
        closedAt = time
        for index in movements.indices where movements[index].status == .pending && movements[index].kind == .disbursement {
            movements[index].status = .rejected
            // The service's own act, not the verifier's: four eyes hold even for what they recorded.
            movements[index].decidedBy = Self.service
            movements[index].decidedAt = time
            movements[index].rejectionReason = "The commitment closed with its final tranche; nothing more is paid."
        }
        return FundingClosed(commitmentId: id, project: project, committed: amount, disbursed: paid, released: released, envelope: envelope?.figures)
    }
}
