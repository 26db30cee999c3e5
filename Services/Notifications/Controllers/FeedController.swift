import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import ServiceRuntime
import Storage

/// `/v1/notifications`: the caller's own in-app feed, newest first with the unread count;
/// marking read; and a live stream of it (Server-Sent Events) for pages.
struct FeedController: Sendable {
    let dependencies: ServiceDependencies
    let store: NotificationStore
    let broadcaster: FeedBroadcaster
    /// How often an idle stream says it is alive (proxies close silent connections).
    var heartbeat: Duration = .seconds(15)
    /// How long one stream lasts before the client reconnects (with `Last-Event-ID`).
    var streamLifetime: Duration = .seconds(1800)

    func addRoutes(to router: RouterGroup<ServiceRequestContext>) {
        let feed = router.group("notifications")
        feed.add(middleware: dependencies.authenticator)
        feed.get(use: list)
        feed.get("stream", use: stream)
        feed.post("read-all", use: readAll)
        feed.post("{id}/read", use: read)
    }

    /// `?unread=true&limit=&cursor=`: the caller's items, newest first, and how many are unread.
    /// A person not in the directory has an empty feed.
    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> FeedPage {
        let caller = try context.requireCaller()
        var parameters = ListParameters(request, filters: ["unread"])
        parameters.require("unread", oneOf: ["true", "false"])
        try parameters.validate()
        let query = parameters
        let store = self.store
        return try await dependencies.database.withConnection { connection in
            guard let recipient = try await store.recipients.find(sub: caller.sub, on: connection) else {
                return FeedPage(items: [], nextCursor: nil, unread: 0)
            }
            let rows = try await store.feed.list(
                recipient: recipient.id, unreadOnly: query.filters["unread"] == "true", limit: query.limit, after: query.after, on: connection)
            let page = ListPage(rows: rows.map { (FeedItemView($0.0), $0.1) }, limit: query.limit)
            return FeedPage(items: page.items, nextCursor: page.nextCursor, unread: try await store.feed.unreadCount(of: recipient.id, on: connection))
        }
    }

    /// Marks one of the caller's items read (404 for anyone else's).
    @Sendable func read(request: Request, context: ServiceRequestContext) async throws -> FeedItemView {
        let caller = try context.requireCaller()
        let id = try context.uuidParameter("id")
        let store = self.store
        return try await dependencies.transaction(context) { connection in
            guard let recipient = try await store.recipients.find(sub: caller.sub, on: connection),
                let item = try await store.feed.markRead(id, of: recipient.id, at: Date(), on: connection)
            else { throw NotificationError.notFound("Notification \(id.lowercased)") }
            return (FeedItemView(item), .ok)
        }
    }

    /// Marks all the caller's items read.
    @Sendable func readAll(request: Request, context: ServiceRequestContext) async throws -> ReadAllResult {
        let caller = try context.requireCaller()
        let store = self.store
        return try await dependencies.transaction(context) { connection in
            guard let recipient = try await store.recipients.find(sub: caller.sub, on: connection) else { return (ReadAllResult(marked: 0, unread: 0), .ok) }
            return (ReadAllResult(marked: try await store.feed.markAllRead(of: recipient.id, at: Date(), on: connection), unread: 0), .ok)
        }
    }

    private enum Signal: Sendable {
        case changed
        case heartbeat
    }

    /// `text/event-stream`: `event: unread` with the count at once and on every change, and
    /// `event: notification` (id = the item's sequence) for each new item. A client that
    /// reconnects with `Last-Event-ID` gets what it missed.
    @Sendable func stream(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let store = self.store
        let resumeFrom = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }.map { max(0, $0) }
        let (recipient, start) = try await dependencies.database.withConnection { connection -> (UUID, Int64) in
            guard let recipient = try await store.recipients.find(sub: caller.sub, on: connection) else {
                throw NotificationError.notInDirectory(sub: caller.sub)
            }
            if let resumeFrom { return (recipient.id, resumeFrom) }
            return (recipient.id, try await store.feed.lastSeq(of: recipient.id, on: connection))
        }
        let changes = broadcaster.changes(of: recipient)
        let database = dependencies.database
        let heartbeat = self.heartbeat
        let lifetime = self.streamLifetime
        let logger = context.logger
        let body = ResponseBody { writer in
            let (signals, signal) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .bufferingNewest(4))
            // A graceful shutdown ends the stream (the server waits for open responses).
            await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in changes { signal.yield(.changed) }
                    signal.finish()
                }
                group.addTask {
                    let end = ContinuousClock.now + lifetime
                    while ContinuousClock.now < end {
                        try? await Task.sleep(for: heartbeat)
                        if Task.isCancelled { break }
                        signal.yield(.heartbeat)
                    }
                    signal.finish()
                }
                var last = start
                do {
                    try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                    last = try await Self.send(after: last, of: recipient, store: store, database: database, to: &writer)
                    for await next in signals {
                        switch next {
                        case .heartbeat: try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        case .changed: last = try await Self.send(after: last, of: recipient, store: store, database: database, to: &writer)
                        }
                    }
                } catch {
                    logger.debug("feed stream ended", metadata: ["error": "\(error)"])
                }
                group.cancelAll()
            }
            } onGracefulShutdown: {
                signal.finish()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body)
    }

    /// Writes the items after `seq` (every one, a page at a time) and the unread count; returns
    /// the last sequence written.
    private static func send(
        after seq: Int64, of recipient: UUID, store: NotificationStore, database: Database, to writer: inout any ResponseBodyWriter
    ) async throws -> Int64 {
        var last = seq
        while true {
            let from = last
            let (items, unread) = try await database.withConnection { connection in
                (try await store.feed.items(of: recipient, after: from, limit: 200, on: connection), try await store.feed.unreadCount(of: recipient, on: connection))
            }
            var text = ""
            for item in items {
                let json = String(decoding: try ResponseJSON.encoder.encode(FeedItemView(item)), as: UTF8.self)
                text += "id: \(item.seq)\nevent: notification\ndata: \(json)\n\n"
            }
            last = items.last?.seq ?? last
            if items.count == 200 {
                try await writer.write(ByteBuffer(string: text))
                continue
            }
            text += "event: unread\ndata: {\"unread\":\(unread)}\n\n"
            try await writer.write(ByteBuffer(string: text))
            return last
        }
    }
}
