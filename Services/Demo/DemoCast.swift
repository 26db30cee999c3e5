import ArgumentParser
import Cycle
import Events

/// The people the demonstration acts as, found in the people file by the subjects the plan
/// names: every step is taken by someone whose role allows it.
struct DemoCast: Sendable {
    let people: [Person]
    let programmeManager: Person
    /// Records payments.
    let recorder: Person
    /// Verifies what the recorder recorded (four eyes).
    let verifier: Person
    /// Assigned from, in this order.
    let reviewers: [Person]
    private let focalPoints: [String: Person]
    private let secretariats: [String: Person]

    /// Throws naming every person the plan needs and the file lacks (or has with another role or place).
    init(people: [Person], plan: DemoPlan) throws {
        var problems: [String] = []
        func find(_ sub: String, _ role: Caller.Role, country: String? = nil, region: String? = nil) -> Person? {
            guard let person = people.person(sub) else {
                problems.append("\(sub) (\(role.rawValue)) is missing")
                return nil
            }
            guard person.role == role, country == nil || person.country == country, region == nil || person.region == region else {
                problems.append("\(sub) must be a \(role.rawValue)\(country.map { " of \($0)" } ?? "")\(region.map { " of \($0)" } ?? "")")
                return nil
            }
            return person
        }
        let programmeManager = find(DemoPlan.programmeManager, .admin)
        let recorder = find(DemoPlan.recorder, .finance)
        let verifier = find(DemoPlan.verifier, .finance)
        reviewers = DemoPlan.reviewers.compactMap { find($0, .reviewer) }
        for reviewer in reviewers where reviewer.country == nil { problems.append("\(reviewer.sub) needs a country (conflicts of interest are checked on it)") }
        var focalPoints: [String: Person] = [:]
        for country in Set(plan.scenarios.map(\.lead)).sorted() { focalPoints[country] = find(DemoPlan.focalPoint(country), .focalPoint, country: country) }
        var secretariats: [String: Person] = [:]
        for region in plan.regions { secretariats[region] = find(DemoPlan.secretariat(region), .secretariat, region: region) }
        guard problems.isEmpty, let programmeManager, let recorder, let verifier, reviewers.count >= 2 else {
            throw ValidationError("The people file does not have whom the demonstration acts as: " + problems.joined(separator: "; "))
        }
        self.people = people
        self.programmeManager = programmeManager
        self.recorder = recorder
        self.verifier = verifier
        self.focalPoints = focalPoints
        self.secretariats = secretariats
    }

    /// The focal point of a lead country (the initializer checked there is one).
    func focalPoint(_ country: String) -> Person { focalPoints[country]! }

    /// The secretariat of a region (the initializer checked there is one).
    func secretariat(_ region: String) -> Person { secretariats[region]! }

    /// `count` reviewers for a proposal involving `countries`: none of those countries' nationals
    /// (conflict of interest), taken round the list from a place that moves with `number`, so the
    /// work is shared and every run assigns the same people.
    func reviewers(count: Int, for number: Int, involving countries: Set<String>) -> [Person] {
        let eligible = (0..<reviewers.count).map { reviewers[(number * 3 + $0) % reviewers.count] }.filter { !countries.contains($0.country ?? "") }
        return Array(eligible.prefix(count))
    }
}
