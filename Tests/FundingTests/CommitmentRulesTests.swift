import Events
import Foundation
import Testing
@testable import Funding

/// Funding's money rules, pure and synchronous: commitments against envelopes, four eyes,
/// tranches in order, the final tranche closing, recoveries.
@Suite("Funding: the money rules")
struct CommitmentRulesTests {
    typealias F = FundingFixtures

    func breach(_ body: () throws -> Void) -> FundingError? {
        do { try body() } catch let error as FundingError { return error } catch { Issue.record("\(error)") }
        return nil
    }

    @Test func anApprovalIsCommittedWhenTheEnvelopeCoversIt() throws {
        var envelope: Envelope? = F.envelope(Money(cents: 150_000_000))
        let (commitment, events) = try Commitment.open(F.approved(), instrument: "IfS", reference: F.reference, envelope: &envelope, id: UUID(), at: F.decidedAt)
        #expect(commitment.status == .active)
        #expect(commitment.year == 2026)
        #expect(envelope?.committed == Money(cents: 100_000_000))
        #expect(envelope?.available == Money(cents: 50_000_000))
        let committed = try #require(events.first as? FundingCommitted)
        #expect(committed.envelope.available == Money(cents: 50_000_000))
        #expect(committed.afterBlock == false)
    }

    @Test func aShortEnvelopeBlocksTheCommitmentSayingByHowMuchAndARaiseLetsItThrough() throws {
        var envelope: Envelope? = F.envelope(Money(cents: 70_000_001))
        var (commitment, events) = try Commitment.open(F.approved(), instrument: "IfS", reference: F.reference, envelope: &envelope, id: UUID(), at: F.decidedAt)
        #expect(commitment.status == .blocked)
        #expect(envelope?.committed == .zero)
        let blocked = try #require(events.first as? FundingCommitmentBlocked)
        #expect(blocked.shortfall == Money(cents: 29_999_999))
        #expect(blocked.available == Money(cents: 70_000_001))
        #expect(commitment.shortfall == Money(cents: 29_999_999))

        // Retrying before the raise: still short, by the same amount, nothing changed.
        let before = commitment
        guard case .conflict(let short)? = breach({ _ = try commitment.retry(envelope: &envelope, at: F.decidedAt) }) else {
            Issue.record("expected envelope-short")
            return
        }
        #expect(short.rule == .envelopeShort && short.excess == Money(cents: 29_999_999))
        #expect(commitment == before)

        _ = try envelope!.adjust(by: Money(cents: 29_999_999), reason: "Top-up from the reserve", by: F.alice, at: F.decidedAt)
        let retried = try commitment.retry(envelope: &envelope, at: F.decidedAt)
        #expect(commitment.status == .active && commitment.shortfall == nil)
        #expect(envelope?.available == .zero)
        #expect((retried.first as? FundingCommitted)?.afterBlock == true)
    }

    @Test func noEnvelopeBlocksTheWholeAmount() throws {
        var envelope: Envelope? = nil
        let (commitment, events) = try Commitment.open(F.approved(), instrument: "IfS", reference: F.reference, envelope: &envelope, id: UUID(), at: F.decidedAt)
        #expect(commitment.status == .blocked)
        let blocked = try #require(events.first as? FundingCommitmentBlocked)
        #expect(blocked.shortfall == Money(cents: 100_000_000) && blocked.envelopeId == nil)
    }

    @Test func aReplayedApprovalIsTheSameAndAnotherRoundIsRefused() throws {
        let approved = F.approved()
        let (commitment, _) = F.active(approved)
        #expect(try commitment.isSame(approval: approved))
        var other = approved
        other.round = 2
        #expect(throws: FundingError.self) { try commitment.isSame(approval: other) }
    }

