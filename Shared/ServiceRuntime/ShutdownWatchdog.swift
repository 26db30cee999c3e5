import Dispatch
import Foundation
import Logging

/// Ends the process a bounded time after SIGTERM or SIGINT, whatever is stuck.
///
/// The service group shuts down gracefully first and escalates to cancellation; this is the
/// last line: a wait that neither ends nor can be cancelled (a lost lease in the database
/// pool, a handler that ignores cancellation) must not keep a process that was told to stop
/// alive until someone sends SIGKILL.
final class ShutdownWatchdog: Sendable {
    private let bound: Duration
    private let logger: Logger
    // Dispatch sources are only touched on their own queue after creation.
    nonisolated(unsafe) private var sources: [DispatchSourceSignal] = []

    init(bound: Duration, logger: Logger) {
        self.bound = bound
        self.logger = logger
    }

    /// Watches for the signals; the process exits `bound` after the first one.
    func arm() {
        let queue = DispatchQueue(label: "coe.shutdown-watchdog")
        for signal in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: signal, queue: queue)
            let bound = self.bound
            let logger = self.logger
            source.setEventHandler {
                let thread = Thread {
                    Thread.sleep(forTimeInterval: Double(bound.components.seconds) + Double(bound.components.attoseconds) / 1e18)
                    logger.critical("shutdown did not finish in time; exiting", metadata: ["shutdown.bound": "\(bound)"])
                    exit(70)
                }
                thread.start()
                source.cancel()
            }
            source.resume()
            sources.append(source)
        }
    }
}
