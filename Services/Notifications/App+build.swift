import AsyncHTTPClient
import Events
import Foundation
import Hummingbird
import Messaging
import NIOPosix
import Pages
import ServiceLifecycle
import ServiceRuntime
import Storage

/// The notifications service: owns recipients, subscriptions, deliveries and the feed. It
/// consumes every event of the catalogue and publishes none.
struct NotificationsService: ServiceDefinition {
    static let name = "notifications"
    static let defaultPort = 8084
    static let consumedEvents: [EventType] = EventType.allCases

    /// Notifications' own settings.
    struct Settings: Sendable {
        var smtp: SMTPMailer.Configuration
        var sender: MailMessage.Mailbox
        var renderer: MessageRenderer
        var reference: ReferenceData
        var webhookPolicy: WebhookPolicy
        var webhookTimeout: Duration
        var worker: DeliveryWorker.Configuration
        var digestHour: Int
        var digestCheck: Duration
        /// A readable file of people to add to the directory at start (the local stack's).
        var seedFile: String?
        /// The live streams of this process, shared by the routes and the feed listener.
        var broadcaster: FeedBroadcaster
    }

    /// `COE_SMTP_URL`, `COE_SMTP_USER`, `COE_SMTP_PASSWORD`, `COE_SMTP_TIMEOUT_SECONDS`, `COE_MAIL_FROM`,
    /// `COE_PUBLIC_URL`, `COE_WEBHOOK_ALLOW_INTERNAL`, `COE_WEBHOOK_HOSTS`, `COE_WEBHOOK_TIMEOUT_SECONDS`, `COE_WEBHOOK_SUSPEND_AFTER`,
    /// `COE_DELIVERY_MAX_ATTEMPTS`, `COE_DELIVERY_BACKOFF_MS`, `COE_DELIVERY_BACKOFF_CAP_MS`, `COE_DELIVERY_CONCURRENCY`,
    /// `COE_DELIVERY_POLL_MS`, `COE_DELIVERY_LEASE_SECONDS`, `COE_DIGEST_HOUR`, `COE_DIGEST_CHECK_SECONDS`, `COE_RECIPIENTS_FILE`.
    static func settings(_ reader: inout ConfigurationReader) -> Settings {
        let smtpURL = reader.value("COE_SMTP_URL", "smtp://127.0.0.1:25025")
        if !(smtpURL.hasPrefix("smtp://") || smtpURL.hasPrefix("smtps://")) || URLComponents(string: smtpURL)?.host?.isEmpty != false {
            reader.problem("COE_SMTP_URL='\(smtpURL)' must be smtp://host:port or smtps://host:port")
        }
        let user = reader.value("COE_SMTP_USER", "")
        let password = reader.value("COE_SMTP_PASSWORD", "")
        let smtpTimeout = reader.integer("COE_SMTP_TIMEOUT_SECONDS", 30, in: 1...600)
        let from = reader.value("COE_MAIL_FROM", "CoE Workflows <notifications@coe-workflows.local>")
        let sender = Self.mailbox(from)
        if sender == nil { reader.problem("COE_MAIL_FROM='\(from)' must be an address, or a name and <address>") }
        let publicURL = reader.value("COE_PUBLIC_URL", "http://127.0.0.1:8080")
        if URLComponents(string: publicURL)?.scheme?.hasPrefix("http") != true { reader.problem("COE_PUBLIC_URL='\(publicURL)' must be an http(s) URL") }
        let allowInternal = reader.value("COE_WEBHOOK_ALLOW_INTERNAL", "false")
        if !["true", "false"].contains(allowInternal) { reader.problem("COE_WEBHOOK_ALLOW_INTERNAL='\(allowInternal)' must be true or false") }
        let hosts = reader.value("COE_WEBHOOK_HOSTS", "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
        let webhookTimeout = reader.integer("COE_WEBHOOK_TIMEOUT_SECONDS", 10, in: 1...120)
        let suspendAfter = reader.integer("COE_WEBHOOK_SUSPEND_AFTER", 10, in: 1...1000)
        let attempts = reader.integer("COE_DELIVERY_MAX_ATTEMPTS", 10, in: 1...100)
        let backoff = reader.integer("COE_DELIVERY_BACKOFF_MS", 30_000, in: 1...86_400_000)
        let cap = reader.integer("COE_DELIVERY_BACKOFF_CAP_MS", 3_600_000, in: 1...604_800_000)
        let concurrency = reader.integer("COE_DELIVERY_CONCURRENCY", 4, in: 1...64)
        let poll = reader.integer("COE_DELIVERY_POLL_MS", 1000, in: 10...600_000)
        let lease = reader.integer("COE_DELIVERY_LEASE_SECONDS", 120, in: 5...3600)
        if lease <= smtpTimeout || lease <= webhookTimeout + 3 {
            reader.problem("COE_DELIVERY_LEASE_SECONDS=\(lease) must be longer than the SMTP and webhook timeouts, or a slow attempt is taken over")
        }
        let digestHour = reader.integer("COE_DIGEST_HOUR", 7, in: 0...23)
        let digestCheck = reader.integer("COE_DIGEST_CHECK_SECONDS", 60, in: 1...3600)
        let seedFile = reader.value("COE_RECIPIENTS_FILE", "")
        var reference = ReferenceData(regions: [], countries: [:], cbrnCategories: [], cbrnAreas: [])
        do { reference = try ReferenceData.load() } catch { reader.problem("notifications' reference data can't be read: \(error)") }
        var renderer: MessageRenderer?
        do { renderer = try MessageRenderer.bundled(reference: reference, publicURL: publicURL) } catch { reader.problem("\(error)") }
        let mailbox = sender ?? .init(name: nil, address: "notifications@coe-workflows.local")
        return Settings(
            smtp: .init(url: smtpURL, username: user.isEmpty ? nil : user, password: password.isEmpty ? nil : password, timeout: .seconds(smtpTimeout)),
            sender: mailbox,
            renderer: renderer ?? MessageRenderer(library: .init(), reference: reference, publicURL: publicURL),
            reference: reference, webhookPolicy: WebhookPolicy(allowInternal: allowInternal == "true", allowedHosts: hosts.isEmpty ? nil : Set(hosts)), webhookTimeout: .seconds(webhookTimeout),
            worker: .init(
                concurrency: concurrency, poll: .milliseconds(poll), lease: .seconds(lease),
                retry: RetryPolicy(maximumAttempts: attempts, base: Double(backoff) / 1000, cap: Double(cap) / 1000), suspendAfter: suspendAfter,
                sender: mailbox, attemptLimit: .seconds(max(smtpTimeout, webhookTimeout + 3))),
            digestHour: digestHour, digestCheck: .seconds(digestCheck), seedFile: seedFile.isEmpty ? nil : seedFile, broadcaster: FeedBroadcaster())
    }

    /// `Name <address>` or a bare address.
    static func mailbox(_ text: String) -> MailMessage.Mailbox? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let match = trimmed.wholeMatch(of: /(.*)<([^<>\s]+@[^<>\s]+)>/) {
            let name = String(match.1).trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return .init(name: name.isEmpty ? nil : name, address: String(match.2))
        }
        guard trimmed.wholeMatch(of: /[^<>\s]+@[^<>\s]+/) != nil else { return nil }
        return .init(name: nil, address: trimmed)
    }

