import Events

/// The programme manager's decision on a round: approve with a budget and a payment schedule,
/// reject, or request a revision, each with reasons.
public enum Decision: Sendable, Equatable {
    /// One tranche of the schedule, in whole percent of the approved budget.
    public struct Share: Encodable, Sendable, Equatable {
        public var tranche: PaymentTranche.Kind
        public var percent: Int

        public init(_ tranche: PaymentTranche.Kind, _ percent: Int) {
            self.tranche = tranche
            self.percent = percent
        }
    }

    /// `schedule`: an optional `pre_financing` first (at most the call's cap, 40 % by default),
    /// any `interim`, `final` last; percentages summing to 100.
    case approve(budget: Money, schedule: [Share], reasons: [String] = [])
    case reject(reasons: [String])
    case requestRevision(reasons: [String])

    /// `approved`, `rejected` or `revision_requested`, as the round records it.
    public var outcome: String {
        switch self {
        case .approve: "approved"
        case .reject: "rejected"
        case .requestRevision: "revision_requested"
        }
    }
}

extension Decision: Encodable {
    private enum CodingKeys: String, CodingKey { case outcome, approvedBudget, paymentSchedule, reasons }

    /// A rejection or a revision request carries no budget and no schedule (workflow refuses them).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome, forKey: .outcome)
        switch self {
        case .approve(let budget, let schedule, let reasons):
            try container.encode(budget, forKey: .approvedBudget)
            try container.encode(schedule, forKey: .paymentSchedule)
            if !reasons.isEmpty { try container.encode(reasons, forKey: .reasons) }
        case .reject(let reasons), .requestRevision(let reasons):
            try container.encode(reasons, forKey: .reasons)
        }
    }
}
