import Foundation
import Logging
import Storage

/// How long the messaging tables keep their rows, and the sweep that deletes older ones. Run
/// by the runtime's retention job beside the relay and the consumer, never in their loops.
public struct MessagingRetention: Sendable {
    /// Dispatched outbox rows.
    public var outbox: Duration = .seconds(7 * 24 * 3600)
    /// Inbox rows (deduplication records): a redelivery older than this would be applied again.
    public var inbox: Duration = .seconds(30 * 24 * 3600)
    /// Records of a service's own relayed copies, which keep a parked message's sender: they
    /// outlive any parked message worth replaying.
    public var relayed: Duration = .seconds(365 * 24 * 3600)

    public init() {}

    /// Deletes what is older than the retention at `now`.
    public func sweep(_ database: Database, at now: Date, logger: Logger) async throws {
        try await database.rows("DELETE FROM outbox WHERE dispatched_at < \(now.addingTimeInterval(-outbox.timeInterval))", logger: logger)
        try await database.rows("DELETE FROM inbox WHERE received_at < \(now.addingTimeInterval(-inbox.timeInterval))", logger: logger)
        try await database.rows("DELETE FROM relayed_messages WHERE relayed_at < \(now.addingTimeInterval(-relayed.timeInterval))", logger: logger)
    }
}
