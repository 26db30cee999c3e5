import Cycle
import Events
import Foundation
import Pages

/// Why funding's API refused a form, arranged for the page that shows it again: each problem
/// beside its field, the rest above the form.
///
/// A money rule (409 or 422 naming its `rule`) is written from the catalogue in the person's
/// language, with the API's `excess` as the amount, since its `detail` is English for
/// developers; a 409 names no field, so the rule says which one it is about. Field problems of
/// a 422 are the API's own sentences, as intake's pages show them.
struct FundingRefusal: Sendable {
    var byField: [String: [String]] = [:]
    var general: [String] = []

    init() {}

    init(_ error: CoEClientError, page: PageRequest) {
        let problem = error.problem
        let name = problem?.rule ?? problem?.name
        let excess = page.language.euros(decimal: problem?.excess)
        if let name, let (key, field) = Self.rules[name] {
            let text = page.strings(key, ["excess": excess])
            if let field { byField[field, default: []].append(text) } else { general.append(text) }
            return
        }
        if name == "invalid-state", let state = problem?.state {
            // A payment already decided answers with the payment's status, a commitment with its own.
            if CommitmentStatus(rawValue: state) != nil {
                general.append(page.strings("refused_commitment_state", ["state": page.label("commitment", state)]))
            } else {
                general.append(page.strings("refused_payment_decided", ["state": page.label("payment", state)]))
            }
            return
        }
        (byField, general) = page.fieldProblems(error)
    }

    /// The rules funding names (`FundingError.RuleBreach.Rule`, and `envelope-exists`): the
    /// catalogue's key, and the form's field it is about (nil: the form as a whole).
    static let rules: [String: (key: String, field: String?)] = [
        "exceeds-commitment": ("refused_exceeds_commitment", "amount"),
        "pre-financing-cap": ("refused_pre_financing_cap", "amount"),
        "tranche-order": ("refused_tranche_order", "tranche"),
        "tranche-not-in-schedule": ("refused_tranche_not_in_schedule", "tranche"),
        "exceeds-disbursed": ("refused_exceeds_disbursed", "amount"),
        "four-eyes": ("refused_four_eyes", nil),
        "envelope-short": ("refused_envelope_short", nil),
        "below-committed": ("refused_below_committed", "delta"),
        "envelope-exists": ("refused_envelope_exists", nil),
    ]

    var isEmpty: Bool { byField.isEmpty && general.isEmpty }

    /// Everything, for the summary above the form: a field's problems after its label.
    func summary(_ strings: Strings) -> [String] {
        general + byField.sorted { $0.key < $1.key }.flatMap { field, texts in
            texts.map { strings("problem_line", ["field": strings.optional("field_\(field)") ?? field, "problem": $0]) }
        }
    }

    /// A form control for a template: its element id, name, label and value, its hint, and its
    /// problems (`invalid`, `error`) when it has any. Every key is set, so that a template's
    /// section never finds a key of an enclosing context instead.
    func field(
        _ id: String, name: String, value: String, label: String, type: String = "text", hint: String? = nil, required: Bool = false,
        inputmode: String? = nil
    ) -> [String: Any] {
        let errors = byField[name] ?? []
        var described: [String] = []
        if hint != nil { described.append("\(id)-hint") }
        if !errors.isEmpty { described.append("\(id)-error") }
        return [
            "id": id, "name": name, "value": value, "label": label, "type": type, "hint": hint.map { $0 as Any } ?? false, "required": required,
            "inputmode": inputmode.map { $0 as Any } ?? false, "invalid": !errors.isEmpty, "error": errors.joined(separator: " "),
            "describedby": described.isEmpty ? false as Any : described.joined(separator: " ") as Any,
        ]
    }
}
