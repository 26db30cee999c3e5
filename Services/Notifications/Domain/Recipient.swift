import Events
import Foundation

/// A person the initiative tells things to: who they are (the `sub` of their tokens), how to
/// reach them, in which language, and where they sit (a focal point's country, a secretariat's
/// region). Admins keep the directory; each person keeps their own preferences.
struct Recipient: Sendable, Equatable {
    var id: UUID
    var profile: Profile
    var preferences: Preferences
    var createdAt: Date
    var updatedAt: Date

    /// What the directory says of a person.
    struct Profile: Sendable, Equatable {
        var sub: String
        var name: String
        var email: String
        var language: Language
        var role: Caller.Role
        /// A focal point's country (ISO 3166-1 alpha-2); a reviewer's, when known (conflicts of interest).
        var country: String?
        /// A secretariat's region.
        var region: String?
        /// An inactive person is told nothing, and keeps their history.
        var active: Bool
    }

    /// How a person wants to be told.
    struct Preferences: Sendable, Equatable {
        /// Event types they receive no single mail for (the feed still has them).
        var emailOptOut: Set<EventType> = []
        /// One mail a day with everything, instead of a mail for each event.
        var digest = false
    }

    var sub: String { profile.sub }
    var language: Language { profile.language }
}

extension Recipient.Profile {
    /// The directory's rules on where a person sits: a focal point has a country, a secretariat a
    /// region, and nobody has what their role does not use; every breach named at once.
    func check() throws(NotificationError) {
        var problems: [FieldProblem] = []
        switch role {
        case .focalPoint:
            if country == nil { problems.append(.init(field: "country", problem: "is required for a focal point: the partner country they speak for")) }
            if region != nil { problems.append(.init(field: "region", problem: "must be absent for a focal point: their country places them")) }
        case .secretariat:
            if region == nil { problems.append(.init(field: "region", problem: "is required for a secretariat: the region it serves")) }
            if country != nil { problems.append(.init(field: "country", problem: "must be absent for a secretariat")) }
        case .reviewer:
            if region != nil { problems.append(.init(field: "region", problem: "must be absent for a reviewer")) }
        case .finance, .admin:
            if country != nil { problems.append(.init(field: "country", problem: "must be absent for \(role.rawValue)")) }
            if region != nil { problems.append(.init(field: "region", problem: "must be absent for \(role.rawValue)")) }
        }
        if !problems.isEmpty { throw .invalid(problems) }
    }
}
