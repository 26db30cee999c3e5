import Logging
import ServiceLifecycle

/// Work done every `interval`, from start to graceful shutdown, in the service group: the
/// one loop of the services' scheduled jobs (retention, overdue reminders). A round that
/// fails is logged and tried again the next time; it never stops the job.
public struct PeriodicJob: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void

    public init(_ name: String, every interval: Duration, logger: Logger, _ work: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.work = work
    }

    public func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await work()
                } catch {
                    logger.warning(
                        "scheduled job failed; trying again next time",
                        metadata: ["job": "\(name)", "error": "\(String(reflecting: DatabaseFailure.underlying(error)))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
