import Dispatch
import Foundation
import Logging

/// Ends the process a bounded time after SIGTERM or SIGINT, whatever is stuck.
///
/// The service group shuts down gracefully first and escalates to cancellation; this is the
/// last line: a wait that neither ends nor can be cancelled (a lost lease in the database
/// pool, a handler that ignores cancellation) must not keep a process that was told to stop
/// alive until someone sends SIGKILL.
enum ShutdownWatchdog {
    /// Watches for the signals; the process exits `bound` after the first one. The signal
    /// sources live for the rest of the process (their handlers hold them).
    static func arm(bound: Duration, logger: Logger) {
        let queue = DispatchQueue(label: "coe.shutdown-watchdog")
        for signal in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: signal, queue: queue)
            source.setEventHandler {
                let thread = Thread {
                    Thread.sleep(forTimeInterval: Double(bound.components.seconds) + Double(bound.components.attoseconds) / 1e18)
                    logger.critical("shutdown did not finish in time; exiting", metadata: ["shutdown.bound": "\(bound)"])
                    fflush(nil)  // every stream: StreamLogHandler writes through stdio
                    // _exit: no atexit handlers or static destructors while other threads still run.
                    _exit(70)
                }
                thread.start()
                source.cancel()
            }
            source.resume()
        }
    }
}
