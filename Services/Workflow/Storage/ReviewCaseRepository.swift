import Events
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import Storage

/// Review cases, their assignments and their history in the workflow schema.
struct ReviewCaseRepository: Sendable {
    let logger: Logger

    private static let columns = """
        c.id, c.proposal_id, c.reference, c.title, c.region, c.lead_country, c.participating_countries,
        c.requested_budget_cents, c.revision, c.stage, c.opened_at, c.updated_at
        """

    /// The case of a proposal, with assignments and history; `forUpdate` locks it for the transaction.
    func find(proposalID: UUID, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> ReviewCase? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns), c.opened_at::text FROM review_cases c WHERE c.proposal_id = \(proposalID)
            \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """,
            logger: logger)
        guard var reviewCase = try await Self.decode(rows).first?.0 else { return nil }
        reviewCase.assignments = try await assignments(of: [reviewCase.id], on: connection)[reviewCase.id] ?? []
        let history = try await connection.query(
            "SELECT at, actor_sub, actor_role, action, detail FROM review_history WHERE case_id = \(reviewCase.id) ORDER BY seq",
            logger: logger)
        for try await (at, sub, role, action, detail) in history.decode((Date, String, String, String, String).self) {
            reviewCase.history.append(.init(at: at, actor: EventActor(sub: sub, role: role), action: action, detail: detail))
        }
        return reviewCase
    }

    struct Filter: Sendable {
        var stage: String?
        var region: String?
        var limit: Int
        var after: ListParameters.Cursor?
    }

    /// Up to `limit + 1` cases in the caller's scope, newest first, each with its cursor.
    /// Items of a list carry their assignments but not their history.
    func list(_ filter: Filter, scope: ReviewAccess.Scope, on connection: PostgresConnection) async throws -> [(ReviewCase, ListParameters.Cursor)] {
        let afterTime = filter.after?.time
        let afterID = filter.after?.id
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns), c.opened_at::text FROM review_cases c
            WHERE (\(filter.stage)::text IS NULL OR c.stage = \(filter.stage))
              AND (\(filter.region)::text IS NULL OR c.region = \(filter.region))
              AND (\(scope.leadCountry)::text IS NULL OR c.lead_country = \(scope.leadCountry))
              AND (\(scope.region)::text IS NULL OR c.region = \(scope.region))
              AND (\(scope.assignedTo)::text IS NULL OR EXISTS (
                    SELECT 1 FROM review_assignments a WHERE a.case_id = c.id AND a.reviewer_sub = \(scope.assignedTo)))
              AND (\(afterTime)::text IS NULL OR (c.opened_at, c.id) < (\(afterTime)::timestamptz, \(afterID)))
            ORDER BY c.opened_at DESC, c.id DESC
            LIMIT \(filter.limit + 1)
            """,
            logger: logger)
        var page = try await Self.decode(rows)
        let assignments = try await assignments(of: page.map(\.0.id), on: connection)
        for index in page.indices {
            page[index].0.assignments = assignments[page[index].0.id] ?? []
        }
        return page
    }

    private func assignments(of cases: [UUID], on connection: PostgresConnection) async throws -> [UUID: [ReviewCase.Assignment]] {
        guard !cases.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT case_id, reviewer_sub, reviewer_name, reviewer_email, reviewer_country, assigned_by, assigned_at
            FROM review_assignments WHERE case_id = ANY(\(cases)) ORDER BY assigned_at, reviewer_sub
            """,
            logger: logger)
        var result: [UUID: [ReviewCase.Assignment]] = [:]
        for try await (caseID, sub, name, email, country, by, at) in rows.decode((UUID, String, String, String?, String, String, Date).self) {
            result[caseID, default: []].append(.init(reviewer: sub, name: name, email: email, country: country, assignedBy: by, assignedAt: at))
        }
        return result
    }

    func insertAssignment(_ input: AssignmentInput, caseID: UUID, by actor: EventActor, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO review_assignments (case_id, reviewer_sub, reviewer_name, reviewer_email, reviewer_country, assigned_by)
            VALUES (\(caseID), \(input.reviewer), \(input.name), \(input.email), \(input.country), \(actor.sub))
            """,
            logger: logger)
    }

    func deleteAssignment(caseID: UUID, reviewer: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            "DELETE FROM review_assignments WHERE case_id = \(caseID) AND reviewer_sub = \(reviewer)", logger: logger)
    }

    func touch(caseID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE review_cases SET updated_at = now() WHERE id = \(caseID)", logger: logger)
    }

    func appendHistory(caseID: UUID, actor: EventActor, action: String, detail: String, eventID: UUID? = nil, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO review_history (case_id, actor_sub, actor_role, action, detail, event_id)
            VALUES (\(caseID), \(actor.sub), \(actor.role), \(action), \(detail), \(eventID))
            """,
            logger: logger)
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [(ReviewCase, ListParameters.Cursor)] {
        var result: [(ReviewCase, ListParameters.Cursor)] = []
        for try await (id, proposal, reference, title, region, lead, participating, cents, revision, stage, opened, updated, openedText)
            in rows.decode((UUID, UUID, String, String, String, String, [String], Int64, Int, String, Date, Date, String).self)
        {
            guard let stage = ReviewStage(rawValue: stage) else {
                throw StorageError(.unexpectedResult, "review case \(id) has an unknown stage '\(stage)'")
            }
            let reviewCase = ReviewCase(
                id: id, proposalId: proposal, reference: reference, title: title, region: region, leadCountry: lead,
                participatingCountries: participating, requestedBudget: Money(cents: cents), revision: revision, stage: stage,
                openedAt: opened, updatedAt: updated, assignments: [], history: [])
            result.append((reviewCase, ListParameters.Cursor(time: openedText, id: id)))
        }
        return result
    }
}
