import Events
import Foundation

/// A person in notifications' directory.
public struct Recipient: Codable, Sendable, Equatable {
    public var id: UUID
    public var sub: String
    public var name: String
    public var email: String
    public var language: Language
    public var role: Caller.Role
    public var country: String?
    public var region: String?
    public var active: Bool

    /// Whether the directory says of them what `person` says.
    public func matches(_ person: Person) -> Bool {
        sub == person.sub && name == person.name && email == person.email && language == person.language && role == person.role
            && country == person.country && region == person.region && active
    }
}

/// What registering a person did, and their entry as it now is.
public struct Registration: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// They were not in the directory.
        case created
        /// They were, with another profile, which now is theirs.
        case updated
        /// They were, as they are.
        case unchanged
    }

    public var outcome: Outcome
    public var recipient: Recipient
}

/// A delivery of an event to a person by a channel, or to a webhook subscription (admins see them).
public struct Delivery: Codable, Sendable, Equatable {
    public var id: UUID
    public var eventId: UUID?
    public var eventType: String
    /// `email` (a single mail or a day's digest) or `webhook`; the feed is not delivered, it is read.
    public var channel: String
    public var recipientId: UUID?
    public var subscriptionId: UUID?
    /// `pending`, `sending`, `sent`, `retrying`, `failed` or `suppressed`.
    public var status: String
    public var attempts: Int
    public var proposalId: UUID?
    public var subject: String?
}

/// An item of a person's in-app feed.
public struct FeedItem: Codable, Sendable, Equatable {
    public var id: UUID
    public var eventType: String
    public var subject: String
    public var proposalId: UUID?
    public var reference: String?
    public var read: Bool
}

/// A person's feed: the items and how many are unread in all.
public struct Feed: Sendable, Equatable {
    public var items: [FeedItem]
    public var unread: Int
}