    @Test(arguments: [
        [(PaymentTranche.Kind.interim, 50), (.preFinancing, 50)],
        [(PaymentTranche.Kind.preFinancing, 50), (.interim, 50)],
        [(PaymentTranche.Kind.final, 50), (.final, 50)],
    ])
    func anApprovalWhoseScheduleDoesNotAddUpIsRefused(schedule: [(PaymentTranche.Kind, Int)]) {
        var envelope: Envelope? = F.envelope(Money(cents: 500_000_000))
        #expect(throws: FundingError.self) {
            _ = try Commitment.open(F.approved(schedule: schedule), instrument: "IfS", reference: F.reference, envelope: &envelope, id: UUID(), at: F.decidedAt)
        }
        #expect(envelope?.committed == .zero)
    }

    @Test func anApprovalFundingCannotCommitIsRefusedBeforeAnythingChanges() throws {
        var unknownRegion = F.approved()
        unknownRegion.proposal.region = "XX"
        var foreignLead = F.approved()
        foreignLead.proposal.leadCountry = "FR"
        var overflowing = F.approved()
        overflowing.paymentSchedule = [
            PaymentTranche(tranche: .interim, percent: .max, amount: Money(cents: .max)),
            PaymentTranche(tranche: .final, percent: 1, amount: Money(cents: .max)),
        ]
        var misallotted = F.approved(schedule: [(.preFinancing, 10), (.final, 90)])
        misallotted.paymentSchedule[0].amount = Money(cents: 90_000_000)
        misallotted.paymentSchedule[1].amount = Money(cents: 10_000_000)
        var negativeDuration = F.approved()
        negativeDuration.proposal.durationMonths = -3
        for (approved, saying) in [
            (unknownRegion, "XX is not a region"), (foreignLead, "FR is not a partner country of CA"), (overflowing, "every tranche must be 1 to 100 percent"),
            (misallotted, "amounts are not its percentages"), (negativeDuration, "duration"),
        ] {
            var envelope: Envelope? = F.envelope(Money(cents: 500_000_000))
            let before = envelope
            guard case .refused(let reason)? = breach({
                _ = try Commitment.open(approved, instrument: "IfS", reference: F.reference, envelope: &envelope, id: UUID(), at: F.decidedAt)
            }) else {
                Issue.record("expected a refusal saying \(saying)")
                continue
            }
            #expect(reason.contains(saying), "\(reason)")
            #expect(envelope == before)
        }
    }

    @Test func noPaymentIsDatedBeforeTheApproval() throws {
        var (commitment, _) = F.active()
        guard case .invalid(let problems)? = breach({
            _ = try commitment.record(F.payment(.preFinancing, 1_000, date: "2026-11-17"), id: UUID(), by: F.alice, at: F.decidedAt)
        }) else {
            Issue.record("expected a refused value date")
            return
        }
        #expect(problems.map(\.field) == ["valueDate"])
        _ = try commitment.record(F.payment(.preFinancing, 1_000, date: "2026-11-18"), id: UUID(), by: F.alice, at: F.decidedAt)
    }

    @Test func closingRejectsWhatIsPendingAsTheServiceNotAsTheVerifier() throws {
        var (commitment, start) = F.active(F.approved(schedule: [(.interim, 60), (.final, 40)]))
        var envelope: Envelope? = start
        let interim = try commitment.record(F.payment(.interim, 30_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        _ = try commitment.verify(interim.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        let pendingOfAlice = try commitment.record(F.payment(.interim, 10_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        let final = try commitment.record(F.payment(.final, 40_000_000), id: UUID(), by: F.bob, at: F.decidedAt)
        _ = try commitment.verify(final.id, envelope: &envelope, by: F.alice, at: F.decidedAt)
        let rejected = try #require(commitment.movements.first { $0.id == pendingOfAlice.id })
        #expect(rejected.status == .rejected && rejected.decidedBy == Commitment.service && rejected.decidedBy?.sub != rejected.recordedBy.sub)
    }

    @Test func theRecorderCannotVerifyOrRejectTheirOwnPayment() throws {
        var (commitment, envelope) = F.active()
        var optional: Envelope? = envelope
        let payment = try commitment.record(F.payment(.preFinancing, 40_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        guard case .conflict(let verifying)? = breach({ _ = try commitment.verify(payment.id, envelope: &optional, by: F.alice, at: F.decidedAt) }),
              case .conflict(let rejecting)? = breach({ try commitment.reject(payment.id, reason: "no", by: F.alice, at: F.decidedAt) })
        else {
            Issue.record("expected four-eyes")
            return
        }
        #expect(verifying.rule == .fourEyes && rejecting.rule == .fourEyes)
        #expect(commitment.disbursed == .zero)
        let events = try commitment.verify(payment.id, envelope: &optional, by: F.bob, at: F.decidedAt)
        #expect(commitment.disbursed == Money(cents: 40_000_000))
        let disbursed = try #require(events.first as? FundingDisbursed)
        #expect(disbursed.recordedBy == F.alice && disbursed.verifiedBy == F.bob && disbursed.remaining == Money(cents: 60_000_000))
        // Decided once: a second verification is refused.
        #expect(throws: FundingError.paymentDecided(payment.id, .verified)) {
            _ = try commitment.verify(payment.id, envelope: &optional, by: F.bob, at: F.decidedAt)
        }
        envelope = optional!
        #expect(envelope.committed == Money(cents: 100_000_000))
    }

    @Test func tranchesFollowTheSchedulesOrder() throws {
        var (commitment, _) = F.active()
        // Interim before any verified pre-financing: refused, naming the rule.
        guard case .conflict(let early)? = breach({
            _ = try commitment.record(F.payment(.interim, 10_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        }) else {
            Issue.record("expected tranche-order")
            return
        }
        #expect(early.rule == .trancheOrder)
        // A tranche the schedule does not have (a schedule without pre-financing).
        var (plain, _) = F.active(F.approved(schedule: [(.interim, 60), (.final, 40)]))
        guard case .invalidRequest(let missing)? = breach({
            _ = try plain.record(F.payment(.preFinancing, 10_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        }) else {
            Issue.record("expected tranche-not-in-schedule")
            return
        }
        #expect(missing.rule == .trancheNotInSchedule)
    }

    @Test func preFinancingNeverExceedsTheSchedulesShareAndPaymentsNeverTheCommitment() throws {
        var (commitment, _) = F.active()
        guard case .conflict(let cap)? = breach({
            _ = try commitment.record(F.payment(.preFinancing, 40_000_001), id: UUID(), by: F.alice, at: F.decidedAt)
        }) else {
            Issue.record("expected pre-financing-cap")
            return
        }
        #expect(cap.rule == .preFinancingCap && cap.excess == Money(cents: 1))

        var envelope: Envelope? = nil
        let pre = try commitment.record(F.payment(.preFinancing, 40_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        _ = try commitment.verify(pre.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        guard case .conflict(let over)? = breach({
            _ = try commitment.record(F.payment(.interim, 60_000_001), id: UUID(), by: F.alice, at: F.decidedAt)
        }) else {
            Issue.record("expected exceeds-commitment")
            return
        }
        #expect(over.rule == .exceedsCommitment && over.excess == Money(cents: 1))

        // Two requests that fit alone but not together: the second verification is refused, by the exact excess.
        let first = try commitment.record(F.payment(.interim, 40_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        let second = try commitment.record(F.payment(.interim, 30_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        _ = try commitment.verify(first.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        guard case .conflict(let late)? = breach({
            _ = try commitment.verify(second.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        }) else {
            Issue.record("expected exceeds-commitment at verification")
            return
        }
        #expect(late.rule == .exceedsCommitment && late.excess == Money(cents: 10_000_000))
        #expect(commitment.disbursed == Money(cents: 80_000_000))
    }

    @Test func aVerifiedFinalTrancheClosesAndReleasesTheRestToTheEnvelope() throws {
        var (commitment, start) = F.active()
        var envelope: Envelope? = start
        for (tranche, cents) in [(PaymentTranche.Kind.preFinancing, Int64(40_000_000)), (.interim, 25_000_000)] {
            let payment = try commitment.record(F.payment(tranche, cents), id: UUID(), by: F.alice, at: F.decidedAt)
            _ = try commitment.verify(payment.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        }
        let stray = try commitment.record(F.payment(.interim, 1_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        let final = try commitment.record(F.payment(.final, 30_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        let events = try commitment.verify(final.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        #expect(commitment.status == .closed)
        #expect(commitment.disbursed == Money(cents: 95_000_000))
        #expect(commitment.released == Money(cents: 5_000_000))
        #expect(envelope?.committed == Money(cents: 95_000_000))
        #expect(envelope?.available == Money(cents: 405_000_000))
        let closed = try #require(events.last as? FundingClosed)
        #expect(closed.released == Money(cents: 5_000_000) && closed.envelope?.committed == Money(cents: 95_000_000))
        // What was still pending can never be paid now.
        #expect(commitment.movements.first { $0.id == stray.id }?.status == .rejected)
        #expect(throws: FundingError.self) { _ = try commitment.record(F.payment(.interim, 1), id: UUID(), by: F.alice, at: F.decidedAt) }
    }

    @Test func aRecoveryRestoresTheRemainingBalanceExactly() throws {
        var (commitment, _) = F.active()
        var envelope: Envelope? = nil
        let pre = try commitment.record(F.payment(.preFinancing, 40_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        _ = try commitment.verify(pre.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        #expect(commitment.remaining == Money(cents: 60_000_000))
        guard case .conflict(let tooMuch)? = breach({
            _ = try commitment.record(F.recovery(40_000_001), id: UUID(), by: F.bob, at: F.decidedAt)
        }) else {
            Issue.record("expected exceeds-disbursed")
            return
        }
        #expect(tooMuch.rule == .exceedsDisbursed && tooMuch.excess == Money(cents: 1))
        let recovery = try commitment.record(F.recovery(1_234_567), id: UUID(), by: F.bob, at: F.decidedAt)
        #expect(recovery.amount == Money(cents: -1_234_567))
        #expect(commitment.remaining == Money(cents: 60_000_000), "a pending recovery counts for nothing")
        let events = try commitment.verify(recovery.id, envelope: &envelope, by: F.alice, at: F.decidedAt)
        #expect(commitment.disbursed == Money(cents: 38_765_433))
        #expect(commitment.remaining == Money(cents: 61_234_567))
        let event = try #require(events.first as? FundingDisbursed)
        #expect(event.movement == "recovery" && event.amount == Money(cents: -1_234_567) && event.tranche == nil)
    }

    @Test func aRecoveryAfterClosingGoesBackToTheEnvelope() throws {
        var (commitment, start) = F.active(F.approved(schedule: [(.final, 100)]))
        var envelope: Envelope? = start
        let final = try commitment.record(F.payment(.final, 100_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        _ = try commitment.verify(final.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        #expect(envelope?.committed == Money(cents: 100_000_000) && commitment.released == .zero)
        let recovery = try commitment.record(F.recovery(2_500_000), id: UUID(), by: F.alice, at: F.decidedAt)
        _ = try commitment.verify(recovery.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        #expect(commitment.disbursed == Money(cents: 97_500_000))
        #expect(commitment.released == Money(cents: 2_500_000))
        #expect(envelope?.committed == Money(cents: 97_500_000))
        #expect(commitment.claim == envelope?.committed)
    }

    @Test func anEnvelopeCannotBeLoweredBelowWhatIsCommitted() throws {
        var (_, envelope) = F.active()
        #expect(envelope.committed == Money(cents: 100_000_000))
        let before = envelope
        guard case .conflict(let below)? = breach({
            _ = try envelope.adjust(by: Money(cents: -400_000_001), reason: "Cut", by: F.alice, at: F.decidedAt)
        }) else {
            Issue.record("expected below-committed")
            return
        }
        #expect(below.rule == .belowCommitted && below.excess == Money(cents: 1))
        #expect(envelope == before)
        let cut = try envelope.adjust(by: Money(cents: -400_000_000), reason: "Cut", by: F.alice, at: F.decidedAt)
        #expect(cut.change == .lowered && cut.amountAfter == Money(cents: 100_000_000) && envelope.available == .zero)
    }

    @Test func theLedgerRunsItsBalanceOverVerifiedMovementsOnly() throws {
        var (commitment, _) = F.active()
        var envelope: Envelope? = nil
        let pre = try commitment.record(F.payment(.preFinancing, 40_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        let rejected = try commitment.record(F.payment(.preFinancing, 1_000), id: UUID(), by: F.alice, at: F.decidedAt)
        _ = try commitment.verify(pre.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        try commitment.reject(rejected.id, reason: "Duplicate request", by: F.bob, at: F.decidedAt)
        let recovery = try commitment.record(F.recovery(500), id: UUID(), by: F.bob, at: F.decidedAt)
        _ = try commitment.verify(recovery.id, envelope: &envelope, by: F.alice, at: F.decidedAt)
        let ledger = Ledger(commitment)
        #expect(ledger.entries.map(\.disbursedToDate) == [Money(cents: 40_000_000), Money(cents: 40_000_000), Money(cents: 39_999_500)])
        #expect(ledger.entries.map(\.status) == [.verified, .rejected, .verified])
        #expect(ledger.entries.last?.remaining == ledger.remaining)
        #expect(ledger.entries.first?.decidedBy == "fin-bob" && ledger.entries.first?.recordedBy == "fin-alice")
        #expect(ledger.disbursed == Money(cents: 39_999_500))
    }
}
