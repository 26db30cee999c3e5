import ServiceLifecycle
import Synchronization

/// Opens once (after migrations); everything awaiting it then proceeds.
public final class StartupGate: Sendable {
    private struct State {
        var open = false
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.open = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the gate is open; throws CancellationError if the task is cancelled first.
    public func wait() async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume = state.withLock { state -> Bool in
                    if state.open { return true }
                    if Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resume {
                    if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }
}

extension StartupGate {
    /// A read-only view for readiness checks.
    public struct Probe: Sendable {
        let gate: StartupGate
        public var isOpen: Bool { gate.isOpen }
    }

    public var probe: Probe { Probe(gate: self) }

    public var isOpen: Bool { state.withLock { $0.open } }
}

/// Runs a service once the gate opens (after migrations), so it never meets a missing table.
struct AfterMigrations: Service {
    let gate: StartupGate
    let service: any Service

    func run() async throws {
        do {
            try await gate.wait()
        } catch is CancellationError {
            return
        }
        try await service.run()
    }
}
