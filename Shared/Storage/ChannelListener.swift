import Logging
import PostgresNIO

/// Keeps a LISTEN open on one PostgreSQL channel and hands each notification's payload to
/// `receive`, reconnecting after failures until the task is cancelled. A notification may be
/// lost while it reconnects, so listeners also poll: NOTIFY only makes them prompt.
public struct ChannelListener: Sendable {
    let configuration: DatabaseConfiguration
    let channel: String
    let logger: Logger

    public init(configuration: DatabaseConfiguration, channel: String, logger: Logger) {
        self.configuration = configuration
        self.channel = channel
        self.logger = logger
    }

    /// Listens until cancelled. `receive` gets nil once each time the LISTEN is (re)established:
    /// whatever committed meanwhile must be looked for.
    public func run(_ receive: @escaping @Sendable (String?) -> Void) async {
        while !Task.isCancelled {
            do {
                // A connection of its own, not the pool's (LISTEN holds it for as long as it
                // lasts), closed on every path: PostgresNIO asserts that before release.
                let connection = try await configuration.connect(logger: logger)
                do {
                    try await withTaskCancellationHandler {
                        try await connection.listen(on: channel) { notifications in
                            receive(nil)
                            for try await notification in notifications {
                                receive(notification.payload)
                            }
                        }
                    } onCancel: {
                        Task { try? await connection.close() }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.debug("LISTEN lost; polling until it is back", metadata: ["db.channel": "\(channel)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
