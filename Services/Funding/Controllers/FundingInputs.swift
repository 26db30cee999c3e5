import Events
import Foundation
import ServiceRuntime

// The bodies of funding's writes, read with every problem named at once. Types and shapes
// are checked here; the money rules are the domain's to check.

/// `POST /v1/envelopes`.
struct EnvelopeInput: Sendable {
    var key: Envelope.Key
    var amount: Money
    var reason: String

    static let shape = #"{"year": 2026, "region": "AAF", "instrument": "IfS", "amount": "12000000.00", "reason": "…"}"#

    static func parse(_ body: JSONBody, reference: ReferenceData, defaultInstrument: String) throws -> EnvelopeInput {
        var reader = body.objectReader(known: ["year", "region", "instrument", "amount", "reason"], shape: shape)
        let year = reader.integer("year", required: true, in: 2000...2100)
        let region = reader.choice("region", required: true, of: reference.regions.map(\.code))
        let instrument = reader.text("instrument", maximum: 20)
        if let instrument, !FundingInputs.isInstrumentCode(instrument) {
            reader.problem("instrument", "must be a code of 1 to 20 letters, digits, '-' or '_', starting with a letter, like IfS")
        }
        let amount = reader.money("amount", required: true, positive: false)
        if let amount, amount < .zero || amount > Envelope.maximumAmount { reader.problem("amount", "must be from 0.00 to \(Envelope.maximumAmount)") }
        let reason = reader.text("reason", required: true, maximum: 2000)
        try reader.validate()
        guard let year, let region, let amount, let reason else { throw HTTPProblem.validation(reader.problems) }
        return EnvelopeInput(key: .init(year: year, region: region, instrument: instrument ?? defaultInstrument), amount: amount, reason: reason)
    }
}

/// `POST /v1/envelopes/{id}/adjustments`: a signed change of the amount, with a reason.
struct AdjustmentInput: Sendable {
    var delta: Money
    var reason: String

    static let shape = #"{"delta": "250000.00", "reason": "…"}"#

    static func parse(_ body: JSONBody) throws -> AdjustmentInput {
        var reader = body.objectReader(known: ["delta", "reason"], shape: shape)
        let delta = reader.money("delta", required: true, positive: false)
        if delta == .zero { reader.problem("delta", "must not be 0.00: a raise is positive, a cut negative") }
        if let delta, delta.cents.magnitude > Envelope.maximumAmount.cents.magnitude {
            reader.problem("delta", "must be at most \(Envelope.maximumAmount) either way")
        }
        let reason = reader.text("reason", required: true, maximum: 2000)
        try reader.validate()
        guard let delta, let reason else { throw HTTPProblem.validation(reader.problems) }
        return AdjustmentInput(delta: delta, reason: reason)
    }
}

extension PaymentRequest {
    static let shape = #"{"kind": "disbursement", "tranche": "pre_financing", "amount": "400000.00", "valueDate": "2026-11-30", "bankReference": "…", "note": "…"}"#

    /// `POST /v1/commitments/{id}/payments`: a disbursement of a tranche, or a recovery with a reason.
    static func parse(_ body: JSONBody, today: String) throws -> PaymentRequest {
        var reader = body.objectReader(known: ["kind", "tranche", "amount", "valueDate", "bankReference", "note", "reason"], shape: shape)
        let kind = reader.choice("kind", of: Movement.Kind.allCases.map(\.rawValue)).flatMap(Movement.Kind.init(rawValue:)) ?? .disbursement
        let tranche = reader.choice("tranche", of: PaymentTranche.Kind.allCases.map(\.rawValue)).flatMap(PaymentTranche.Kind.init(rawValue:))
        let amount = reader.money("amount", required: true)
        if let amount, amount > Envelope.maximumAmount { reader.problem("amount", "must be at most \(Envelope.maximumAmount)") }
        let valueDate = reader.text("valueDate", required: true, maximum: 10)
        if let valueDate {
            if !FundingInputs.isCalendarDate(valueDate) {
                reader.problem("valueDate", "must be a date like 2026-11-30")
            } else if valueDate > today {
                reader.problem("valueDate", "must not be after today (\(today)): a payment is recorded once the money moved")
            } else if valueDate < "2000-01-01" {
                reader.problem("valueDate", "must be from 2000-01-01 on")
            }
        }
        let bankReference = reader.text("bankReference", required: true, maximum: 100)
        let note = reader.text("note", maximum: 2000)
        let reason = reader.text("reason", maximum: 2000)
        switch kind {
        case .disbursement:
            if tranche == nil, !reader.has("tranche") { reader.problem("tranche", "is required for a disbursement: pre_financing, interim or final") }
            if reader.has("reason") { reader.problem("reason", "is for a recovery; a disbursement takes a note") }
        case .recovery:
            if reader.has("tranche") { reader.problem("tranche", "is for a disbursement; a recovery returns money whatever the tranche") }
            if reason == nil, !reader.problems.contains(where: { $0.field == "reason" }) {
                reader.problem("reason", "is required for a recovery: say why the money comes back")
            }
        }
        try reader.validate()
        guard let amount, let valueDate, let bankReference else { throw HTTPProblem.validation(reader.problems) }
        return PaymentRequest(kind: kind, tranche: tranche, amount: amount, valueDate: valueDate, bankReference: bankReference, note: note, reason: reason)
    }
}

/// `POST /v1/commitments/{id}/payments/{paymentId}/rejection`.
struct RejectionInput: Sendable {
    var reason: String

    static func parse(_ body: JSONBody) throws -> RejectionInput {
        var reader = body.objectReader(known: ["reason"], shape: #"{"reason": "…"}"#)
        let reason = reader.text("reason", required: true, maximum: 2000)
        try reader.validate()
        guard let reason else { throw HTTPProblem.validation(reader.problems) }
        return RejectionInput(reason: reason)
    }
}

enum FundingInputs {
    static func isInstrumentCode(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("A"..."Z").contains(first) || ("a"..."z").contains(first) else { return false }
        return (1...20).contains(text.count)
            && text.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    /// `YYYY-MM-DD` naming a day that exists.
    static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month), day >= 1
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }
}
