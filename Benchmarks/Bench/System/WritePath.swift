import AsyncHTTPClient
import Cycle
import Events
import Foundation
import NIOCore
import NIOFoundationCompat

/// Intake's write path over HTTP: a focal point creates a proposal and submits it, from
/// `connections` clients at once, as fast as intake answers.
struct WritePath {
    let http: HTTPClient
    let baseURL: String
    let token: String

    /// A complete proposal of Kazakhstan, as the demonstration's focal points write them.
    let proposal: ByteBuffer

    init(http: HTTPClient, baseURL: String, token: String) throws {
        self.http = http
        self.baseURL = baseURL
        self.token = token
        self.proposal = ByteBuffer(data: try JSONEncoder().encode(ProposalDraft.sample(number: 1, lead: "KZ", reference: try ReferenceData.load())))
    }

    struct Submitted { var id: String; var reference: String? }

    /// One create and one submit; returns the proposal's id and reference.
    func createAndSubmit() async throws -> Submitted {
        var create = HTTPClientRequest(url: "\(baseURL)/v1/proposals")
        create.method = .POST
        create.headers.add(name: "Authorization", value: "Bearer \(token)")
        create.headers.add(name: "Content-Type", value: "application/json")
        create.body = .bytes(proposal)
        let created = try await http.execute(create, timeout: .seconds(30))
        let createdBody = try await created.body.collect(upTo: 1 << 20)
        guard created.status == .created,
            let id = (try JSONSerialization.jsonObject(with: Data(buffer: createdBody)) as? [String: Any])?["id"] as? String
        else { throw BenchError("create answered \(created.status): \(String(buffer: createdBody))") }
        var submit = HTTPClientRequest(url: "\(baseURL)/v1/proposals/\(id)/submit")
        submit.method = .POST
        submit.headers.add(name: "Authorization", value: "Bearer \(token)")
        let submitted = try await http.execute(submit, timeout: .seconds(30))
        let submittedBody = try await submitted.body.collect(upTo: 1 << 20)
        guard submitted.status == .ok else { throw BenchError("submit answered \(submitted.status): \(String(buffer: submittedBody))") }
        let reference = (try JSONSerialization.jsonObject(with: Data(buffer: submittedBody)) as? [String: Any])?["reference"] as? String
        return Submitted(id: id, reference: reference)
    }

    /// Pairs completed per second over `duration`, from `connections` clients in a closed loop,
    /// and every pair's latency in milliseconds.
    func load(connections: Int, duration: Duration) async throws -> (rate: Double, latencies: [Double]) {
        let started = ContinuousClock.now
        let end = started + duration
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var mine: [Double] = []
                    while ContinuousClock.now < end {
                        let began = ContinuousClock.now
                        _ = try await createAndSubmit()
                        mine.append((ContinuousClock.now - began).milliseconds)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return (Double(latencies.count) / (ContinuousClock.now - started).seconds, latencies)
    }
}

/// Runs pgbench with a script against the stack's database, as the service's database user,
/// in the service's schema, with the same number of connections.
///
/// The run is sized by transactions (`-t`), not by time: started from this process, pgbench's
/// `-T 2` ran on for 13 minutes (the same command from a shell stops after 2 s; seen with
/// pgbench 15.18), so a short calibration run sizes the measured one to about `seconds`.
enum Pgbench {
    static func run(script: String, databaseURL: String, schema: String, connections: Int, seconds: Int, workDirectory: URL) async throws -> Double {
        let calibration = try await run(script: script, databaseURL: databaseURL, schema: schema, connections: connections, perClient: 25, workDirectory: workDirectory)
        let perClient = max(25, Int(calibration * Double(seconds) / Double(connections)))
        return try await run(script: script, databaseURL: databaseURL, schema: schema, connections: connections, perClient: perClient, workDirectory: workDirectory)
    }

    private static func run(script: String, databaseURL: String, schema: String, connections: Int, perClient: Int, workDirectory: URL) async throws -> Double {
        guard let url = URLComponents(string: databaseURL) else { throw BenchError("not a database URL: \(databaseURL)") }
        let file = workDirectory.appendingPathComponent("write-path.pgbench")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["COE_BENCH_PGBENCH"] ?? "/usr/bin/pgbench")
        process.arguments = [
            "-n", "-M", "simple", "-c", String(connections), "-j", String(min(connections, 2)), "-t", String(perClient),
            "-f", file.path, "-h", url.host ?? "127.0.0.1", "-p", String(url.port ?? 5432), "-U", url.user ?? "coe",
            String(url.path.dropFirst()),
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = url.password
        environment["PGOPTIONS"] = "-c search_path=\(schema)"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = try await onOwnThread {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text
        }
        guard process.terminationStatus == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst(6).split(separator: " ").first ?? "")
        else { throw BenchError("pgbench failed:\n\(text)\nscript:\n\(script)") }
        return tps
    }
}
