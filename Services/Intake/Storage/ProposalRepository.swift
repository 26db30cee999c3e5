import Events
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceRuntime
import Storage

/// Proposals, their revisions and history in the intake schema. Every method takes the
/// connection of the caller's transaction, so a change, its history and its events commit together.
struct ProposalRepository: Sendable {
    let logger: Logger

    static let columns = """
        id, reference, status, revision, version, title, summary, objectives, region, lead_country,
        participating_countries, cbrn_categories, cbrn_areas, requested_budget_cents, duration_months,
        implementing_partners, contact, created_by, created_at, updated_at, submitted_at, decided_at,
        approved_budget_cents, decision_reasons
        """

    /// Inserts a new proposal the domain made.
    func insert(_ proposal: Proposal, on connection: PostgresConnection) async throws -> Proposal {
        let content = proposal.content
        let rows = try await connection.query(
            """
            INSERT INTO proposals (id, status, revision, version, title, summary, objectives, region, lead_country,
                                   participating_countries, cbrn_categories, cbrn_areas, requested_budget_cents,
                                   duration_months, implementing_partners, contact, created_by, created_at, updated_at)
            VALUES (\(proposal.id), \(proposal.status.rawValue), \(proposal.revision), \(proposal.version), \(content.title),
                    \(content.summary), \(content.objectives), \(content.region), \(content.leadCountry),
                    \(content.participatingCountries), \(content.cbrnCategories), \(content.cbrnAreas),
                    \(content.requestedBudget?.cents), \(content.durationMonths), \(try JSONColumn.encode(content.implementingPartners)),
                    \(try content.contact.map(JSONColumn.encode)), \(proposal.createdBy), \(proposal.createdAt), \(proposal.updatedAt))
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger)
        return try await Self.one(rows)
    }

    /// Locks the row for the rest of the transaction.
    func lock(_ id: UUID, on connection: PostgresConnection) async throws -> Proposal? {
        let rows = try await connection.query("SELECT \(unescaped: Self.columns) FROM proposals WHERE id = \(id) FOR UPDATE", logger: logger)
        return try await Self.decode(rows).first
    }

    func find(_ id: UUID, on connection: PostgresConnection) async throws -> Proposal? {
        let rows = try await connection.query("SELECT \(unescaped: Self.columns) FROM proposals WHERE id = \(id)", logger: logger)
        return try await Self.decode(rows).first
    }

    /// Saves content and state, raising the version. The caller holds the row lock.
    func save(_ proposal: Proposal, on connection: PostgresConnection) async throws -> Proposal {
        let content = proposal.content
        let rows = try await connection.query(
            """
            UPDATE proposals SET
                status = \(proposal.status.rawValue), revision = \(proposal.revision), reference = \(proposal.reference),
                version = version + 1, title = \(content.title), summary = \(content.summary), objectives = \(content.objectives),
                region = \(content.region), lead_country = \(content.leadCountry),
                participating_countries = \(content.participatingCountries), cbrn_categories = \(content.cbrnCategories),
                cbrn_areas = \(content.cbrnAreas), requested_budget_cents = \(content.requestedBudget?.cents),
                duration_months = \(content.durationMonths), implementing_partners = \(try JSONColumn.encode(content.implementingPartners)),
                contact = \(try content.contact.map(JSONColumn.encode)), submitted_at = \(proposal.submittedAt),
                decided_at = \(proposal.decidedAt), approved_budget_cents = \(proposal.approvedBudget?.cents),
                decision_reasons = \(proposal.decisionReasons), updated_at = \(proposal.updatedAt)
            WHERE id = \(proposal.id)
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger)
        return try await Self.one(rows)
    }

    /// The next human reference, `CBRN-2026-0042`.
    func nextReference(on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query(
            // lpad would cut a fifth digit off (10000 → "1000", a duplicate): pad only what is shorter.
            """
            SELECT 'CBRN-' || extract(year FROM now())::int || '-' || lpad(n::text, greatest(4, length(n::text)), '0')
            FROM (SELECT nextval('proposal_reference_seq') AS n) AS next
            """,
            logger: logger)
        for try await reference in rows.decode(String.self) { return reference }
        throw StorageError(.unexpectedResult, "no reference from proposal_reference_seq")
    }

