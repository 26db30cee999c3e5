import Foundation

// Steps that cross services: an event is on its way through the outbox, RabbitMQ and the other
// service's inbox. These poll what the other service shows until it has arrived, within a
// bound, rather than sleeping for a guessed time.
extension CoEClient {
    /// Polls `probe` until it returns a value, from every 50 ms growing to every 500 ms, for at
    /// most `timeout` (the client's `waitTimeout` by default); then throws `timedOut` naming `what`.
    public func waitUntil<Value: Sendable>(
        _ what: String, timeout: Duration? = nil, probe: () async throws -> Value?
    ) async throws -> Value {
        try await poll(what, timeout: timeout) { (try await probe(), nil) }
    }

    /// The proposal's case once workflow has it and `condition` holds (by default: once it exists).
    public func waitForReviewCase(
        _ proposalID: UUID, as person: Person, timeout: Duration? = nil, until condition: (ReviewCase) -> Bool = { _ in true }
    ) async throws -> ReviewCase {
        try await poll("the review case of proposal \(proposalID.lowercased) at workflow", timeout: timeout) {
            guard let found = try await reviewCaseIfVisible(proposalID, as: person) else { return (nil, "no case yet") }
            return (condition(found) ? found : nil, "stage \(found.stage.rawValue), round \(found.rounds.count)")
        }
    }

    /// The proposal once intake shows `condition` (a decision of workflow applied, say).
    public func waitForProposal(
        _ id: UUID, as person: Person, timeout: Duration? = nil, until condition: (Proposal) -> Bool
    ) async throws -> Proposal {
        try await poll("proposal \(id.lowercased) at intake", timeout: timeout) {
            guard let found = try await proposalIfVisible(id, as: person) else { return (nil, "not visible") }
            return (condition(found) ? found : nil, "status \(found.status.rawValue), revision \(found.revision)")
        }
    }

    /// The proposal's commitment once funding has it and `condition` holds (by default: once it exists).
    ///
    /// - Parameters: `region` and `leadCountry` narrow the list funding is searched in (it has no filter by proposal).
    public func waitForCommitment(
        ofProposal proposalID: UUID, region: String? = nil, leadCountry: String? = nil, as person: Person, timeout: Duration? = nil,
        until condition: (Commitment) -> Bool = { _ in true }
    ) async throws -> Commitment {
        try await poll("the commitment of proposal \(proposalID.lowercased) at funding", timeout: timeout) {
            guard let found = try await commitment(ofProposal: proposalID, region: region, leadCountry: leadCountry, as: person) else {
                return (nil, "no commitment yet")
            }
            return (condition(found) ? found : nil, "status \(found.status.rawValue)")
        }
    }

    /// Polls `probe`, which answers the value when it is there and what it saw otherwise.
    private func poll<Value: Sendable>(
        _ what: String, timeout: Duration?, probe: () async throws -> (Value?, String?)
    ) async throws -> Value {
        let clock = ContinuousClock()
        let limit = timeout ?? waitTimeout
        let deadline = clock.now.advanced(by: limit)
        var interval = Duration.milliseconds(50)
        var seen: String?
        while true {
            let (value, observation) = try await probe()
            if let value { return value }
            seen = observation ?? seen
            let now = clock.now
            guard now < deadline else { break }
            // The last look comes at the deadline itself.
            try await Task.sleep(for: min(interval, deadline - now))
            interval = min(interval * 2, .milliseconds(500))
        }
        throw CoEClientError(
            .timedOut, path: what,
            detail: "Still not there after \(limit.components.seconds) s\(seen.map { " (last seen: \($0))" } ?? ""); is the event flowing (outbox relay, broker, consumer, DLQ)?")
    }
}
