import ArgumentParser
import AsyncHTTPClient
import Cycle
import Events
import Foundation
import Logging

/// `coe-demo load`: registers the people, allocates the envelopes and takes the proposals of
/// ``DemoPlan`` through the cycle, through the APIs only.
///
/// It is safe to run again. It first reads what the stack holds: when every proposal of the plan
/// is there as planned, it says so and adds nothing; otherwise it takes each unfinished
/// proposal on from where it is, every change with the same `Idempotency-Key` as the run before.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Load the demonstration initiative into a running stack (nothing when it is there already).")

    @OptionGroup var people: PeopleOptions
    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Proposals taken through the cycle at once.")
    var concurrency = 8

    @Flag(help: "Print only the summary, not each step.")
    var quiet = false

    func validate() throws {
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 64") }
    }

    func run() async throws {
        let reference = try ReferenceData.load()
        let now = Date()
        let plan = DemoPlan(year: UTC.year(of: now), reference: reference)
        let everyone = try Person.load(contentsOfFile: people.peopleFile)
        let cast = try DemoCast(people: everyone, plan: plan)
        // Every body is checked against intake's rules before anything is sent.
        for scenario in plan.scenarios where scenario.journey.draft != .incomplete {
            let focalPoint = cast.focalPoint(scenario.lead)
            _ = try scenario.complete(contact: .init(name: focalPoint.name, email: focalPoint.email), reference: reference)
        }
        var logger = Logger(label: "coe-demo")
        logger.logLevel = .warning
        let http = CoEClient.makeHTTPClient(connections: concurrency * 2)
        let client = CoEClient(
            http: http, endpoints: try connection.endpoints(), tokens: try await connection.tokenMinter(),
            waitTimeout: .seconds(connection.waitSeconds), logger: logger)
        do {
            try await load(plan, cast: cast, everyone: everyone, reference: reference, client: client, at: now)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    /// Reads what the stack holds, then adds what is missing of the plan.
    private func load(_ plan: DemoPlan, cast: DemoCast, everyone: [Person], reference: ReferenceData, client: CoEClient, at now: Date) async throws {
        let before = try await DemoInventory.read(client, cast: cast)
        let progress = plan.scenarios.map { before.progress(of: $0) }
        let newPeople = everyone.filter { !before.isRegistered($0) }
        let newEnvelopes = plan.envelopes.filter { before.envelope(year: $0.year, region: $0.region) == nil }
        if newPeople.isEmpty, newEnvelopes.isEmpty, progress.allSatisfy(\.isSettled) {
            print("demo data already loaded")
            return
        }
        if progress.contains(where: { $0 != .notStarted }) {
            say("resuming: \(progress.filter(\.isSettled).count) of \(plan.scenarios.count) proposals are there as planned")
        }
        for (scenario, state) in zip(plan.scenarios, progress) {
            if case .divergent(let why) = state { say("\(scenario.slug) left as it is: \(why)") }
        }

        // Everyone, not only the new: an entry that differs from the file is brought in line.
        try await register(everyone, as: cast.programmeManager, client: client)
        try await allocate(newEnvelopes, as: cast.recorder, client: client)

        let runner = ScenarioRunner(
            client: client, cast: cast, rules: try await client.reviewRules(as: cast.programmeManager), reference: reference, today: UTC.day(now),
            year: plan.year)
        let pending = zip(plan.scenarios, progress).filter { !$0.1.isSettled }.map(\.0)
        // The blocked commitment needs its region's other approval committed first: it runs last.
        var failures = await run(pending.filter { !$0.runsAfterOthers }, runner: runner, inventory: before)
        let last = pending.filter(\.runsAfterOthers)
        if failures.isEmpty {
            failures = await run(last, runner: runner, inventory: before)
        } else if !last.isEmpty {
            say("not started, as others failed: " + last.map(\.slug).joined(separator: ", "))
        }

        print(DemoSummary(plan: plan, inventory: try await DemoInventory.read(client, cast: cast)).text)
        guard failures.isEmpty else {
            for (scenario, error) in failures { printError("\(scenario.slug) \(scenario.content.title): \(error)") }
            printError("\(failures.count) proposal(s) could not be taken through; run `coe-demo load` again once the cause is fixed: it goes on from where it is.")
            throw ExitCode.failure
        }
    }

    // MARK: Steps

    /// Adds the people to notifications' directory, or brings their entry in line with the file.
    /// A second `POST` of a person is a 409 the client turns into a comparison: no key is needed.
    private func register(_ people: [Person], as admin: Person, client: CoEClient) async throws {
        let outcomes = await concurrently(people, limit: concurrency) { person in
            await Result { try await client.registerRecipient(person, as: admin).outcome }
        }
        for (person, outcome) in zip(people, outcomes) {
            say("person \(person.sub) (\(person.role.rawValue)): \(try outcome.get().rawValue)")
        }
    }

    /// Creates the envelopes missing. One that exists already (made before the demonstration, by
    /// hand) is kept as it is and said so: its amount then decides what commits.
    private func allocate(_ envelopes: [DemoPlan.EnvelopePlan], as finance: Person, client: CoEClient) async throws {
        for envelope in envelopes {
            do {
                let created = try await client.createEnvelope(
                    year: envelope.year, region: envelope.region, amount: envelope.amount, reason: envelope.reason, as: finance, key: envelope.key)
                say("envelope \(envelope.year) \(envelope.region): \(Language.en.euros(created.amount))")
            } catch let error as CoEClientError where error.problemName == "envelope-exists" {
                say("envelope \(envelope.year) \(envelope.region): kept the one there (\(error.problem?.detail ?? "exists"))")
            }
        }
    }

    /// Takes `scenarios` through, `concurrency` at a time; answers those that failed, with why.
    private func run(_ scenarios: [Scenario], runner: ScenarioRunner, inventory: DemoInventory) async -> [(Scenario, any Error)] {
        let quiet = self.quiet
        let outcomes = await concurrently(scenarios, limit: concurrency) { scenario in
            let started = ContinuousClock.now
            let outcome = await Result { try await runner.run(scenario, existing: inventory.proposal(of: scenario)) }
            if !quiet, case .success(let state) = outcome {
                print("\(scenario.slug) \(scenario.region) \(scenario.lead) \(scenario.content.title): \(state) (\((ContinuousClock.now - started).milliseconds) ms)")
            }
            return outcome
        }
        return zip(scenarios, outcomes).compactMap { scenario, outcome in
            guard case .failure(let error) = outcome else { return nil }
            return (scenario, error)
        }
    }

    // MARK: Output

    private func say(_ line: String) {
        if !quiet { print(line) }
    }

    private func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

}
