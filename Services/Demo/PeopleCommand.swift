import ArgumentParser
import Cycle
import Events

/// `coe-demo people`: for each role, the person the demonstration acts as and the command
/// that mints their token (`coe-<service> token`, signed with the local key), ready to paste.
struct PeopleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "people", abstract: "For each role, one person of the demonstration and the command that mints their token.")

    @OptionGroup var people: PeopleOptions

    func run() async throws {
        let everyone = try Person.load(contentsOfFile: people.peopleFile)
        let plan = DemoPlan(year: UTC.year(of: .now), reference: try ReferenceData.load())
        let cast = try DemoCast(people: everyone, plan: plan)
        let chosen: [(variable: String, person: Person, why: String)] = [
            ("FP", cast.focalPoint("KZ"), "focal point: drafts, submits, revises and withdraws Kazakhstan's proposals"),
            ("FPFR", cast.focalPoint("MA"), "focal point who reads French: Morocco's proposals (North Africa)"),
            ("SEC", cast.secretariat("CA"), "secretariat: screens and assigns reviewers in Central Asia"),
            ("REV", cast.reviewers[0], "reviewer: assesses the cases assigned to them"),
            ("FIN", cast.recorder, "finance: allocates envelopes, records payments"),
            ("FIN2", cast.verifier, "finance: verifies what the other recorded (four eyes)"),
            ("PM", cast.programmeManager, "programme manager (admin): decides; reads everything"),
        ]
        print("BIN=$(swift build --show-bin-path)")
        for (variable, person, why) in chosen {
            print("")
            print("# \(why): \(person.name) (\(person.sub))")
            print("\(variable)=(-H \"Authorization: Bearer $($BIN/coe-intake token \(arguments(for: person)))\")")
        }
    }

    /// The token command's flags for `person`: role, subject, and the place their role needs.
    private func arguments(for person: Person) -> String {
        var flags = ["--role", person.role.rawValue, "--sub", person.sub]
        switch person.role {
        case .focalPoint, .reviewer: if let country = person.country { flags += ["--country", country] }
        case .secretariat: if let region = person.region { flags += ["--region", region] }
        case .finance, .admin: break
        }
        return flags.joined(separator: " ")
    }
}
