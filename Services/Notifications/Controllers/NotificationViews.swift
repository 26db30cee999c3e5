import Events
import Foundation
import Hummingbird
import ServiceRuntime

/// A person's choices as the API shows them.
struct PreferencesView: ResponseEncodable, Sendable {
    var sub: String
    var language: Language
    var emailOptOut: [String]
    var digest: Bool

    init(_ recipient: Recipient) {
        sub = recipient.sub
        language = recipient.language
        emailOptOut = recipient.preferences.emailOptOut.map(\.rawValue).sorted()
        digest = recipient.preferences.digest
    }
}

/// An active reviewer as a secretariat chooses them: who they are, how to reach them, and the
/// country a conflict of interest is checked against; nothing of their preferences.
struct ReviewerView: ResponseEncodable, Sendable {
    var sub: String
    var name: String
    var email: String
    var country: String?

    init(_ recipient: Recipient) {
        sub = recipient.profile.sub
        name = recipient.profile.name
        email = recipient.profile.email
        country = recipient.profile.country
    }

    private enum Keys: String, CodingKey { case sub, name, email, country }

    /// A reviewer without a country has `null`, not a missing key: every item has the same shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(sub, forKey: .sub)
        try container.encode(name, forKey: .name)
        try container.encode(email, forKey: .email)
        try container.encode(country, forKey: .country)
    }
}

/// A recipient of the directory.
struct RecipientView: ResponseEncodable, Sendable {
    var recipient: Recipient

    init(_ recipient: Recipient) { self.recipient = recipient }

    private enum Keys: String, CodingKey {
        case id, sub, name, email, language, role, country, region, active, preferences, createdAt, updatedAt
    }

    /// Absent places are `null`, not missing: every recipient has the same shape.
    func encode(to encoder: any Encoder) throws {
        let profile = recipient.profile
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(recipient.id, forKey: .id)
        try container.encode(profile.sub, forKey: .sub)
        try container.encode(profile.name, forKey: .name)
        try container.encode(profile.email, forKey: .email)
        try container.encode(profile.language, forKey: .language)
        try container.encode(profile.role.rawValue, forKey: .role)
        try container.encode(profile.country, forKey: .country)
        try container.encode(profile.region, forKey: .region)
        try container.encode(profile.active, forKey: .active)
        try container.encode(PreferencesView(recipient), forKey: .preferences)
        try container.encode(recipient.createdAt, forKey: .createdAt)
        try container.encode(recipient.updatedAt, forKey: .updatedAt)
    }
}

/// A webhook subscription; its secret only in the answer that made it.
struct SubscriptionView: ResponseEncodable, Sendable {
    var subscription: Subscription
    var showSecret = false

    private enum Keys: String, CodingKey {
        case id, url, eventTypes, description, status, consecutiveFailures, suspendedAt, lastError, createdBy, createdAt, updatedAt, secret,
            allowedActions
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(subscription.id, forKey: .id)
        try container.encode(subscription.url, forKey: .url)
        try container.encode(subscription.eventTypes.map(\.rawValue), forKey: .eventTypes)
        try container.encode(subscription.description, forKey: .description)
        try container.encode(subscription.status.rawValue, forKey: .status)
        try container.encode(subscription.consecutiveFailures, forKey: .consecutiveFailures)
        try container.encode(subscription.suspendedAt, forKey: .suspendedAt)
        try container.encode(subscription.lastError, forKey: .lastError)
        try container.encode(subscription.createdBy, forKey: .createdBy)
        try container.encode(subscription.createdAt, forKey: .createdAt)
        try container.encode(subscription.updatedAt, forKey: .updatedAt)
        try container.encode(subscription.status.allowedActions, forKey: .allowedActions)
        if showSecret { try container.encode(subscription.secret, forKey: .secret) }
    }
}

/// A delivery as admins see it.
struct DeliveryView: ResponseEncodable, Sendable {
    var delivery: Delivery

    private enum Keys: String, CodingKey {
        case id, eventId, eventType, channel, recipientId, subscriptionId, address, status, attempts, lastError, note, nextAttemptAt, sentAt,
            createdAt, updatedAt, subject, proposalId, digestDay, allowedActions
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(delivery.id, forKey: .id)
        try container.encode(delivery.eventID?.lowercased, forKey: .eventId)
        try container.encode(delivery.eventType, forKey: .eventType)
        try container.encode(delivery.channel.rawValue, forKey: .channel)
        try container.encode(delivery.recipientID?.lowercased, forKey: .recipientId)
        try container.encode(delivery.subscriptionID?.lowercased, forKey: .subscriptionId)
        try container.encode(delivery.address, forKey: .address)
        try container.encode(delivery.status.rawValue, forKey: .status)
        try container.encode(delivery.attempts, forKey: .attempts)
        try container.encode(delivery.lastError, forKey: .lastError)
        try container.encode(delivery.note, forKey: .note)
        try container.encode(delivery.nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(delivery.sentAt, forKey: .sentAt)
        try container.encode(delivery.createdAt, forKey: .createdAt)
        try container.encode(delivery.updatedAt, forKey: .updatedAt)
        try container.encode(delivery.subject, forKey: .subject)
        try container.encode(delivery.proposalID?.lowercased, forKey: .proposalId)
        try container.encode(delivery.digestDay, forKey: .digestDay)
        try container.encode(delivery.status.allowedActions, forKey: .allowedActions)
    }
}

/// An item of a person's feed.
struct FeedItemView: ResponseEncodable, Sendable {
    var item: FeedItem

    init(_ item: FeedItem) { self.item = item }

    private enum Keys: String, CodingKey { case id, eventId, eventType, subject, body, link, proposalId, reference, createdAt, readAt, read }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(item.id, forKey: .id)
        try container.encode(item.eventID, forKey: .eventId)
        try container.encode(item.eventType, forKey: .eventType)
        try container.encode(item.subject, forKey: .subject)
        try container.encode(item.body, forKey: .body)
        try container.encode(item.link, forKey: .link)
        try container.encode(item.proposalID?.lowercased, forKey: .proposalId)
        try container.encode(item.reference, forKey: .reference)
        try container.encode(item.createdAt, forKey: .createdAt)
        try container.encode(item.readAt, forKey: .readAt)
        try container.encode(item.readAt != nil, forKey: .read)
    }
}

/// `GET /v1/notifications`: a page of the feed and how many items are unread in all.
struct FeedPage: ResponseEncodable, Sendable {
    var items: [FeedItemView]
    var nextCursor: String?
    var unread: Int
}

/// `POST /v1/notifications/read-all`.
struct ReadAllResult: ResponseEncodable, Sendable {
    var marked: Int
    var unread: Int
}
