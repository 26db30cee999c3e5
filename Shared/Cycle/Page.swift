/// One page of a list, as every paginated list of the services answers it.
public struct Page<Item: Decodable & Sendable>: Decodable, Sendable {
    public var items: [Item]
    /// Absent on the last page.
    public var nextCursor: String?
}

extension CoEClient {
    /// The largest page the services give.
    static let pageSize = 100

    /// Every item of a paginated list, following `nextCursor` page by page.
    func allPages<Item: Decodable & Sendable>(
        _ service: CoEService, _ path: String, query: [(String, String?)], of type: Item.Type, as person: Person
    ) async throws -> [Item] {
        var items: [Item] = []
        var cursor: String?
        repeat {
            let call = Call(service, .GET, path, query: query + [("limit", String(Self.pageSize)), ("cursor", cursor)])
            let reply = try await send(call, as: person, expecting: [200])
            let page = try decode(Page<Item>.self, from: reply, of: call)
            items += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return items
    }
}
