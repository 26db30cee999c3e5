import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Storage
import Synchronization

/// Measures a service's outbox backlog on a connection of its own, independently of the relay
/// and of the pool (either may be what is stuck): `coe_outbox_backlog` and
/// `coe_outbox_oldest_age_seconds`, and whether events wait longer than they should.
public final class OutboxMonitor: Service, Sendable {
    private let configuration: DatabaseConfiguration
    private let interval: Duration
    /// Events pending longer than this mean the relay makes no progress.
    public let stallAfter: Duration
    private let logger: Logger
    private let backlog: Gauge
    private let oldestAge: Gauge
    private let latest = Mutex<(count: Int64, age: Double)?>(nil)

    public init(configuration: DatabaseConfiguration, service: String, interval: Duration = .seconds(5), stallAfter: Duration = .seconds(60), logger: Logger) {
        self.configuration = configuration
        self.interval = interval
        self.stallAfter = stallAfter
        var logger = logger
        logger[metadataKey: "component"] = "outbox-monitor"
        self.logger = logger
        self.backlog = Gauge(label: "coe_outbox_backlog", dimensions: [("service", service)])
        self.oldestAge = Gauge(label: "coe_outbox_oldest_age_seconds", dimensions: [("service", service)])
    }

    /// The last measurement: events waiting and the age of the oldest, in seconds.
    public var lastMeasurement: (count: Int64, age: Double)? { latest.withLock { $0 } }

    /// Whether events have waited longer than ``stallAfter``.
    public var isStalled: Bool {
        guard let last = lastMeasurement else { return false }
        return last.count > 0 && last.age > Double(stallAfter.components.seconds)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.measure()
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    /// Measures once now (the service does it every `interval`).
    public func measure() async {
        let configuration = self.configuration
        let logger = self.logger
        do {
            let (count, age) = try await Database.bounded("outbox measurement", limit: .seconds(5)) {
                let connection = try await configuration.connect(logger: logger)
                do {
                    let rows = try await connection.query(
                        """
                        SELECT count(*)::BIGINT, COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)), 0)::DOUBLE PRECISION
                        FROM outbox WHERE dispatched_at IS NULL
                        """,
                        logger: logger)
                    var result: (Int64, Double) = (0, 0)
                    for try await row in rows.decode((Int64, Double).self) { result = row }
                    try await connection.close()
                    return result
                } catch {
                    try? await connection.close()
                    throw error
                }
            }
            backlog.record(count)
            oldestAge.record(age)
            latest.withLock { $0 = (count, age) }
        } catch {
            logger.debug("outbox not measured", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
