import ArgumentParser

/// `coe-demo`: a demonstration initiative for a running stack, loaded through the services'
/// APIs as the people of the initiative would enter it.
///
/// ```sh
/// ./deploy/up.sh
/// $(swift build --show-bin-path)/coe-demo load      # people, envelopes, 41 proposals in every state
/// $(swift build --show-bin-path)/coe-demo people    # whom to sign in as, with the token commands
/// ```
@main
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coe-demo", abstract: "Load a demonstration initiative into a running CoE Workflows stack, through its APIs.",
        subcommands: [LoadCommand.self, PeopleCommand.self])
}

/// Where the people of the demonstration are described.
struct PeopleOptions: ParsableArguments {
    @Option(help: "The people: a JSON array shaped like deploy/local/recipients.json (relative to the current directory).")
    var peopleFile = "deploy/local/demo-people.json"
}