    func appendHistory(_ proposalID: UUID, _ entry: ProposalHistoryEntry, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO proposal_history (proposal_id, actor_sub, actor_role, action, from_status, to_status, changed_fields, detail)
            VALUES (\(proposalID), \(entry.actor.sub), \(entry.actor.role), \(entry.action.rawValue), \(entry.fromStatus),
                    \(entry.toStatus), \(entry.changedFields), \(entry.detail))
            """,
            logger: logger)
    }

    func saveRevision(_ proposal: Proposal, by sub: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO proposal_revisions (proposal_id, revision, submitted_by, content)
            VALUES (\(proposal.id), \(proposal.revision), \(sub), \(try JSONColumn.encode(proposal.content)))
            """,
            logger: logger)
    }

    func history(_ id: UUID, on connection: PostgresConnection) async throws -> [ProposalHistoryEntry] {
        let rows = try await connection.query(
            """
            SELECT at, actor_sub, actor_role, action, from_status, to_status, changed_fields, detail
            FROM proposal_history WHERE proposal_id = \(id) ORDER BY seq
            """,
            logger: logger)
        var entries: [ProposalHistoryEntry] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let action = try cells["action"].decode(String.self, context: .default)
            guard let known = ProposalHistoryAction(rawValue: action) else {
                throw StorageError(.unexpectedResult, "proposal \(id) has a history step '\(action)' intake does not know")
            }
            entries.append(.init(
                at: try cells["at"].decode(Date.self, context: .default),
                actor: EventActor(sub: try cells["actor_sub"].decode(String.self, context: .default), role: try cells["actor_role"].decode(String.self, context: .default)),
                action: known, fromStatus: try cells["from_status"].decode(String?.self, context: .default),
                toStatus: try cells["to_status"].decode(String?.self, context: .default),
                changedFields: try cells["changed_fields"].decode([String].self, context: .default),
                detail: try cells["detail"].decode(String?.self, context: .default)))
        }
        return entries
    }

    func revisions(_ id: UUID, on connection: PostgresConnection) async throws -> [ProposalRevision] {
        let rows = try await connection.query(
            "SELECT revision, submitted_at, submitted_by, content FROM proposal_revisions WHERE proposal_id = \(id) ORDER BY revision",
            logger: logger)
        var revisions: [ProposalRevision] = []
        for try await (revision, at, by, content) in rows.decode((Int, Date, String, String).self) {
            revisions.append(.init(revision: revision, submittedAt: at, submittedBy: by, proposal: try JSONColumn.decode(ProposalContent.self, content)))
        }
        return revisions
    }

    struct Filter: Sendable {
        var status: String?
        var region: String?
        var country: String?
        var category: String?
        var text: String?
        var limit: Int
        var after: ListParameters.Cursor?
    }

    /// Up to `limit + 1` proposals in the caller's scope, newest first, each with its cursor.
    func list(_ filter: Filter, scope: ProposalAccess.Scope, on connection: PostgresConnection) async throws -> [(Proposal, ListParameters.Cursor)] {
        let afterTime = filter.after?.time
        let afterID = filter.after?.id
        let pattern = filter.text.map { "%" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%" }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns), created_at::text AS cursor_time FROM proposals
            WHERE (\(filter.status)::text IS NULL OR status = \(filter.status))
              AND (\(filter.region)::text IS NULL OR region = \(filter.region))
              AND (\(filter.country)::text IS NULL OR lead_country = \(filter.country) OR \(filter.country) = ANY(participating_countries))
              AND (\(filter.category)::text IS NULL OR \(filter.category) = ANY(cbrn_categories))
              AND (\(pattern)::text IS NULL OR title ILIKE \(pattern))
              AND (\(scope.country)::text IS NULL OR lead_country = \(scope.country))
              AND (\(scope.region)::text IS NULL OR region = \(scope.region))
              AND (\(scope.includeDrafts) OR status <> 'draft')
              AND NOT \(scope.none)
              AND (\(afterTime)::text IS NULL OR (created_at, id) < (\(afterTime)::timestamptz, \(afterID)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(filter.limit + 1)
            """,
            logger: logger)
        var items: [(Proposal, ListParameters.Cursor)] = []
        for try await row in rows {
            let proposal = try Self.proposal(from: row)
            let createdText = try row.makeRandomAccess()["cursor_time"].decode(String.self, context: .default)
            items.append((proposal, ListParameters.Cursor(time: createdText, id: proposal.id)))
        }
        return items
    }

    // MARK: Decoding

    static func one(_ rows: PostgresRowSequence) async throws -> Proposal {
        guard let proposal = try await decode(rows).first else {
            throw StorageError(.unexpectedResult, "the statement returned no proposal")
        }
        return proposal
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [Proposal] {
        var proposals: [Proposal] = []
        for try await row in rows { proposals.append(try proposal(from: row)) }
        return proposals
    }

    /// A proposal from a row, by column name; a value intake can't read throws rather than becoming a default.
    static func proposal(from row: PostgresRow) throws -> Proposal {
        let cells = row.makeRandomAccess()
        func cell<T: PostgresDecodable>(_ column: String, _ type: T.Type) throws -> T {
            try cells[column].decode(T.self, context: .default)
        }
        let id = try cell("id", UUID.self)
        let statusText = try cell("status", String.self)
        guard let status = ProposalStatus(rawValue: statusText) else {
            throw StorageError(.unexpectedResult, "proposal \(id) has a status '\(statusText)' intake does not know")
        }
        let partners = try JSONColumn.decode([ImplementingPartner].self, try cell("implementing_partners", String.self))
        let contact = try cell("contact", String?.self).map { try JSONColumn.decode(Contact.self, $0) }
        let content = ProposalContent(
            title: try cell("title", String?.self), summary: try cell("summary", String?.self),
            objectives: try cell("objectives", [String].self), region: try cell("region", String?.self),
            leadCountry: try cell("lead_country", String?.self),
            participatingCountries: try cell("participating_countries", [String].self),
            cbrnCategories: try cell("cbrn_categories", [String].self), cbrnAreas: try cell("cbrn_areas", [String].self),
            requestedBudget: try cell("requested_budget_cents", Int64?.self).map(Money.init(cents:)),
            durationMonths: try cell("duration_months", Int?.self), implementingPartners: partners, contact: contact)
        return Proposal(
            id: id, reference: try cell("reference", String?.self), status: status, revision: try cell("revision", Int.self),
            version: try cell("version", Int.self), content: content, createdBy: try cell("created_by", String.self),
            createdAt: try cell("created_at", Date.self), updatedAt: try cell("updated_at", Date.self),
            submittedAt: try cell("submitted_at", Date?.self), decidedAt: try cell("decided_at", Date?.self),
            approvedBudget: try cell("approved_budget_cents", Int64?.self).map(Money.init(cents:)),
            decisionReasons: try cell("decision_reasons", [String].self))
    }
}
