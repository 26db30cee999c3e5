import Events
import Foundation
import Hummingbird
import ServiceRuntime

/// `/v1/deliveries` (admins): every mail and webhook call, with its status and attempts; a
/// failed one can be sent again.
struct DeliveryController: Sendable {
    let dependencies: ServiceDependencies
    let store: NotificationStore
    let digests: DigestMaker

    func addRoutes(to router: RouterGroup<ServiceRequestContext>) {
        let deliveries = router.group("deliveries")
        deliveries.add(middleware: dependencies.authenticator)
        deliveries.get(use: list)
        deliveries.get("{id}", use: show)
        deliveries.post("{id}/retry", use: retry)
        let digests = router.group("digests")
        digests.add(middleware: dependencies.authenticator)
        digests.post("run", use: runDigests)
    }

    /// What `POST /v1/digests/run` answers.
    struct DigestRun: ResponseEncodable, Sendable {
        var made: Int
    }

    /// An admin makes the digests due now rather than at the job's next round (after an outage,
    /// say). Still one per person per day: a digest made today is not made again.
    @Sendable func runDigests(request: Request, context: ServiceRequestContext) async throws -> DigestRun {
        try NotificationAccess(caller: try context.requireCaller()).checkIsAdmin("runs the daily digests")
        return DigestRun(made: try await digests.makeDue())
    }

    /// `?status=&channel=&eventId=&recipientId=&subscriptionId=&limit=&cursor=`, newest first.
    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> ListPage<DeliveryView> {
        let access = NotificationAccess(caller: try context.requireCaller())
        var parameters = ListParameters(request, filters: ["status", "channel", "eventId", "recipientId", "subscriptionId"])
        parameters.require("status", oneOf: Delivery.Status.allCases.map(\.rawValue))
        parameters.require("channel", oneOf: Delivery.Channel.allCases.map(\.rawValue))
        var ids: [String: UUID] = [:]
        for name in ["eventId", "recipientId", "subscriptionId"] {
            guard let text = parameters.filters[name] else { continue }
            if let id = UUID(uuidString: text) { ids[name] = id } else { parameters.problem(name, "must be a UUID") }
        }
        try parameters.validate()
        let query = parameters
        try access.checkIsAdmin("reads deliveries")
        let filter = DeliveryRepository.Filter(
            status: query.filters["status"], channel: query.filters["channel"], eventID: ids["eventId"], recipientID: ids["recipientId"],
            subscriptionID: ids["subscriptionId"], limit: query.limit, after: query.after)
        let store = self.store
        let rows = try await dependencies.database.withConnection { connection in try await store.deliveries.list(filter, on: connection) }
        return ListPage(rows: rows.map { (DeliveryView(delivery: $0.0), $0.1) }, limit: query.limit)
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> DeliveryView {
        let access = NotificationAccess(caller: try context.requireCaller())
        let id = try context.uuidParameter("id")
        try access.checkIsAdmin("reads deliveries")
        let store = self.store
        guard let delivery = try await dependencies.database.withConnection({ connection in try await store.deliveries.find(id: id, on: connection) })
        else { throw NotificationError.notFound("Delivery \(id.lowercased)") }
        return DeliveryView(delivery: delivery)
    }

    /// An admin sends a failed delivery again (409 `invalid-state` for any other).
    @Sendable func retry(request: Request, context: ServiceRequestContext) async throws -> DeliveryView {
        let access = NotificationAccess(caller: try context.requireCaller())
        let id = try context.uuidParameter("id")
        try access.checkIsAdmin("retries deliveries")
        let store = self.store
        return try await dependencies.transaction(context) { connection in
            guard var delivery = try await store.deliveries.find(id: id, lock: true, on: connection) else {
                throw NotificationError.notFound("Delivery \(id.lowercased)")
            }
            var deleted = false
            if let subscription = delivery.subscriptionID {
                deleted = try await store.subscriptions.find(id: subscription, on: connection)?.status == .deleted
            }
            try delivery.retry(at: Date(), subscriptionDeleted: deleted)
            try await store.deliveries.save(delivery, on: connection)
            try await store.wakeWorkers(on: connection)
            return (DeliveryView(delivery: delivery), .ok)
        }
    }
}
