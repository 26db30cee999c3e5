import Foundation
import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// Tells this replica's live feed streams that a person's feed changed. Every replica listens
/// on the schema's feed channel, so an item added by any replica's consumer reaches a stream
/// held by any other.
final class FeedBroadcaster: Sendable {
    private struct State {
        var streams: [UUID: [UUID: AsyncStream<Void>.Continuation]] = [:]
        /// Shut down: a stream asked for now ends at once.
        var finished = false
    }

    private let state = Mutex(State())

    /// A stream of "something changed" signals for one person's feed, ended when `onEnd` is
    /// called or the consumer stops.
    func changes(of recipient: UUID) -> AsyncStream<Void> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let finished = state.withLock { state -> Bool in
            if !state.finished { state.streams[recipient, default: [:]][id] = continuation }
            return state.finished
        }
        if finished {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                state.streams[recipient]?[id] = nil
                if state.streams[recipient]?.isEmpty == true { state.streams[recipient] = nil }
            }
        }
        return stream
    }

    /// A person's feed changed (payload: their id), or, with nil, anything may have.
    func signal(_ payload: String?) {
        let targets: [AsyncStream<Void>.Continuation] = state.withLock { state in
            if let payload, let id = UUID(uuidString: payload) { return state.streams[id].map { Array($0.values) } ?? [] }
            return state.streams.values.flatMap(\.values)
        }
        for continuation in targets { continuation.yield() }
    }

    /// How many streams are open (for tests and metrics).
    var openStreams: Int { state.withLock { $0.streams.values.reduce(0) { $0 + $1.count } } }

    /// Ends every stream (at shutdown, so that open responses finish).
    func finishAll() {
        let all = state.withLock { state in
            state.finished = true
            return state.streams.values.flatMap(\.values)
        }
        for continuation in all { continuation.finish() }
    }
}

/// Listens on the feed channel for the broadcaster, from start to graceful shutdown.
struct FeedListener: Service {
    let broadcaster: FeedBroadcaster
    let listener: ChannelListener

    func run() async {
        await cancelWhenGracefulShutdown {
            await listener.run { payload in broadcaster.signal(payload) }
        }
        broadcaster.finishAll()
    }
}
