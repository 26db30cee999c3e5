import Foundation
import Logging
import PostgresNIO
import Storage

/// Makes the day's digests (a scheduled job in every replica): for each person with mails held
/// for their digest, one digest mail a day. The unique (person, day) index makes it once per
/// person per day however many replicas run the job at the same moment.
struct DigestMaker: Sendable {
    let database: Database
    let store: NotificationStore
    let renderer: MessageRenderer
    let hour: Int
    let logger: Logger

    /// Makes the digests due at `time`; how many it made.
    @discardableResult
    func makeDue(at time: Date = Date()) async throws -> Int {
        guard let day = Digest.dueDay(at: time, hour: hour) else { return 0 }
        let store = self.store
        let people = try await database.withConnection { connection in
            try await store.deliveries.awaitingDigest(before: time, on: connection)
        }
        var made = 0
        for person in people {
            if try await makeDigest(for: person, day: day, before: time) { made += 1 }
        }
        return made
    }

    private func makeDigest(for person: UUID, day: String, before time: Date) async throws -> Bool {
        let store = self.store
        let renderer = self.renderer
        return try await database.withTransaction(logger: logger) { connection in
            // The held mails first, locked: a replica doing the same person waits here, then
            // finds the day's digest made.
            let items = try await store.deliveries.waitingForDigest(recipient: person, before: time, on: connection)
            guard !items.isEmpty, let recipient = try await store.recipients.find(id: person, on: connection) else { return false }
            let now = Date()
            let digest = Delivery(
                id: UUID(), eventID: nil, eventType: Delivery.digestType, channel: .email, recipientID: person, subscriptionID: nil,
                address: recipient.profile.email, status: .pending, attempts: 0, lastError: nil, note: "\(items.count) notifications",
                nextAttemptAt: nil, sentAt: nil, createdAt: now, updatedAt: now, subject: nil, proposalID: nil, digestDay: day)
            guard try await store.deliveries.claimDigest(digest, on: connection) else { return false }
            let message = renderer.renderDigest(
                items.map { MessageRenderer.DigestItem(subject: $0.1, link: $0.2) }, for: recipient.profile.name, day: day, in: recipient.language)
            try await store.deliveries.completeDigest(digest.id, message: message, items: items.map(\.0), at: now, on: connection)
            try await store.wakeWorkers(on: connection)
            return true
        }
    }
}
