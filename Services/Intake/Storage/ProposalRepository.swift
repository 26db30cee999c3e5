import Events
import Foundation
import Logging
import Messaging
import PostgresNIO
import Storage

/// Proposals in the intake schema.
struct ProposalRepository: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// Stores a submitted proposal and its `proposal.submitted` event in one transaction.
    func submit(_ input: ValidProposal, actor: EventActor) async throws -> Proposal {
        let id = UUID()
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO proposals (id, reference, status, revision, title, region, lead_country, participating_countries,
                                       cbrn_categories, requested_budget_cents, duration_months, created_by)
                VALUES (\(id), 'CBRN-' || extract(year FROM now())::int || '-' || lpad(nextval('proposal_reference_seq')::text, 4, '0'),
                        'submitted', 1, \(input.title), \(input.region), \(input.leadCountry), \(input.participatingCountries),
                        \(input.cbrnCategories), \(input.requestedBudget.cents), \(input.durationMonths), \(actor.sub))
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger)
            guard let proposal = try await Self.decode(rows).first else {
                throw StorageError(.unexpectedResult, "INSERT … RETURNING returned no proposal")
            }
            let event = EventEnvelope(
                source: "intake", subject: id.uuidString, actor: actor,
                data: ProposalSubmitted(
                    proposalId: id, reference: proposal.reference ?? "", revision: proposal.revision, title: proposal.title,
                    region: proposal.region, leadCountry: proposal.leadCountry,
                    participatingCountries: proposal.participatingCountries, cbrnCategories: proposal.cbrnCategories,
                    requestedBudget: proposal.requestedBudget, durationMonths: proposal.durationMonths))
            try await Outbox.append(event, on: connection, logger: logger)
            return proposal
        }
    }

    func find(id: UUID) async throws -> Proposal? {
        let rows = try await client.query("SELECT \(unescaped: Self.columns) FROM proposals WHERE id = \(id)", logger: logger)
        return try await Self.decode(rows).first
    }

    static let columns = """
        id, reference, status, revision, title, region, lead_country, participating_countries, cbrn_categories,
        requested_budget_cents, duration_months, created_at, updated_at
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [Proposal] {
        var proposals: [Proposal] = []
        for try await (id, reference, status, revision, title, region, lead, participating, categories, cents, months, created, updated)
            in rows.decode((UUID, String?, String, Int, String, String, String, [String], [String], Int64, Int?, Date, Date).self)
        {
            proposals.append(
                Proposal(
                    id: id, reference: reference, status: status, revision: revision, title: title, region: region,
                    leadCountry: lead, participatingCountries: participating, cbrnCategories: categories,
                    requestedBudget: Money(cents: cents), durationMonths: months, createdAt: created, updatedAt: updated))
        }
        return proposals
    }
}
