import Events
import Foundation
import Hummingbird
import ServiceRuntime

/// `/v1/recipients` (admins): the people the initiative tells things to; `/v1/reviewers`
/// (secretariats and admins): the active reviewers to assign; and `/v1/preferences`: each
/// person's own choices.
struct RecipientController: Sendable {
    let dependencies: ServiceDependencies
    let store: NotificationStore
    let reference: ReferenceData
    let idempotency: Idempotency

    init(dependencies: ServiceDependencies, store: NotificationStore, reference: ReferenceData) {
        self.dependencies = dependencies
        self.store = store
        self.reference = reference
        self.idempotency = Idempotency(logger: dependencies.logger)
    }

    func addRoutes(to router: RouterGroup<ServiceRequestContext>) {
        let recipients = router.group("recipients")
        recipients.add(middleware: dependencies.authenticator)
        recipients.get(use: list)
        recipients.post(use: create)
        recipients.get("{id}", use: show)
        recipients.patch("{id}", use: update)
        let reviewers = router.group("reviewers")
        reviewers.add(middleware: dependencies.authenticator)
        reviewers.get(use: listReviewers)
        let preferences = router.group("preferences")
        preferences.add(middleware: dependencies.authenticator)
        preferences.get(use: showPreferences)
        preferences.put(use: updatePreferences)
    }

    /// `?role=&country=&region=&active=&limit=&cursor=`, newest first.
    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> ListPage<RecipientView> {
        let access = NotificationAccess(caller: try context.requireCaller())
        var parameters = ListParameters(request, filters: ["role", "country", "region", "active"])
        parameters.require("role", oneOf: Caller.Role.allCases.map(\.rawValue))
        parameters.require("active", oneOf: ["true", "false"])
        parameters.limitLength(of: "country", to: 2)
        parameters.limitLength(of: "region", to: 10)
        try parameters.validate()
        let query = parameters
        try access.checkIsAdmin("reads the recipients directory")
        let filter = RecipientRepository.Filter(
            role: query.filters["role"], country: query.filters["country"], region: query.filters["region"],
            active: query.filters["active"].map { $0 == "true" }, limit: query.limit, after: query.after)
        let store = self.store
        let rows = try await dependencies.database.withConnection { connection in try await store.recipients.list(filter, on: connection) }
        return ListPage(rows: rows.map { (RecipientView($0.0), $0.1) }, limit: query.limit)
    }

    /// `?country=&limit=&cursor=`: the active reviewers, newest first, as a secretariat chooses
    /// among them (never the inactive ones, never anyone's preferences).
    @Sendable func listReviewers(request: Request, context: ServiceRequestContext) async throws -> ListPage<ReviewerView> {
        let access = NotificationAccess(caller: try context.requireCaller())
        var parameters = ListParameters(request, filters: ["country"])
        parameters.limitLength(of: "country", to: 2)
        try parameters.validate()
        let query = parameters
        try access.checkMayListReviewers()
        let filter = RecipientRepository.Filter(
            role: Caller.Role.reviewer.rawValue, country: query.filters["country"], region: nil, active: true, limit: query.limit, after: query.after)
        let store = self.store
        let rows = try await dependencies.database.withConnection { connection in try await store.recipients.list(filter, on: connection) }
        return ListPage(rows: rows.map { (ReviewerView($0.0), $0.1) }, limit: query.limit)
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> RecipientView {
        let access = NotificationAccess(caller: try context.requireCaller())
        let id = try context.uuidParameter("id")
        try access.checkIsAdmin("reads the recipients directory")
        let store = self.store
        guard let recipient = try await dependencies.database.withConnection({ connection in try await store.recipients.find(id: id, on: connection) })
        else { throw NotificationError.notFound("Recipient \(id.lowercased)") }
        return RecipientView(recipient)
    }

    /// An admin adds a person: 201; 409 when their `sub` is in the directory. Takes an `Idempotency-Key`.
    @Sendable func create(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await JSONBody(request, context: context)
        let profile = try RecipientInput.parseNew(body, reference: reference)
        try NotificationAccess(caller: caller).checkIsAdmin("adds recipients")
        try profile.check()
        try RecipientInput.checkPlace(profile, reference: reference)
        let key = try Idempotency.request(request, caller: caller, operation: "create-recipient", body: body.bytes)
        let store = self.store
        let idempotency = self.idempotency
        let answer = try await dependencies.transaction(context) { connection in
            let answer = try await idempotency.answer(for: key, on: connection) {
                let now = Date()
                let recipient = Recipient(id: UUID(), profile: profile, preferences: .init(), createdAt: now, updatedAt: now)
                guard try await store.recipients.insert(recipient, on: connection) else {
                    let existing = try await store.recipients.find(sub: profile.sub, on: connection)
                    throw NotificationError.recipientExists(sub: profile.sub, id: existing?.id ?? recipient.id)
                }
                return try Idempotency.Answer(
                    status: .created, encoding: RecipientView(recipient), headers: ["Location": "/v1/recipients/\(recipient.id.lowercased)"])
            }
            return (answer, answer.status)
        }
        return answer.response
    }

    /// An admin changes a person's profile (name, e-mail, language, role, place, active).
    @Sendable func update(request: Request, context: ServiceRequestContext) async throws -> RecipientView {
        let caller = try context.requireCaller()
        let id = try context.uuidParameter("id")
        let body = try await JSONBody(request, context: context)
        let input = try RecipientInput.parse(body, reference: reference, creating: false)
        try NotificationAccess(caller: caller).checkIsAdmin("changes recipients")
        let store = self.store
        let reference = self.reference
        return try await dependencies.transaction(context) { connection in
            guard var recipient = try await store.recipients.find(id: id, lock: true, on: connection) else {
                throw NotificationError.notFound("Recipient \(id.lowercased)")
            }
            let profile = input.applied(to: recipient.profile)
            try profile.check()
            try RecipientInput.checkPlace(profile, reference: reference)
            recipient.profile = profile
            recipient.updatedAt = Date()
            try await store.recipients.save(recipient, on: connection)
            return (RecipientView(recipient), .ok)
        }
    }

    /// The caller's own choices; 404 for a person not in the directory.
    @Sendable func showPreferences(request: Request, context: ServiceRequestContext) async throws -> PreferencesView {
        let caller = try context.requireCaller()
        let store = self.store
        guard let recipient = try await dependencies.database.withConnection({ connection in try await store.recipients.find(sub: caller.sub, on: connection) })
        else { throw Self.notInDirectory(caller) }
        return PreferencesView(recipient)
    }

    /// The caller replaces their choices: language, the event types they get no mail for, and
    /// whether they get a daily digest instead of single mails.
    @Sendable func updatePreferences(request: Request, context: ServiceRequestContext) async throws -> PreferencesView {
        let caller = try context.requireCaller()
        let body = try await JSONBody(request, context: context)
        let input = try PreferencesInput.parse(body)
        let store = self.store
        return try await dependencies.transaction(context) { connection in
            guard var recipient = try await store.recipients.find(sub: caller.sub, lock: true, on: connection) else { throw Self.notInDirectory(caller) }
            recipient.profile.language = input.language
            recipient.preferences = input.preferences
            recipient.updatedAt = Date()
            try await store.recipients.save(recipient, on: connection)
            return (PreferencesView(recipient), .ok)
        }
    }

    private static func notInDirectory(_ caller: Caller) -> NotificationError { .notInDirectory(sub: caller.sub) }
}
