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

    /// Saves the page as `name.png` (the whole page, up to 4000 px tall), after checking what
    /// an accessibility audit checks on it (``accessibilityProblems()``).
    func screenshot(_ name: String) async throws {
        let problems = try await accessibilityProblems()
        let where_ = try await path()
        #expect(problems.isEmpty, "\(name) (\(where_)): \(problems.joined(separator: "; "))")
        let data = try await driver.fullPageScreenshot()
        try data.write(to: screenshots.appendingPathComponent("\(name).png"))
    }

    /// What the page gets wrong for people with a screen reader, a keyboard or low vision, as
    /// the page is rendered: a control without a label, a button or link without a name, not
    /// exactly one h1, no language, a repeated id, a chart without a title, a table without
    /// headers, and text whose contrast with its background is below WCAG 2.1 AA (4.5:1, or
    /// 3:1 for large text).
    func accessibilityProblems() async throws -> [String] {
        let script = """
            const problems = [];
            const visible = (e) => { const r = e.getBoundingClientRect(); const st = getComputedStyle(e); return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none'; };
            document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach((c) => {
              if (!(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.getAttribute('aria-labelledby')) problems.push('unlabelled control ' + (c.name || c.id));
            });
            document.querySelectorAll('button, a[href]').forEach((b) => {
              if (!b.textContent.trim() && !b.getAttribute('aria-label') && !b.getAttribute('title')) problems.push('unnamed ' + b.tagName.toLowerCase() + ' ' + (b.id || b.getAttribute('href') || ''));
            });
            const h1 = document.querySelectorAll('h1').length;
            if (h1 !== 1) problems.push(h1 + ' h1 elements');
            if (!document.documentElement.lang) problems.push('no lang on html');
            const ids = new Set();
            document.querySelectorAll('[id]').forEach((e) => { if (ids.has(e.id)) problems.push('repeated id ' + e.id); ids.add(e.id); });
            document.querySelectorAll('svg[role=img]').forEach((svg) => { if (!svg.querySelector('title')) problems.push('chart without a title'); });
            document.querySelectorAll('table').forEach((t) => { if (!t.querySelector('th')) problems.push('table without headers ' + (t.id || '')); });
            const channel = (c) => { c = c / 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
            const luminance = (rgb) => 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2]);
            const parse = (text) => (text.match(/[0-9.]+/g) || []).map(Number);
            const background = (e) => {
              for (let n = e; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3); }
              return [255, 255, 255];
            };
            const seen = new Set();
            document.querySelectorAll('body *').forEach((e) => {
              if (!Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim()) || !visible(e) || e.closest('svg')) return;
              const st = getComputedStyle(e);
              const fg = parse(st.color).slice(0, 3), bg = background(e);
              const l1 = luminance(fg), l2 = luminance(bg);
              const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
              const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
              const needed = (size >= 24 || (size >= 18.66 && bold)) ? 3 : 4.5;
              const key = st.color + '/' + bg.join(',');
              if (ratio < needed && !seen.has(key)) { seen.add(key); problems.push('contrast ' + ratio.toFixed(2) + ' of "' + e.textContent.trim().slice(0, 30) + '"'); }
            });
            return problems;
            """
        return try await driver.execute(script) as? [String] ?? ["the audit did not run"]
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
