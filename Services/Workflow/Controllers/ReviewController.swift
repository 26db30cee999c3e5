import Events
import Foundation
import Hummingbird
import Messaging
import ServiceRuntime

/// `/v1/reviews`: review cases by proposal — screening, reviewers, assessments, the decision —
/// and `/v1/rankings`, `/v1/review-rules`.
///
/// Each handler decodes, then hands over: the store loads and locks, the domain
/// (`ReviewCase+Lifecycle.swift`) decides, the store saves with history and events, in one
/// transaction with the request's audit record. Who sees what is ``ReviewAccess``'s to say.
struct ReviewController: Sendable {
    let dependencies: ServiceDependencies
    let rules: ReviewRules
    let store: ReviewCaseStore
    let idempotency: Idempotency

    init(dependencies: ServiceDependencies, rules: ReviewRules) {
        self.dependencies = dependencies
        self.rules = rules
        self.store = ReviewCaseStore(logger: dependencies.logger)
        self.idempotency = Idempotency(logger: dependencies.logger)
    }

    func addRoutes(to router: RouterGroup<ServiceRequestContext>) {
        let reviews = router.group("reviews")
        reviews.add(middleware: dependencies.authenticator)
        reviews.get(use: list)
        reviews.get("{proposalId}", use: show)
        reviews.get("{proposalId}/history", use: history)
        reviews.post("{proposalId}/screening", use: screen)
        reviews.post("{proposalId}/assignments", use: assign)
        reviews.delete("{proposalId}/assignments/{reviewer}", use: unassign)
        reviews.post("{proposalId}/assessments", use: assess)
        reviews.put("{proposalId}/assessments/{reviewer}", use: amend)
        reviews.post("{proposalId}/decision", use: decide)
        let rankings = router.group("rankings")
        rankings.add(middleware: dependencies.authenticator)
        rankings.get(use: ranking)
        let published = router.group("review-rules")
        published.add(middleware: dependencies.authenticator)
        let rules = self.rules
        published.get { _, context in
            _ = try context.requireCaller()
            return ReviewRulesResponse(rules)
        }
    }

    // MARK: Read

    /// `?stage=&region=&assigned=&overdue=&sort=&limit=&cursor=`, only what the caller may see.
    @Sendable func list(request: Request, context: ServiceRequestContext) async throws -> ListPage<ReviewCaseView> {
        let caller = try context.requireCaller()
        let access = ReviewAccess(caller: caller)
        var query = ListParameters(request, filters: ["stage", "region", "assigned", "overdue", "sort"])
        query.require("stage", oneOf: ReviewStage.allCases.map(\.rawValue))
        query.require("overdue", oneOf: ["true", "false"])
        query.require("sort", oneOf: ReviewCaseRepository.Sort.allCases.map(\.rawValue))
        query.limitLength(of: "region", to: 10)
        query.limitLength(of: "assigned", to: 200)
        if query.after?.rank == nil, query.filters["sort"] == "score", query.after != nil {
            query.problem("cursor", "comes from a list in another order; start again without it")
        }
        let assigned = query.filters["assigned"].map { $0 == "me" ? caller.sub : $0 }
        if let assigned, !access.mayFilter(byReviewer: assigned) {
            query.problem("assigned", "who reviews a case is not shown to a \(caller.role.rawValue); a reviewer may use assigned=me")
        }
        if query.filters["sort"] == "score", !access.maySortByScore {
            query.problem("sort", "score is for those who see every assessment (secretariats, finance, admins); use newest or oldest")
        }
        try query.validate()
        let now = Date()
        let filter = ReviewCaseRepository.Filter(
            stage: query.filters["stage"], region: query.filters["region"], assignedTo: assigned,
            overdueAt: query.filters["overdue"] == "true" ? now : nil, notOverdueAt: query.filters["overdue"] == "false" ? now : nil,
            sort: query.filters["sort"].flatMap(ReviewCaseRepository.Sort.init(rawValue:)) ?? .newest,
            limit: query.limit, after: query.after)
        let rows = try await dependencies.database.withConnection { connection in
            try await store.repository.list(filter, scope: access.scope, on: connection)
        }
        return ListPage(rows: rows.map { (ReviewCaseView($0.0, access: access, at: now), $0.1) }, limit: query.limit)
    }

