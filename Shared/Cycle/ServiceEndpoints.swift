import Foundation

/// Where the four services answer: their base URLs, without `/v1`.
public struct ServiceEndpoints: Sendable, Equatable {
    public var intake: String
    public var workflow: String
    public var funding: String
    public var notifications: String

    /// - Parameters: each a base URL such as `http://127.0.0.1:8081`; a trailing `/` is dropped.
    public init(intake: String, workflow: String, funding: String, notifications: String) {
        self.intake = Self.trimmed(intake)
        self.workflow = Self.trimmed(workflow)
        self.funding = Self.trimmed(funding)
        self.notifications = Self.trimmed(notifications)
    }

    /// The local stack `deploy/up.sh` starts: ports 8081–8084 on the loopback address.
    public static let local = ServiceEndpoints(
        intake: "http://127.0.0.1:8081", workflow: "http://127.0.0.1:8082", funding: "http://127.0.0.1:8083",
        notifications: "http://127.0.0.1:8084")

    /// `COE_INTAKE_URL`, `COE_WORKFLOW_URL`, `COE_FUNDING_URL`, `COE_NOTIFICATIONS_URL`, each
    /// falling back to the local stack's; throws naming every value that is not an http(s) URL.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func value(_ name: String, _ fallback: String) -> String {
            let text = environment[name]?.trimmingCharacters(in: .whitespaces) ?? ""
            return text.isEmpty ? fallback : text
        }
        self.init(
            intake: value("COE_INTAKE_URL", Self.local.intake), workflow: value("COE_WORKFLOW_URL", Self.local.workflow),
            funding: value("COE_FUNDING_URL", Self.local.funding), notifications: value("COE_NOTIFICATIONS_URL", Self.local.notifications))
        try validate()
    }

    /// Throws naming every base URL that is not an absolute http or https URL.
    public func validate() throws {
        let invalid = [("intake", intake), ("workflow", workflow), ("funding", funding), ("notifications", notifications)].filter { _, url in
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), parsed.host != nil else { return true }
            return scheme != "http" && scheme != "https"
        }
        guard invalid.isEmpty else {
            throw CoEClientError(
                .invalidInput, detail: "Not an http(s) base URL: " + invalid.map { "\($0.0) '\($0.1)'" }.joined(separator: ", ") + ".")
        }
    }

    /// The base URL of one service.
    func baseURL(of service: CoEService) -> String {
        switch service {
        case .intake: intake
        case .workflow: workflow
        case .funding: funding
        case .notifications: notifications
        }
    }

    private static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}

/// The four services, as the client addresses them.
public enum CoEService: String, Sendable, CaseIterable {
    case intake
    case workflow
    case funding
    case notifications
}
