import Events
import Foundation
import Logging
import PostgresNIO
import Storage

/// The notifications service's storage, one repository per table, and the one change every
/// event makes: its deliveries and feed items, written in the consumer's transaction (the one
/// that records the event in the inbox), so an event redelivered makes nothing twice.
struct NotificationStore: Sendable {
    let recipients: RecipientRepository
    let subscriptions: SubscriptionRepository
    let deliveries: DeliveryRepository
    let feed: FeedRepository
    let proposals: ProposalDirectory
    let logger: Logger
    /// `<schema>_deliveries`: a worker of any replica wakes when deliveries are due.
    let deliveriesChannel: String

    init(schema: String, logger: Logger) {
        self.recipients = RecipientRepository(logger: logger)
        self.subscriptions = SubscriptionRepository(logger: logger)
        self.deliveries = DeliveryRepository(logger: logger)
        self.feed = FeedRepository(logger: logger, channel: Self.feedChannel(schema: schema))
        self.proposals = ProposalDirectory(logger: logger)
        self.logger = logger
        self.deliveriesChannel = "\(schema)_deliveries"
    }

    static func feedChannel(schema: String) -> String { "\(schema)_feed" }

    /// Tells everyone an event concerns, on their channels, in their language.
    /// - Parameters:
    ///   - body: the event as published: what webhooks post.
    func notify(_ event: NotificationFacts, body: [UInt8], renderer: MessageRenderer, on connection: PostgresConnection) async throws {
        var facts = event
        if let summary = facts.proposal {
            facts.proposal = summary.completed(by: try await proposals.find(summary.id, on: connection))
            if let complete = facts.proposal, complete.isComplete {
                try await proposals.remember(complete, at: facts.occurredAt, on: connection)
            }
        }
        let plan = DeliveryPlan.make(
            for: facts, candidates: try await recipients.candidates(for: facts, on: connection),
            subscriptions: try await subscriptions.receiving(facts.type, on: connection))
        let now = Date()
        var rendered: [UUID: RenderedMessage] = [:]
        func message(for recipient: Recipient) -> RenderedMessage {
            if let message = rendered[recipient.id] { return message }
            let message = renderer.render(facts, for: recipient.profile.name, in: recipient.language)
            rendered[recipient.id] = message
            return message
        }
        let link = renderer.link(facts.linkPath)
        var news: [DeliveryRepository.New] = []
        for mail in plan.mails {
            let content = message(for: mail.recipient)
            var delivery = Delivery(
                id: UUID(), eventID: facts.eventID, eventType: facts.type.rawValue, channel: .email, recipientID: mail.recipient.id,
                subscriptionID: nil, address: mail.recipient.profile.email, status: .pending, attempts: 0, lastError: nil, note: nil,
                nextAttemptAt: now, sentAt: nil, createdAt: now, updatedAt: now, subject: content.subject, proposalID: facts.proposal?.id,
                digestDay: nil)
            switch mail.disposition {
            case .send: break
            case .digest:
                delivery.status = .suppressed
                delivery.note = "held for the daily digest"
                delivery.nextAttemptAt = nil
            case .optedOut:
                delivery.status = .suppressed
                delivery.note = "the recipient opted out of e-mail for \(facts.type.rawValue)"
                delivery.nextAttemptAt = nil
            }
            news.append(.init(delivery: delivery, text: content.text, html: content.html, link: link, forDigest: mail.disposition == .digest))
        }
        for subscription in plan.webhooks {
            let delivery = Delivery(
                id: UUID(), eventID: facts.eventID, eventType: facts.type.rawValue, channel: .webhook, recipientID: nil,
                subscriptionID: subscription.id, address: subscription.url, status: .pending, attempts: 0, lastError: nil, note: nil,
                nextAttemptAt: now, sentAt: nil, createdAt: now, updatedAt: now, subject: nil, proposalID: facts.proposal?.id, digestDay: nil)
            news.append(.init(delivery: delivery, payload: body))
        }
        let inserted = try await deliveries.insert(news, on: connection)
        try await feed.insert(
            plan.feed.map { recipient in
                let content = message(for: recipient)
                return FeedItem(
                    id: UUID(), seq: 0, recipientID: recipient.id, eventID: facts.eventID, eventType: facts.type.rawValue, subject: content.subject,
                    body: content.text, link: link, proposalID: facts.proposal?.id, reference: facts.proposal?.reference, createdAt: now, readAt: nil)
            }, on: connection)
        if inserted > 0 { try await wakeWorkers(on: connection) }
        logger.debug(
            "event routed",
            metadata: [
                "event.id": "\(facts.eventID.lowercased)", "event.type": "\(facts.type.rawValue)", "mails": "\(plan.mails.count)",
                "feed": "\(plan.feed.count)", "webhooks": "\(plan.webhooks.count)",
            ])
    }

    /// Wakes the delivery workers of every replica once the transaction commits.
    func wakeWorkers(on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_notify(\(deliveriesChannel), '')", logger: logger)
    }
}
