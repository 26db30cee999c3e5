import Events
import HTTPTypes
import Hummingbird

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

extension ServiceRequestContext {
    /// The authenticated caller; routes behind ``TokenAuthenticator`` always have one.
    public func requireCaller() throws -> Caller {
        guard let caller else {
            throw HTTPProblem(.unauthorized, type: "unauthenticated", detail: "This endpoint needs a caller.")
        }
        return caller
    }
}
