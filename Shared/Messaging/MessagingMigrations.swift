import Foundation
import Storage

/// The outbox and inbox tables every service needs, applied with the service's own migrations.
public enum MessagingMigrations {
    public static func load() throws -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw StorageError(.missingMigrations, "the messaging migrations are missing from the bundle")
        }
        return try Migration.load(set: "messaging", from: directory)
    }
}
