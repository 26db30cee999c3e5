import Events
import AMQP
import Foundation
import Hummingbird
import Logging
import PostgresNIO

/// `/health/live` (the process answers) and `/health/ready` (database and broker reachable).
struct HealthController: Sendable {
    let client: PostgresClient
    let connections: [AMQPConnection]
    let gate: StartupGate.Probe

    struct Status: ResponseEncodable, Encodable {
        var status: String
        var checks: [String: String]
    }

    func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("/health/live") { _, _ in Status(status: "ok", checks: [:]) }
        router.get("/health/ready") { _, context in try await ready(context: context) }
    }

    func ready(context: ServiceRequestContext) async throws -> Response {
        var checks: [String: String] = [:]
        checks["database"] = await databaseReachable(logger: context.logger) ? "ok" : "unreachable"
        for connection in connections {
            checks["broker.\(connection.configuration.name)"] = connection.isConnected ? "ok" : "disconnected"
        }
        checks["migrations"] = gate.isOpen ? "ok" : "pending"
        let ready = checks.values.allSatisfy { $0 == "ok" }
        let status = Status(status: ready ? "ready" : "unready", checks: checks)
        let body = try context.responseEncoder.encode(status)
        return Response(
            status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private func databaseReachable(logger: Logger) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await client.query("SELECT 1", logger: logger)
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
