import Events
import Foundation
import Messaging
import PostgresNIO
import Storage
import Testing
import TestSupport
@testable import Funding

/// The money invariants under concurrency, against the real database through the same store
/// the API and the event handler use: whatever runs at once, an envelope's commitments never
/// exceed it, a commitment's disbursements never exceed it, and every accepted movement is
/// counted exactly once.
@Suite("Funding: never overspend under concurrency", .serialized)
struct FundingConcurrencyTests {
    typealias F = FundingFixtures

    struct DescribedError: Error, CustomStringConvertible { let description: String }

    struct Harness: Sendable {
        let database: Database
        let client: PostgresClient
        let store: FundingStore
        let logger = TestEnvironment.logger

        /// One transaction; what the body threw is rethrown as it was (not wrapped by PostgresNIO).
        func transaction<R: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
            do {
                return try await database.withTransaction(logger: logger, body)
            } catch let error as PostgresTransactionError {
                throw Self.described(error.closureError ?? error)
            } catch {
                throw Self.described(error)
            }
        }

        /// PostgresNIO's errors print a placeholder; a failure here should say what PostgreSQL said.
        static func described(_ error: any Error) -> any Error {
            guard error is PSQLError else { return error }
            return DescribedError(description: String(reflecting: error))
        }

        func scalar(_ query: PostgresQuery) async throws -> Int64 {
            let rows = try await client.query(query, logger: logger)
            for try await value in rows.decode(Int64?.self) { return value ?? 0 }
            return 0
        }

        func envelope(_ amount: Money, region: String = "CA") async throws -> Envelope {
            let created = try await transaction { connection in
                try await store.create(
                    Envelope.Key(year: F.year, region: region, instrument: "IfS"), amount: amount, reason: "IfS allocation", by: F.alice,
                    cause: EventCause(actor: F.alice), at: Date(), on: connection)
            }
            return created.envelope
        }

        /// `proposal.approved` handled as the consumer handles it.
        func approve(_ approved: ProposalApproved) async throws {
            try await transaction { connection in
                try await store.open(approved, instrument: "IfS", reference: F.reference, cause: EventCause(actor: F.pm), at: Date(), on: connection)
            }
        }

        /// Finance lowers the envelope by `cents`; false when refused (below what is committed).
        func cut(_ envelopeID: UUID, by cents: Int64) async throws -> Bool {
            do {
                _ = try await transaction { connection in
                    let envelope = try #require(try await store.envelopes.find(id: envelopeID, lock: true, on: connection))
                    return try await store.adjust(
                        envelope, by: Money(cents: -cents), reason: "Reallocated", actor: F.alice, cause: EventCause(actor: F.alice), at: Date(),
                        on: connection)
                }
                return true
            } catch FundingError.conflict {
                return false
            }
        }

