import Cycle
import Events
import Foundation
import HTTPTypes
import Hummingbird
import Pages
import ServiceRuntime

/// The pages of a person's notifications: their inbox (newest first, marking read one item or
/// all) and their preferences (language, single mails or a daily digest, the mails they don't
/// want). Every read and change goes through notifications' own API as the signed-in person, so
/// a page can only ever show and change that person's feed and choices.
struct InboxPages: Sendable {
    let pages: Pages
    /// `COE_PUBLIC_URL` as the messages' links start with it: the inbox links to the same pages
    /// by their path, so that it works behind whatever host the browser reached.
    let publicURL: String

    /// Items per page of the inbox.
    static let pageSize = 25

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.get("inbox", use: inbox)
        group.post("inbox/read-all", use: readAll)
        group.post("inbox/{id}/read", use: read)
        group.get("inbox/preferences", use: preferencesForm)
        group.post("inbox/preferences", use: savePreferences)
    }

    // MARK: Inbox

    @Sendable func inbox(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        let unreadOnly = request.uri.queryParameters["unread"] == "true"
        let (answer, cursor) = try await page.listPage(
            .notifications, "/v1/notifications", query: [("limit", String(Self.pageSize)), ("unread", unreadOnly ? "true" : nil)],
            cursor: PageValue.cursor(request.uri.queryParameters["cursor"].map(String.init)))
        let unread = (answer.object["unread"] as? NSNumber)?.intValue ?? 0
        let items = answer.items.map { item(of: $0, page: page) }
        let next = (answer.object["nextCursor"] as? String).flatMap { PageValue.cursor($0) }
        let countKey = unread == 0 ? "inbox_unread_zero" : unread == 1 ? "inbox_unread_one" : "inbox_unread_other"
        var data: [String: Any] = [
            "items": items, "empty": items.isEmpty, "unread_count": unread, "unread_words": page.strings[countKey],
            "has_unread": unread > 0, "unread_only": unreadOnly,
            "return_cursor": cursor ?? "", "return_unread": unreadOnly ? "true" : "",
        ]
        if let next { data["next_href"] = Self.inboxHref(cursor: next, unreadOnly: unreadOnly) }
        if cursor != nil { data["first_href"] = Self.inboxHref(cursor: nil, unreadOnly: unreadOnly) }
        return try await page.render("inbox", title: page.strings["inbox_title"], data)
    }

    func item(of item: [String: Any], page: PageRequest) -> [String: Any] {
        let id = item["id"] as? String ?? ""
        let type = item["eventType"] as? String ?? ""
        let read = (item["read"] as? NSNumber)?.boolValue ?? (item["readAt"] as? String != nil)
        let created = PageValue.date(item["createdAt"])
        let label = page.label("event", type.replacingOccurrences(of: ".", with: "_"))
        var subject = item["subject"] as? String ?? ""
        // The subject is the mail's, tagged for a mailbox; inside the system the tag says nothing.
        if subject.hasPrefix("[CoE] ") { subject.removeFirst("[CoE] ".count) }
        var data: [String: Any] = [
            "id": id, "event_type": type, "event_label": label, "subject": subject.isEmpty ? label : subject,
            "href": path(of: item), "unread": !read,
            "when": page.moment(created), "datetime": created.map { $0.formatted(.iso8601) } ?? "",
            "reference": item["reference"] as? String ?? "", "proposal_id": item["proposalId"] as? String ?? "",
            "paragraphs": Self.paragraphs(of: item["body"] as? String ?? "", link: item["link"] as? String),
        ]
        if read, let readAt = PageValue.date(item["readAt"]) { data["read_on"] = page.strings("inbox_read_on", ["when": page.moment(readAt)]) }
        return data
    }

    /// The page an item is about, as a path of this site: its link below the public address;
    /// else its proposal's page; else the inbox. Items made before the inbox existed link to
    /// `notifications`, which is the inbox now.
    func path(of item: [String: Any]) -> String {
        if let link = item["link"] as? String, !link.isEmpty {
            let base = publicURL.hasSuffix("/") ? publicURL : publicURL + "/"
            var rest: String?
            if link.hasPrefix(base) {
                rest = String(link.dropFirst(base.count))
            } else if let components = URLComponents(string: link), components.scheme != nil {
                rest = components.path
            } else if link.hasPrefix("/") {
                rest = link
            }
            if var rest {
                while rest.hasPrefix("/") { rest.removeFirst() }
                if rest == "notifications" { rest = "inbox" }
                // Only a plain path of ours: never another host nor anything a browser would read otherwise.
                if !rest.isEmpty, rest.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/-_.".contains($0)) }), !rest.contains("..") {
                    return "/" + rest
                }
            }
        }
        if let proposal = item["proposalId"] as? String, let id = UUID(uuidString: proposal) { return "/proposals/\(id.uuidString.lowercased())" }
        return "/inbox"
    }

    /// The message's text as the mail lays it out (MessageRenderer): paragraphs of lines, and
    /// lists where every line starts `- `; without its last paragraph when that is only the
    /// link (the item links there already).
    static func paragraphs(of body: String, link: String?) -> [[String: Any]] {
        var blocks = body.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        if let link, blocks.last == link { blocks.removeLast() }
        return blocks.map { block in
            let lines = block.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            if lines.allSatisfy({ $0.hasPrefix("- ") }) { return ["is_list": true, "list": lines.map { String($0.dropFirst(2)) }] }
            return ["is_list": false, "lines": lines.enumerated().map { index, line -> [String: Any] in ["text": line, "first": index == 0] }]
        }
    }

    @Sendable func read(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        let id = try PageValue.id(context)
        _ = try await page.client.change(.notifications, "POST", "/v1/notifications/\(id)/read", body: nil, expecting: [200], as: page.person)
        return page.redirect(to: Self.inboxHref(cursor: PageValue.cursor(form["cursor"]), unreadOnly: form["unread"] == "true"), notice: "marked_read")
    }

    @Sendable func readAll(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, _) = try await pages.post(request, context: context)
        _ = try await page.client.change(.notifications, "POST", "/v1/notifications/read-all", body: nil, expecting: [200], as: page.person)
        return page.redirect(to: "/inbox", notice: "all_read")
    }

    /// `/inbox` with the page's cursor and filter.
    static func inboxHref(cursor: String?, unreadOnly: Bool) -> String {
        var query: [String] = []
        if unreadOnly { query.append("unread=true") }
        if let cursor { query.append("cursor=\(cursor)") }
        return query.isEmpty ? "/inbox" : "/inbox?" + query.joined(separator: "&")
    }

    // MARK: Preferences

    @Sendable func preferencesForm(request: Request, context: ServiceRequestContext) async throws -> Response {
        let page = try await pages.open(request, context: context)
        do {
            let answer = try await page.client.document(.notifications, "/v1/preferences", as: page.person)
            let preferences = answer.object
            return try await form(
                page, language: preferences["language"] as? String, digest: (preferences["digest"] as? NSNumber)?.boolValue,
                optedOut: Set(preferences["emailOptOut"] as? [String] ?? []), problems: nil, status: .ok)
        } catch let error as CoEClientError where error.status == 404 {
            // Not in the directory yet: there is nothing to choose until an admin adds them.
            return try await page.render("preferences", title: page.strings["preferences_title"], ["not_in_directory": true])
        }
    }

    @Sendable func savePreferences(request: Request, context: ServiceRequestContext) async throws -> Response {
        let (page, form) = try await pages.post(request, context: context)
        let optedOut = form.values("emailOptOut")
        var body: [String: Any] = ["emailOptOut": optedOut]
        // As the person sent it: the API, not the page, says what is missing or wrong.
        if let language = form["language"] { body["language"] = language }
        if let digest = form["digest"] { body["digest"] = digest == "true" ? true : digest == "false" ? false : digest as Any }
        do {
            let saved = try await page.client.change(.notifications, "PUT", "/v1/preferences", body: body, expecting: [200], as: page.person)
            let language = saved.object["language"] as? String ?? form["language"] ?? page.language.rawValue
            var response = page.redirect(to: "/inbox/preferences", notice: "preferences_saved")
            // The pages speak the language the person chose from the next page on.
            if Language(rawValue: language) != nil {
                response.headers[.setCookie] = SessionCookie.language(language, secure: pages.settings.secureCookies)
            }
            return response
        } catch let error as CoEClientError where error.status == 422 || error.status == 400 {
            return try await self.form(
                page, language: form["language"], digest: form["digest"].map { $0 == "true" }, optedOut: Set(optedOut), problems: error,
                status: .unprocessableContent)
        }
    }

    func form(
        _ page: PageRequest, language: String?, digest: Bool?, optedOut: Set<String>, problems: CoEClientError?, status: HTTPResponse.Status
    ) async throws -> Response {
        let (byField, general) = problems.map { page.fieldProblems($0) } ?? ([:], [])
        let strings = page.strings
        func field(_ name: String) -> [String: Any] {
            var item: [String: Any] = ["name": name, "label": strings["preferences_\(name)"]]
            if let hint = strings.optional("preferences_\(name)_hint") { item["hint"] = hint }
            if let errors = byField[name] { item["errors"] = errors; item["invalid"] = true }
            return item
        }
        let mailed = Self.mailedTypes(for: page.caller.role)
        let data: [String: Any] = [
            "has_problems": !(general.isEmpty && byField.isEmpty),
            "problems": general + byField.sorted { Self.fieldOrder($0.key) < Self.fieldOrder($1.key) }.flatMap { key, texts in
                texts.map { strings("problem_line", ["field": strings.optional("preferences_\(key)") ?? key, "problem": $0]) }
            },
            "language_field": field("language"), "digest_field": field("digest"), "optout_field": field("emailOptOut"),
            "languages": Language.allCases.map { code -> [String: Any] in
                ["code": code.rawValue, "label": strings["language_\(code.rawValue)"], "checked": code.rawValue == language]
            },
            "digest_choices": [
                ["value": "false", "label": strings["preferences_digest_false"], "checked": digest == false],
                ["value": "true", "label": strings["preferences_digest_true"], "checked": digest == true],
            ],
            "event_types": mailed.map { type -> [String: Any] in
                ["value": type.rawValue, "label": page.label("event", type.rawValue.replacingOccurrences(of: ".", with: "_")),
                 "checked": optedOut.contains(type.rawValue)]
            },
            // Choices made elsewhere for mails this role doesn't get are kept, not silently dropped.
            // A value that isn't an event type is not kept: sent again, it would be refused again.
            "kept_opt_outs": optedOut.subtracting(mailed.map(\.rawValue)).filter { EventType(rawValue: $0) != nil }.sorted(),
        ]
        return try await page.render("preferences", title: strings["preferences_title"], data, status: status)
    }

    /// Where a field is on the form, so that the problems are listed in the order of the fields.
    static func fieldOrder(_ name: String) -> Int { ["language", "digest", "emailOptOut"].firstIndex(of: name) ?? 3 }

    /// The event types that may bring a person of `role` a mail (RoutingRules' own routes):
    /// the only ones worth a choice on their form.
    static func mailedTypes(for role: Caller.Role) -> [EventType] {
        EventType.allCases.filter { type in
            RoutingRules.routes(for: type).contains { route in
                guard route.channels.contains(.email) else { return false }
                switch route.audience {
                case .focalPoints: return role == .focalPoint
                case .secretariat: return role == .secretariat
                case .reviewer, .awaitedReviewers: return role == .reviewer
                case .programmeManagers: return role == .admin
                case .finance: return role == .finance
                }
            }
        }
    }

}