    @Sendable func show(request: Request, context: ServiceRequestContext) async throws -> ReviewCaseView {
        let (reviewCase, access) = try await readable(context)
        return ReviewCaseView(reviewCase, access: access, at: Date())
    }

    /// Every step of the case, oldest first, masked as the case is.
    @Sendable func history(request: Request, context: ServiceRequestContext) async throws -> ReviewHistoryPage {
        let (reviewCase, access) = try await readable(context)
        return ReviewHistoryPage(items: access.visibleHistory(of: reviewCase))
    }

    /// `?region=&year=`: the cases awaiting a decision by merit.
    @Sendable func ranking(request: Request, context: ServiceRequestContext) async throws -> RankingPage {
        let caller = try context.requireCaller()
        let access = ReviewAccess(caller: caller)
        // Answered whole: every case awaiting a decision (at most 1000).
        var query = ListParameters(request, filters: ["region", "year"], paginated: false)
        query.limitLength(of: "region", to: 10)
        let year = query.year()
        try query.validate()
        guard access.canRank else {
            throw ReviewError.forbidden("The ranking is for secretariats, finance and the programme manager; reviewers assess independently.")
        }
        let region = query.filters["region"]
        let cases = try await dependencies.database.withConnection { connection in
            try await store.repository.awaitingDecision(region: region, year: year, scope: access.scope, on: connection)
        }
        return RankingPage(region: region, year: year, items: try Ranking(cases).entries)
    }

    // MARK: Changes

    /// The region's secretariat screens: 200 with the case in `technical` or `rejected`. Takes an `Idempotency-Key`.
    @Sendable func screen(request: Request, context: ServiceRequestContext) async throws -> Response {
        let body = try await JSONBody(request, context: context)
        let input = try ScreeningInput.parse(body)
        let rules = self.rules
        return try await change(request, context, body: body, operation: "screen", authorize: { try $0.checkCanScreen($1) }) { reviewCase, caller, now in
            (try reviewCase.screen(input, rules: rules, by: caller, at: now), .ok)
        }
    }

    /// Assigns a reviewer: 201 with the case, or 200 when they already were (nothing changes twice).
    @Sendable func assign(request: Request, context: ServiceRequestContext) async throws -> Response {
        let body = try await JSONBody(request, context: context)
        let input = try AssignmentInput.parse(body)
        return try await change(request, context, body: body, operation: "assign", authorize: { try $0.checkCanAssign($1) }) { reviewCase, caller, now in
            let assignment = ReviewCase.Assignment(
                reviewer: input.reviewer, name: input.name, email: input.email, country: input.country, assignedBy: caller.sub, assignedAt: now)
            let change = try reviewCase.assign(assignment, by: caller, at: now)
            return (change, change.isEmpty ? .ok : .created)
        }
    }

    /// Removes a reviewer from a case: 204; 404 when they are not assigned.
    @Sendable func unassign(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.uuidParameter("proposalId")
        let reviewer = try context.textParameter("reviewer")
        try await dependencies.transaction(context) { connection in
            guard var reviewCase = try await store.lock(proposalID: id, on: connection) else { throw ReviewError.notFound(id) }
            let change = try reviewCase.unassign(reviewer, by: caller, at: Date())
            try await store.save(reviewCase, change, cause: EventCause(actor: caller.actor), on: connection)
            return ((), .noContent)
        }
        return Response(status: .noContent)
    }

