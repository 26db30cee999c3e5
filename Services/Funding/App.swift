import ServiceRuntime

/// `coe-funding`: finance staff track envelopes, commitments and disbursements.
@main
struct App {
    static func main() async {
        await ServiceCommand<FundingService>.main()
    }
}
