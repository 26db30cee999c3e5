import Events
import Foundation

// Notifications (`:8084`): the directory of people (admins), deliveries (admins), each person's feed.
extension CoEClient {
    /// An admin puts `person` in the directory as they are: added (`POST`, 201), or, when their
    /// `sub` is there already (409 `recipient-exists`), their profile changed to this one (`PATCH`)
    /// if it differs.
    ///
    /// Notifications has no `PUT` by subject and no lookup by `sub`: the existing entry is found
    /// in the list of the person's role (the whole directory when their entry has another role).
    public func registerRecipient(_ person: Person, as admin: Person, key: String? = nil) async throws -> Registration {
        // Safe to repeat without a key: a second POST of the same `sub` is the 409 handled below.
        let call = Call(.notifications, .POST, "/v1/recipients", body: try Self.encoded(person), idempotencyKey: key, repeatable: true)
        let reply = try await send(call, as: admin, expecting: [201, 409])
        if reply.status == 201 { return Registration(outcome: .created, recipient: try decode(Recipient.self, from: reply, of: call)) }
        guard (try? Self.decoder().decode(Problem.self, from: reply.body))?.name == "recipient-exists" else { throw unexpected(reply, to: call) }
        var found = try await recipient(sub: person.sub, role: person.role, as: admin)
        if found == nil { found = try await recipients(as: admin).first { $0.sub == person.sub } }
        guard let existing = found else {
            throw CoEClientError(
                .unexpectedStatus, method: "POST", path: call.path, status: 409,
                detail: "Notifications says '\(person.sub)' is in the directory but does not list them")
        }
        if existing.matches(person) { return Registration(outcome: .unchanged, recipient: existing) }
        struct Changes: Encodable {
            var name: String
            var email: String
            var language: Language
            var role: Caller.Role
            // Explicit nulls: a place the person no longer has is cleared.
            var country: String?
            var region: String?
            var active = true

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(name, forKey: .name)
                try container.encode(email, forKey: .email)
                try container.encode(language, forKey: .language)
                try container.encode(role, forKey: .role)
                try container.encode(country, forKey: .country)
                try container.encode(region, forKey: .region)
                try container.encode(active, forKey: .active)
            }

            enum CodingKeys: String, CodingKey { case name, email, language, role, country, region, active }
        }
        let changes = Changes(name: person.name, email: person.email, language: person.language, role: person.role, country: person.country, region: person.region)
        // Setting the whole profile twice sets it once: safe to retry though notifications takes no key for it.
        let patch = Call(.notifications, .PATCH, "/v1/recipients/\(existing.id.lowercased)", body: try Self.encoded(changes), repeatable: true)
        let updated = try decode(Recipient.self, from: try await send(patch, as: admin, expecting: [200]), of: patch)
        return Registration(outcome: .updated, recipient: updated)
    }

    /// The directory, or the part of it that passes the filters, all pages.
    public func recipients(
        role: Caller.Role? = nil, country: String? = nil, region: String? = nil, active: Bool? = nil, as admin: Person
    ) async throws -> [Recipient] {
        try await allPages(
            .notifications, "/v1/recipients",
            query: [("role", role?.rawValue), ("country", country), ("region", region), ("active", active.map { $0 ? "true" : "false" })],
            of: Recipient.self, as: admin)
    }

    /// The directory's entry of `sub`, looked for among the people of `role`.
    public func recipient(sub: String, role: Caller.Role, as admin: Person) async throws -> Recipient? {
        try await recipients(role: role, as: admin).first { $0.sub == sub }
    }

    /// Deliveries, newest first, all pages (admins).
    public func deliveries(
        status: String? = nil, channel: String? = nil, eventID: UUID? = nil, recipientID: UUID? = nil, as admin: Person
    ) async throws -> [Delivery] {
        try await allPages(
            .notifications, "/v1/deliveries",
            query: [("status", status), ("channel", channel), ("eventId", eventID?.lowercased), ("recipientId", recipientID?.lowercased)],
            of: Delivery.self, as: admin)
    }

    /// How many deliveries there are in each status (`sent`, `pending`, `failed`, …).
    public func deliveryCounts(as admin: Person) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for delivery in try await deliveries(as: admin) { counts[delivery.status, default: 0] += 1 }
        return counts
    }

    /// How many of the person's feed items are unread (one small request).
    public func unreadCount(as person: Person) async throws -> Int {
        struct Count: Decodable { var unread: Int }
        let reply = try await send(Call(.notifications, .GET, "/v1/notifications", query: [("unread", "true"), ("limit", "1")]), as: person, expecting: [200])
        return try decode(Count.self, from: reply, of: Call(.notifications, .GET, "/v1/notifications")).unread
    }

    /// `person`'s own feed, newest first, all pages, and their unread count.
    public func feed(unreadOnly: Bool = false, as person: Person) async throws -> Feed {
        struct FeedPage: Decodable {
            var items: [FeedItem]
            var nextCursor: String?
            var unread: Int
        }
        var items: [FeedItem] = []
        var unread = 0
        var cursor: String?
        repeat {
            let call = Call(
                .notifications, .GET, "/v1/notifications",
                query: [("unread", unreadOnly ? "true" : nil), ("limit", String(Self.pageSize)), ("cursor", cursor)])
            let page = try decode(FeedPage.self, from: try await send(call, as: person, expecting: [200]), of: call)
            items += page.items
            unread = page.unread
            cursor = page.nextCursor
        } while cursor != nil
        return Feed(items: items, unread: unread)
    }
}
