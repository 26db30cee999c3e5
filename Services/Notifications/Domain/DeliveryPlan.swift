import Events
import Foundation

/// What one event causes: a mail for each person it concerns (sent, held for their digest, or
/// suppressed by their choice), an item in each one's feed, and a webhook call for each
/// subscription to its type. A person in two audiences is told once on each channel.
struct DeliveryPlan: Sendable {
    struct Mail: Sendable, Equatable {
        var recipient: Recipient
        var disposition: Disposition
    }

    enum Disposition: Sendable, Equatable {
        /// Sent on its own, now.
        case send
        /// Kept for the person's daily digest.
        case digest
        /// Not sent: the person opted out of e-mail for this event type.
        case optedOut
    }

    var mails: [Mail] = []
    var feed: [Recipient] = []
    var webhooks: [Subscription] = []

    /// The plan for an event, from the people who may be concerned and the subscriptions.
    static func make(for facts: NotificationFacts, candidates: [Recipient], subscriptions: [Subscription]) -> DeliveryPlan {
        var channels: [UUID: Set<RoutingRules.Channel>] = [:]
        var order: [Recipient] = []
        for (audience, routeChannels) in RoutingRules.audiences(of: facts) {
            for recipient in candidates where RoutingRules.includes(recipient, in: audience, of: facts) {
                if channels[recipient.id] == nil { order.append(recipient) }
                channels[recipient.id, default: []].formUnion(routeChannels)
            }
        }
        var plan = DeliveryPlan()
        for recipient in order {
            let wanted = channels[recipient.id] ?? []
            if wanted.contains(.feed) { plan.feed.append(recipient) }
            if wanted.contains(.email) {
                let preferences = recipient.preferences
                let disposition: Disposition =
                    preferences.emailOptOut.contains(facts.type) ? .optedOut : preferences.digest ? .digest : .send
                plan.mails.append(Mail(recipient: recipient, disposition: disposition))
            }
        }
        plan.webhooks = subscriptions.filter { $0.receives(facts.type) }
        return plan
    }
}
