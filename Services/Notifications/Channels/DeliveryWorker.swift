import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceLifecycle
import Storage

/// Sends what is due, in every replica at once: claims deliveries with `SKIP LOCKED` (so
/// replicas share the work and never take the same one), sends each, and records the result
/// in its own short transaction right after, so the one window where a mail can go twice (the
/// server accepted it, the process died before the record) stays as short as a commit.
/// Woken by NOTIFY when an event made deliveries, and polls for retries that fall due.
struct DeliveryWorker: Service {
    struct Configuration: Sendable {
        var concurrency: Int
        var poll: Duration
        var lease: Duration
        var retry: RetryPolicy
        /// Failed webhook attempts in a row that suspend a subscription.
        var suspendAfter: Int
        var sender: MailMessage.Mailbox
        /// The longest one attempt may take (the SMTP or webhook timeout, and a name lookup).
        var attemptLimit: Duration
    }

    let database: Database
    let store: NotificationStore
    let mailer: SMTPMailer
    let webhooks: WebhookSender
    let configuration: Configuration
    let logger: Logger

    func run() async throws {
        let doorbell = Doorbell()
        let listener = ChannelListener(configuration: database.configuration, channel: store.deliveriesChannel, logger: logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await listener.run { _ in doorbell.ring() } }
            await withGracefulShutdownHandler {
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    let claimed = await round()
                    if claimed < configuration.concurrency { await doorbell.wait(upTo: configuration.poll) }
                }
            } onGracefulShutdown: {
                doorbell.ring()
            }
            group.cancelAll()
        }
        try await webhooks.client.shutdown()
        await mailer.shutdown()
    }

    /// Claims a batch and sends it, `concurrency` at a time; how many it claimed.
    private func round() async -> Int {
        let batch: [DeliveryRepository.Claimed]
        do {
            let store = self.store
            let configuration = self.configuration
            batch = try await database.withConnection { connection in
                try await store.deliveries.claim(limit: configuration.concurrency, lease: configuration.lease, at: Date(), on: connection)
            }
        } catch {
            logger.warning("could not claim deliveries; trying again", metadata: ["error": "\(String(reflecting: DatabaseFailure.underlying(error)))"])
            try? await Task.sleep(for: .seconds(1))
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for claimed in batch {
                group.addTask { await self.deliver(claimed) }
            }
        }
        return batch.count
    }

    private func deliver(_ claimed: DeliveryRepository.Claimed) async {
        var delivery = claimed.delivery
        guard claimed.leaseCovers(Double(configuration.attemptLimit.components.seconds)) else {
            // Claimed long ago (a slow batch): another worker may take it over before this
            // attempt could end. Leave it; the lease running out makes it due again.
            logger.warning("delivery left to a later claim: its lease would not cover the attempt", metadata: ["delivery.id": "\(delivery.id.lowercased)"])
            return
        }
        let outcome: Delivery.Outcome
        switch delivery.channel {
        case .email:
            let message = MailMessage(
                from: configuration.sender, to: .init(name: claimed.recipientName, address: delivery.address), subject: delivery.subject ?? "",
                text: claimed.text, html: claimed.html,
                messageID: MailMessage.messageID(delivery: delivery.id, sender: configuration.sender.address), date: delivery.createdAt,
                extraHeaders: [("X-CoE-Event-Type", delivery.eventType), ("X-CoE-Delivery", delivery.id.lowercased)]
                    + (delivery.eventID.map { [("X-CoE-Event-Id", $0.lowercased)] } ?? []))
            outcome = await mailer.send(message)
        case .webhook:
            outcome = await webhooks.send(id: delivery.id, body: claimed.payload, to: delivery.address, key: claimed.signingKey, at: Date())
        }
        delivery.record(outcome, policy: configuration.retry, at: Date(), jitter: Double.random(in: 0...1))
        let metadata: Logger.Metadata = [
            "delivery.id": "\(delivery.id.lowercased)", "delivery.channel": "\(delivery.channel.rawValue)", "delivery.status": "\(delivery.status.rawValue)",
            "delivery.attempts": "\(delivery.attempts)", "event.type": "\(delivery.eventType)",
        ]
        if let error = delivery.lastError { logger.info("delivery attempt failed", metadata: metadata.merging(["error": "\(error)"]) { $1 }) }
        // Recorded until it is: a database that went away must not leave a sent mail "sending".
        for attempt in 1... {
            do {
                try await record(delivery, outcome: outcome)
                logger.debug("delivery attempt recorded", metadata: metadata)
                return
            } catch {
                // Not given up on cancellation: the mail is out, and a lost record sends it again.
                if attempt >= 30 {
                    logger.error("could not record a delivery's attempt; its lease will make it due again", metadata: metadata)
                    return
                }
                try? await Task.sleep(for: .milliseconds(200 * min(attempt, 10)))
            }
        }
    }

    private func record(_ delivery: Delivery, outcome: Delivery.Outcome) async throws {
        let store = self.store
        let suspendAfter = configuration.suspendAfter
        let logger = self.logger
        try await database.withTransaction(logger: logger) { connection in
            guard try await store.deliveries.complete(delivery, on: connection) else { return }
            guard delivery.channel == .webhook, let id = delivery.subscriptionID,
                var subscription = try await store.subscriptions.find(id: id, lock: true, on: connection)
            else { return }
            switch outcome {
            case .delivered:
                subscription.recordSuccess(at: delivery.updatedAt)
            case .transient(let error), .permanent(let error):
                if subscription.recordFailure(error, threshold: suspendAfter, at: delivery.updatedAt) {
                    logger.warning(
                        "webhook subscription suspended after failing repeatedly",
                        metadata: ["subscription.id": "\(id.lowercased)", "failures": "\(subscription.consecutiveFailures)"])
                }
            }
            try await store.subscriptions.save(subscription, on: connection)
        }
    }
}
