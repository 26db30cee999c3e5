import Cycle
import Events
import Foundation

/// The table printed at the end of a load: what the stack now holds, service by service, and
/// the demonstration's proposals by the state each was left in.
struct DemoSummary {
    let plan: DemoPlan
    let inventory: DemoInventory

    var text: String {
        var rows: [(String, String)] = []
        rows.append(("People", people))
        rows.append(("Envelopes", envelopes))
        rows.append(("Proposals (intake)", counted(inventory.proposals.map(\.status.rawValue), order: ProposalStatus.allCases.map(\.rawValue))))
        rows.append(("Review cases (workflow)", counted(inventory.cases.values.map(\.stage.rawValue), order: ReviewStage.allCases.map(\.rawValue))))
        rows.append(("Commitments (funding)", commitments))
        rows.append(("Payments (funding)", payments))
        var lines = ["", "CoE demonstration initiative"]
        lines += table(rows)
        lines += ["", "Demonstration proposals by state"]
        var states: [(label: String, count: Int, settled: Int)] = []
        for scenario in plan.scenarios.sorted(by: { $0.journey.rank < $1.journey.rank }) {
            let settled = inventory.progress(of: scenario).isSettled ? 1 : 0
            if let index = states.firstIndex(where: { $0.label == scenario.journey.label }) {
                states[index].count += 1
                states[index].settled += settled
            } else {
                states.append((scenario.journey.label, 1, settled))
            }
        }
        lines += table(
            states.map { ($0.label, $0.settled == $0.count ? "\($0.count)" : "\($0.settled) of \($0.count) done") }
                + [("in all", "\(plan.scenarios.count) proposals in \(Set(plan.scenarios.map(\.region)).count) regions")])
        return lines.joined(separator: "\n")
    }

    private var people: String {
        let roles: [(Caller.Role, String)] = [
            (.focalPoint, "focal points"), (.secretariat, "secretariats"), (.reviewer, "reviewers"), (.finance, "finance"), (.admin, "admins"),
        ]
        let parts = roles.map { role, name in "\(inventory.recipients.filter { $0.role == role }.count) \(name)" }
        return "\(inventory.recipients.count) in the directory: " + parts.joined(separator: ", ")
    }

    private var envelopes: String {
        let years = Set(inventory.envelopes.map(\.year)).sorted()
        let parts = years.map { year in
            let ofYear = inventory.envelopes.filter { $0.year == year }
            return "\(year) \(euros(ofYear.map(\.amount))) in \(ofYear.count) regions, \(euros(ofYear.map(\.committed))) committed"
        }
        return "\(inventory.envelopes.count): " + parts.joined(separator: "; ")
    }

    private var commitments: String {
        let all = Array(inventory.commitments.values)
        let statuses = counted(all.map(\.status.rawValue), order: CommitmentStatus.allCases.map(\.rawValue))
        let blocked = all.filter { $0.status == .blocked }
        let shortfall = blocked.isEmpty ? "" : ", \(euros(blocked.compactMap(\.shortfall))) short"
        // Funding's rule: active commitments' amounts and closed ones' net disbursements.
        let committed = all.filter { $0.status == .active }.map(\.amount) + all.filter { $0.status == .closed }.map(\.disbursed)
        return "\(statuses); \(euros(committed)) committed, \(euros(all.map(\.disbursed))) disbursed, \(euros(all.map(\.released))) released\(shortfall)"
    }

    private var payments: String {
        let parts = PaymentStatus.allCases.compactMap { status -> String? in
            let ofStatus = inventory.payments.filter { $0.payment.status == status }
            return ofStatus.isEmpty ? nil : "\(ofStatus.count) \(status.rawValue) (\(euros(ofStatus.map(\.payment.amount))))"
        }
        return "\(inventory.payments.count)" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }

    /// `total: n a, m b` in the order given.
    private func counted(_ values: [String], order: [String]) -> String {
        let parts = order.compactMap { value -> String? in
            let count = values.filter { $0 == value }.count
            return count == 0 ? nil : "\(count) \(value)"
        }
        return "\(values.count)" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }

    private func euros(_ amounts: [Money]) -> String {
        Language.en.euros((try? Money.sum(amounts)) ?? .zero)
    }

    private func table(_ rows: [(String, String)]) -> [String] {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
    }
}
