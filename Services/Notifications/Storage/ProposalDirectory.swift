import Foundation
import Logging
import PostgresNIO

/// What notifications know of each proposal, from the events that name it whole: the one
/// writer of `proposals`.
struct ProposalDirectory: Sendable {
    let logger: Logger

    func find(_ id: UUID, on connection: PostgresConnection) async throws -> NotificationFacts.ProposalSummary? {
        let rows = try await connection.query(
            "SELECT reference, title, region, lead_country FROM proposals WHERE proposal_id = \(id)", logger: logger)
        for try await (reference, title, region, country) in rows.decode((String, String, String, String).self, context: .default) {
            return .init(id: id, reference: reference, title: title, region: region, leadCountry: country)
        }
        return nil
    }

    /// Keeps the newest complete summary (a revision may change the title).
    func remember(_ summary: NotificationFacts.ProposalSummary, at time: Date, on connection: PostgresConnection) async throws {
        guard let reference = summary.reference, let title = summary.title, let region = summary.region, let country = summary.leadCountry else { return }
        try await connection.query(
            """
            INSERT INTO proposals (proposal_id, reference, title, region, lead_country, updated_at)
            VALUES (\(summary.id), \(reference), \(title), \(region), \(country), \(time))
            ON CONFLICT (proposal_id) DO UPDATE SET reference = EXCLUDED.reference, title = EXCLUDED.title, region = EXCLUDED.region,
                lead_country = EXCLUDED.lead_country, updated_at = EXCLUDED.updated_at
            WHERE proposals.updated_at <= EXCLUDED.updated_at
            """,
            logger: logger)
    }
}
