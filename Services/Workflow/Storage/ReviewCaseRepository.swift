import Events
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import Storage

/// Review cases, their assignments and their history in the workflow schema: the one writer
/// of those tables. Every method takes the connection of the caller's transaction.
struct ReviewCaseRepository: Sendable {
    let logger: Logger

    private static let columns = """
        c.id, c.proposal_id, c.reference, c.title, c.region, c.lead_country, c.participating_countries,
        c.requested_budget_cents, c.revision, c.stage, c.opened_at, c.updated_at, c.summary, c.objectives,
        c.cbrn_categories, c.cbrn_areas, c.duration_months, c.implementing_partners, c.opened_at::text AS cursor_time
        """

    /// The case of a proposal, with assignments and history; `forUpdate` locks it for the transaction.
    func find(proposalID: UUID, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> ReviewCase? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM review_cases c WHERE c.proposal_id = \(proposalID)
            \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """,
            logger: logger)
        guard var reviewCase = try await Self.decode(rows).first?.0 else { return nil }
        reviewCase.assignments = try await assignments(of: [reviewCase.id], on: connection)[reviewCase.id] ?? []
        let history = try await connection.query(
            "SELECT at, actor_sub, actor_role, action, detail FROM review_history WHERE case_id = \(reviewCase.id) ORDER BY seq",
            logger: logger)
        for try await row in history {
            let cells = row.makeRandomAccess()
            let action = try cells["action"].decode(String.self, context: .default)
            guard let known = ReviewHistoryAction(rawValue: action) else {
                throw StorageError(.unexpectedResult, "review case \(reviewCase.id) has a history step '\(action)' workflow does not know")
            }
            reviewCase.history.append(.init(
                at: try cells["at"].decode(Date.self, context: .default),
                actor: EventActor(sub: try cells["actor_sub"].decode(String.self, context: .default), role: try cells["actor_role"].decode(String.self, context: .default)),
                action: known, detail: try cells["detail"].decode(String.self, context: .default)))
        }
        return reviewCase
    }

    /// Inserts a case the domain opened.
    func insert(_ reviewCase: ReviewCase, on connection: PostgresConnection) async throws {
        let summary = reviewCase.proposal
        try await connection.query(
            """
            INSERT INTO review_cases (id, proposal_id, reference, title, region, lead_country, participating_countries,
                                      requested_budget_cents, revision, stage, opened_at, updated_at, summary, objectives,
                                      cbrn_categories, cbrn_areas, duration_months, implementing_partners)
            VALUES (\(reviewCase.id), \(reviewCase.proposalId), \(reviewCase.reference), \(reviewCase.title), \(reviewCase.region),
                    \(reviewCase.leadCountry), \(reviewCase.participatingCountries), \(reviewCase.requestedBudget.cents),
                    \(reviewCase.revision), \(reviewCase.stage.rawValue), \(reviewCase.openedAt), \(reviewCase.updatedAt),
                    \(summary.summary), \(summary.objectives), \(summary.cbrnCategories), \(summary.cbrnAreas),
                    \(summary.durationMonths), \(try Self.json(summary.implementingPartners)))
            """,
            logger: logger)
    }

    /// Saves the case's state and makes its assignments what the case says. The caller holds the row lock.
    func save(_ reviewCase: ReviewCase, by actor: EventActor, on connection: PostgresConnection) async throws {
        let summary = reviewCase.proposal
        try await connection.query(
            """
            UPDATE review_cases SET title = \(reviewCase.title), region = \(reviewCase.region), lead_country = \(reviewCase.leadCountry),
                   participating_countries = \(reviewCase.participatingCountries),
                   requested_budget_cents = \(reviewCase.requestedBudget.cents), revision = \(reviewCase.revision),
                   stage = \(reviewCase.stage.rawValue), updated_at = \(reviewCase.updatedAt), summary = \(summary.summary),
                   objectives = \(summary.objectives), cbrn_categories = \(summary.cbrnCategories), cbrn_areas = \(summary.cbrnAreas),
                   duration_months = \(summary.durationMonths), implementing_partners = \(try Self.json(summary.implementingPartners))
            WHERE id = \(reviewCase.id)
            """,
            logger: logger)
        let kept = reviewCase.assignments.map(\.reviewer)
        try await connection.query(
            "DELETE FROM review_assignments WHERE case_id = \(reviewCase.id) AND NOT (reviewer_sub = ANY(\(kept)))", logger: logger)
        for assignment in reviewCase.assignments {
            try await connection.query(
                """
                INSERT INTO review_assignments (case_id, reviewer_sub, reviewer_name, reviewer_email, reviewer_country, assigned_by, assigned_at)
                VALUES (\(reviewCase.id), \(assignment.reviewer), \(assignment.name), \(assignment.email), \(assignment.country),
                        \(assignment.assignedBy), \(assignment.assignedAt))
                ON CONFLICT (case_id, reviewer_sub) DO NOTHING
                """,
                logger: logger)
        }
    }

    func appendHistory(caseID: UUID, _ entry: ReviewCase.HistoryEntry, eventID: UUID? = nil, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO review_history (case_id, at, actor_sub, actor_role, action, detail, event_id)
            VALUES (\(caseID), \(entry.at), \(entry.actor.sub), \(entry.actor.role), \(entry.action.rawValue), \(entry.detail), \(eventID))
            """,
            logger: logger)
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
            SELECT \(unescaped: Self.columns) FROM review_cases c
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
        for try await row in rows {
            let cells = row.makeRandomAccess()
            func cell<T: PostgresDecodable>(_ column: String, _ type: T.Type) throws -> T { try cells[column].decode(T.self, context: .default) }
            result[try cell("case_id", UUID.self), default: []].append(.init(
                reviewer: try cell("reviewer_sub", String.self), name: try cell("reviewer_name", String.self),
                email: try cell("reviewer_email", String?.self), country: try cell("reviewer_country", String.self),
                assignedBy: try cell("assigned_by", String.self), assignedAt: try cell("assigned_at", Date.self)))
        }
        return result
    }

    /// Cases by column name; a value workflow can't read throws rather than becoming a default.
    private static func decode(_ rows: PostgresRowSequence) async throws -> [(ReviewCase, ListParameters.Cursor)] {
        var result: [(ReviewCase, ListParameters.Cursor)] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            func cell<T: PostgresDecodable>(_ column: String, _ type: T.Type) throws -> T { try cells[column].decode(T.self, context: .default) }
            let id = try cell("id", UUID.self)
            let stageText = try cell("stage", String.self)
            guard let stage = ReviewStage(rawValue: stageText) else {
                throw StorageError(.unexpectedResult, "review case \(id) has an unknown stage '\(stageText)'")
            }
            let partners = try JSONDecoder().decode(
                [ProposalSubmitted.Partner].self, from: Data(try cell("implementing_partners", String.self).utf8))
            let summary = ReviewCase.ProposalSummary(
                summary: try cell("summary", String?.self), objectives: try cell("objectives", [String].self),
                cbrnCategories: try cell("cbrn_categories", [String].self), cbrnAreas: try cell("cbrn_areas", [String].self),
                durationMonths: try cell("duration_months", Int?.self), implementingPartners: partners)
            let reviewCase = ReviewCase(
                id: id, proposalId: try cell("proposal_id", UUID.self), reference: try cell("reference", String.self),
                title: try cell("title", String.self), region: try cell("region", String.self),
                leadCountry: try cell("lead_country", String.self), participatingCountries: try cell("participating_countries", [String].self),
                requestedBudget: Money(cents: try cell("requested_budget_cents", Int64.self)), revision: try cell("revision", Int.self),
                stage: stage, openedAt: try cell("opened_at", Date.self), updatedAt: try cell("updated_at", Date.self),
                proposal: summary, assignments: [], history: [])
            result.append((reviewCase, ListParameters.Cursor(time: try cell("cursor_time", String.self), id: id)))
        }
        return result
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
