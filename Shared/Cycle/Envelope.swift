import Events
import Foundation

/// A region's allocation of an instrument for a year, as funding answers it.
public struct Envelope: Codable, Sendable, Equatable {
    public var id: UUID
    public var year: Int
    public var region: String
    public var instrument: String
    public var amount: Money
    /// Active commitments' amounts and closed ones' net disbursements.
    public var committed: Money
    public var available: Money
    /// After a creation or a raise: the blocked commitments it let through.
    public var commitmentsUnblocked: [UUID]?
}
