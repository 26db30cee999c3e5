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
    /// The authenticated caller; routes behind ``CallerMiddleware`` always have one.
    public func requireCaller() throws -> Caller {
        guard let caller else {
            throw HTTPProblem(.unauthorized, type: "unauthenticated", detail: "This endpoint needs a caller.")
        }
        return caller
    }
}

/// Identifies the caller from `X-CoE-Sub`, `X-CoE-Role`, `X-CoE-Country` and `X-CoE-Region`.
///
/// A development stand-in: anyone can send these headers. The security issue replaces it
/// with verified bearer JWTs carrying the same claims; nothing else changes, because the
/// services only ever read ``ServiceRequestContext/caller``.
public struct CallerMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var problems: [FieldProblem] = []
        let sub = request.headers[HTTPField.Name("X-CoE-Sub")!] ?? ""
        let roleText = request.headers[HTTPField.Name("X-CoE-Role")!] ?? ""
        let country = request.headers[HTTPField.Name("X-CoE-Country")!]
        let region = request.headers[HTTPField.Name("X-CoE-Region")!]
        if sub.isEmpty { problems.append(FieldProblem(field: "X-CoE-Sub", problem: "is required")) }
        let role = Caller.Role(rawValue: roleText)
        if role == nil {
            problems.append(FieldProblem(
                field: "X-CoE-Role", problem: "must be one of \(Caller.Role.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        if role == .focalPoint && (country ?? "").isEmpty {
            problems.append(FieldProblem(field: "X-CoE-Country", problem: "is required for a focal point"))
        }
        if role == .secretariat && (region ?? "").isEmpty {
            problems.append(FieldProblem(field: "X-CoE-Region", problem: "is required for a secretariat"))
        }
        guard problems.isEmpty, let role else {
            throw HTTPProblem(
                .unauthorized, type: "unauthenticated", title: "Who is calling?",
                detail: "Identify the caller (development headers until bearer tokens arrive).", errors: problems,
                headers: [.wwwAuthenticate: "CoE-Headers"])
        }
        var context = context
        context.caller = Caller(sub: sub, role: role, country: country, region: region)
        return try await next(request, context)
    }
}
