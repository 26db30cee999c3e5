import Events
import Foundation

/// Someone who takes part in the initiative: the subject of their access tokens and the
/// profile notifications keeps for them.
///
/// The shape of `deploy/local/recipients.json` and `deploy/local/demo-people.json` entries,
/// so the same file seeds the directory and says who the demonstration acts as.
public struct Person: Codable, Sendable, Hashable {
    /// The subject (`sub`) of the person's tokens.
    public var sub: String
    public var name: String
    public var email: String
    public var language: Language
    public var role: Caller.Role
    /// A focal point's partner country; a reviewer's nationality (any ISO code).
    public var country: String?
    /// A secretariat's region.
    public var region: String?

    public init(
        sub: String, name: String, email: String, language: Language = .en, role: Caller.Role, country: String? = nil, region: String? = nil
    ) {
        self.sub = sub
        self.name = name
        self.email = email
        self.language = language
        self.role = role
        self.country = country
        self.region = region
    }

    /// The people of a JSON file (an array of entries).
    public static func load(contentsOfFile path: String) throws -> [Person] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CoEClientError(.invalidInput, detail: "Can't read the people file \(path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode([Person].self, from: data)
        } catch {
            throw CoEClientError(.invalidInput, detail: "The people file \(path) is not a JSON array of people: \(error)")
        }
    }
}

extension Array where Element == Person {
    /// The person whose tokens carry `sub`.
    public func person(_ sub: String) -> Person? { first { $0.sub == sub } }

    /// Everyone of `role`, in the order given.
    public func people(_ role: Caller.Role) -> [Person] { filter { $0.role == role } }
}
