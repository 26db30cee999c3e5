import Cycle
import Foundation
import Testing
import TestSupport

/// A person at a browser: headless Chromium through its WebDriver, signed in through the
/// sign-in page like anyone else, with screenshots of the pages worth showing.
struct Browser: Sendable {
    let driver: WebDriver
    let base: String
    /// Where screenshots go: `COE_SCREENSHOTS_DIR` (docs/screenshots when refreshing the
    /// README's pictures), else a temporary folder.
    let screenshots: URL

    static func run(base: String, width: Int = 1280, _ body: (Browser) async throws -> Void) async throws {
        let driver = try await WebDriver.start(width: width)
        let folder = ProcessInfo.processInfo.environment["COE_SCREENSHOTS_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("coe-screenshots")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        do {
            try await body(Browser(driver: driver, base: base, screenshots: folder))
        } catch {
            await driver.quit()
            throw error
        }
        await driver.quit()
    }

    func go(_ path: String) async throws {
        try await driver.go(base + path)
        try await driver.waitForLoad()
    }

    /// Signs out whoever is signed in, then signs in as `sub` from the sign-in page's list.
    func signIn(_ sub: String, next: String = "/") async throws {
        try await driver.deleteCookies()
        try await go("/signin?next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")")
        try await driver.clickAndWait("button[data-sub=\"\(sub)\"]")
    }

    func click(_ css: String) async throws { try await driver.clickAndWait(css) }
    func fill(_ css: String, _ text: String) async throws { try await driver.find(css).fill(text) }
    func select(_ css: String, value: String) async throws { try await driver.select(css, value: value) }
    func text(_ css: String) async throws -> String { Self.plain(try await driver.text(css)) }
    func exists(_ css: String) async throws -> Bool { try await driver.exists(css) }
    func path() async throws -> String {
        let url = try await driver.currentURL()
        return URLComponents(string: url)?.path ?? url
    }

    /// The page's text with every kind of space as a plain one (French amounts use no-break spaces).
    func pageText() async throws -> String { Self.plain(try await driver.bodyText()) }

    static func plain(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{00A0}", with: " ").replacingOccurrences(of: "\u{202F}", with: " ")
    }

    /// Saves the page as `name.png` (the whole page, up to 4000 px tall).
    func screenshot(_ name: String) async throws {
        let data = try await driver.fullPageScreenshot()
        try data.write(to: screenshots.appendingPathComponent("\(name).png"))
    }

    /// Polls the page (reloading it) until `condition` holds: for what arrives through the bus.
    func eventually(reloading path: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try await go(path)
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(300))
        }
        return false
    }
}
