import AMQP
import ArgumentParser
import Events
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceLifecycle
import Storage

/// The project's benchmarks: `broker` (the AMQP client and the outbox relay alone) and
/// `system` (the four services together against the database's and the broker's own limits).
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coe-bench", abstract: "Benchmarks of CoE Workflows, each figure a ratio to a limit measured in the same run.",
        subcommands: [BrokerBench.self, SystemBench.self], defaultSubcommand: BrokerBench.self)
}

/// Measures the AMQP client and the outbox relay against a real broker and database.
///
/// Every rate is reported next to a baseline measured in the same run (publishing with one
/// confirm awaited per message), so the numbers compare on any machine.
struct BrokerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker", abstract: "Publish/consume rates of the AMQP client and the outbox relay's lag.")

    @Option(help: "Messages for the windowed publish and the consume runs.") var messages = 20_000
    @Option(help: "Messages for the one-confirm-at-a-time baseline.") var baselineMessages = 500
    @Option(help: "Body size in bytes.") var size = 1024
    @Option(help: "Events per second written to the outbox during the lag run.") var relayRate = 500
    @Option(help: "Seconds the lag run lasts.") var relaySeconds = 10
    @Option(help: "Events written at once for the relay burst run.") var burst = 10_000

    func run() async throws {
        var logger = Logger(label: "coe-bench")
        logger.logLevel = .error
        let environment = ProcessInfo.processInfo.environment
        let url = try AMQPURL(environment["COE_AMQP_URL"] ?? "amqp://coe:coe@127.0.0.1:26672/%2f")
        let databaseURL = environment["COE_DATABASE_URL"] ?? "postgres://coe:coe@127.0.0.1:25432/coe"
        let queue = "bench.\(UUID().uuidString.prefix(8))"
        let topology = AMQPTopology(queues: [.quorum(queue)])
        let publisher = AMQPConnection(configuration: .init(url: url, name: "bench.publisher", topology: topology), logger: logger)
        publisher.start()
        defer { Task { await publisher.shutdown() } }
        try await waitUntilConnected(publisher)
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        func message(_ index: Int) -> AMQPMessage {
            AMQPMessage(exchange: "", routingKey: queue, body: body, properties: AMQPProperties(messageID: "m\(index)", type: "bench"))
        }

        print("# coe-bench: persistent \(size)-byte messages, quorum queue, \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
        print("| measurement | messages | seconds | rate (msg/s) | vs baseline |")
        print("|---|---:|---:|---:|---:|")

        // Baseline: one publish, one confirm, one at a time.
        var clock = ContinuousClock.now
        var latencies: [Double] = []
        for index in 0..<baselineMessages {
            let started = ContinuousClock.now
            try await publisher.publish([message(index)])
            latencies.append((ContinuousClock.now - started).seconds * 1000)
        }
        let baselineSeconds = (ContinuousClock.now - clock).seconds
        let baselineRate = Double(baselineMessages) / baselineSeconds
        row("publish, await each confirm (baseline)", baselineMessages, baselineSeconds, 1)

        // Windowed: up to 1000 confirms in flight.
        clock = .now
        for start in stride(from: 0, to: messages, by: 1000) {
            try await publisher.publish((start..<min(start + 1000, messages)).map(message))
        }
        let windowSeconds = (ContinuousClock.now - clock).seconds
        row("publish, 1000 confirms in flight", messages, windowSeconds, Double(messages) / windowSeconds / baselineRate)

        // Consume everything published, ack each.
        let total = messages + baselineMessages
        let consumer = AMQPConnection(
            configuration: .init(url: url, name: "bench.consumer", topology: topology, consumeQueue: queue, prefetch: 1000), logger: logger)
        clock = .now
        consumer.start()
        var consumed = 0
        for await delivery in consumer.deliveries {
            consumer.ack(delivery)
            consumed += 1
            if consumed == total { break }
        }
        let consumeSeconds = (ContinuousClock.now - clock).seconds
        row("consume, prefetch 1000, ack each", total, consumeSeconds, Double(total) / consumeSeconds / baselineRate)
        await consumer.shutdown()
        _ = try? await publisher.purge(queue: queue)
        print("\nBaseline confirm latency: p50 \(format(percentile(latencies, 0.5))) ms, p99 \(format(percentile(latencies, 0.99))) ms\n")

        try await relayLag(databaseURL: databaseURL, url: url, logger: logger)
    }

    func row(_ name: String, _ count: Int, _ seconds: Double, _ ratio: Double) {
        print("| \(name) | \(count) | \(format(seconds)) | \(format(Double(count) / seconds, digits: 0)) | \(format(ratio))× |")
    }

    /// Writes events to an outbox at a steady rate with the relay running; lag = commit to confirmed.
    func relayLag(databaseURL: String, url: AMQPURL, logger: Logger) async throws {
        let schema = "bench_\(UUID().uuidString.prefix(8).lowercased())"
        let database = try DatabaseConfiguration(url: databaseURL, schema: schema, maximumConnections: 10)
        try await Migrator(schema: schema, migrations: try MessagingMigrations.load()).migrate(database: database, logger: logger)
        let client = database.makeClient(logger: logger)
        let topology = MessagingTopology(exchange: "\(schema).events", service: schema)
        let publisher = AMQPConnection(
            configuration: .init(url: url, name: "bench.relay", topology: topology.publisherTopology), logger: logger)
        let relay = OutboxRelay(
            database: Database(wrapping: client, configuration: database, logger: logger), connection: publisher, topology: topology,
            schema: schema, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [client, publisher, relay], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await waitUntilConnected(publisher)

            // Steady load: one event per transaction, like one request each.
            let count = relayRate * relaySeconds
            let interval = Duration.seconds(1) / relayRate
            let started = ContinuousClock.now
            for index in 0..<count {
                try await write(client, events: 1, logger: logger)
                let due = started + interval * (index + 1)
                if due > .now { try await Task.sleep(until: due) }
            }
            try await waitUntilDispatched(client, logger: logger)
            let lags = try await lagMilliseconds(client, logger: logger)
            print("| outbox relay lag at \(relayRate) events/s for \(relaySeconds) s (commit → confirmed) | ms |")
            print("|---|---:|")
            for (name, q) in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0)] {
                print("| \(name) | \(format(percentile(lags, q))) |")
            }

            // Burst: how fast the relay drains a backlog.
            try await client.query("DELETE FROM outbox", logger: logger)
            let burstStarted = ContinuousClock.now
            for _ in 0..<(burst / 500) { try await write(client, events: 500, logger: logger) }
            let written = ContinuousClock.now
            try await waitUntilDispatched(client, logger: logger)
            let burstSeconds = (ContinuousClock.now - burstStarted).seconds
            let tail = (ContinuousClock.now - written).seconds
            print(
                "\nRelay burst: \(burst) events written in transactions of 500 (relay running meanwhile), all confirmed "
                    + "\(format(burstSeconds)) s after the first commit = \(format(Double(burst) / burstSeconds, digits: 0)) events/s; "
                    + "the last was confirmed \(format(tail * 1000)) ms after the last commit.")

            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let cleanup = try await database.connect(logger: logger)
        try await cleanup.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: logger)
        try await cleanup.close()
    }

    func write(_ client: PostgresClient, events: Int, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            for _ in 0..<events {
                let subject = UUID()
                let envelope = EventEnvelope(
                    source: "bench", subject: subject.uuidString, actor: .system("bench"),
                    data: ProposalSubmitted(
                        proposalId: subject, reference: "CBRN-2026-0001", revision: 1, title: "Bench", region: "CA",
                        leadCountry: "KZ", participatingCountries: ["KZ"], cbrnCategories: ["chemical"],
                        requestedBudget: Money(cents: 100), durationMonths: 12))
                try await Outbox.append(envelope, on: connection, logger: logger)
            }
        }
    }

    func waitUntilDispatched(_ client: PostgresClient, logger: Logger) async throws {
        while true {
            let rows = try await client.query("SELECT count(*) FROM outbox WHERE dispatched_at IS NULL", logger: logger)
            var pending: Int64 = 0
            for try await value in rows.decode(Int64.self) { pending = value }
            if pending == 0 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func lagMilliseconds(_ client: PostgresClient, logger: Logger) async throws -> [Double] {
        let rows = try await client.query(
            "SELECT (EXTRACT(EPOCH FROM dispatched_at - created_at) * 1000)::DOUBLE PRECISION FROM outbox", logger: logger)
        var lags: [Double] = []
        for try await value in rows.decode(Double.self) { lags.append(value) }
        return lags
    }


}


