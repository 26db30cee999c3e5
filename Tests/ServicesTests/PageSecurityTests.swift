import AsyncHTTPClient
import Cycle
import Events
import Foundation
import Testing
import TestSupport

/// The pages as an attacker meets them: forms posted without (or with another session's) CSRF
/// token, the API called with the cookie alone, a cookie sent to another person's pages, a
/// sign-in that would send the browser elsewhere, and what a browser is shown when it fails.
@Suite("Pages: sign-in, CSRF and the authorization matrix through the cookie")
struct PageSecurityTests {
    @Test func cookiesCSRFAndScopingHoldThroughThePagesAndTheAPI() async throws {
        try await PageStack.run { stack in
            try await CookieSession.withClient { http in try await Self.check(stack, http: http) }
        }
    }

    static func check(_ stack: PageStack, http: HTTPClient) async throws {
        do {
            let kz = try await CookieSession.signIn("fp-kz", at: stack.url, http: http)
            let uz = try await CookieSession.signIn("fp-uz", at: stack.url, http: http)

            // The session cookie: HttpOnly, SameSite, the whole site, a bounded life.
            let signIn = try await CookieSession.send(http, "GET", stack.url + "/signin", cookie: nil, form: nil)
            #expect(signIn.status == 200)
            #expect(signIn.body.contains("Aigerim Nurlanovna"), "the sign-in page lists the configured people")
            let nonce = try #require(signIn.headers("Set-Cookie").first { $0.hasPrefix("coe_signin=") })
            let csrf = try #require(CookieSession.csrf(in: signIn.body))
            let signedIn = try await CookieSession.send(
                http, "POST", stack.url + "/signin", cookie: String(nonce.split(separator: ";")[0]),
                form: [("_csrf", csrf), ("sub", "fp-kz"), ("next", "//evil.example/steal")])
            let setCookie = try #require(signedIn.headers("Set-Cookie").first { $0.hasPrefix("coe_session=") })
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax") && setCookie.contains("Path=/"))
            #expect(setCookie.contains("Max-Age=1800"), "COE_SESSION_MINUTES=30")
            #expect(signedIn.header("Location") == "/", "a sign-in never sends the browser to another site")
            // Browsers drop a tab inside a URL: `/<TAB>/host` would become `//host`, another site.
            let tabbed = try await CookieSession.send(
                http, "POST", stack.url + "/signin", cookie: String(nonce.split(separator: ";")[0]),
                form: [("_csrf", csrf), ("sub", "fp-kz"), ("next", "/\t/evil.example")])
            #expect(tabbed.header("Location") == "/")
            let again = try #require(tabbed.headers("Set-Cookie").first { $0.hasPrefix("coe_session=") })
            #expect(again.split(separator: ";")[0] != setCookie.split(separator: ";")[0], "each sign-in is a session of its own")

            // The sign-in form itself needs its pre-session token (no login CSRF).
            let forged = try await CookieSession.send(http, "POST", stack.url + "/signin", cookie: nil, form: [("_csrf", csrf), ("sub", "pm")])
            #expect(forged.status == 403)
            #expect(forged.headers("Set-Cookie").allSatisfy { !$0.hasPrefix("coe_session=") })

            // Without a session, a page sends the browser to sign in and back.
            let anonymous = try await CookieSession.send(http, "GET", stack.url + "/proposals", cookie: nil, form: nil)
            #expect(anonymous.status == 303)
            #expect(anonymous.header("Location") == "/signin?next=%2Fproposals")

            // A form posted with the cookie but without the page's token changes nothing.
            let form = try await kz.get("/proposals/new")
            #expect(form.status == 200)
            let token = try #require(CookieSession.csrf(in: form.body))
            let fields: [(String, String)] = [("title", "Forged by another site"), ("summary", "x")]
            let without = try await kz.post("/proposals/new", form: fields)
            #expect(without.status == 403)
            #expect(without.header("Content-Type")?.hasPrefix("text/html") == true, "a person reads a page, not problem+json")
            #expect(without.body.contains("This form has expired"))
            let uzForm = try await uz.get("/proposals/new")
            let otherToken = try #require(CookieSession.csrf(in: uzForm.body))
            #expect(otherToken != token, "each session has its own token")
            #expect(try await kz.post("/proposals/new", form: [("_csrf", otherToken)] + fields).status == 403)
            #expect(try await kz.post("/proposals/new", form: [("_csrf", "")] + fields).status == 403)
            let fpKZ = stack.person("fp-kz")
            #expect(try await stack.client.proposals(as: fpKZ).isEmpty, "no refused form made a proposal")

            // Another site's page can't post a form even with the right token (the browser says it is cross-site).
            let crossSite = try await CookieSession.send(
                http, "POST", stack.url + "/proposals/new", cookie: kz.cookie, form: [("_csrf", token)] + fields,
                extra: [("Sec-Fetch-Site", "cross-site")])
            #expect(crossSite.status == 403)
            // Nor a sibling host's (`same-site`: another subdomain or port), which an OIDC proxy's cookie would reach.
            let sameSite = try await CookieSession.send(
                http, "POST", stack.url + "/proposals/new", cookie: kz.cookie, form: [("_csrf", token)] + fields,
                extra: [("Sec-Fetch-Site", "same-site")])
            #expect(sameSite.status == 403)
            // Forms a page never sends: too large (413), too many fields (400), a form id that can't be a header (no 503).
            let huge = try await kz.post("/proposals/new", form: [("_csrf", token), ("summary", String(repeating: "x", count: 1_100_000))])
            #expect(huge.status == 413)
            #expect(huge.header("Content-Type")?.hasPrefix("text/html") == true)
            let many = try await kz.post("/proposals/new", form: [("_csrf", token)] + (0..<1500).map { _ in ("partner_name", "") })
            #expect(many.status == 400)
            let oddKey = try await kz.post("/proposals/new", form: [("_csrf", token), ("form_id", "zz\u{0}\n"), ("title", "Odd form id")])
            #expect(oddKey.status == 303, "the odd id is not used as a key; the draft is made")
            #expect(try await stack.client.proposals(as: stack.person("fp-kz")).count == 1)

            // The API takes the cookie too, but a change needs the CSRF header as well.
            let body = #"{"title":"Through the API with the cookie"}"#
            let noHeader = try await kz.postJSON("/v1/proposals", json: body)
            #expect(noHeader.status == 403)
            #expect(noHeader.body.contains("csrf"))
            let withHeader = try await kz.postJSON("/v1/proposals", json: body, headers: [("X-CSRF-Token", token)])
            #expect(withHeader.status == 201, "\(withHeader.body)")
            let crossSiteAPI = try await kz.postJSON("/v1/proposals", json: body, headers: [("X-CSRF-Token", token), ("Sec-Fetch-Site", "cross-site")])
            #expect(crossSiteAPI.status == 403, "a browser's cross-site change is refused whatever it carries")
            // A bearer (what an OIDC proxy adds) with a sibling host's change: refused before anything is looked up.
            let bearer = try await stack.client.tokens.token(for: fpKZ)
            let nowhere = "/v1/proposals/\(UUID().uuidString.lowercased())/withdraw"
            let siblingAPI = try await CookieSession.send(
                http, "POST", stack.url + nowhere, cookie: nil, form: nil, accept: "application/json",
                extra: [("Authorization", "Bearer \(bearer)"), ("Sec-Fetch-Site", "same-site")])
            #expect(siblingAPI.status == 403, "a bearer does not make a sibling site's change the site's own")
            let ownAPI = try await CookieSession.send(
                http, "POST", stack.url + nowhere, cookie: nil, form: nil, accept: "application/json",
                extra: [("Authorization", "Bearer \(bearer)"), ("Sec-Fetch-Site", "same-origin")])
            #expect(ownAPI.status == 404, "the site's own page with a bearer reaches the service: \(ownAPI.status)")
            #expect(try await kz.postJSON("/v1/proposals", json: body, headers: [("X-CSRF-Token", otherToken)]).status == 403)

            // With the token, the page's form makes the draft, and the page shows it to its owner only.
            let made = try await kz.post("/proposals/new", form: [("_csrf", token), ("form_id", "one")] + fields)
            #expect(made.status == 303)
            let location = try #require(made.header("Location"))
            #expect(location.hasPrefix("/proposals/"))
            let mine = try await kz.get(String(location.split(separator: "?")[0]))
            #expect(mine.status == 200)
            // A page is never framed by another site, runs only this site's script, and is never cached.
            #expect(mine.header("Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
            #expect(mine.header("Content-Security-Policy")?.contains("default-src 'self'") == true)
            #expect(mine.header("Cache-Control") == "no-store")
            #expect(mine.body.contains("Forged by another site"))
            let theirs = try await uz.get(String(location.split(separator: "?")[0]))
            #expect(theirs.status == 404, "another country's focal point can't see it through the pages")
            #expect(!theirs.body.contains("Forged by another site"))
            #expect(!(try await uz.get("/proposals")).body.contains("Forged by another site"))
            let apiTheirs = try await uz.get("/v1" + String(location.split(separator: "?")[0]), accept: "application/json")
            #expect(apiTheirs.status == 404)
            #expect(apiTheirs.header("Content-Type") == "application/problem+json")
            #expect(try await uz.post(String(location.split(separator: "?")[0]) + "/withdraw", form: [("_csrf", otherToken)]).status == 404)
            #expect(try await stack.client.proposals(as: fpKZ).count == 3)

            // A role without business on a page gets a 403 page; an unknown page a 404 page.
            let secretariat = try await CookieSession.signIn("sec-ca", at: stack.url, http: http)
            let notTheirs = try await secretariat.get("/proposals/new")
            #expect(notTheirs.status == 403)
            #expect(notTheirs.header("Content-Type")?.hasPrefix("text/html") == true)
            let unknown = try await kz.get("/proposals/not-a-uuid")
            #expect(unknown.status == 404)
            #expect(unknown.body.contains("<html"))

            // An API address opened in a browser fails as a page; a client asking for JSON still gets problem details.
            let browser = try await CookieSession.send(http, "GET", stack.url + "/v1/proposals", cookie: nil, form: nil, accept: "text/html,application/xhtml+xml,*/*;q=0.8")
            #expect(browser.status == 401)
            #expect(browser.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(browser.body.contains("Sign in"))
            let client = try await CookieSession.send(http, "GET", stack.url + "/v1/proposals", cookie: nil, form: nil, accept: "application/json")
            #expect(client.status == 401)
            #expect(client.header("Content-Type") == "application/problem+json")
            #expect(client.header("Vary") == "Accept" && browser.header("Vary") == "Accept", "caches keep the two apart")

            // The services' operations endpoints are not on the public address.
            for path in ["/metrics", "/metrics/", "/health/ready", "/health/live/", "/openapi.yaml", "/openapi.yaml/", "/v1/proposals/../../metrics", "/v1/audit"] {
                #expect(try await CookieSession.send(http, "GET", stack.url + path, cookie: nil, form: nil).status == 404, "\(path)")
            }
            // Every other operation of the four specs reaches its service through the gateway: without a
            // token, 401 from the service (an open one answers), never the gateway's 404.
            let unrouted: Set<String> = ["/metrics", "/health/live", "/health/ready", "/openapi.yaml", "/v1/audit"]
            for service in AuthorizationMatrixTests.services {
                for operation in try AuthorizationMatrixTests.operations(service) where !unrouted.contains(operation.path) {
                    let path = operation.path.replacingOccurrences(of: #"\{[^}]+\}"#, with: "6f1c1a56-08a3-4a52-9d8f-6d3f10e1a001", options: .regularExpression)
                    let answer = try await CookieSession.send(http, operation.method, stack.url + path, cookie: nil, form: nil, accept: "application/json")
                    #expect(answer.status == (operation.authenticated ? 401 : 200), "\(service) \(operation.method) \(operation.path) through the gateway: \(answer.status)")
                }
            }

            // Every role on every page: a page of another role's work is a 403 page, never a 5xx.
            let reviewer = try await CookieSession.signIn("rev-fr", at: stack.url, http: http)
            let finance = try await CookieSession.signIn("fin-alice", at: stack.url, http: http)
            let manager = try await CookieSession.signIn("pm", at: stack.url, http: http)
            let expected: [(CookieSession, String, [String: Int])] = [
                (kz, "focal point", ["/proposals/new": 200, "/reviews": 403, "/funding": 403, "/funding/payments": 403, "/inbox": 200]),
                (secretariat, "secretariat", ["/proposals/new": 403, "/reviews": 200, "/funding/payments": 200, "/inbox": 200]),
                (reviewer, "reviewer", ["/proposals/new": 403, "/reviews": 200, "/funding": 403, "/funding/commitments": 403, "/inbox": 200]),
                (finance, "finance", ["/proposals/new": 403, "/reviews": 403, "/funding": 200, "/funding/payments": 200, "/inbox": 200]),
                (manager, "programme manager", ["/proposals/new": 403, "/reviews": 200, "/funding": 200, "/inbox": 200]),
            ]
            for (session, role, pages) in expected {
                for (path, status) in pages.sorted(by: { $0.key < $1.key }) {
                    #expect(try await session.get(path).status == status, "\(role) on \(path)")
                }
            }
            // A form of another role's work, with the poster's own valid token: refused, nothing made.
            let someCase = UUID().uuidString.lowercased()
            let reviewerToken = try #require(CookieSession.csrf(in: try await reviewer.get("/inbox").body))
            let envelope = try await reviewer.post("/funding/envelopes", form: [("_csrf", reviewerToken), ("year", "2026"), ("region", "CA"), ("amount", "1000.00"), ("reason", "x")])
            #expect(envelope.status == 403)
            let kzToken = try #require(CookieSession.csrf(in: try await kz.get("/inbox").body))
            for path in ["/reviews/\(someCase)/screening", "/reviews/\(someCase)/decision", "/funding/commitments/\(someCase)/payments"] {
                let status = try await kz.post(path, form: [("_csrf", kzToken), ("outcome", "approved")]).status
                #expect(status == 403 || status == 404, "a focal point posting \(path): \(status)")
            }

            // NUL and odd Unicode typed into a form: the service's answer on the page, escaped; never a 500.
            let nul = try await kz.post("/proposals/new", form: [("_csrf", token), ("title", "Border\u{0}monitors")])
            #expect(nul.status == 422)
            #expect(nul.body.contains("NUL"))
            let odd = "\u{202E}evil\u{200B}<b>x</b> \u{1F600}"
            let oddForm = try await kz.post("/proposals/new", form: [("_csrf", token), ("title", odd), ("requestedBudget", "1e9")])
            #expect(oddForm.status == 422, "the budget is refused; the title is shown back as typed")
            #expect(!oddForm.body.contains("<b>x</b>") && oddForm.body.contains("&lt;b&gt;x&lt;/b&gt;"))
            // A service's own rule, refused on a French page, is said in French (intake's patterns, from its bundle).
            let french = try await kz.post("/proposals/new?lang=fr", form: [("_csrf", token), ("title", "Détecteurs"), ("region", "EU")])
            #expect(french.status == 422)
            #expect(french.body.contains("n’est pas une région des centres d’excellence"), "\(french.body.prefix(3000))")
            #expect(try await stack.client.proposals(as: fpKZ).count == 3, "nothing refused was made")

            // Signing out clears the cookie; the old page's token is refused without a session.
            let out = try await kz.post("/signout", form: [("_csrf", token)])
            #expect(out.status == 303)
            #expect(out.headers("Set-Cookie").contains { $0.hasPrefix("coe_session=;") && $0.contains("Max-Age=0") })
        }
    }
}
