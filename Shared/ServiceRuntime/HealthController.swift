import AMQP
import Foundation
import Hummingbird
import Logging
import Messaging
import PostgresNIO
import Storage

/// `/health/live` (the process answers) and `/health/ready` (database and broker reachable,
/// the pool serving, the relay and consumer making progress).
struct HealthController: Sendable {
    let database: Database
    let connections: [AMQPConnection]
    let gate: StartupGate.Probe
    let monitor: OutboxMonitor
    let consumer: EventConsumer?

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
        // A lease and a query through the pool, bounded: a wedged pool shows here.
        let database = self.database
        let logger = context.logger
        let reachable = (try? await Database.bounded("readiness", limit: .seconds(2)) {
            try await database.client.withConnection { connection in _ = try await connection.query("SELECT 1", logger: logger) }
        }) != nil
        checks["database"] = reachable ? "ok" : (database.lastProbe == .wedged ? "pool not serving" : "unreachable")
        for connection in connections {
            checks["broker.\(connection.configuration.name)"] = connection.isConnected ? "ok" : "disconnected"
        }
        checks["migrations"] = gate.isOpen ? "ok" : "pending"
        checks["outbox"] = monitor.isStalled ? "events waiting longer than \(monitor.stallAfter)" : "ok"
        if let consumer {
            checks["consumer"] = consumer.isStalled(after: .seconds(database.callTimeout.components.seconds * 2 + 10)) ? "stalled" : "ok"
        }
        let ready = checks.values.allSatisfy { $0 == "ok" }
        let status = Status(status: ready ? "ready" : "unready", checks: checks)
        let body = try context.responseEncoder.encode(status)
        return Response(
            status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
