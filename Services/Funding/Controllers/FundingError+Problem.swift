import Events
import ServiceRuntime

/// Funding's one mapping from its domain errors to problem details. A money rule answers with
/// its name as the problem type and `rule`, and by how much the request goes past it as `excess`.
extension FundingError: ProblemConvertible {
    /// The description as a sentence.
    private var sentence: String { description.prefix(1).uppercased() + description.dropFirst() + "." }

    var problem: HTTPProblem {
        switch self {
        case .notFound(let what):
            return .notFound(what)
        case .forbidden(let detail):
            return HTTPProblem(.forbidden, type: "forbidden", detail: detail)
        case .invalidState(let status, _):
            return .invalidState(status.rawValue, allowed: status.allowedActions.map(\.rawValue), detail: sentence)
        case .paymentDecided(_, let status):
            return HTTPProblem.invalidState(status.rawValue, allowed: [], detail: sentence + " A decided payment never changes.")
        case .invalidRequest(let breach):
            var problem = HTTPProblem(
                .unprocessableContent, type: breach.rule.rawValue, title: Self.title(of: breach.rule), detail: breach.detail,
                errors: [FieldProblem(field: breach.field, problem: breach.detail)])
            problem.problem.rule = breach.rule.rawValue
            problem.problem.excess = breach.excess?.description
            return problem
        case .conflict(let breach):
            var problem = HTTPProblem(.conflict, type: breach.rule.rawValue, title: Self.title(of: breach.rule), detail: breach.detail)
            problem.problem.rule = breach.rule.rawValue
            problem.problem.excess = breach.excess?.description
            return problem
        case .envelopeExists(_, let id):
            return HTTPProblem(.conflict, type: "envelope-exists", title: "The envelope exists", detail: sentence + (id.map { " Its id is \($0.lowercased)." } ?? ""))
        case .invalid(let problems):
            return .validation(problems)
        case .refused(let reason):
            return HTTPProblem(.conflict, type: "refused", detail: reason)
        }
    }

    private static func title(of rule: RuleBreach.Rule) -> String {
        switch rule {
        case .exceedsCommitment: "Payments would exceed the commitment"
        case .preFinancingCap: "Pre-financing would exceed the schedule's share"
        case .trancheOrder: "Tranches follow the schedule's order"
        case .trancheNotInSchedule: "The schedule has no such tranche"
        case .exceedsDisbursed: "A recovery can't exceed what was disbursed"
        case .fourEyes: "Four eyes: another finance user decides"
        case .envelopeShort: "The envelope can't cover it"
        case .belowCommitted: "An envelope can't go below what is committed"
        }
    }
}
