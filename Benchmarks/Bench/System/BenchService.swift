import AsyncHTTPClient
import Foundation

/// One of the four executables, started by the benchmark with the stack's settings, its log in
/// a file; measured from outside as an operator would: time to ready, resident memory, CPU.
final class BenchService: @unchecked Sendable {
    let name: String
    let port: Int
    let logFile: URL
    private let process = Process()

    /// Starts `coe-<name>` and returns once `/health/ready` answers 200, with the time that took.
    static func start(
        _ name: String, port: Int, environment: BenchEnvironment, http: HTTPClient, extra: [String: String] = [:]
    ) async throws -> (BenchService, Duration) {
        // Another process answering there (a previous run's) would pass for this one.
        if (try? await http.get("http://127.0.0.1:\(port)/health/live")) != nil {
            throw BenchError("port \(port) is taken: stop what listens there first")
        }
        let service = BenchService(name: name, port: port, environment: environment, extra: extra)
        let started = ContinuousClock.now
        try service.process.run()
        let deadline = started + .seconds(120)
        while ContinuousClock.now < deadline {
            guard service.process.isRunning else {
                throw BenchError("coe-\(name) exited at start: \(service.tail())")
            }
            if (try? await http.get("http://127.0.0.1:\(port)/health/ready")) == 200 {
                return (service, ContinuousClock.now - started)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchError("coe-\(name) was not ready within 120 s: \(service.tail())")
    }

    private init(name: String, port: Int, environment: BenchEnvironment, extra: [String: String]) {
        self.name = name
        self.port = port
        self.logFile = environment.workDirectory.appendingPathComponent("coe-\(name).log")
        process.executableURL = environment.binDirectory.appendingPathComponent("coe-\(name)")
        process.arguments = ["serve"]
        var variables = ProcessInfo.processInfo.environment
        variables["COE_DATABASE_URL"] = environment.databaseURL
        variables["COE_AMQP_URL"] = environment.amqpURL
        variables["COE_HTTP_PORT"] = String(port)
        // A schema, exchange and queues of the run's own: the stack may hold other data (the tests').
        variables["COE_DATABASE_SCHEMA"] = environment.schema(name)
        variables["COE_AMQP_EXCHANGE"] = "\(environment.prefix)events"
        variables["COE_AMQP_QUEUE_PREFIX"] = environment.schema(name)
        variables["COE_AMQP_DECLARE_SHARED"] = "true"
        // Every service runs as the stack's one broker user here; the sender policy is told so.
        variables["COE_AMQP_SENDERS"] = ["intake", "workflow", "funding", "notifications"].map { "\($0)=\(environment.amqpUser)" }
            .joined(separator: ",")
        variables["COE_LOG_LEVEL"] = "info"
        // A serving process never holds the signing key.
        variables["COE_JWT_PRIVATE_KEY_FILE"] = nil
        for (key, value) in extra { variables[key] = value }
        process.environment = variables
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try? FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
    }

    var pid: Int32 { process.processIdentifier }

    /// Resident memory in MiB (VmRSS).
    var residentMiB: Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }

    /// CPU seconds used so far (user + system).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func tail(_ lines: Int = 20) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// SIGTERM, then waits for the exit.
    func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<600 where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
    }
}

/// Where the benchmark finds the stack and the executables.
struct BenchEnvironment: Sendable {
    var databaseURL: String
    var amqpURL: String
    var amqpUser: String
    var binDirectory: URL
    var workDirectory: URL
    var privateKeyFile: String
    /// `deploy/local/postgres.sh`: psql as the superuser (statement capture), and the server log.
    var postgresScript: String?
    var postgresLog: String?
    /// Prefix of this run's schemas, exchange and queues.
    var prefix = "bench\(getpid())_"

    func schema(_ service: String) -> String { prefix + service }

    static func load() throws -> BenchEnvironment {
        let variables = ProcessInfo.processInfo.environment
        func required(_ name: String) throws -> String {
            guard let value = variables[name], !value.isEmpty else { throw BenchError("\(name) is not set (Benchmarks/run.sh sets it)") }
            return value
        }
        let amqpURL = try required("COE_AMQP_URL")
        let user = URLComponents(string: amqpURL)?.user ?? "coe"
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let work = URL(fileURLWithPath: variables["COE_BENCH_WORK_DIR"] ?? NSTemporaryDirectory()).appendingPathComponent("coe-bench-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        return BenchEnvironment(
            databaseURL: try required("COE_DATABASE_URL"), amqpURL: amqpURL, amqpUser: user,
            binDirectory: variables["COE_BENCH_BIN_PATH"].map { URL(fileURLWithPath: $0) } ?? binary, workDirectory: work,
            privateKeyFile: try required("COE_JWT_PRIVATE_KEY_FILE"), postgresScript: variables["COE_BENCH_POSTGRES_SCRIPT"],
            postgresLog: variables["COE_BENCH_POSTGRES_LOG"])
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension HTTPClient {
    /// The status of a GET.
    func get(_ url: String) async throws -> UInt {
        let response = try await execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response.status.code
    }
}