    /// An assigned reviewer submits their assessment of the round: 201. Takes an `Idempotency-Key`.
    @Sendable func assess(request: Request, context: ServiceRequestContext) async throws -> Response {
        let body = try await JSONBody(request, context: context)
        let input = try AssessmentInput.parse(body)
        let rules = self.rules
        return try await change(request, context, body: body, operation: "assess", authorize: { _ = try $0.checkCanAssess($1) }) { reviewCase, caller, now in
            (try reviewCase.assess(input, rules: rules, by: caller, at: now), .created)
        }
    }

    /// The reviewer amends their own assessment of the round (`{reviewer}` is their subject or `me`): 200.
    @Sendable func amend(request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let reviewer = try context.textParameter("reviewer")
        let body = try await JSONBody(request, context: context)
        let input = try AssessmentInput.parse(body)
        let rules = self.rules
        return try await change(request, context, body: body, operation: "amend", authorize: { access, reviewCase in
            _ = try access.checkCanAssess(reviewCase)
            guard reviewer == "me" || reviewer == caller.sub else { throw ReviewError.forbidden("A reviewer amends only their own assessment.") }
        }) { reviewCase, caller, now in
            (try reviewCase.amend(input, rules: rules, by: caller, at: now), .ok)
        }
    }

    /// The programme manager decides: 200 with the case `approved`, `rejected` or `revision_requested`. Takes an `Idempotency-Key`.
    @Sendable func decide(request: Request, context: ServiceRequestContext) async throws -> Response {
        let body = try await JSONBody(request, context: context)
        let input = try DecisionInput.parse(body)
        let rules = self.rules
        return try await change(request, context, body: body, operation: "decide", authorize: { try $0.checkCanDecide($1) }) { reviewCase, caller, now in
            (try reviewCase.decide(input, rules: rules, by: caller, at: now), .ok)
        }
    }

    // MARK: Helpers

    /// One change of a case, the same way for every write: lock, authorize, replay a stored
    /// answer for a repeated `Idempotency-Key`, let the domain decide, save with history and
    /// events, answer with the case as the caller sees it.
    private func change(
        _ request: Request, _ context: ServiceRequestContext, body: JSONBody, operation: String,
        authorize: @escaping @Sendable (ReviewAccess, ReviewCase) throws -> Void,
        decide: @escaping @Sendable (inout ReviewCase, Caller, Date) throws -> (ReviewChange, HTTPResponse.Status)
    ) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try context.uuidParameter("proposalId")
        let key = try Idempotency.request(request, caller: caller, operation: operation, body: body.bytes)
        let access = ReviewAccess(caller: caller)
        let store = self.store
        let idempotency = self.idempotency
        let answer = try await dependencies.transaction(context) { connection in
            guard var reviewCase = try await store.lock(proposalID: id, on: connection), access.canRead(reviewCase) else {
                throw ReviewError.notFound(id)
            }
            // Authorized first, for whatever state the case is in now; a replay only then.
            try authorize(access, reviewCase)
            let answer = try await idempotency.answer(for: key, on: connection) {
                let now = Date()
                let (change, status) = try decide(&reviewCase, caller, now)
                try await store.save(reviewCase, change, cause: EventCause(actor: caller.actor), on: connection)
                // The answer shows the case whole, its history included (the change loaded none).
                reviewCase.history = try await store.repository.history(caseID: reviewCase.id, on: connection)
                return try Idempotency.Answer(status: status, encoding: ReviewCaseView(reviewCase, access: access, at: now))
            }
            return (answer, answer.status)
        }
        return answer.response
    }

    /// The case of the path's proposal if the caller may see it; 404 otherwise (ids can't be probed).
    private func readable(_ context: ServiceRequestContext) async throws -> (ReviewCase, ReviewAccess) {
        let access = ReviewAccess(caller: try context.requireCaller())
        let id = try context.uuidParameter("proposalId")
        let found = try await dependencies.database.withConnection { try await store.repository.find(proposalID: id, on: $0) }
        guard let reviewCase = found, access.canRead(reviewCase) else { throw ReviewError.notFound(id) }
        return (reviewCase, access)
    }
}
