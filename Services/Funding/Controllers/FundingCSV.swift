import Foundation

/// Funding's CSV downloads: the same figures as the JSON, one row each, the totals last.
enum FundingCSV {
    static func regions(_ rows: [FundingReport.RegionRow], totals: FundingReport.RegionRow) -> CSVDocument {
        var document = CSVDocument(header: [
            "year", "region", "instrument", "envelope", "committed", "available", "disbursed", "remaining", "commitments", "blocked",
            "commitment_rate", "absorption_rate", "payment_rate",
        ])
        for row in rows + [totals] {
            document.rows.append([
                .figure(row.year.map(String.init) ?? "total"), .text(row.region), .text(row.instrument), .figure(row.envelope.description),
                .figure(row.committed.description), .figure(row.available.description), .figure(row.disbursed.description),
                .figure(row.remaining.description), .figure("\(row.commitments)"), .figure("\(row.blocked)"), .figure(row.commitmentRate?.description),
                .figure(row.absorptionRate?.description), .figure(row.paymentRate?.description),
            ])
        }
        return document
    }

    static func countries(_ rows: [FundingReport.CountryRow], totals: FundingReport.CountryRow) -> CSVDocument {
        var document = CSVDocument(header: [
            "year", "region", "country", "participating_countries", "commitments", "committed", "disbursed", "remaining", "payment_rate",
        ])
        for row in rows + [totals] {
            document.rows.append([
                .figure(row.year.map(String.init) ?? "total"), .text(row.region), .text(row.country),
                .text(row.participatingCountries.joined(separator: " ")), .figure("\(row.commitments)"), .figure(row.committed.description),
                .figure(row.disbursed.description), .figure(row.remaining.description), .figure(row.paymentRate?.description),
            ])
        }
        return document
    }

    static func ledger(_ ledger: Ledger) -> CSVDocument {
        var document = CSVDocument(header: [
            "sequence", "payment_id", "movement", "tranche", "amount", "status", "value_date", "bank_reference", "note", "reason", "recorded_by",
            "recorded_at", "decided_by", "decided_at", "rejection_reason", "disbursed_to_date", "remaining",
        ])
        let time = ISO8601DateFormatter()
        for entry in ledger.entries {
            document.rows.append([
                .figure("\(entry.sequence)"), .figure(entry.paymentId.lowercased), .figure(entry.movement.rawValue), .figure(entry.tranche?.rawValue),
                .figure(entry.amount.description), .figure(entry.status.rawValue), .figure(entry.valueDate), .text(entry.bankReference), .text(entry.note),
                .text(entry.reason), .text(entry.recordedBy), .figure(time.string(from: entry.recordedAt)), .text(entry.decidedBy),
                .figure(entry.decidedAt.map(time.string(from:))), .text(entry.rejectionReason), .figure(entry.disbursedToDate.description),
                .figure(entry.remaining.description),
            ])
        }
        return document
    }
}
