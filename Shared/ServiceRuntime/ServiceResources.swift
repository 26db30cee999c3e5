import Foundation
import Storage

/// Loads what a service ships in its bundle: `Storage/Migrations/*.sql` and `openapi.yaml`.
public enum ServiceResources {
    public static func migrations(service: String, bundle: Bundle) throws -> [Migration] {
        guard let directory = bundle.url(forResource: "Migrations", withExtension: nil) else {
            throw StorageError(.missingMigrations, "\(service) migrations are missing from the bundle")
        }
        return try Migration.load(set: service, from: directory)
    }

    public static func openAPIDocument(service: String, bundle: Bundle) throws -> String {
        guard let url = bundle.url(forResource: "openapi", withExtension: "yaml") else {
            throw StorageError(.missingMigrations, "\(service)'s openapi.yaml is missing from the bundle")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
