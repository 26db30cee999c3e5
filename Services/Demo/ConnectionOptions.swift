import ArgumentParser
import Cycle
import Foundation

/// Where the services answer and what signs the tokens: flags first, then the environment the
/// services themselves read (`COE_JWT_*`, `COE_<SERVICE>_URL`), then the local stack's defaults.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "ES256 private key (PEM) that signs the tokens. Default: $COE_JWT_PRIVATE_KEY_FILE, else .local/dev/jwt/private.pem.")
    var privateKeyFile: String?

    @Option(help: "Intake's base URL. Default: $COE_INTAKE_URL, else http://127.0.0.1:8081.")
    var intakeURL: String?

    @Option(help: "Workflow's base URL. Default: $COE_WORKFLOW_URL, else http://127.0.0.1:8082.")
    var workflowURL: String?

    @Option(help: "Funding's base URL. Default: $COE_FUNDING_URL, else http://127.0.0.1:8083.")
    var fundingURL: String?

    @Option(help: "Notifications' base URL. Default: $COE_NOTIFICATIONS_URL, else http://127.0.0.1:8084.")
    var notificationsURL: String?

    @Option(help: "Seconds to wait for an event to reach another service before giving up.")
    var waitSeconds = 60

    func validate() throws {
        guard (1...3600).contains(waitSeconds) else { throw ValidationError("--wait-seconds must be from 1 to 3600") }
    }

    /// The base URLs: each flag, else its environment variable, else the local stack's.
    func endpoints(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServiceEndpoints {
        let fromEnvironment = try ServiceEndpoints(environment: environment)
        let endpoints = ServiceEndpoints(
            intake: intakeURL ?? fromEnvironment.intake, workflow: workflowURL ?? fromEnvironment.workflow,
            funding: fundingURL ?? fromEnvironment.funding, notifications: notificationsURL ?? fromEnvironment.notifications)
        try endpoints.validate()
        return endpoints
    }

    /// The signer of the demonstration's tokens, with the issuer and audience the services expect (`COE_JWT_ISSUER`, `COE_JWT_AUDIENCE`).
    func tokenMinter(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> TokenMinter {
        let fallback = ".local/dev/jwt/private.pem"
        let path = privateKeyFile ?? environment["COE_JWT_PRIVATE_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError(
                "No private key at \(path): pass --private-key-file or set COE_JWT_PRIVATE_KEY_FILE (deploy/up.sh makes one in .local/dev/jwt).")
        }
        return try await TokenMinter(privateKeyFile: path, settings: TokenMinter.Settings(environment: environment))
    }
}
