import Events
import Foundation
import Hummingbird

/// The query of a paginated list: its filters, `limit` and `cursor`, with every problem named.
///
/// Lists are keyset-paginated, newest first: a cursor is the (timestamp, id) of the last item
/// of the previous page, opaque to clients. Unknown parameters are errors, not ignored, so
/// a misspelt filter can't silently widen a list.
///
/// ```swift
/// var list = ListParameters(request, filters: ["status", "region"])
/// if let status = list.filters["status"], Status(rawValue: status) == nil { list.problem("status", "must be …") }
/// try list.validate()
/// ```
public struct ListParameters: Sendable {
    /// Where the previous page ended.
    public struct Cursor: Sendable, Equatable {
        /// The item's timestamp as PostgreSQL printed it (`created_at::text`): exact to the microsecond.
        public var time: String
        public var id: UUID
        /// The item's place in a list sorted by something else first (a score), when it is.
        public var rank: Int64?

        public init(time: String, id: UUID, rank: Int64? = nil) {
            self.time = time
            self.id = id
            self.rank = rank
        }

        /// base64url without padding: safe in a query string as it is.
        public var encoded: String {
            Data("\(time)|\(id.uuidString)\(rank.map { "|\($0)" } ?? "")".utf8).base64URLEncoded
        }

        /// PostgreSQL's `timestamptz::text` shape with values the (proleptic Gregorian) calendar has:
        /// a forged `9999-99-99 99:99:99+00` must be the client's 422, not the database's 22008.
        /// (Foundation's Gregorian calendar is Julian before 1582, so it would let `1500-02-29` through.)
        static func isPossibleTime(_ text: Substring) -> Bool {
            guard let match = text.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?([+-])(\d{2})(?::(\d{2}))?/),
                  let year = Int(match.1), let month = Int(match.2), let day = Int(match.3),
                  let hour = Int(match.4), let minute = Int(match.5), let second = Int(match.6), let offsetHours = Int(match.9)
            else { return false }
            let offsetMinutes = match.10.flatMap { Int($0) } ?? 0
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            return (1...9999).contains(year) && (1...12).contains(month) && (1...days[month - 1]).contains(day)
                && hour < 24 && minute < 60 && second < 60 && offsetHours <= 15 && offsetMinutes < 60
        }

        public init?(encoded text: String) {
            var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
            guard let data = Data(base64Encoded: base64) else { return nil }
            let parts = String(decoding: data, as: UTF8.self).split(separator: "|")
            guard parts.count == 2 || parts.count == 3, let id = UUID(uuidString: String(parts[1])), Self.isPossibleTime(parts[0]) else { return nil }
            var rank: Int64?
            if parts.count == 3 {
                guard let value = Int64(parts[2]), (-1...1_000_000).contains(value) else { return nil }
                rank = value
            }
            self.init(time: String(parts[0]), id: id, rank: rank)
        }
    }

    public var filters: [String: String] = [:]
    public var limit: Int
    public var after: Cursor?
    public private(set) var problems: [FieldProblem] = []

    /// `paginated: false` for a list answered whole: `limit` and `cursor` are then unknown parameters too.
    public init(_ request: Request, filters known: Set<String>, paginated: Bool = true, defaultLimit: Int = 20, maximumLimit: Int = 100) {
        let query = request.uri.queryParameters
        limit = defaultLimit
        let names = paginated ? known.union(["limit", "cursor"]) : known
        for (name, value) in query {
            let name = String(name)
            guard names.contains(name) else {
                problem(name, "is not a parameter of this list; use \(names.sorted().joined(separator: ", "))")
                continue
            }
            if known.contains(name) { filters[name] = String(value) }
        }
        guard paginated else { return }
        if let text = query["limit"] {
            if let value = Int(text), (1...maximumLimit).contains(value) {
                limit = value
            } else {
                problem("limit", "must be a whole number from 1 to \(maximumLimit)")
            }
        }
        if let text = query["cursor"] {
            if let cursor = Cursor(encoded: String(text)) {
                after = cursor
            } else {
                problem("cursor", "is not a cursor this API returned")
            }
        }
    }

    public mutating func problem(_ field: String, _ problem: String) {
        problems.append(FieldProblem(field: field, problem: problem))
    }

    /// Checks a filter's value against the values it may take.
    public mutating func require(_ filter: String, oneOf allowed: [String]) {
        if let value = filters[filter], !allowed.contains(value) {
            problem(filter, "must be one of \(allowed.joined(separator: ", "))")
        }
    }

    /// The filter `name` as a year from 2000 to 2100 (nil when absent), or a problem.
    public mutating func year(_ name: String = "year") -> Int? {
        guard let text = filters[name] else { return nil }
        guard let year = Int(text), (2000...2100).contains(year) else {
            problem(name, "must be a year from 2000 to 2100")
            return nil
        }
        return year
    }

    /// A filter's value may be at most `maximum` characters long.
    public mutating func limitLength(of filter: String, to maximum: Int) {
        if let value = filters[filter], value.count > maximum {
            problem(filter, "must be at most \(maximum) characters long")
        }
    }

    /// Throws one 422 naming every problem found.
    public func validate() throws {
        guard problems.isEmpty else { throw HTTPProblem.validation(problems) }
    }
}

/// One page of a list and the cursor of the next, if there is one.
public struct ListPage<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// Builds the page from up to `limit + 1` rows, each with its cursor: the extra row only says there is more.
    public init(rows: [(Item, ListParameters.Cursor)], limit: Int) {
        let page = rows.prefix(limit)
        items = page.map(\.0)
        nextCursor = rows.count > limit ? page.last?.1.encoded : nil
    }
}
