import Events
import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Adds the people of a readable JSON file to the directory when the service starts (the local
/// stack's `deploy/local/recipients.json`): each one whose `sub` is not there yet, so a second
/// start adds nothing and an admin's later changes stay.
struct RecipientSeeder: Service {
    let file: String
    let database: Database
    let store: NotificationStore
    let reference: ReferenceData
    let logger: Logger

    struct Entry: Decodable {
        var sub: String
        var name: String
        var email: String
        var language: Language?
        var role: Caller.Role
        var country: String?
        var region: String?
    }

    func run() async throws {
        let entries = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        var accepted: [Recipient.Profile] = []
        for entry in entries {
            let profile = Recipient.Profile(
                sub: entry.sub, name: entry.name, email: entry.email, language: entry.language ?? .en, role: entry.role, country: entry.country,
                region: entry.region, active: true)
            do {
                try profile.check()
                if !EmailAddress.isPlausible(entry.email) { throw NotificationError.invalid([.init(field: "email", problem: "must be an e-mail address")]) }
                try RecipientInput.checkPlace(profile, reference: reference)
                if let region = entry.region, reference.region(region) == nil { throw NotificationError.invalid([.init(field: "region", problem: "unknown")]) }
                accepted.append(profile)
            } catch {
                logger.warning("recipients file: entry skipped", metadata: ["recipient.sub": "\(entry.sub)", "error": "\(error)"])
            }
        }
        let store = self.store
        let profiles = accepted
        let added = try await cancelWhenGracefulShutdown {
            while true {
                do {
                    return try await database.withTransaction(logger: logger) { connection in
                        var added = 0
                        for profile in profiles {
                            let now = Date()
                            let recipient = Recipient(id: UUID(), profile: profile, preferences: .init(), createdAt: now, updatedAt: now)
                            if try await store.recipients.insert(recipient, on: connection) { added += 1 }
                        }
                        return added
                    }
                } catch {
                    logger.warning("recipients file not loaded yet; trying again", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: .seconds(2))
                }
            }
        }
        logger.info("recipients file loaded", metadata: ["file": "\(file)", "added": "\(added)", "listed": "\(entries.count)"])
        try? await gracefulShutdown()
    }
}
