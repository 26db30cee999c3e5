import Events
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Funding

/// Finance staff working in French read every refusal of funding's rules in French: a payment
/// or recovery recorded with bad values, each money rule (four eyes, the schedule's order and
/// share, the commitment, the envelope), an envelope's amount, a step the status does not allow.
@Suite("Funding's problems, as a French page shows them")
struct FundingProblemsInFrenchTests {
    typealias F = FundingFixtures

    func body(_ json: String) throws -> JSONBody { try JSONBody(bytes: Array(json.utf8)) }

    @Test("Every problem of a payment, an envelope, a money rule and a refused step reads in French")
    func everyProblemReadsInFrench() throws {
        var texts: [String] = []
        // What the forms send, read with every problem named.
        for json in [
            #"{"kind":"disbursement","amount":"-1","valueDate":"2026-13-01","bankReference":"","reason":"x","colour":1}"#,
            #"{"kind":"recovery","tranche":"final","amount":"1.234","valueDate":"2027-01-01","bankReference":"R"}"#,
            #"{"kind":"refund","tranche":"early","amount":"99999999999999.00","valueDate":"1999-12-31","bankReference":"R"}"#,
            #"{"amount":12,"valueDate":20261130,"note":"\#(String(repeating: "n", count: 2001))"}"#,
            #"{"amount":"0.00","valueDate":"2026-11-20","bankReference":"\#(String(repeating: "b", count: 101))"}"#,
        ] {
            texts += PageProblemWords.refusal { _ = try PaymentRequest.parse(body(json), today: "2026-11-30") }
        }
        texts += PageProblemWords.refusal { _ = try PaymentRequest.parse(body("[]"), today: "2026-11-30") }
        texts += PageProblemWords.refusal { _ = try EnvelopeInput.parse(body(#"{"year":1999,"region":"XX","instrument":"1!","amount":"-5"}"#), reference: F.reference, defaultInstrument: "IfS") }
        texts += PageProblemWords.refusal { _ = try EnvelopeInput.parse(body(#"{"year":"2026","amount":"99999999999999.00","reason":""}"#), reference: F.reference, defaultInstrument: "IfS") }
        for json in [#"{"delta":"0.00"}"#, #"{"delta":"-99999999999999.00","reason":"Cut"}"#] {
            texts += PageProblemWords.refusal { _ = try AdjustmentInput.parse(body(json)) }
        }
        texts += PageProblemWords.refusal { _ = try RejectionInput.parse(body("{}")) }

        // The money rules, each met through the domain.
        var (commitment, start) = F.active()
        var envelope: Envelope? = start
        texts += PageProblemWords.refusal { _ = try commitment.record(F.payment(.preFinancing, 0), id: UUID(), by: F.alice, at: F.decidedAt) }
        texts += PageProblemWords.refusal { _ = try commitment.record(F.payment(.preFinancing, 1_000, date: "2026-11-17"), id: UUID(), by: F.alice, at: F.decidedAt) }
        var noTranche = F.payment(.preFinancing, 1_000)
        noTranche.tranche = nil
        texts += PageProblemWords.refusal { _ = try commitment.record(noTranche, id: UUID(), by: F.alice, at: F.decidedAt) }
        var noReason = F.recovery(1_000)
        noReason.reason = nil
        texts += PageProblemWords.refusal { _ = try commitment.record(noReason, id: UUID(), by: F.alice, at: F.decidedAt) }
        texts += PageProblemWords.refusal { _ = try commitment.record(F.payment(.interim, 10_000_000), id: UUID(), by: F.alice, at: F.decidedAt) }
        texts += PageProblemWords.refusal { _ = try commitment.record(F.payment(.preFinancing, 40_000_001), id: UUID(), by: F.alice, at: F.decidedAt) }
        texts += PageProblemWords.refusal { _ = try commitment.record(F.recovery(1), id: UUID(), by: F.alice, at: F.decidedAt) }
        let pre = try commitment.record(F.payment(.preFinancing, 40_000_000), id: UUID(), by: F.alice, at: F.decidedAt)
        texts += PageProblemWords.refusal { _ = try commitment.verify(pre.id, envelope: &envelope, by: F.alice, at: F.decidedAt) }
        texts += PageProblemWords.refusal { try commitment.reject(pre.id, reason: "no", by: F.alice, at: F.decidedAt) }
        _ = try commitment.verify(pre.id, envelope: &envelope, by: F.bob, at: F.decidedAt)
        texts += PageProblemWords.refusal { _ = try commitment.verify(pre.id, envelope: &envelope, by: F.bob, at: F.decidedAt) }
        texts += PageProblemWords.refusal { _ = try commitment.record(F.payment(.interim, 60_000_001), id: UUID(), by: F.alice, at: F.decidedAt) }
        var (plain, _) = F.active(F.approved(schedule: [(.interim, 60), (.final, 40)]))
        texts += PageProblemWords.refusal { _ = try plain.record(F.payment(.preFinancing, 10_000_000), id: UUID(), by: F.alice, at: F.decidedAt) }
        var short: Envelope? = F.envelope(Money(cents: 70_000_001))
        var (blocked, _) = try Commitment.open(F.approved(), instrument: "IfS", reference: F.reference, envelope: &short, id: UUID(), at: F.decidedAt)
        texts += PageProblemWords.refusal { _ = try blocked.retry(envelope: &short, at: F.decidedAt) }
        var none: Envelope? = nil
        texts += PageProblemWords.refusal { _ = try blocked.retry(envelope: &none, at: F.decidedAt) }

        // An envelope's amount.
        var allocation = F.envelope(Money(cents: 500_000_000))
        var (_, committedEnvelope) = F.active()
        texts += PageProblemWords.refusal { _ = try committedEnvelope.adjust(by: Money(cents: -400_000_001), reason: "Cut", by: F.alice, at: F.decidedAt) }
        for delta in [Money.zero, Money(cents: -600_000_000), Envelope.maximumAmount] {
            texts += PageProblemWords.refusal { _ = try allocation.adjust(by: delta, reason: "Change", by: F.alice, at: F.decidedAt) }
        }
        let key = Envelope.Key(year: 2026, region: "CA", instrument: "IfS")
        texts += PageProblemWords.refusal { _ = try Envelope.create(key, amount: Money(cents: -1), reason: "x", id: UUID(), by: F.alice, at: F.decidedAt) }
        texts += PageProblemWords.refusal { throw FundingError.envelopeExists(key, id: UUID()) }

        // Every step a status does not allow.
        for status in Commitment.Status.allCases {
            for action in [CommitmentAction.retry, .recordPayment, .recordRecovery, .verify, .reject] where !status.allowedActions.contains(action) {
                texts += PageProblemWords.refusal { throw FundingError.invalidState(status, action) }
            }
        }

        let envelopeShort = try PageProblemWords.french("the IfS envelope of CA for 2026 has 700000.01 available; 1000000.00 is needed, 299999.99 more than it has.", service: "Funding")
        #expect(envelopeShort.hasPrefix("l’enveloppe IfS de la région CA pour 2026 dispose de 700") && !envelopeShort.contains("299999.99"), "\(envelopeShort)")

        #expect(texts.count > 50, "the rules named \(texts.count) problems")
        let english = try PageProblemWords.leftInEnglish(texts, service: "Funding")
        #expect(english.isEmpty, "a French page shows these in English:\n\(english.joined(separator: "\n"))")
    }
}