    static func migrations() throws -> [Migration] {
        try ServiceResources.migrations(service: name, bundle: .module)
    }

    static func openAPIDocument() throws -> String {
        try ServiceResources.openAPIDocument(service: name, bundle: .module)
    }

    private static func store(_ dependencies: ServiceDependencies) -> NotificationStore {
        NotificationStore(schema: dependencies.database.configuration.schema, logger: dependencies.logger)
    }

    private static func digestMaker(_ dependencies: ServiceDependencies, settings: Settings) -> DigestMaker {
        DigestMaker(database: dependencies.database, store: store(dependencies), renderer: settings.renderer, hour: settings.digestHour, logger: dependencies.logger)
    }

    static func handlers(_ dependencies: ServiceDependencies, settings: Settings) -> [EventHandler] {
        NotificationHandlers(store: store(dependencies), renderer: settings.renderer).handlers
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings) {
        let store = store(dependencies)
        RecipientController(dependencies: dependencies, store: store, reference: settings.reference).addRoutes(to: router)
        SubscriptionController(dependencies: dependencies, store: store, policy: settings.webhookPolicy).addRoutes(to: router)
        DeliveryController(dependencies: dependencies, store: store, digests: digestMaker(dependencies, settings: settings)).addRoutes(to: router)
        FeedController(dependencies: dependencies, store: store, broadcaster: settings.broadcaster).addRoutes(to: router)
    }

    /// The person's inbox and notification preferences (the gateway sends `/inbox*` here).
    static func addPages(to router: Router<ServiceRequestContext>, dependencies: ServiceDependencies, settings: Settings) throws {
        let pages = try Pages.make(service: .module, authenticator: dependencies.authenticator, logger: dependencies.logger)
        let group = pages.group(on: router)
        InboxPages(pages: pages, publicURL: settings.renderer.publicURL).addRoutes(to: group)
    }

    static func services(_ dependencies: ServiceDependencies, settings: Settings) -> [any Service] {
        let store = store(dependencies)
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        // A partner gets the event's own traceparent in the body; the client adds no header of a trace of its own.
        configuration.tracing.tracer = nil
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(Int64(settings.webhookTimeout.components.seconds)))
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        let worker = DeliveryWorker(
            database: dependencies.database, store: store, mailer: SMTPMailer(configuration: settings.smtp, threads: settings.worker.concurrency),
            webhooks: WebhookSender(client: client, timeout: settings.webhookTimeout, policy: settings.webhookPolicy),
            configuration: settings.worker, logger: dependencies.logger)
        let digests = digestMaker(dependencies, settings: settings)
        var services: [any Service] = [
            worker,
            PeriodicJob("digests", every: settings.digestCheck, logger: dependencies.logger) { try await digests.makeDue() },
            FeedListener(
                broadcaster: settings.broadcaster,
                listener: ChannelListener(
                    configuration: dependencies.database.configuration, channel: NotificationStore.feedChannel(schema: dependencies.database.configuration.schema),
                    logger: dependencies.logger)),
        ]
        if let file = settings.seedFile {
            services.append(RecipientSeeder(file: file, database: dependencies.database, store: store, reference: settings.reference, logger: dependencies.logger))
        }
        return services
    }
}
