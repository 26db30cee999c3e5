import Events
import Foundation

/// A region's allocation of an instrument (the Instrument for Stability by default) for a
/// year, and what is committed against it. `committed` never exceeds `amount`.
struct Envelope: Codable, Sendable, Equatable {
    /// Which envelope: one per year, region and instrument.
    struct Key: Hashable, Sendable, CustomStringConvertible {
        var year: Int
        var region: String
        var instrument: String
        var description: String { "the \(instrument) envelope of \(region) for \(year)" }
    }

    /// One change of the allocation, kept for ever.
    struct Adjustment: Codable, Sendable, Equatable {
        enum Change: String, Codable, Sendable { case created, raised, lowered }
        var change: Change
        var delta: Money
        var amountBefore: Money
        var amountAfter: Money
        var reason: String
        var by: EventActor
        var at: Date
    }

    var id: UUID
    var year: Int
    var region: String
    var instrument: String
    var amount: Money
    /// Σ of the active commitments' amounts and of the closed ones' net disbursements.
    var committed: Money
    var createdAt: Date
    var updatedAt: Date

    var key: Key { Key(year: year, region: region, instrument: instrument) }

    /// The largest amount funding takes in one figure (1 000 000 000 000.00): sums of
    /// thousands of them stay far inside 64-bit cents, so no report or rule can overflow.
    static let maximumAmount = Money(cents: 100_000_000_000_000)
    /// amount − committed: never negative.
    var available: Money { Money(cents: amount.cents - committed.cents) }

    var figures: EnvelopeFigures {
        EnvelopeFigures(envelopeId: id, year: year, region: region, instrument: instrument, amount: amount, committed: committed, available: available)
    }
}

extension Envelope {
    /// A new envelope with its first adjustment (`created`).
    static func create(
        _ key: Key, amount: Money, reason: String, id: UUID, by actor: EventActor, at time: Date
    ) throws(FundingError) -> (Envelope, Adjustment) {
        guard amount >= .zero, amount <= maximumAmount else {
            throw .invalid([FieldProblem(field: "amount", problem: "must be from 0.00 to \(maximumAmount)")])
        }
        let envelope = Envelope(
            id: id, year: key.year, region: key.region, instrument: key.instrument, amount: amount, committed: .zero, createdAt: time, updatedAt: time)
        let adjustment = Adjustment(change: .created, delta: amount, amountBefore: .zero, amountAfter: amount, reason: reason, by: actor, at: time)
        return (envelope, adjustment)
    }

    /// Raises (positive `delta`) or lowers the allocation. Lowering below what is committed is refused, saying by how much.
    mutating func adjust(by delta: Money, reason: String, by actor: EventActor, at time: Date) throws(FundingError) -> Adjustment {
        guard delta != .zero else { throw .invalid([FieldProblem(field: "delta", problem: "must not be 0.00: an adjustment changes the amount")]) }
        let after: Money
        do { after = try amount.adding(delta) } catch {
            throw .invalid([FieldProblem(field: "delta", problem: "\(error)")])
        }
        guard after <= Self.maximumAmount else {
            throw .invalid([FieldProblem(field: "delta", problem: "would take the envelope to \(after), above the largest amount funding keeps (\(Self.maximumAmount))")])
        }
        guard after >= .zero else {
            throw .invalid([FieldProblem(field: "delta", problem: "would take the envelope to \(after); an envelope is never negative")])
        }
        guard after >= committed else {
            let excess = Money(cents: committed.cents - after.cents)
            throw .conflict(.init(
                rule: .belowCommitted,
                detail: "Lowering \(key) by \(Money(cents: -delta.cents)) would leave \(after), \(excess) below the \(committed) committed against it.",
                excess: excess, field: "delta"))
        }
        let adjustment = Adjustment(
            change: delta > .zero ? .raised : .lowered, delta: delta, amountBefore: amount, amountAfter: after, reason: reason, by: actor, at: time)
        amount = after
        updatedAt = time
        return adjustment
    }

    /// Takes `amount` out of what is available, or says by how much it falls short.
    mutating func reserve(_ needed: Money, at time: Date) throws(FundingError) {
        guard needed <= available else {
            let shortfall = Money(cents: needed.cents - available.cents)
            throw .conflict(.init(
                rule: .envelopeShort, detail: "\(key) has \(available) available; \(needed) is needed, \(shortfall) more than it has.",
                excess: shortfall, field: "amount"))
        }
        committed = Money(cents: committed.cents + needed.cents)
        updatedAt = time
    }

    /// Gives back what a closed commitment did not pay (or a recovery returned after it closed).
    /// Never below zero: were the figures ever wrong, the schema refuses the save rather than hide it.
    mutating func release(_ amount: Money, at time: Date) {
        guard amount > .zero else { return }
        committed = Money(cents: committed.cents - amount.cents)
        updatedAt = time
    }

    func changed(_ adjustment: Adjustment, unblocked: [UUID]) -> FundingEnvelopeChanged {
        FundingEnvelopeChanged(change: adjustment.change.rawValue, delta: adjustment.delta, reason: adjustment.reason, envelope: figures, commitmentsUnblocked: unblocked)
    }
}
