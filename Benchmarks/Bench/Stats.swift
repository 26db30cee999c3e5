import AMQP
import Foundation

/// The value below which a fraction `q` of `values` lies (nearest rank).
func percentile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
}

func format(_ value: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

func waitUntilConnected(_ connection: AMQPConnection) async throws {
    for _ in 0..<300 where !connection.isConnected { try await Task.sleep(for: .milliseconds(20)) }
    guard connection.isConnected else { throw AMQPError(.notConnected, "could not reach the broker at \(connection.configuration.url)") }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}

/// Runs blocking work (waiting for a child process) on a thread of its own, off Swift's
/// cooperative pool, whose few threads the services' clients and the samplers need.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
