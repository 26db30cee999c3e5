import ServiceRuntime

/// `coe-intake`: focal points submit and revise project proposals.
@main
struct App {
    static func main() async {
        await ServiceCommand<IntakeService>.main()
    }
}
