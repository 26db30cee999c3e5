import Events
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import Storage

/// Review cases with their assignments, rounds, assessments, reminders and history in the
/// workflow schema: the one writer of those tables. Every method takes the connection of the
/// caller's transaction.
struct ReviewCaseRepository: Sendable {
    let logger: Logger

    private static let columns = """
        c.id, c.proposal_id, c.reference, c.title, c.region, c.lead_country, c.participating_countries,
        c.requested_budget_cents, c.revision, c.stage, c.opened_at, c.updated_at, c.stage_entered_at, c.due_at, c.summary, c.objectives,
        c.cbrn_categories, c.cbrn_areas, c.duration_months, c.implementing_partners, c.opened_at::text AS cursor_time,
        COALESCE(c.weighted_score_hundredths, -1) AS cursor_rank
        """

    enum Lock {
        case none
        /// Waits for the lock.
        case wait
        /// Skips a case another transaction holds (a job that several replicas run).
        case skipLocked
    }

    /// The case of a proposal, whole (its history only when `history`: the domain never reads
    /// it, so changes skip it); `lock` locks it for the transaction.
    func find(proposalID: UUID, lock: Lock = .none, history: Bool = true, on connection: PostgresConnection) async throws -> ReviewCase? {
        let clause = switch lock {
        case .none: ""
        case .wait: "FOR UPDATE"
        case .skipLocked: "FOR UPDATE SKIP LOCKED"
        }
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM review_cases c WHERE c.proposal_id = \(proposalID) \(unescaped: clause)",
            logger: logger)
        guard var reviewCase = try await Self.decode(rows).first?.0 else { return nil }
        try await complete(&reviewCase, on: connection)
        if history { reviewCase.history = try await self.history(caseID: reviewCase.id, on: connection) }
        return reviewCase
    }

    /// Inserts a case the domain opened, with its first round.
    func insert(_ reviewCase: ReviewCase, on connection: PostgresConnection) async throws {
        let summary = reviewCase.proposal
        try await connection.query(
            """
            INSERT INTO review_cases (id, proposal_id, reference, title, region, lead_country, participating_countries,
                                      requested_budget_cents, revision, stage, opened_at, updated_at, summary, objectives,
                                      cbrn_categories, cbrn_areas, duration_months, implementing_partners, round, stage_entered_at, due_at)
            VALUES (\(reviewCase.id), \(reviewCase.proposalId), \(reviewCase.reference), \(reviewCase.title), \(reviewCase.region),
                    \(reviewCase.leadCountry), \(reviewCase.participatingCountries), \(reviewCase.requestedBudget.cents),
                    \(reviewCase.revision), \(reviewCase.stage.rawValue), \(reviewCase.openedAt), \(reviewCase.updatedAt),
                    \(summary.summary), \(summary.objectives), \(summary.cbrnCategories), \(summary.cbrnAreas),
                    \(summary.durationMonths), \(try JSONColumn.encode(summary.implementingPartners)), \(reviewCase.currentRound.number),
                    \(reviewCase.stageEnteredAt), \(reviewCase.dueAt))
            """,
            logger: logger)
        try await saveCurrentRound(of: reviewCase, on: connection)
    }

    /// Saves the case's state: the case row, its assignments, its current round with its
    /// assessments, and its reminders. The caller holds the row lock. Ended rounds are never
    /// rewritten (the schema refuses it too).
    func save(_ reviewCase: ReviewCase, on connection: PostgresConnection) async throws {
        let summary = reviewCase.proposal
        let scores = reviewCase.currentRound.scores
        try await connection.query(
            """
            UPDATE review_cases SET title = \(reviewCase.title), region = \(reviewCase.region), lead_country = \(reviewCase.leadCountry),
                   participating_countries = \(reviewCase.participatingCountries),
                   requested_budget_cents = \(reviewCase.requestedBudget.cents), revision = \(reviewCase.revision),
                   stage = \(reviewCase.stage.rawValue), updated_at = \(reviewCase.updatedAt), summary = \(summary.summary),
                   objectives = \(summary.objectives), cbrn_categories = \(summary.cbrnCategories), cbrn_areas = \(summary.cbrnAreas),
                   duration_months = \(summary.durationMonths), implementing_partners = \(try JSONColumn.encode(summary.implementingPartners)),
                   round = \(reviewCase.currentRound.number), stage_entered_at = \(reviewCase.stageEnteredAt), due_at = \(reviewCase.dueAt),
                   weighted_score_hundredths = \(scores.weightedScore?.hundredths)
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
        try await saveCurrentRound(of: reviewCase, on: connection)
        for reminder in reviewCase.reminders where reminder.round == reviewCase.currentRound.number {
            try await connection.query(
                """
                INSERT INTO review_reminders (case_id, round, stage, at) VALUES (\(reviewCase.id), \(reminder.round), \(reminder.stage.rawValue), \(reminder.at))
                ON CONFLICT (case_id, round, stage) DO NOTHING
                """,
                logger: logger)
        }
    }

    /// The current round: its row first (open), then its assessments, then its end if it ended.
    private func saveCurrentRound(of reviewCase: ReviewCase, on connection: PostgresConnection) async throws {
        let round = reviewCase.currentRound
        let screening = try round.screening.map(JSONColumn.encode)
        let decision = try round.decision.map(JSONColumn.encode)
        try await connection.query(
            """
            INSERT INTO review_rounds (case_id, number, revision, opened_at, screening, decision)
            VALUES (\(reviewCase.id), \(round.number), \(round.revision), \(round.openedAt), \(screening), \(decision))
            ON CONFLICT (case_id, number) DO UPDATE SET screening = EXCLUDED.screening, decision = EXCLUDED.decision
            WHERE review_rounds.ended_at IS NULL
              AND (review_rounds.screening, review_rounds.decision) IS DISTINCT FROM (EXCLUDED.screening, EXCLUDED.decision)
            """,
            logger: logger)
        for assessment in round.assessments {
            try await connection.query(
                """
                INSERT INTO review_assessments (case_id, round, reviewer_sub, reviewer_name, reviewer_country, scores,
                                                weighted_total_hundredths, average_hundredths, recommendation, comment,
                                                no_conflict_declared_at, submitted_at, amended_at, amendments)
                SELECT \(reviewCase.id), \(round.number), \(assessment.reviewer), \(assessment.reviewerName), \(assessment.reviewerCountry),
                       \(try JSONColumn.encode(assessment.scores)), \(assessment.weightedTotal.hundredths), \(assessment.averageScore.hundredths),
                       \(assessment.recommendation.rawValue), \(assessment.comment), \(assessment.noConflictDeclaredAt), \(assessment.submittedAt),
                       \(assessment.amendedAt), \(assessment.amendments)
                WHERE EXISTS (SELECT 1 FROM review_rounds WHERE case_id = \(reviewCase.id) AND number = \(round.number) AND ended_at IS NULL)
                ON CONFLICT (case_id, round, reviewer_sub) DO UPDATE SET
                    scores = EXCLUDED.scores, weighted_total_hundredths = EXCLUDED.weighted_total_hundredths,
                    average_hundredths = EXCLUDED.average_hundredths, recommendation = EXCLUDED.recommendation, comment = EXCLUDED.comment,
                    no_conflict_declared_at = EXCLUDED.no_conflict_declared_at, amended_at = EXCLUDED.amended_at, amendments = EXCLUDED.amendments
                WHERE review_assessments.amendments <> EXCLUDED.amendments
                """,
                logger: logger)
        }
        if let ended = round.endedAt {
            try await connection.query(
                "UPDATE review_rounds SET ended_at = \(ended) WHERE case_id = \(reviewCase.id) AND number = \(round.number) AND ended_at IS NULL",
                logger: logger)
        }
    }

    func appendHistory(caseID: UUID, _ entry: ReviewCase.HistoryEntry, eventID: UUID? = nil, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO review_history (case_id, at, actor_sub, actor_role, action, detail, event_id, round, reviewer_sub)
            VALUES (\(caseID), \(entry.at), \(entry.actor.sub), \(entry.actor.role), \(entry.action.rawValue), \(entry.detail), \(eventID),
                    \(entry.round), \(entry.reviewer))
            """,
            logger: logger)
    }

    // MARK: Lists

    enum Sort: String, CaseIterable, Sendable {
        case newest, oldest, score
    }

    struct Filter: Sendable {
        var stage: String?
        var region: String?
        var assignedTo: String?
        var overdueAt: Date?
        var notOverdueAt: Date?
        var sort: Sort = .newest
        var limit: Int
        var after: ListParameters.Cursor?
    }

    /// Up to `limit + 1` cases in the caller's scope in the filter's order, each with its
    /// cursor. Items carry assignments, rounds and assessments but not their history.
    func list(_ filter: Filter, scope: ReviewAccess.Scope, on connection: PostgresConnection) async throws -> [(ReviewCase, ListParameters.Cursor)] {
        let afterTime = filter.after?.time
        let afterID = filter.after?.id
        let afterRank = filter.after?.rank ?? -1
        let order = switch filter.sort {
        case .newest: "c.opened_at DESC, c.id DESC"
        case .oldest: "c.opened_at ASC, c.id ASC"
        case .score: "COALESCE(c.weighted_score_hundredths, -1) DESC, c.opened_at DESC, c.id DESC"
        }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM review_cases c
            WHERE (\(filter.stage)::text IS NULL OR c.stage = \(filter.stage))
              AND (\(filter.region)::text IS NULL OR c.region = \(filter.region))
              AND (\(scope.leadCountry)::text IS NULL OR c.lead_country = \(scope.leadCountry))
              AND (\(scope.region)::text IS NULL OR c.region = \(scope.region))
              AND (\(scope.assignedTo)::text IS NULL OR EXISTS (
                    SELECT 1 FROM review_assignments a WHERE a.case_id = c.id AND a.reviewer_sub = \(scope.assignedTo)))
              AND (\(filter.assignedTo)::text IS NULL OR EXISTS (
                    SELECT 1 FROM review_assignments a WHERE a.case_id = c.id AND a.reviewer_sub = \(filter.assignedTo)))
              AND (\(filter.overdueAt)::timestamptz IS NULL OR c.due_at <= \(filter.overdueAt))
              AND (\(filter.notOverdueAt)::timestamptz IS NULL OR c.due_at IS NULL OR c.due_at > \(filter.notOverdueAt))
              AND (\(afterTime)::text IS NULL OR CASE \(filter.sort.rawValue)
                    WHEN 'oldest' THEN (c.opened_at, c.id) > (\(afterTime)::timestamptz, \(afterID))
                    WHEN 'score' THEN (COALESCE(c.weighted_score_hundredths, -1), c.opened_at, c.id) < (\(afterRank), \(afterTime)::timestamptz, \(afterID))
                    ELSE (c.opened_at, c.id) < (\(afterTime)::timestamptz, \(afterID)) END)
            ORDER BY \(unescaped: order)
            LIMIT \(filter.limit + 1)
            """,
            logger: logger)
        var page = try await Self.decode(rows)
        if filter.sort != .score {
            for index in page.indices { page[index].1.rank = nil }
        }
        var cases = page.map(\.0)
        try await complete(&cases, on: connection)
        return zip(cases, page.map(\.1)).map { ($0, $1) }
    }

    /// The cases awaiting a decision, in `region` and `year` (of the current round's opening) when given, whole but without history.
    func awaitingDecision(region: String?, year: Int?, scope: ReviewAccess.Scope, on connection: PostgresConnection) async throws -> [ReviewCase] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM review_cases c JOIN review_rounds r ON r.case_id = c.id AND r.number = c.round
            WHERE c.stage = 'decision'
              AND (\(region)::text IS NULL OR c.region = \(region))
              AND (\(scope.region)::text IS NULL OR c.region = \(scope.region))
              AND (\(year)::int IS NULL OR EXTRACT(YEAR FROM r.opened_at AT TIME ZONE 'UTC')::int = \(year))
            ORDER BY c.stage_entered_at
            LIMIT 1000
            """,
            logger: logger)
        var cases = try await Self.decode(rows).map(\.0)
        try await complete(&cases, on: connection)
        return cases
    }

    /// Proposals whose case has run past its stage's deadline with no reminder raised for it yet.
    func overdue(at now: Date, limit: Int, on connection: PostgresConnection) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            SELECT c.proposal_id FROM review_cases c
            WHERE c.due_at <= \(now)
              AND NOT EXISTS (SELECT 1 FROM review_reminders r WHERE r.case_id = c.id AND r.round = c.round AND r.stage = c.stage)
            ORDER BY c.due_at LIMIT \(limit)
            """,
            logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self, context: .default) { ids.append(id) }
        return ids
    }

    // MARK: Loading

    private func complete(_ reviewCase: inout ReviewCase, on connection: PostgresConnection) async throws {
        var cases = [reviewCase]
        try await complete(&cases, on: connection)
        reviewCase = cases[0]
    }

    /// Adds assignments, rounds, assessments and reminders to cases read from `review_cases`.
    private func complete(_ cases: inout [ReviewCase], on connection: PostgresConnection) async throws {
        guard !cases.isEmpty else { return }
        let ids = cases.map(\.id)
        let assignments = try await assignments(of: ids, on: connection)
        var rounds: [UUID: [ReviewRound]] = [:]
        let roundRows = try await connection.query(
            "SELECT case_id, number, revision, opened_at, screening, decision, ended_at FROM review_rounds WHERE case_id = ANY(\(ids)) ORDER BY case_id, number",
            logger: logger)
        for try await (caseID, number, revision, openedAt, screening, decision, endedAt) in roundRows.decode(
            (UUID, Int, Int, Date, String?, String?, Date?).self, context: .default)
        {
            var round = ReviewRound(number: number, revision: revision, openedAt: openedAt)
            round.screening = try screening.map { try JSONColumn.decode(Screening.self, $0) }
            round.decision = try decision.map { try JSONColumn.decode(Decision.self, $0) }
            round.endedAt = endedAt
            rounds[caseID, default: []].append(round)
        }
        let assessmentRows = try await connection.query(
            """
            SELECT case_id, round, reviewer_sub, reviewer_name, reviewer_country, scores, weighted_total_hundredths, average_hundredths,
                   recommendation, comment, no_conflict_declared_at, submitted_at, amended_at, amendments
            FROM review_assessments WHERE case_id = ANY(\(ids)) ORDER BY submitted_at, reviewer_sub
            """,
            logger: logger)
        for try await row in assessmentRows {
            let cells = row.makeRandomAccess()
            func cell<T: PostgresDecodable>(_ column: String, _ type: T.Type) throws -> T { try cells[column].decode(T.self, context: .default) }
            let caseID = try cell("case_id", UUID.self)
            let number = try cell("round", Int.self)
            let recommendation = try cell("recommendation", String.self)
            guard let known = Assessment.Recommendation(rawValue: recommendation),
                  let index = rounds[caseID]?.firstIndex(where: { $0.number == number })
            else { throw StorageError(.unexpectedResult, "case \(caseID) has an assessment workflow can't read") }
            rounds[caseID]?[index].assessments.append(Assessment(
                reviewer: try cell("reviewer_sub", String.self), reviewerName: try cell("reviewer_name", String.self),
                reviewerCountry: try cell("reviewer_country", String.self),
                scores: try JSONColumn.decode([Assessment.CriterionScore].self, try cell("scores", String.self)),
                weightedTotal: Score(hundredths: try cell("weighted_total_hundredths", Int.self)),
                averageScore: Score(hundredths: try cell("average_hundredths", Int.self)), recommendation: known,
                comment: try cell("comment", String?.self), noConflictDeclaredAt: try cell("no_conflict_declared_at", Date.self),
                submittedAt: try cell("submitted_at", Date.self), amendedAt: try cell("amended_at", Date?.self),
                amendments: try cell("amendments", Int.self)))
        }
        var reminders: [UUID: [ReviewCase.Reminder]] = [:]
        let reminderRows = try await connection.query(
            "SELECT case_id, round, stage, at FROM review_reminders WHERE case_id = ANY(\(ids)) ORDER BY at", logger: logger)
        for try await (caseID, round, stage, at) in reminderRows.decode((UUID, Int, String, Date).self, context: .default) {
            reminders[caseID, default: []].append(.init(round: round, stage: try Self.stage(stage, of: caseID), at: at))
        }
        for index in cases.indices {
            cases[index].assignments = assignments[cases[index].id] ?? []
            cases[index].reminders = reminders[cases[index].id] ?? []
            guard let found = rounds[cases[index].id], !found.isEmpty else {
                throw StorageError(.unexpectedResult, "review case \(cases[index].id) has no round")
            }
            cases[index].rounds = found
        }
    }

    /// A case's steps, oldest first.
    func history(caseID: UUID, on connection: PostgresConnection) async throws -> [ReviewCase.HistoryEntry] {
        let rows = try await connection.query(
            "SELECT at, actor_sub, actor_role, action, detail, round, reviewer_sub FROM review_history WHERE case_id = \(caseID) ORDER BY seq",
            logger: logger)
        var history: [ReviewCase.HistoryEntry] = []
        for try await (at, sub, role, action, detail, round, reviewer) in rows.decode((Date, String, String, String, String, Int, String?).self, context: .default) {
            guard let known = ReviewHistoryAction(rawValue: action) else {
                throw StorageError(.unexpectedResult, "review case \(caseID) has a history step '\(action)' workflow does not know")
            }
            history.append(.init(at: at, actor: EventActor(sub: sub, role: role), action: known, detail: detail, round: round, reviewer: reviewer))
        }
        return history
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
        for try await (caseID, reviewer, name, email, country, assignedBy, assignedAt) in rows.decode(
            (UUID, String, String, String?, String, String, Date).self, context: .default)
        {
            result[caseID, default: []].append(.init(
                reviewer: reviewer, name: name, email: email, country: country, assignedBy: assignedBy, assignedAt: assignedAt))
        }
        return result
    }

    private static func stage(_ text: String, of id: UUID) throws -> ReviewStage {
        guard let stage = ReviewStage(rawValue: text) else {
            throw StorageError(.unexpectedResult, "review case \(id) has an unknown stage '\(text)'")
        }
        return stage
    }

    /// Cases by column name, without what `complete` adds; a value workflow can't read throws rather than becoming a default.
    private static func decode(_ rows: PostgresRowSequence) async throws -> [(ReviewCase, ListParameters.Cursor)] {
        var result: [(ReviewCase, ListParameters.Cursor)] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            func cell<T: PostgresDecodable>(_ column: String, _ type: T.Type) throws -> T { try cells[column].decode(T.self, context: .default) }
            let id = try cell("id", UUID.self)
            let partners = try JSONColumn.decode([ProposalSubmitted.Partner].self, try cell("implementing_partners", String.self))
            let summary = ReviewCase.ProposalSummary(
                summary: try cell("summary", String?.self), objectives: try cell("objectives", [String].self),
                cbrnCategories: try cell("cbrn_categories", [String].self), cbrnAreas: try cell("cbrn_areas", [String].self),
                durationMonths: try cell("duration_months", Int?.self), implementingPartners: partners)
            let reviewCase = ReviewCase(
                id: id, proposalId: try cell("proposal_id", UUID.self), reference: try cell("reference", String.self),
                title: try cell("title", String.self), region: try cell("region", String.self),
                leadCountry: try cell("lead_country", String.self), participatingCountries: try cell("participating_countries", [String].self),
                requestedBudget: Money(cents: try cell("requested_budget_cents", Int64.self)), revision: try cell("revision", Int.self),
                stage: try stage(try cell("stage", String.self), of: id), openedAt: try cell("opened_at", Date.self),
                updatedAt: try cell("updated_at", Date.self), stageEnteredAt: try cell("stage_entered_at", Date.self),
                dueAt: try cell("due_at", Date?.self), proposal: summary, assignments: [], rounds: [], reminders: [], history: [])
            let cursor = ListParameters.Cursor(time: try cell("cursor_time", String.self), id: id, rank: Int64(try cell("cursor_rank", Int.self)))
            result.append((reviewCase, cursor))
        }
        return result
    }
}
