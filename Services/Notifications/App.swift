import ServiceRuntime

/// `coe-notifications`: e-mail, signed webhooks and an in-app feed.
@main
struct App {
    static func main() async {
        await ServiceCommand<NotificationsService>.main()
    }
}
