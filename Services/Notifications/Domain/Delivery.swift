import Events
import Foundation

/// One message to one person or system on one channel: a mail for an event (or a day's
/// digest), or a webhook call. Made in the same transaction as the inbox record of the event,
/// so a redelivered event makes none twice; sent by the delivery worker, which records every
/// attempt.
struct Delivery: Sendable, Equatable {
    enum Channel: String, Sendable, Codable, CaseIterable {
        case email
        case webhook
    }

    enum Status: String, Sendable, Codable, CaseIterable {
        /// Waiting for its first attempt.
        case pending
        /// Claimed by a worker, which holds it until `leaseUntil`.
        case sending
        case sent
        /// An attempt failed in a way that may pass; the next is due at `nextAttemptAt`.
        case retrying
        /// Given up: a permanent refusal or every attempt used. An admin may retry it.
        case failed
        /// Never sent by design: the person opted out, or it went into their digest.
        case suppressed

        var allowedActions: [String] { self == .failed ? ["retry"] : [] }
    }

    var id: UUID
    /// The event it tells of; nil for a digest.
    var eventID: UUID?
    /// The event's type, or `digest`.
    var eventType: String
    var channel: Channel
    var recipientID: UUID?
    var subscriptionID: UUID?
    /// The e-mail address or the URL.
    var address: String
    var status: Status
    var attempts: Int
    var lastError: String?
    /// Why it was suppressed, or that it went into a digest.
    var note: String?
    var nextAttemptAt: Date?
    var sentAt: Date?
    var createdAt: Date
    var updatedAt: Date
    /// The mail's subject (and the feed's title of the same message).
    var subject: String?
    /// The proposal it concerns, when it does.
    var proposalID: UUID?
    /// The day whose digest it is.
    var digestDay: String?

    static let digestType = "digest"

    /// How an attempt ended.
    enum Outcome: Sendable, Equatable {
        case delivered
        /// Worth trying again (a timeout, a refused connection, a 5xx or an SMTP 4xx).
        case transient(String)
        /// Never worth trying again as it is (a 4xx, an SMTP 5xx).
        case permanent(String)
    }

    /// Records the attempt a worker made (it claimed the delivery, counting the attempt, and
    /// sent): sent, or retrying after a growing delay, or failed.
    mutating func record(_ outcome: Outcome, policy: RetryPolicy, at time: Date, jitter: Double) {
        updatedAt = time
        switch outcome {
        case .delivered:
            status = .sent
            sentAt = time
            nextAttemptAt = nil
            lastError = nil
        case .transient(let error) where attempts < policy.maximumAttempts:
            status = .retrying
            lastError = error
            nextAttemptAt = time.addingTimeInterval(policy.delay(afterAttempt: attempts, jitter: jitter))
        case .transient(let error), .permanent(let error):
            status = .failed
            lastError = error
            nextAttemptAt = nil
        }
    }

    /// An admin sends a failed delivery again: its attempts start again, at once. A webhook of a
    /// deleted subscription has nowhere to go.
    mutating func retry(at time: Date, subscriptionDeleted: Bool = false) throws(NotificationError) {
        guard status == .failed else {
            throw .invalidState(
                state: status.rawValue, allowed: status.allowedActions,
                detail: "Delivery \(id.lowercased) is \(status.rawValue); only a failed delivery is retried.")
        }
        guard !subscriptionDeleted else {
            throw .invalidState(
                state: status.rawValue, allowed: [], detail: "Delivery \(id.lowercased) is for a deleted subscription; there is nowhere to send it.")
        }
        status = .pending
        attempts = 0
        nextAttemptAt = time
        updatedAt = time
    }
}

/// How deliveries are retried: exponential backoff with jitter, capped, for a bounded number
/// of attempts.
struct RetryPolicy: Sendable, Equatable {
    var maximumAttempts: Int
    /// The delay after the first failed attempt; each next one doubles it.
    var base: TimeInterval
    var cap: TimeInterval

    /// The delay before the next attempt after `attempt` failed ones: `base·2^(attempt−1)`,
    /// capped, then scaled by `jitter` in 0.5…1 ("equal jitter") so that a crowd of deliveries
    /// that failed together does not retry together.
    func delay(afterAttempt attempt: Int, jitter: Double) -> TimeInterval {
        let exponential = base * pow(2, Double(max(0, min(attempt - 1, 30))))
        return min(exponential, cap) * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }
}