        func commitment(of proposalID: UUID) async throws -> Commitment {
            let found = try await transaction { try await store.commitments.find(proposalID: proposalID, lock: false, on: $0) }
            return try #require(found)
        }
    }

    func withHarness(_ body: @escaping @Sendable (Harness) async throws -> Void) async throws {
        // Every transaction of one commitment waits its turn on the row lock, and a lock wait is
        // statement time: with 30 connections queued behind it on two cores busy with the other
        // suites, the last waits longer than a service's 15 s, which would cancel it (57014).
        try await withTestDatabase(migrations: try FundingService.migrations(), statementTimeout: .seconds(170)) { client, schema in
            let database = Database(
                wrapping: client, configuration: try DatabaseConfiguration(url: try TestEnvironment.databaseURL(), schema: schema),
                // Every verification of one commitment waits its turn on the row lock: the last of 210 waits for all the others.
                callTimeout: .seconds(180), logger: TestEnvironment.logger)
            try await body(Harness(database: database, client: client, store: FundingStore(logger: TestEnvironment.logger)))
        }
    }

    @Test func twoHundredAndTenVerificationsAtOnceNeverExceedTheCommitment() async throws {
        try await withHarness { harness in
            _ = try await harness.envelope(Money(cents: 500_000_000))
            let approved = F.approved(budget: Money(cents: 100_000_000), schedule: [(.interim, 99), (.final, 1)])
            try await harness.approve(approved)
            let commitmentID = try await harness.commitment(of: approved.proposalId).id
            // 120 pending requests of 10 000.00: together 1 200 000.00 against a commitment of 1 000 000.00.
            let recorded = try await harness.transaction { connection in
                try await harness.store.change(commitment: commitmentID, cause: EventCause(actor: F.alice), on: connection) { commitment, _ in
                    var ids: [UUID] = []
                    for _ in 0..<120 { ids.append(try commitment.record(F.payment(.interim, 1_000_000), id: UUID(), by: F.alice, at: Date()).id) }
                    return ([], ids)
                }
            }
            let paymentIDs = recorded ?? []
            #expect(paymentIDs.count == 120)

            // 210 verifications at once: every payment by Bob, and 90 of them by Carol too.
            enum Outcome: Sendable, Equatable { case verified(UUID), refused(String) }
            let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                for (index, id) in paymentIDs.enumerated() {
                    for verifier in index < 90 ? [F.bob, EventActor(sub: "fin-carol", role: "finance")] : [F.bob] {
                        group.addTask {
                            do {
                                try await harness.transaction { connection in
                                    _ = try await harness.store.change(commitment: commitmentID, cause: EventCause(actor: verifier), on: connection) { commitment, envelope in
                                        (try commitment.verify(id, envelope: &envelope, by: verifier, at: Date()), ())
                                    }
                                }
                                return .verified(id)
                            } catch let error as FundingError {
                                switch error {
                                case .conflict(let breach): return .refused(breach.rule.rawValue)
                                case .paymentDecided: return .refused("decided")
                                default: return .refused("\(error)")
                                }
                            }
                        }
                    }
                }
                var outcomes: [Outcome] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            let verified = outcomes.compactMap { if case .verified(let id) = $0 { id } else { nil } }
            #expect(verified.count == 100, "exactly what the commitment covers: 100 × 10 000.00")
            #expect(Set(verified).count == verified.count, "no payment verified twice")
            let refusals = Dictionary(grouping: outcomes.compactMap { if case .refused(let why) = $0 { why } else { nil } }, by: { $0 }).mapValues(\.count)
            #expect(Set(refusals.keys).isSubset(of: ["exceeds-commitment", "decided"]), "\(refusals)")

            let commitment = try await harness.commitment(of: approved.proposalId)
            #expect(commitment.disbursed == Money(cents: 100_000_000))
            #expect(commitment.movements.filter { $0.status == .verified }.map(\.id).sorted { $0.uuidString < $1.uuidString }
                == verified.sorted { $0.uuidString < $1.uuidString })
            // The database's own sums agree: the stored total, the movements, one event per accepted verification.
            #expect(try await harness.scalar("SELECT disbursed_cents FROM commitments WHERE id = \(commitmentID)") == 100_000_000)
            #expect(try await harness.scalar("SELECT SUM(amount_cents)::bigint FROM movements WHERE commitment_id = \(commitmentID) AND status = 'verified'") == 100_000_000)
            #expect(try await harness.scalar("SELECT COUNT(*) FROM outbox WHERE event_type = 'funding.disbursed'") == 100)
        }
    }

    @Test func manyApprovalsAndCutsAtOneEnvelopeNeverOvercommitIt() async throws {
        try await withHarness { harness in
            let envelope = try await harness.envelope(Money(cents: 1_000_000_000))  // 10 000 000.00
            let base = Date(timeIntervalSince1970: 1_795_000_000)
            // 100 approvals of 150 000.00 (15 000 000.00 in all), each decided a second after the last,
            // and 20 cuts of 250 000.00, all at once.
            let approvals = (0..<100).map { F.approved(budget: Money(cents: 15_000_000), at: base.addingTimeInterval(Double($0))) }
            let cuts = try await withThrowingTaskGroup(of: Bool.self) { group in
                for approved in approvals {
                    group.addTask {
                        try await harness.approve(approved)
                        return false
                    }
                }
                for _ in 0..<20 {
                    group.addTask { try await harness.cut(envelope.id, by: 25_000_000) }
                }
                var cuts = 0
                for try await cut in group where cut { cuts += 1 }
                return cuts
            }
            let amount = try await harness.scalar("SELECT amount_cents FROM envelopes WHERE id = \(envelope.id)")
            let committed = try await harness.scalar("SELECT committed_cents FROM envelopes WHERE id = \(envelope.id)")
            let active = try await harness.scalar("SELECT COUNT(*) FROM commitments WHERE status = 'active'")
            let blocked = try await harness.scalar("SELECT COUNT(*) FROM commitments WHERE status = 'blocked'")
            #expect(active + blocked == 100, "one commitment per approval")
            #expect(committed <= amount)
            #expect(committed == active * 15_000_000, "what the envelope says is committed is the sum of its active commitments")
            #expect(amount == 1_000_000_000 - Int64(cuts) * 25_000_000, "every accepted cut counted once")
            #expect(try await harness.scalar("SELECT COUNT(*) FROM envelope_adjustments WHERE change = 'lowered'") == Int64(cuts))
            #expect(amount - committed < 15_000_000 || blocked == 0, "a blocked commitment would have fitted")

            // Raising the envelope lets the blocked ones through, oldest approval first, as far as it covers them.
            let blockedBefore = try await harness.transaction { connection in
                try await harness.store.commitments.blocked(on: envelope.key, on: connection)
            }.sorted { $0.approvedAt < $1.approvedAt }
            let raise = Money(cents: 45_000_000)
            let raised = try await harness.transaction { connection in
                let locked = try #require(try await harness.store.envelopes.find(id: envelope.id, lock: true, on: connection))
                return try await harness.store.adjust(
                    locked, by: raise, reason: "Mid-year top-up", actor: F.alice, cause: EventCause(actor: F.alice), at: Date(), on: connection)
            }
            let fits = Int((amount + raise.cents - committed) / 15_000_000)
            let expected = blockedBefore.prefix(min(fits, blockedBefore.count)).map(\.id)
            #expect(raised.unblocked == expected)
            #expect(try await harness.scalar("SELECT committed_cents FROM envelopes WHERE id = \(envelope.id)") == committed + Int64(expected.count) * 15_000_000)
        }
    }

    @Test func closingsReleasingMoneyWhileCutsAndApprovalsRaceKeepTheEnvelopeExact() async throws {
        try await withHarness { harness in
            let envelope = try await harness.envelope(Money(cents: 1_000_000_000))  // 10 000 000.00
            // 20 commitments of 300 000.00 (40 / 60), pre-financing paid, a final of 100 000.00 pending:
            // verifying it closes the commitment and releases 80 000.00 to the envelope.
            var finals: [(UUID, UUID)] = []
            for _ in 0..<20 {
                let approved = F.approved(budget: Money(cents: 30_000_000), schedule: [(.preFinancing, 40), (.final, 60)])
                try await harness.approve(approved)
                let id = try await harness.commitment(of: approved.proposalId).id
                let final = try await harness.transaction { connection in
                    try await harness.store.change(commitment: id, cause: EventCause(actor: F.alice), on: connection) { commitment, envelope in
                        let pre = try commitment.record(F.payment(.preFinancing, 12_000_000), id: UUID(), by: F.alice, at: Date())
                        let events = try commitment.verify(pre.id, envelope: &envelope, by: F.bob, at: Date())
                        return (events, try commitment.record(F.payment(.final, 10_000_000), id: UUID(), by: F.alice, at: Date()).id)
                    }
                }
                finals.append((id, try #require(final)))
            }
            // At once: the 20 closings, 15 cuts of 500 000.00 and 15 new approvals of 300 000.00.
            let cuts = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (commitment, payment) in finals {
                    group.addTask {
                        _ = try await harness.transaction { connection in
                            try await harness.store.change(commitment: commitment, cause: EventCause(actor: F.bob), on: connection) { commitment, envelope in
                                (try commitment.verify(payment, envelope: &envelope, by: F.bob, at: Date()), ())
                            }
                        }
                        return false
                    }
                }
                for index in 0..<30 {
                    group.addTask {
                        guard index % 2 == 1 else {
                            try await harness.approve(F.approved(budget: Money(cents: 30_000_000)))
                            return false
                        }
                        return try await harness.cut(envelope.id, by: 50_000_000)
                    }
                }
                var cuts = 0
                for try await cut in group where cut { cuts += 1 }
                return cuts
            }
            let amount = try await harness.scalar("SELECT amount_cents FROM envelopes")
            let committed = try await harness.scalar("SELECT committed_cents FROM envelopes")
            let claims = try await harness.scalar(
                "SELECT SUM(CASE status WHEN 'active' THEN amount_cents WHEN 'closed' THEN disbursed_cents ELSE 0 END)::bigint FROM commitments")
            #expect(try await harness.scalar("SELECT COUNT(*) FROM commitments WHERE status = 'closed'") == 20)
            #expect(committed == claims, "the envelope's committed is what its commitments take, releases included")
            #expect(committed <= amount)
            #expect(amount == 1_000_000_000 - Int64(cuts) * 50_000_000)
            #expect(try await harness.scalar("SELECT SUM(amount_cents - disbursed_cents)::bigint FROM commitments WHERE status = 'closed'") == 20 * 8_000_000)
        }
    }

    @Test func anEnvelopeCreatedWhileApprovalsArriveMissesNone() async throws {
        try await withHarness { harness in
            // 40 approvals for a region and year without an envelope yet, and the envelope created among them:
            // whichever comes first, every approval ends up committed (an approval before the envelope is
            // blocked and then let through by its creation, one after it finds it).
            let approvals = (0..<40).map { _ in F.approved(budget: Money(cents: 10_000_000)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, approved) in approvals.enumerated() {
                    group.addTask {
                        try await harness.approve(approved)
                    }
                    if index == 20 { group.addTask { _ = try await harness.envelope(Money(cents: 1_000_000_000)) } }
                }
                try await group.waitForAll()
            }
            #expect(try await harness.scalar("SELECT COUNT(*) FROM commitments WHERE status = 'active'") == 40)
            #expect(try await harness.scalar("SELECT committed_cents FROM envelopes") == 400_000_000)
            #expect(try await harness.scalar("SELECT COUNT(*) FROM outbox WHERE event_type = 'funding.committed'") == 40)
        }
    }

    @Test func aClosingSavesEvenWhenTheVerifierRecordedWhatItRejects() async throws {
        try await withHarness { harness in
            _ = try await harness.envelope(Money(cents: 500_000_000))
            let approved = F.approved(schedule: [(.interim, 60), (.final, 40)])
            try await harness.approve(approved)
            let id = try await harness.commitment(of: approved.proposalId).id
            // Alice's interim is verified, her second stays pending; Bob records the final, Alice verifies it.
            let steps: [(PaymentRequest, EventActor, EventActor?)] = [
                (F.payment(.interim, 30_000_000), F.alice, F.bob), (F.payment(.interim, 10_000_000), F.alice, nil), (F.payment(.final, 40_000_000), F.bob, F.alice),
            ]
            for (request, recorder, verifier) in steps {
                _ = try await harness.transaction { connection in
                    try await harness.store.change(commitment: id, cause: EventCause(actor: recorder), on: connection) { commitment, envelope in
                        let movement = try commitment.record(request, id: UUID(), by: recorder, at: Date())
                        guard let verifier else { return ([], ()) }
                        return (try commitment.verify(movement.id, envelope: &envelope, by: verifier, at: Date()), ())
                    }
                }
            }
            let closed = try await harness.commitment(of: approved.proposalId)
            #expect(closed.status == .closed && closed.disbursed == Money(cents: 70_000_000) && closed.released == Money(cents: 30_000_000))
            #expect(try await harness.scalar("SELECT COUNT(*) FROM movements WHERE status = 'rejected' AND decided_by_sub = 'service:funding'") == 1)
            #expect(try await harness.scalar("SELECT committed_cents FROM envelopes") == 70_000_000)
        }
    }

    @Test func aRedeliveredApprovalMakesOneCommitment() async throws {
        try await withHarness { harness in
            _ = try await harness.envelope(Money(cents: 500_000_000))
            let approved = F.approved()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await harness.approve(approved)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await harness.scalar("SELECT COUNT(*) FROM commitments") == 1)
            #expect(try await harness.scalar("SELECT committed_cents FROM envelopes") == 100_000_000)
            #expect(try await harness.scalar("SELECT COUNT(*) FROM outbox WHERE event_type = 'funding.committed'") == 1)
        }
    }

    @Test func theSchemaRefusesWhatTheCodeMustNeverDo() async throws {
        try await withHarness { harness in
            let envelope = try await harness.envelope(Money(cents: 100_000_000))
            let approved = F.approved()
            try await harness.approve(approved)
            let commitment = try await harness.commitment(of: approved.proposalId)
            let paid = try await harness.transaction { connection in
                try await harness.store.change(commitment: commitment.id, cause: EventCause(actor: F.alice), on: connection) { commitment, envelope in
                    let payment = try commitment.record(F.payment(.preFinancing, 40_000_000), id: UUID(), by: F.alice, at: Date())
                    return (try commitment.verify(payment.id, envelope: &envelope, by: F.bob, at: Date()), payment.id)
                }
            }
            let paymentID = try #require(paid)
            // Each refused for its own reason: 23514 a check constraint, 23001 the append-only
            // triggers, 23505 the one verified final (after a first, valid one).
            func movement(_ sequence: Int, _ kind: String, _ tranche: String?, _ cents: Int, _ status: String, decidedBy: String?) -> PostgresQuery {
                """
                INSERT INTO movements (id, commitment_id, sequence, kind, tranche, amount_cents, value_date, bank_reference, reason, status,
                                       recorded_by_sub, recorded_by_role, recorded_at, decided_by_sub, decided_by_role, decided_at)
                VALUES (\(UUID()), \(commitment.id), \(sequence), \(kind), \(tranche), \(cents), '2026-11-20', 'BY-HAND', 'returned', \(status),
                        'fin-alice', 'finance', now(), \(decidedBy), \(decidedBy.map { _ in "finance" }), \(decidedBy.map { _ in Date() }))
                """
            }
            let refused: [(PostgresQuery, String, String)] = [
                ("UPDATE envelopes SET committed_cents = amount_cents + 1 WHERE id = \(envelope.id)", "23514", "envelope_not_overcommitted"),
                ("UPDATE commitments SET disbursed_cents = amount_cents + 1 WHERE id = \(commitment.id)", "23514", "commitment_not_overdisbursed"),
                ("UPDATE commitments SET disbursed_cents = -1 WHERE id = \(commitment.id)", "23514", "commitment_not_overdisbursed"),
                ("UPDATE commitments SET status = 'blocked', shortfall_cents = NULL WHERE id = \(commitment.id)", "23514", "blocked_has_shortfall"),
                ("UPDATE movements SET amount_cents = 1 WHERE id = \(paymentID)", "23001", "can't change"),
                ("UPDATE movements SET status = 'rejected' WHERE id = \(paymentID)", "23001", "can't change"),
                ("DELETE FROM movements WHERE id = \(paymentID)", "23001", "append-only"),
                ("DELETE FROM envelope_adjustments", "23001", "kept for ever"),
                ("UPDATE envelope_adjustments SET reason = 'rewritten'", "23001", "kept for ever"),
                (movement(90, "disbursement", "interim", 100, "verified", decidedBy: "fin-alice"), "23514", "four_eyes"),
                (movement(91, "recovery", nil, 100, "pending", decidedBy: nil), "23514", "movement_sign"),
                (movement(92, "disbursement", nil, 100, "pending", decidedBy: nil), "23514", "movement_sign"),
                (movement(93, "disbursement", "interim", 100, "verified", decidedBy: nil), "23514", "movement_decided"),
            ]
            for (statement, state, naming) in refused {
                do {
                    try await harness.client.query(statement, logger: harness.logger)
                    Issue.record("accepted: \(statement.sql)")
                } catch {
                    #expect(DatabaseFailure.sqlState(error) == state, "\(statement.sql): \(String(reflecting: error))")
                    #expect(String(reflecting: error).contains(naming), "\(statement.sql): \(String(reflecting: error))")
                }
            }
            try await harness.client.query(movement(94, "disbursement", "final", 100, "verified", decidedBy: "fin-bob"), logger: harness.logger)
            do {
                try await harness.client.query(movement(95, "disbursement", "final", 100, "verified", decidedBy: "fin-bob"), logger: harness.logger)
                Issue.record("a second verified final was accepted")
            } catch {
                #expect(DatabaseFailure.sqlState(error) == "23505" && String(reflecting: error).contains("one_final_paid"), "\(String(reflecting: error))")
            }
            #expect(try await harness.scalar("SELECT disbursed_cents FROM commitments") == 40_000_000)
        }
    }
}
