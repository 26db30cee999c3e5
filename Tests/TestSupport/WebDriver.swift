import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization

/// A W3C WebDriver client for Debian's chromedriver and headless Chromium: the browser tests
/// use the pages as a person does (type, click, read what the page says), not through the API.
public final class WebDriver: Sendable {
    /// The chromedriver process this client started.
    let driver: Mutex<Process?>
    let base: String
    let session: String
    let http: HTTPClient

    /// Starts chromedriver on a free port and a headless Chromium session (`width`×`height`).
    public static func start(width: Int = 1280, height: Int = 900, language: String = "en-GB") async throws -> WebDriver {
        let port = try ServiceProcess.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["COE_TEST_CHROMEDRIVER"] ?? "/usr/bin/chromedriver")
        process.arguments = ["--port=\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: {
            var configuration = HTTPClient.Configuration()
            configuration.tracing.tracer = nil
            return configuration
        }())
        let base = "http://127.0.0.1:\(port)"
        do {
            var ready = false
            for _ in 0..<100 where !ready {
                if let status = try? await Self.call(http, "GET", base + "/status", nil), (status["value"] as? [String: Any])?["ready"] as? Bool == true {
                    ready = true
                } else {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            guard ready else { throw WebDriverError("chromedriver did not become ready on port \(port)") }
            let arguments = [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)",
                "--lang=\(language)", "--disable-extensions", "--no-first-run", "--hide-scrollbars",
            ]
            let capabilities: [String: Any] = [
                "capabilities": ["alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": ProcessInfo.processInfo.environment["COE_TEST_CHROMIUM"] ?? "/usr/bin/chromium", "args": arguments,
                        "prefs": ["intl.accept_languages": language],
                    ] as [String: Any],
                ] as [String: Any]],
            ]
            let answer = try await Self.call(http, "POST", base + "/session", capabilities)
            guard let value = answer["value"] as? [String: Any], let session = value["sessionId"] as? String else {
                throw WebDriverError("no session: \(answer)")
            }
            return WebDriver(driver: process, base: base, session: session, http: http)
        } catch {
            process.terminate()
            try? await http.shutdown()
            throw error
        }
    }

    init(driver: Process, base: String, session: String, http: HTTPClient) {
        self.driver = Mutex(driver)
        self.base = base
        self.session = session
        self.http = http
    }

    /// Ends the session and chromedriver.
    public func quit() async {
        _ = try? await command("DELETE", "")
        driver.withLock { $0?.terminate(); $0 = nil }
        try? await http.shutdown()
    }

    // MARK: Navigation and reading

    public func go(_ url: String) async throws { _ = try await command("POST", "/url", ["url": url]) }
    public func currentURL() async throws -> String { try await command("GET", "/url") as? String ?? "" }
    public func title() async throws -> String { try await command("GET", "/title") as? String ?? "" }
    public func source() async throws -> String { try await command("GET", "/source") as? String ?? "" }

    /// The visible text of the first element that matches `css`.
    public func text(_ css: String) async throws -> String { try await find(css).text() }

    /// The page's visible text.
    public func bodyText() async throws -> String { try await text("body") }

    /// A PNG of the viewport.
    public func screenshot() async throws -> Data {
        guard let base64 = try await command("GET", "/screenshot") as? String, let data = Data(base64Encoded: base64) else {
            throw WebDriverError("no screenshot")
        }
        return data
    }

    /// A PNG of the whole page: the window (as wide as it is) is made as tall as the page first.
    public func fullPageScreenshot() async throws -> Data {
        let rect = try await command("GET", "/window/rect") as? [String: Any]
        let width = rect?["width"] as? Int ?? 1280
        let height = rect?["height"] as? Int ?? 900
        // From the top, with no field focused (a focused field scrolls itself into view).
        try await execute("if (document.activeElement) { document.activeElement.blur(); } window.scrollTo(0, 0);")
        let page = try await execute("return Math.min(document.documentElement.scrollHeight, 4000);") as? Int ?? height
        _ = try await command("POST", "/window/rect", ["width": width, "height": max(page + 120, 600)])
        let data = try await screenshot()
        _ = try await command("POST", "/window/rect", ["width": width, "height": height])
        return data
    }

    public func resize(width: Int, height: Int) async throws { _ = try await command("POST", "/window/rect", ["width": width, "height": height]) }

    /// Runs `script` in the page and returns its value.
    @discardableResult
    public func execute(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command("POST", "/execute/sync", ["script": script, "args": arguments])
    }

    public func deleteCookies() async throws { _ = try await command("DELETE", "/cookie") }

    /// The cookies the browser holds for the current page (HttpOnly ones included: WebDriver sees them).
    public func cookies() async throws -> [[String: Any]] { try await command("GET", "/cookie") as? [[String: Any]] ?? [] }

    // MARK: Elements

    public struct Element: Sendable {
        let driver: WebDriver
        let id: String

        public func click() async throws { _ = try await driver.command("POST", "/element/\(id)/click", [:]) }
        public func clear() async throws { _ = try await driver.command("POST", "/element/\(id)/clear", [:]) }
        public func type(_ text: String) async throws { _ = try await driver.command("POST", "/element/\(id)/value", ["text": text]) }
        public func text() async throws -> String { try await driver.command("GET", "/element/\(id)/text") as? String ?? "" }
        public func attribute(_ name: String) async throws -> String? { try await driver.command("GET", "/element/\(id)/attribute/\(name)") as? String }
        public func property(_ name: String) async throws -> Any? { try await driver.command("GET", "/element/\(id)/property/\(name)") }
        public func isSelected() async throws -> Bool { try await driver.command("GET", "/element/\(id)/selected") as? Bool ?? false }

        /// Replaces the field's value with `text`.
        public func fill(_ text: String) async throws {
            try await clear()
            if !text.isEmpty { try await type(text) }
        }
    }

    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    /// The first element matching `css`; throws naming the selector and the page when there is none.
    public func find(_ css: String) async throws -> Element {
        do {
            let value = try await command("POST", "/element", ["using": "css selector", "value": css])
            guard let id = (value as? [String: Any])?[Self.elementKey] as? String else { throw WebDriverError("no element \(css)") }
            return Element(driver: self, id: id)
        } catch let error as WebDriverError {
            let url = (try? await currentURL()) ?? "?"
            let heading = (try? await text("h1")) ?? ""
            throw WebDriverError("\(error.message) on \(url) (h1: \(heading))")
        }
    }

    /// Every element matching `css`.
    public func findAll(_ css: String) async throws -> [Element] {
        let value = try await command("POST", "/elements", ["using": "css selector", "value": css])
        return (value as? [[String: Any]] ?? []).compactMap { $0[Self.elementKey] as? String }.map { Element(driver: self, id: $0) }
    }

    /// Whether an element matches `css` now.
    public func exists(_ css: String) async throws -> Bool { !(try await findAll(css)).isEmpty }

    /// Fills each field (by CSS selector) with its text.
    public func fill(_ fields: [(String, String)]) async throws {
        for (css, text) in fields { try await find(css).fill(text) }
    }

    /// Picks the option of `select` whose value is `value` (WebDriver clicks the option).
    public func select(_ selectCSS: String, value: String) async throws {
        try await find("\(selectCSS) option[value=\"\(value)\"]").click()
    }

    /// Clicks `css` (a link or a form's button) and waits until the page it leads to has
    /// loaded: the old page is marked first, so its own "complete" is not taken for the new one's.
    public func clickAndWait(_ css: String, timeout: Duration = .seconds(30)) async throws {
        let element = try await find(css)
        try await execute("window.__coeLeaving = true;")
        try await element.click()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let arrived = try? await execute("return window.__coeLeaving !== true && document.readyState === 'complete';") as? Bool
            if arrived == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WebDriverError("clicking \(css) led to no new page within \(timeout)")
    }

    public func waitForLoad(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await execute("return document.readyState;") as? String == "complete" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WebDriverError("the page did not finish loading")
    }

    // MARK: Wire

    @discardableResult
    func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        let answer = try await Self.call(http, method, "\(base)/session/\(session)\(path)", body)
        if let value = answer["value"] as? [String: Any], let error = value["error"] as? String {
            throw WebDriverError("\(method) \(path): \(error): \((value["message"] as? String)?.prefix(300) ?? "")")
        }
        return answer["value"]
    }

    static func call(_ http: HTTPClient, _ method: String, _ url: String, _ body: [String: Any]?) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let json = try JSONSerialization.jsonObject(with: Data(buffer: bytes), options: [.fragmentsAllowed])
        return json as? [String: Any] ?? [:]
    }
}

public struct WebDriverError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
