import AsyncHTTPClient
import Events
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// One of the real service executables, started as a child process against the test stack.
///
/// Each test gives its services their own schema, exchange and queue prefix, so tests
/// run side by side on one PostgreSQL and one RabbitMQ.
public final class ServiceProcess: Sendable {
    public let executable: String
    public let port: Int
    public let environment: [String: String]
    private let process = Mutex<Process?>(nil)
    public let logFile: URL

    /// - Parameters:
    ///   - executable: `coe-intake`, `coe-workflow`, …
    ///   - isolation: a unique name; the schema, exchange and queues derive from it.
    ///   - port: where it answers; a free port when nil.
    public init(_ executable: String, isolation: String, port: Int? = nil, extraEnvironment: [String: String] = [:]) throws {
        self.executable = executable
        self.port = try port ?? Self.freePort()
        let service = executable.replacingOccurrences(of: "coe-", with: "")
        var environment = ProcessInfo.processInfo.environment
        environment["COE_DATABASE_URL"] = try TestEnvironment.databaseURL()
        environment["COE_DATABASE_SCHEMA"] = "\(isolation)_\(service)"
        environment["COE_AMQP_URL"] = ProcessInfo.processInfo.environment["COE_TEST_AMQP_URL"]
        environment["COE_AMQP_EXCHANGE"] = "\(isolation).events"
        environment["COE_AMQP_QUEUE_PREFIX"] = "\(isolation).\(service)"
        environment["COE_HTTP_PORT"] = String(self.port)
        environment["COE_RETRY_DELAYS"] = "200ms,400ms,800ms"
        environment["COE_AMQP_HEARTBEAT"] = "5"
        // The test stack runs every service as its one broker user; LeastPrivilegeTests and the
        // forgery tests provision real per-service users and override this.
        if let user = try? TestEnvironment.amqpURL().user {
            environment["COE_AMQP_SENDERS"] = ServiceName.allCases.map { "\($0.rawValue)=\(user)" }.joined(separator: ",")
        }
        // As the stack's administrator, each test's services declare their isolation's shared exchanges.
        environment["COE_AMQP_DECLARE_SHARED"] = "true"
        environment["COE_SHUTDOWN_TIMEOUT"] = "20"
        environment["COE_LOG_LEVEL"] = ProcessInfo.processInfo.environment["COE_TEST_LOG_LEVEL"] ?? "info"
        // Only the token command signs: a serving process never gets the private key.
        environment["COE_JWT_PRIVATE_KEY_FILE"] = nil
        for (key, value) in extraEnvironment { environment[key] = value }
        self.environment = environment
        self.logFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(isolation)-\(service).log")
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the executable and waits until `/health/ready` answers 200.
    public func start(timeout: Duration = .seconds(60)) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.binPath()).appendingPathComponent(executable)
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logFile.path) {
            FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process.withLock { $0 = process }
        let ready = try await eventually(timeout: timeout, every: .milliseconds(100)) {
            guard self.isRunning else { return false }
            return (try? await self.get("/health/ready").status) == .ok
        }
        guard ready else {
            throw ServiceProcessError(message: "\(executable) did not become ready; log: \(logFile.path)\n\(tail())")
        }
    }

    /// Sends a signal (SIGKILL to crash, SIGTERM to stop gracefully) and waits for the exit; returns the status.
    /// The wait is longer than the bound the harness gives the service (`COE_SHUTDOWN_TIMEOUT`,
    /// 20 s), so a stuck shutdown shows as the watchdog's exit status 70, not as a race with it.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        let pid = process.withLock { process -> Int32? in
            guard let process, process.isRunning else { return nil }
            return process.processIdentifier
        }
        guard let pid else { return process.withLock { $0?.terminationStatus ?? 0 } }
        kill(pid, signal)
        let exited = await eventually(timeout: timeout, every: .milliseconds(20)) { !self.isRunning }
        guard exited else {
            kill(pid, SIGKILL)
            throw ServiceProcessError(message: "\(executable) did not exit within \(timeout) after signal \(signal)")
        }
        return process.withLock { process in
            guard let process else { return 0 }
            return process.isRunning ? Self.exitOfZombie(process.processIdentifier) ?? 0 : process.terminationStatus
        }
    }

    /// Whether the process runs. Foundation's `Process` misses a child's exit now and then when
    /// many children come and go (runBashScript met it too), so an exited child it still calls
    /// running is asked about in /proc.
    public var isRunning: Bool {
        process.withLock { process in
            guard let process, process.isRunning else { return false }
            return Self.exitOfZombie(process.processIdentifier) == nil
        }
    }

    /// The exit status (a code, or the signal that ended it, as `terminationStatus` says) of a
    /// child that has exited but was not reaped yet, from /proc/<pid>/stat (its `exit_code`,
    /// field 52, in `waitpid` form); nil while it runs.
    static func exitOfZombie(_ pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); exit_code is field 52.
        guard fields.first == "Z" || fields.first == "X" else { return nil }
        guard fields.count > 49, let status = Int32(fields[49].trimmingCharacters(in: .whitespacesAndNewlines)) else { return 0 }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
    }

    /// The running process's id, if it runs.
    public var processIdentifier: Int32? { process.withLock { $0?.isRunning == true ? $0?.processIdentifier : nil } }

    public func tail(lines: Int = 30) -> String {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    // MARK: HTTP

    public struct Reply: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: Data
        public func json<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder.iso8601.decode(T.self, from: body) }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public func get(_ path: String, headers: [(String, String)] = []) async throws -> Reply {
        try await request(.GET, path, headers: headers)
    }

    public func post(_ path: String, json: String, headers: [(String, String)] = []) async throws -> Reply {
        try await request(.POST, path, json: json, headers: headers)
    }

    public func request(_ method: HTTPMethod, _ path: String, json: String? = nil, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await send(request)
    }

    /// An outside caller's client: it sends only the headers a test gives. (AsyncHTTPClient's
    /// shared one adds a `traceparent` of its own once a service built in this process has
    /// bootstrapped tracing, which would hide the test's.)
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    private func send(_ request: HTTPClientRequest) async throws -> Reply {
        let response = try await Self.client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 10 * 1024 * 1024)
        return Reply(status: response.status, headers: response.headers, body: Data(buffer: body))
    }

    /// Ports handed out by this test process, counting up from a random start below Linux's
    /// ephemeral range (32768+): a port the kernel gave out as "free" could be taken by an
    /// outgoing connection before the service binds it.
    private static let nextPort = Mutex(Int.random(in: 20_000..<24_000))

    public static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = nextPort.withLock { port -> Int in
                port += 1
                if port >= 32_000 { port = 20_000 }
                return port
            }
            if canBind(port) { return port }
        }
        throw ServiceProcessError(message: "no free port below 32000")
    }

    public static func canBind(_ port: Int) -> Bool {
        withLoopbackSocket(port) { bind($0, $1, $2) == 0 }
    }

    /// Whether something accepts a TCP connection on the loopback `port`.
    public static func accepts(_ port: Int) -> Bool {
        withLoopbackSocket(port) { connect($0, $1, $2) == 0 }
    }

    /// A fresh TCP socket and the address 127.0.0.1:`port`, closed after `body`.
    private static func withLoopbackSocket(_ port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}

public struct ServiceProcessError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension JSONDecoder {
    public static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
