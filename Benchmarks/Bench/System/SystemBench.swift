import AMQP
import ArgumentParser
import AsyncHTTPClient
import Cycle
import Events
import Foundation
import Logging
import PostgresNIO
import Storage
import Synchronization

/// The four services together, each figure next to the limit it is compared with, measured in
/// the same run on the same database and broker:
///
/// 1. intake's write path (create + submit over HTTP) against pgbench running the very SQL
///    those requests send (captured from PostgreSQL's statement log), same connection count;
/// 2. per hop (intake → workflow, workflow → funding), the time from the producer's commit to
///    the consumer's commit at several rates, split into stages;
/// 3. the whole event path's throughput against the broker's bare windowed publish + consume;
/// 4. each service's time to ready and resident memory, idle and under that load.
///
/// It fails (exit 1) if any event is lost or applied twice: the CI runs it in `--short` mode.
struct SystemBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system", abstract: "The services together against the database's and the broker's own limits.")

    @Flag(help: "A short run for CI: two rates for 2 s, small bursts. Fails on any lost or duplicated event.") var short = false
    @Option(help: "Event rates for the per-hop latency, comma-separated.") var rates = "50,200,500"
    @Option(help: "Seconds per rate.") var secondsPerRate = 10
    @Option(help: "Seconds of HTTP load, and of pgbench.") var httpSeconds = 10
    @Option(help: "HTTP clients and pgbench connections (intake's pool has 8 by default).") var connections = 8
    @Option(help: "Events written at once for the pipeline throughput.") var burst = 5000
    @Option(help: "Write the latency CDF here (SVG).") var plot: String?
    @Option(help: "Write the results here (Markdown).") var report: String?

    static let ports = ["intake": 18081, "workflow": 18082, "funding": 18083]

    func run() async throws {
        var logger = Logger(label: "coe-bench")
        logger.logLevel = .error
        let environment = try BenchEnvironment.load()
        let http = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)))
        var services: [String: BenchService] = [:]
        do {
            try await measure(environment: environment, http: http, services: &services, logger: logger)
        } catch {
            for service in services.values { await service.stop() }
            try? await http.shutdown()
            throw error
        }
        for service in services.values { await service.stop() }
        try await http.shutdown()
    }

    private func measure(environment: BenchEnvironment, http: HTTPClient, services: inout [String: BenchService], logger: Logger) async throws {
        let rates = short ? [50, 200] : rates.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let perRate = Duration.seconds(short ? 2 : secondsPerRate)
        let httpSeconds = short ? 2 : self.httpSeconds
        let burst = short ? 1000 : self.burst
        var out = BenchReport()
        out.line("# coe-bench system: \(short ? "short run" : "full run"), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(Date().formatted(.iso8601))\n")

        // Start and memory, idle. Each service starts once on an empty schema (migrations included),
        // funding and workflow are then stopped so their queues fill while intake alone is measured.
        var starts: [String: (first: Duration, again: Duration?)] = [:]
        var idle: [String: Double] = [:]
        for name in ["funding", "workflow", "intake"] {
            let (service, took) = try await BenchService.start(name, port: Self.ports[name]!, environment: environment, http: http)
            services[name] = service
            starts[name] = (took, nil)
        }
        try await Task.sleep(for: .seconds(2))
        for (name, service) in services { idle[name] = service.residentMiB }
        for name in ["workflow", "funding"] { await services[name]?.stop() }

        // 1. Intake's write path against pgbench.
        let minter = try await TokenMinter(privateKeyFile: environment.privateKeyFile)
        let focalPoint = Person(sub: "bench-fp-kz", name: "Bench Focal Point", email: "bench@example.org", role: .focalPoint, country: "KZ")
        let path = try WritePath(http: http, baseURL: "http://127.0.0.1:\(Self.ports["intake"]!)", token: try await minter.token(for: focalPoint))
        _ = try await path.load(connections: connections, duration: .seconds(short ? 1 : 3))  // warm-up
        var writePath: (rate: Double, latencies: [Double], tps: Double, statements: Int, cpu: Double)?
        if let script = environment.postgresScript, let log = environment.postgresLog {
            var sample: WritePath.Submitted?
            let statements = try await StatementCapture(postgresScript: script, logPath: log, applicationName: "coe-\(environment.schema("intake"))").capture {
                sample = try await path.createAndSubmit()
            }
            let (pgbenchScript, count) = PgbenchScript.make(from: statements, reference: sample?.reference)
            try pgbenchScript.write(to: environment.workDirectory.appendingPathComponent("write-path.pgbench"), atomically: true, encoding: .utf8)
            let intake = services["intake"]!
            let cpuBefore = intake.cpuSeconds
            let loaded = try await path.load(connections: connections, duration: .seconds(httpSeconds))
            let cpu = (intake.cpuSeconds - cpuBefore) / Double(loaded.latencies.count) * 1000
            // pgbench alone on the database: intake stops (its relay would publish what pgbench
            // writes), and what pgbench wrote into the outbox is removed before intake starts again.
            await intake.stop()
            let tps = try await Pgbench.run(
                script: pgbenchScript, databaseURL: environment.databaseURL, schema: environment.schema("intake"), connections: connections, seconds: httpSeconds,
                workDirectory: environment.workDirectory)
            try await removeUndispatched(environment: environment, logger: logger)
            let (restarted, _) = try await BenchService.start("intake", port: Self.ports["intake"]!, environment: environment, http: http)
            services["intake"] = restarted
            writePath = (loaded.rate, loaded.latencies, tps, count, cpu)
        } else {
            out.line("(write path vs pgbench skipped: COE_BENCH_POSTGRES_SCRIPT and COE_BENCH_POSTGRES_LOG are not set)\n")
        }

        // Workflow and funding again: their second start (schema migrated), then the backlog drains.
        for name in ["funding", "workflow"] {
            let (service, took) = try await BenchService.start(name, port: Self.ports[name]!, environment: environment, http: http)
            services[name] = service
            starts[name]?.again = took
        }
        let database = try DatabaseConfiguration(url: environment.databaseURL, schema: "public", maximumConnections: 2)
        let checks = database.makeClient(logger: logger)
        let pool = Task { await checks.run() }
        defer { pool.cancel() }
        try await waitUntilDrained(checks, prefix: environment.prefix, logger: logger)

        // 2 and 3, with memory sampled all along.
        let peaks = Mutex<[String: Double]>([:])
        let watched = services
        let sampler = Task {
            while !Task.isCancelled {
                for (name, service) in watched {
                    let now = service.residentMiB
                    peaks.withLock { $0[name] = max($0[name] ?? 0, now) }
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let bench = HopBench(databaseURL: environment.databaseURL, schema: { [prefix = environment.prefix] in prefix + $0 }, logger: logger)
        var runs: [HopRun] = []
        var index = 1
        func hops(_ hop: Hop) async throws {
            for rate in rates {
                runs.append(try await bench.run(hop, rate: rate, duration: perRate, first: index))
                index += Int(Double(rate) * perRate.seconds) + 1
            }
        }
        try await hops(.intakeToWorkflow)
        let ceiling = try await brokerCeiling(url: try AMQPURL(environment.amqpURL), messages: burst, logger: logger)
        let pipeline = try await bench.burst(.intakeToWorkflow, count: burst, first: index)
        index += burst
        // The approvals below are of proposals intake never saw: intake would park every one, so it
        // stops first (its part, the relay of submissions, is measured above).
        try await waitUntilDrained(checks, prefix: environment.prefix, logger: logger)
        await services["intake"]?.stop()
        try await hops(.workflowToFunding)
        sampler.cancel()
        let loadedPeak = peaks.withLock { $0 }

        // 4. Nothing lost, nothing twice, in every service's own state.
        try await waitUntilDrained(checks, prefix: environment.prefix, logger: logger)
        let problems = try await consistency(checks, prefix: environment.prefix, runs: runs, pipelineLost: pipeline.lost, logger: logger)

        // The report.
        if let writePath {
            out.line("## Intake's write path against PostgreSQL's ceiling for the same SQL\n")
            out.line("| measurement | rate | ratio |")
            out.line("|---|---:|---:|")
            out.line("| pgbench, the \(writePath.statements) statements one create + submit sends, \(connections) connections | \(format(writePath.tps, digits: 0)) runs/s | 1.00 |")
            out.line("| HTTP create + submit, \(connections) clients | \(format(writePath.rate, digits: 0)) pairs/s | **\(format(writePath.rate / writePath.tps))** |")
            out.line("\nHTTP pair latency p50 \(format(percentile(writePath.latencies, 0.5))) ms, p99 \(format(percentile(writePath.latencies, 0.99))) ms; intake's CPU per pair \(format(writePath.cpu)) ms.\n")
        }
        out.line("## Per hop: producer's commit → consumer's commit (ms)\n")
        out.line("| hop | events/s | events | p50 | p99 | max | wake-up + claim (p50) | publish + confirm | delivery to the consumer's BEGIN | consumer's transaction |")
        out.line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for run in runs {
            let claimed = percentile(run.samples.map(\.claimed), 0.5)
            let confirmed = percentile(run.samples.map(\.confirmed), 0.5)
            let began = percentile(run.samples.map(\.consumerBegan), 0.5)
            let committed = percentile(run.latencies, 0.5)
            out.line(
                "| \(run.hop) | \(run.rate) | \(run.samples.count) | \(format(committed)) | \(format(percentile(run.latencies, 0.99))) | "
                    + "\(format(percentile(run.latencies, 1))) | \(format(claimed)) | \(format(confirmed - claimed)) | \(format(began - confirmed)) | "
                    + "\(format(committed - began)) |")
        }
        out.line("\nStages are differences of medians of each boundary (relay's BEGIN, broker confirm, consumer's BEGIN, consumer's commit), all read from PostgreSQL's clock.\n")
        out.line("## Pipeline throughput against the broker's ceiling\n")
        out.line("| measurement | events | events/s | ratio |")
        out.line("|---|---:|---:|---:|")
        out.line("| bare windowed publish + consume, same broker, 1 KiB persistent, quorum queue | \(burst) | \(format(ceiling, digits: 0)) | 1.00 |")
        out.line("| intake's outbox → relay → broker → workflow's inbox and case, \(burst) events committed at once | \(burst) | \(format(pipeline.rate, digits: 0)) | **\(format(pipeline.rate / ceiling))** |")
        out.line("\n## Start and memory\n")
        out.line("| service | first start to ready (migrations) | start again | RSS idle (MiB) | RSS peak under load (MiB) |")
        out.line("|---|---:|---:|---:|---:|")
        for name in ["intake", "workflow", "funding"] {
            let start = starts[name]!
            out.line(
                "| coe-\(name) | \(format(start.first.milliseconds, digits: 0)) ms | \(start.again.map { format($0.milliseconds, digits: 0) + " ms" } ?? "–") | "
                    + "\(format(idle[name] ?? 0, digits: 1)) | \(format(loadedPeak[name] ?? 0, digits: 1)) |")
        }
        out.line("\n## Consistency\n")
        out.line(problems.isEmpty ? "Every event arrived once: the counts agree in every service." : problems.map { "- \($0)" }.joined(separator: "\n"))

        print(out.text)
        if let report { try out.text.write(toFile: report, atomically: true, encoding: .utf8) }
        if let plot {
            let series = runs.map { CDFPlot.Series(label: "\($0.hop), \($0.rate)/s", values: $0.latencies) }
            try CDFPlot.svg(title: "Per-hop latency, commit to commit", series: series).write(toFile: plot, atomically: true, encoding: .utf8)
        }
        guard problems.isEmpty else { throw ExitCode.failure }
    }

    /// Deletes intake's undispatched outbox rows: pgbench's, which are not events of anything intake holds.
    private func removeUndispatched(environment: BenchEnvironment, logger: Logger) async throws {
        let connection = try await DatabaseConfiguration(url: environment.databaseURL, schema: environment.schema("intake")).connect(logger: logger)
        try await connection.query("DELETE FROM outbox WHERE dispatched_at IS NULL", logger: logger)
        // The deleted rows' index entries would slow every claim of the relay until autovacuum came.
        try await connection.query("VACUUM (ANALYZE) outbox", logger: logger)
        try await connection.close()
    }

    /// Waits until every outbox is dispatched and every consumer's queue is handled (no inbox grows for 1 s).
    private func waitUntilDrained(_ client: PostgresClient, prefix p: String, logger: Logger) async throws {
        var last: [Int64] = []
        var stable = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let rows = try await client.query(
                """
                SELECT (SELECT count(*) FROM \(unescaped: p)intake.outbox WHERE dispatched_at IS NULL) + (SELECT count(*) FROM \(unescaped: p)workflow.outbox WHERE dispatched_at IS NULL),
                       (SELECT count(*) FROM \(unescaped: p)workflow.inbox), (SELECT count(*) FROM \(unescaped: p)funding.inbox)
                """,
                logger: logger)
            var now: [Int64] = []
            for try await (pending, workflow, funding) in rows.decode((Int64, Int64, Int64).self) { now = [pending, workflow, funding] }
            stable = (now == last && now.first == 0) ? stable + 1 : 0
            if stable >= 5 { return }
            last = now
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchError("the services did not settle within 120 s: \(last)")
    }

    /// Every event the producers committed was applied exactly once by its consumer.
    private func consistency(_ client: PostgresClient, prefix p: String, runs: [HopRun], pipelineLost: Int, logger: Logger) async throws -> [String] {
        var problems: [String] = []
        for run in runs where run.lost > 0 { problems.append("\(run.hop) at \(run.rate)/s: \(run.lost) events never reached the consumer") }
        if pipelineLost > 0 { problems.append("pipeline burst: \(pipelineLost) events never reached workflow") }
        let rows = try await client.query(
            """
            SELECT (SELECT count(*) FROM \(unescaped: p)intake.outbox WHERE event_type = 'proposal.submitted'),
                   (SELECT count(*) FROM \(unescaped: p)workflow.inbox WHERE event_type = 'proposal.submitted'),
                   (SELECT count(*) FROM \(unescaped: p)workflow.review_cases),
                   (SELECT count(*) FROM \(unescaped: p)workflow.outbox WHERE event_type = 'proposal.approved'),
                   (SELECT count(*) FROM \(unescaped: p)funding.inbox WHERE event_type = 'proposal.approved'),
                   (SELECT count(*) FROM \(unescaped: p)funding.commitments)
            """,
            logger: logger)
        for try await (submitted, received, cases, approved, arrived, commitments) in rows.decode((Int64, Int64, Int64, Int64, Int64, Int64).self) {
            if received != submitted { problems.append("intake published \(submitted) submissions; workflow's inbox has \(received)") }
            if cases != submitted { problems.append("intake published \(submitted) submissions; workflow has \(cases) cases") }
            if arrived != approved { problems.append("workflow published \(approved) approvals; funding's inbox has \(arrived)") }
            if commitments != approved { problems.append("workflow published \(approved) approvals; funding has \(commitments) commitments") }
        }
        return problems
    }

    /// The broker's own ceiling for the event path: persistent 1 KiB messages published with
    /// 1000 confirms in flight to a quorum queue while a consumer (prefetch 1000) acks them.
    private func brokerCeiling(url: AMQPURL, messages: Int, logger: Logger) async throws -> Double {
        let queue = "bench.ceiling.\(UUID().uuidString.prefix(8))"
        let topology = AMQPTopology(queues: [.quorum(queue)])
        let publisher = AMQPConnection(configuration: .init(url: url, name: "bench.ceiling.publisher", topology: topology), logger: logger)
        let consumer = AMQPConnection(
            configuration: .init(url: url, name: "bench.ceiling.consumer", topology: topology, consumeQueue: queue, prefetch: 1000), logger: logger)
        publisher.start()
        consumer.start()
        try await waitUntilConnected(publisher)
        try await waitUntilConnected(consumer)
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 1024)
        let started = ContinuousClock.now
        let publishing = Task {
            do {
                for start in stride(from: 0, to: messages, by: 1000) {
                    try await publisher.publish(
                        (start..<min(start + 1000, messages)).map {
                            AMQPMessage(exchange: "", routingKey: queue, body: body, properties: AMQPProperties(messageID: "c\($0)", type: "bench"))
                        })
                }
            } catch {
                // Ends the deliveries below, which would otherwise wait for messages that never come.
                await consumer.shutdown()
                throw error
            }
        }
        var consumed = 0
        for await delivery in consumer.deliveries {
            consumer.ack(delivery)
            consumed += 1
            if consumed == messages { break }
        }
        try await publishing.value
        let rate = Double(messages) / (ContinuousClock.now - started).seconds
        await consumer.shutdown()
        _ = try? await publisher.purge(queue: queue)
        await publisher.shutdown()
        return rate
    }
}

/// The results as Markdown, printed and optionally written to docs.
struct BenchReport {
    private(set) var text = ""
    mutating func line(_ line: String) { text += line + "\n" }
}
