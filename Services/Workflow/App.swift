import ServiceRuntime

/// `coe-workflow`: reviewers screen, assess and decide.
@main
struct App {
    static func main() async {
        await ServiceCommand<WorkflowService>.main()
    }
}
