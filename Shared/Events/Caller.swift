import Foundation

/// Who is calling: the claims every service authorizes against.
public struct Caller: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable, Codable {
        case focalPoint = "focal_point"
        case secretariat
        case reviewer
        case finance
        case admin
    }

    public var sub: String
    public var role: Role
    /// The partner country of a focal point (ISO 3166-1 alpha-2).
    public var country: String?
    /// The region of a secretariat.
    public var region: String?

    public init(sub: String, role: Role, country: String? = nil, region: String? = nil) {
        self.sub = sub
        self.role = role
        self.country = country
        self.region = region
    }

    /// How events record who caused them.
    public var actor: EventActor { EventActor(sub: sub, role: role.rawValue) }
}

/// One invalid field and what is wrong with it.
public struct FieldProblem: Codable, Sendable, Hashable {
    /// A JSON path into the request body (`participatingCountries.2`) or a parameter name.
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }
}

/// E-mail addresses as the services accept them: one `@`, a dotted domain, at most 254
/// characters, and none of what could split a mail header or an SMTP command (whitespace,
/// control characters, `<>()[],;:"\`).
public enum EmailAddress {
    public static func isPlausible(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let forbidden = Set("<>()[],;:\"\\")
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && text.count <= 254
            && !text.unicodeScalars.contains { $0.properties.isWhitespace || $0.properties.generalCategory == .control }
            && !text.contains { forbidden.contains($0) }
    }
}
