import Events

/// The main navigation of each role: the pages a person of that role works in, across services.
enum Navigation {
    static func items(for role: Caller.Role, current path: String, strings: Strings) -> [[String: Any]] {
        let links: [(String, String)]
        switch role {
        case .focalPoint: links = [("/proposals", "nav_my_proposals"), ("/proposals/new", "nav_new_proposal")]
        case .secretariat: links = [("/reviews", "nav_review_queue"), ("/proposals", "nav_proposals")]
        case .reviewer: links = [("/reviews", "nav_assignments")]
        case .admin: links = [("/reviews", "nav_decisions"), ("/proposals", "nav_proposals"), ("/funding", "nav_funding")]
        case .finance: links = [("/funding", "nav_envelopes"), ("/funding/commitments", "nav_commitments"), ("/funding/payments", "nav_payments")]
        }
        return (links + [("/inbox", "nav_inbox")]).map { href, key in
            // The longest matching link is the current one: /proposals/new is not also /proposals.
            let matches = path == href || path.hasPrefix(href + "/")
            let longer = links.contains { $0.0.count > href.count && (path == $0.0 || path.hasPrefix($0.0 + "/")) }
            var item: [String: Any] = ["href": href, "label": strings[key]]
            if matches && !longer { item["current"] = true }
            return item
        }
    }
}
