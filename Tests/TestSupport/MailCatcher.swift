import Foundation
import Synchronization

/// A real SMTP server that keeps what it receives (`deploy/local/mailcatcher.py`, Debian's
/// python3-aiosmtpd), started by a test on a port and in a folder of its own, and stopped and
/// started again when the test needs the server gone. What it received is read back as Python's
/// own e-mail parser decoded it: an independent reader of our MIME.
public final class MailCatcher: Sendable {
    /// One received mail.
    public struct Mail: Decodable, Sendable {
        public var mailFrom: String
        public var rcptTos: [String]
        public var subject: String
        public var rawSubject: String
        public var from: String
        public var to: String
        public var date: String
        public var messageId: String
        public var contentType: String
        public var headers: [String: String]
        public var text: String
        public var html: String
        public var defects: [String]
    }

    public let port: Int
    public let directory: URL
    private let process = Mutex<Process?>(nil)

    public init() throws {
        port = try ServiceProcess.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mail-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public var url: String { "smtp://127.0.0.1:\(port)" }

    static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/local/mailcatcher.py")
    }

    /// Starts the server and waits until it accepts connections.
    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.script.path, "--host", "127.0.0.1", "--port", String(port), "--dir", directory.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process.withLock { $0 = process }
        let port = self.port
        // Accepting connections, and still running: a bound port alone is not a server (a
        // catcher that gave up at start holds its port for a moment before it exits).
        guard await eventually(timeout: .seconds(60), { process.isRunning && ServiceProcess.accepts(port) }) else {
            throw CatcherError(description: "the mail catcher did not start on \(port)")
        }
    }

    /// Stops the server (SIGTERM) and waits until its port is free.
    public func stop() async {
        let running = process.withLock { process -> Process? in
            defer { process = nil }
            return process
        }
        guard let running else { return }
        running.terminate()
        for _ in 0..<100 where running.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        if running.isRunning { kill(running.processIdentifier, SIGKILL) }
    }

    struct CatcherError: Error, CustomStringConvertible {
        var description: String
    }

    /// Every mail received so far, in the order received.
    public func mails() -> [Mail] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
            return try? JSONDecoder().decode(Mail.self, from: data)
        }
    }

    /// The mails to one address.
    public func mails(to address: String) -> [Mail] {
        mails().filter { $0.rcptTos.contains(address) }
    }

    /// Waits until `count` mails satisfy `predicate` (or the timeout), and returns those there are.
    @discardableResult
    public func waitFor(_ count: Int, timeout: Duration = .seconds(30), where predicate: @escaping @Sendable (Mail) -> Bool = { _ in true }) async -> [Mail] {
        _ = await eventually(timeout: timeout) { self.mails().filter(predicate).count >= count }
        return mails().filter(predicate)
    }
}
