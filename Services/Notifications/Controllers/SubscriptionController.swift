import Events
import Foundation
import Hummingbird
import PostgresNIO
import ServiceRuntime

/// `/v1/subscriptions` (admins): partner systems' webhooks.
struct SubscriptionController: Sendable {
    let dependencies: ServiceDependencies
    let store: NotificationStore
    /// Where webhooks may point.
    let policy: WebhookPolicy
    let idempotency: Idempotency

    init(dependencies: ServiceDependencies, store: NotificationStore, policy: WebhookPolicy) {
        self.dependencies = dependencies
        self.store = store
        self.policy = policy
        self.idempotency = Idempotency(logger: dependencies.logger)
    }

    func addRoutes(to router: RouterGroup<ServiceRequestContext>) {
        let subscriptions = router.group("subscriptions")
        subscriptions.add(middleware: dependencies.authenticator)
        subscriptions.get(use: list)
        subscriptions.post(use: create)
        subscriptions.get("{id}", use: show)
        subscriptions.delete("{id}", use: delete)
        subscriptions.post("{id}/resume", use: resume)
    }

    /// `?status=&limit=&cursor=`, newest first.
    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> ListPage<SubscriptionView> {
        let access = NotificationAccess(caller: try context.requireCaller())
        var parameters = ListParameters(request, filters: ["status"])
        parameters.require("status", oneOf: Subscription.Status.allCases.map(\.rawValue))
        try parameters.validate()
        let query = parameters
        try access.checkIsAdmin("reads webhook subscriptions")
        let store = self.store
        let rows = try await dependencies.database.withConnection { connection in
            try await store.subscriptions.list(status: query.filters["status"], limit: query.limit, after: query.after, on: connection)
        }
        return ListPage(rows: rows.map { (SubscriptionView(subscription: $0.0), $0.1) }, limit: query.limit)
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> SubscriptionView {
        let access = NotificationAccess(caller: try context.requireCaller())
        let id = try context.uuidParameter("id")
        try access.checkIsAdmin("reads webhook subscriptions")
        let store = self.store
        guard let subscription = try await dependencies.database.withConnection({ connection in try await store.subscriptions.find(id: id, on: connection) })
        else { throw NotificationError.notFound("Subscription \(id.lowercased)") }
        return SubscriptionView(subscription: subscription)
    }

    /// An admin subscribes a URL to event types: 201 with the signing secret, shown this once.
    /// A URL to an internal address is refused (422) unless configuration allows it. Takes an
    /// `Idempotency-Key`.
    @Sendable func create(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await JSONBody(request, context: context)
        let input = try SubscriptionInput.parse(body)
        try NotificationAccess(caller: caller).checkIsAdmin("manages webhook subscriptions")
        if let reason = await policy.refusal(of: input.url) {
            throw NotificationError.invalid([FieldProblem(field: "url", problem: "is refused: \(reason)")])
        }
        let key = try Idempotency.request(request, caller: caller, operation: "create-subscription", body: body.bytes)
        let store = self.store
        let idempotency = self.idempotency
        let answer = try await dependencies.transaction(context) { connection in
            let answer = try await idempotency.answer(for: key, on: connection) {
                let subscription = Subscription.make(url: input.url, eventTypes: input.eventTypes, description: input.description, by: caller.sub, at: Date())
                try await store.subscriptions.insert(subscription, on: connection)
                return try Idempotency.Answer(
                    status: .created, encoding: SubscriptionView(subscription: subscription, showSecret: true),
                    headers: ["Location": "/v1/subscriptions/\(subscription.id.lowercased)"])
            }
            return (answer, answer.status)
        }
        return answer.response
    }

    /// An admin resumes a suspended subscription: what waited for it is sent now.
    @Sendable func resume(request: Request, context: ServiceRequestContext) async throws -> SubscriptionView {
        try await change(request, context, "resumes webhook subscriptions") { subscription, now, connection in
            try subscription.resume(at: now)
            try await store.deliveries.release(subscription: subscription.id, at: now, on: connection)
            try await store.wakeWorkers(on: connection)
        }
    }

    /// An admin removes a subscription: nothing more is posted to it, and what waited is suppressed.
    @Sendable func delete(request: Request, context: ServiceRequestContext) async throws -> Response {
        _ = try await change(request, context, "removes webhook subscriptions") { subscription, now, connection in
            try subscription.delete(at: now)
            try await store.deliveries.suppress(subscription: subscription.id, at: now, on: connection)
        }
        return Response(status: .noContent)
    }

    private func change(
        _ request: Request, _ context: ServiceRequestContext, _ action: String,
        _ body: @escaping @Sendable (inout Subscription, Date, PostgresConnection) async throws -> Void
    ) async throws -> SubscriptionView {
        let access = NotificationAccess(caller: try context.requireCaller())
        let id = try context.uuidParameter("id")
        try access.checkIsAdmin(action)
        let store = self.store
        return try await dependencies.transaction(context) { connection in
            guard var subscription = try await store.subscriptions.find(id: id, lock: true, on: connection) else {
                throw NotificationError.notFound("Subscription \(id.lowercased)")
            }
            try await body(&subscription, Date(), connection)
            try await store.subscriptions.save(subscription, on: connection)
            return (SubscriptionView(subscription: subscription), .ok)
        }
    }
}
