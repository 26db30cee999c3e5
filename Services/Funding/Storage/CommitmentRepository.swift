import Events
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import Storage

/// Commitments and their movements in the funding schema: the one writer of those tables.
/// Every method takes the connection of the caller's transaction.
struct CommitmentRepository: Sendable {
    let logger: Logger

    private static let columns = """
        c.id, c.proposal_id, c.case_id, c.round, c.revision, c.reference, c.title, c.region, c.lead_country, c.participating_countries,
        c.year, c.instrument, c.amount_cents, c.schedule, c.status, c.shortfall_cents, c.summary, c.duration_months,
        c.approved_at, c.approved_by_sub, c.approved_by_role, c.committed_at, c.closed_at, c.updated_at, c.approved_at::text AS cursor_time
        """

    /// What lists filter on; the scope of ``FundingAccess`` is applied beside it.
    struct Filter: Sendable {
        var status: String?
        var year: Int?
        var region: String?
        var country: String?
        var limit: Int
        var after: ListParameters.Cursor?
    }

    /// The commitment, with its movements unless `movements` is false (to check who may act on it).
    func find(id: UUID, lock: Bool, movements: Bool = true, on connection: PostgresConnection) async throws -> Commitment? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM commitments c WHERE c.id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger)
        let found = try await Self.decode(rows).map(\.0)
        return movements ? try await completed(found, on: connection).first : found.first
    }

    func find(proposalID: UUID, lock: Bool, on connection: PostgresConnection) async throws -> Commitment? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM commitments c WHERE c.proposal_id = \(proposalID) \(unescaped: lock ? "FOR UPDATE" : "")",
            logger: logger)
        return try await completed(try await Self.decode(rows).map(\.0), on: connection).first
    }

    /// Which envelope a commitment draws on (it never changes), read without a lock: the
    /// envelope is locked before the commitment, always in that order.
    func envelopeKey(of id: UUID, on connection: PostgresConnection) async throws -> Envelope.Key? {
        let rows = try await connection.query("SELECT year, region, instrument FROM commitments WHERE id = \(id)", logger: logger)
        for try await (year, region, instrument) in rows.decode((Int, String, String).self, context: .default) {
            return Envelope.Key(year: year, region: region, instrument: instrument)
        }
        return nil
    }

    /// The blocked commitments of an envelope, oldest approval first, locked.
    func blocked(on key: Envelope.Key, on connection: PostgresConnection) async throws -> [Commitment] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM commitments c
            WHERE c.year = \(key.year) AND c.region = \(key.region) AND c.instrument = \(key.instrument) AND c.status = 'blocked'
            ORDER BY c.approved_at, c.id
            FOR UPDATE
            """,
            logger: logger)
        return try await completed(try await Self.decode(rows).map(\.0), on: connection)
    }

    func insert(_ commitment: Commitment, on connection: PostgresConnection) async throws {
        let project = commitment.project
        try await connection.query(
            """
            INSERT INTO commitments (id, proposal_id, case_id, round, revision, reference, title, region, lead_country, participating_countries,
                                     year, instrument, amount_cents, schedule, status, shortfall_cents, disbursed_cents, summary,
                                     duration_months, approved_at, approved_by_sub, approved_by_role, committed_at, closed_at, updated_at)
            VALUES (\(commitment.id), \(project.proposalId), \(project.caseId), \(commitment.round), \(commitment.revision), \(project.reference),
                    \(project.title), \(project.region), \(project.leadCountry), \(project.participatingCountries), \(commitment.year),
                    \(commitment.instrument), \(commitment.amount.cents), \(try JSONColumn.encode(commitment.schedule)), \(commitment.status.rawValue),
                    \(commitment.shortfall?.cents), \(commitment.disbursed.cents), \(commitment.summary),
                    \(commitment.durationMonths), \(commitment.approvedAt), \(commitment.approvedBy.sub), \(commitment.approvedBy.role),
                    \(commitment.committedAt), \(commitment.closedAt), \(commitment.updatedAt))
            """,
            logger: logger)
    }

    /// Saves what changed since `before`: the commitment's row, new movements and decided ones.
    /// The caller holds the row lock; the schema refuses to rewrite a decided movement.
    func save(_ commitment: Commitment, before: Commitment, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE commitments SET status = \(commitment.status.rawValue), shortfall_cents = \(commitment.shortfall?.cents),
                   disbursed_cents = \(commitment.disbursed.cents),
                   committed_at = \(commitment.committedAt), closed_at = \(commitment.closedAt), updated_at = \(commitment.updatedAt)
            WHERE id = \(commitment.id)
            """,
            logger: logger)
        let previous = Dictionary(uniqueKeysWithValues: before.movements.map { ($0.id, $0) })
        for movement in commitment.movements {
            guard let old = previous[movement.id] else {
                try await insert(movement, of: commitment.id, on: connection)
                continue
            }
            guard old != movement else { continue }
            try await connection.query(
                """
                UPDATE movements SET status = \(movement.status.rawValue), decided_by_sub = \(movement.decidedBy?.sub),
                       decided_by_role = \(movement.decidedBy?.role), decided_at = \(movement.decidedAt), rejection_reason = \(movement.rejectionReason)
                WHERE id = \(movement.id) AND status = 'pending'
                """,
                logger: logger)
        }
    }

    private func insert(_ movement: Movement, of commitmentID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO movements (id, commitment_id, sequence, kind, tranche, amount_cents, value_date, bank_reference, note, reason, status,
                                   recorded_by_sub, recorded_by_role, recorded_at, decided_by_sub, decided_by_role, decided_at, rejection_reason)
            VALUES (\(movement.id), \(commitmentID), \(movement.sequence), \(movement.kind.rawValue), \(movement.tranche?.rawValue),
                    \(movement.amount.cents), \(movement.valueDate)::date, \(movement.bankReference), \(movement.note), \(movement.reason),
                    \(movement.status.rawValue), \(movement.recordedBy.sub), \(movement.recordedBy.role), \(movement.recordedAt),
                    \(movement.decidedBy?.sub), \(movement.decidedBy?.role), \(movement.decidedAt), \(movement.rejectionReason))
            """,
            logger: logger)
    }

    /// A page of commitments, newest approval first, with their movements.
    func list(_ filter: Filter, scope: FundingAccess.Scope, on connection: PostgresConnection) async throws -> [(Commitment, ListParameters.Cursor)] {
        var binds = Self.bindings(filter, scope)
        binds.append(filter.status)
        binds.append(filter.after?.time)
        binds.append(filter.after?.id)
        binds.append(filter.limit + 1)
        let sql = """
            SELECT \(Self.columns) FROM commitments c
            WHERE \(Self.scoped)
              AND ($6::text IS NULL OR c.status = $6)
              AND ($7::text IS NULL OR (c.approved_at, c.id) < ($7::timestamptz, $8::uuid))
            ORDER BY c.approved_at DESC, c.id DESC
            LIMIT $9
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        let page = try await Self.decode(rows)
        let commitments = try await completed(page.map(\.0), on: connection)
        return zip(commitments, page.map(\.1)).map { ($0, $1) }
    }

    /// A payment as a queue shows it: the movement with the project it belongs to.
    struct QueuedPayment: Sendable {
        var commitmentId: UUID
        var project: FundedProject
        var movement: Movement
    }

    /// Payments and recoveries across commitments, oldest recorded first (a queue), with
    /// `status` (`pending` for the verification queue), `region` and `year` when given.
    func payments(
        status: String?, region: String?, year: Int?, limit: Int, after: ListParameters.Cursor?, scope: FundingAccess.Scope,
        on connection: PostgresConnection
    ) async throws -> [(QueuedPayment, ListParameters.Cursor)] {
        var binds = Self.bindings(Filter(year: year, region: region, limit: limit), scope)
        binds.append(status)
        binds.append(after?.time)
        binds.append(after?.id)
        binds.append(limit + 1)
        let sql = """
            SELECT \(Self.movementColumns), m.recorded_at::text,
                   c.proposal_id, c.case_id, c.reference, c.title, c.region, c.lead_country, c.participating_countries
            FROM movements m JOIN commitments c ON c.id = m.commitment_id
            WHERE \(Self.scoped)
              AND ($6::text IS NULL OR m.status = $6)
              AND ($7::text IS NULL OR (m.recorded_at, m.id) > ($7::timestamptz, $8::uuid))
            ORDER BY m.recorded_at, m.id
            LIMIT $9
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        var result: [(QueuedPayment, ListParameters.Cursor)] = []
        for try await row in rows {
            let (commitmentID, movement) = try Self.movement(row)
            let cells = row.makeRandomAccess()
            func cell<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T { try cells[index].decode(T.self, context: .default) }
            let project = FundedProject(
                proposalId: try cell(19, UUID.self), caseId: try cell(20, UUID.self), reference: try cell(21, String.self), title: try cell(22, String.self),
                region: try cell(23, String.self), leadCountry: try cell(24, String.self), participatingCountries: try cell(25, [String].self))
            result.append((QueuedPayment(commitmentId: commitmentID, project: project, movement: movement), .init(time: try cell(18, String.self), id: movement.id)))
        }
        return result
    }

    /// The figures the reports sum, for every commitment in the filter (no movements).
    func reportLines(year: Int?, region: String?, country: String?, scope: FundingAccess.Scope, on connection: PostgresConnection) async throws -> [FundingReport.Line] {
        let filter = Filter(year: year, region: region, country: country, limit: 0)
        let sql = """
            SELECT c.year, c.region, c.instrument, c.lead_country, c.participating_countries, c.status, c.amount_cents, c.disbursed_cents
            FROM commitments c WHERE \(Self.scoped)
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: Self.bindings(filter, scope)), logger: logger)
        var lines: [FundingReport.Line] = []
        for try await (year, region, instrument, lead, participating, status, amount, disbursed) in rows.decode(
            (Int, String, String, String, [String], String, Int64, Int64).self, context: .default)
        {
            lines.append(FundingReport.Line(
                year: year, region: region, instrument: instrument, leadCountry: lead, participatingCountries: participating,
                status: try Self.status(status), amount: Money(cents: amount), disbursed: Money(cents: disbursed)))
        }
        return lines
    }

    /// The most projects one IATI document carries; beyond, the caller narrows by year or region.
    static let exportLimit = 5_000

    /// Committed projects (active or closed) with their movements, for the IATI export; nil
    /// when there are more than ``exportLimit``.
    func committed(year: Int?, region: String?, scope: FundingAccess.Scope, on connection: PostgresConnection) async throws -> [Commitment]? {
        let filter = Filter(year: year, region: region, limit: 0)
        let sql = """
            SELECT \(Self.columns) FROM commitments c
            WHERE \(Self.scoped) AND c.status <> 'blocked'
            ORDER BY c.reference, c.id
            LIMIT \(Self.exportLimit + 1)
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: Self.bindings(filter, scope)), logger: logger)
        let found = try await Self.decode(rows).map(\.0)
        guard found.count <= Self.exportLimit else { return nil }
        return try await completed(found, on: connection)
    }

    /// The filter and scope, as the `$1`…`$5` of ``scoped``.
    private static let scoped = """
        ($1::int IS NULL OR c.year = $1) AND ($2::text IS NULL OR c.region = $2) AND ($3::text IS NULL OR c.lead_country = $3)
          AND ($4::text IS NULL OR c.region = $4) AND ($5::text IS NULL OR c.lead_country = $5)
        """

    private static func bindings(_ filter: Filter, _ scope: FundingAccess.Scope) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(filter.year)
        bindings.append(filter.region)
        bindings.append(filter.country)
        bindings.append(scope.region)
        bindings.append(scope.leadCountry)
        return bindings
    }

    /// The movements of `commitments`, in the order recorded.
    private func completed(_ commitments: [Commitment], on connection: PostgresConnection) async throws -> [Commitment] {
        guard !commitments.isEmpty else { return [] }
        let ids = commitments.map(\.id)
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.movementColumns) FROM movements m WHERE m.commitment_id = ANY(\(ids)) ORDER BY m.commitment_id, m.sequence",
            logger: logger)
        var movements: [UUID: [Movement]] = [:]
        for try await row in rows {
            let (commitmentID, movement) = try Self.movement(row)
            movements[commitmentID, default: []].append(movement)
        }
        return commitments.map { commitment in
            var commitment = commitment
            commitment.movements = movements[commitment.id] ?? []
            return commitment
        }
    }

    /// The columns ``movement(_:)`` reads, in its order: first in a select, more may follow.
    private static let movementColumns = """
        m.commitment_id, m.id, m.sequence, m.kind, m.tranche, m.amount_cents, m.value_date::text, m.bank_reference, m.note, m.reason, m.status,
        m.recorded_by_sub, m.recorded_by_role, m.recorded_at, m.decided_by_sub, m.decided_by_role, m.decided_at, m.rejection_reason
        """

    /// A movement and its commitment's id from the first columns of `row` (``movementColumns``).
    private static func movement(_ row: PostgresRow) throws -> (UUID, Movement) {
        let (commitmentID, id, sequence, kindText, trancheText, cents, valueDate, bankReference, note, reason, statusText,
             recordedSub, recordedRole, recordedAt, decidedSub, decidedRole, decidedAt, rejectionReason) = try row.decode(
            (UUID, UUID, Int, String, String?, Int64, String, String, String?, String?, String, String, String, Date, String?, String?, Date?, String?).self,
            context: .default)
        guard let kind = Movement.Kind(rawValue: kindText), let status = Movement.Status(rawValue: statusText) else {
            throw StorageError(.unexpectedResult, "movement \(id) has a kind or status funding does not know")
        }
        return (commitmentID, Movement(
            id: id, sequence: sequence, kind: kind, tranche: trancheText.flatMap(PaymentTranche.Kind.init(rawValue:)), amount: Money(cents: cents),
            valueDate: valueDate, bankReference: bankReference, note: note, reason: reason, status: status,
            recordedBy: EventActor(sub: recordedSub, role: recordedRole), recordedAt: recordedAt,
            decidedBy: decidedSub.map { EventActor(sub: $0, role: decidedRole ?? "") }, decidedAt: decidedAt, rejectionReason: rejectionReason))
    }

    private static func status(_ text: String) throws -> Commitment.Status {
        guard let status = Commitment.Status(rawValue: text) else { throw StorageError(.unexpectedResult, "a commitment has an unknown status '\(text)'") }
        return status
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [(Commitment, ListParameters.Cursor)] {
        var result: [(Commitment, ListParameters.Cursor)] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            func cell<T: PostgresDecodable>(_ column: String, _ type: T.Type) throws -> T { try cells[column].decode(T.self, context: .default) }
            let id = try cell("id", UUID.self)
            let commitment = Commitment(
                id: id,
                project: FundedProject(
                    proposalId: try cell("proposal_id", UUID.self), caseId: try cell("case_id", UUID.self), reference: try cell("reference", String.self),
                    title: try cell("title", String.self), region: try cell("region", String.self), leadCountry: try cell("lead_country", String.self),
                    participatingCountries: try cell("participating_countries", [String].self)),
                round: try cell("round", Int.self), revision: try cell("revision", Int.self), year: try cell("year", Int.self),
                instrument: try cell("instrument", String.self), amount: Money(cents: try cell("amount_cents", Int64.self)),
                schedule: try JSONColumn.decode([PaymentTranche].self, try cell("schedule", String.self)), status: try status(try cell("status", String.self)),
                shortfall: try cell("shortfall_cents", Int64?.self).map(Money.init(cents:)), summary: try cell("summary", String?.self),
                durationMonths: try cell("duration_months", Int?.self), approvedAt: try cell("approved_at", Date.self),
                approvedBy: EventActor(sub: try cell("approved_by_sub", String.self), role: try cell("approved_by_role", String.self)),
                committedAt: try cell("committed_at", Date?.self), closedAt: try cell("closed_at", Date?.self),
                updatedAt: try cell("updated_at", Date.self), movements: [])
            result.append((commitment, ListParameters.Cursor(time: try cell("cursor_time", String.self), id: id)))
        }
        return result
    }
}
