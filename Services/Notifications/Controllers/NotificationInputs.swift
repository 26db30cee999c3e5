import Events
import Foundation
import ServiceRuntime

// The bodies of notifications' writes, read with every problem named at once. Types and
// shapes are checked here; the directory's rules are the domain's to check.

/// `POST /v1/recipients`, and the fields `PATCH /v1/recipients/{id}` may change.
struct RecipientInput: Sendable {
    var sub: String?
    var name: String?
    var email: String?
    var language: Language?
    var role: Caller.Role?
    /// `.some(nil)`: cleared with an explicit null.
    var country: String??
    var region: String??
    var active: Bool?

    static let shape = #"{"sub": "fp-ma-1", "name": "…", "email": "…", "language": "fr", "role": "focal_point", "country": "MA", "region": null}"#
    private static let fields: Set<String> = ["sub", "name", "email", "language", "role", "country", "region", "active"]

    /// A new recipient: sub, name, e-mail and role required.
    static func parseNew(_ body: JSONBody, reference: ReferenceData) throws -> Recipient.Profile {
        let input = try parse(body, reference: reference, creating: true)
        guard let sub = input.sub, let name = input.name, let email = input.email, let role = input.role else {
            throw HTTPProblem.validation([FieldProblem(field: "sub", problem: "is required")])
        }
        let profile = Recipient.Profile(
            sub: sub, name: name, email: email, language: input.language ?? .en, role: role, country: input.country ?? nil,
            region: input.region ?? nil, active: input.active ?? true)
        return profile
    }

    static func parse(_ body: JSONBody, reference: ReferenceData, creating: Bool) throws -> RecipientInput {
        var reader = body.objectReader(known: creating ? fields : fields.subtracting(["sub"]), shape: shape)
        var input = RecipientInput()
        if creating {
            input.sub = reader.text("sub", required: true, maximum: 200)
            if let sub = input.sub, sub.contains(where: { $0.isWhitespace }) { reader.problem("sub", "must not contain spaces: it is the subject (sub) of the person's tokens") }
        }
        input.name = reader.text("name", required: creating, maximum: 200)
        input.email = reader.email("email", required: creating)
        input.language = reader.choice("language", of: Language.allCases.map(\.rawValue)).flatMap(Language.init(rawValue:))
        input.role = reader.choice("role", required: creating, of: Caller.Role.allCases.map(\.rawValue)).flatMap(Caller.Role.init(rawValue:))
        if reader.has("country") {
            input.country = .some(reader.countryCode("country"))
        }
        if reader.has("region") {
            input.region = .some(reader.choice("region", of: reference.regions.map(\.code)))
        }
        input.active = reader.bool("active")
        try reader.validate()
        return input
    }

    /// A focal point speaks for a partner country of the initiative; a reviewer may come from
    /// anywhere (FR, DE, …). Checked on the profile as it would be, so a change of role or of
    /// country alone is judged the same way.
    static func checkPlace(_ profile: Recipient.Profile, reference: ReferenceData) throws(NotificationError) {
        if let country = profile.country, profile.role != .reviewer, !reference.isCountry(country) {
            throw .invalid([FieldProblem(field: "country", problem: "must be a partner country of the initiative for a \(profile.role.rawValue)")])
        }
    }

    /// The profile with the input's changes.
    func applied(to profile: Recipient.Profile) -> Recipient.Profile {
        var changed = profile
        if let name { changed.name = name }
        if let email { changed.email = email }
        if let language { changed.language = language }
        if let role { changed.role = role }
        if let country { changed.country = country }
        if let region { changed.region = region }
        if let active { changed.active = active }
        return changed
    }
}

/// `PUT /v1/preferences`: the whole of a person's choices.
struct PreferencesInput: Sendable {
    var language: Language
    var preferences: Recipient.Preferences

    static let shape = #"{"language": "fr", "emailOptOut": ["review.assessed"], "digest": false}"#

    static func parse(_ body: JSONBody) throws -> PreferencesInput {
        var reader = body.objectReader(known: ["language", "emailOptOut", "digest"], shape: shape)
        let language = reader.choice("language", required: true, of: Language.allCases.map(\.rawValue)).flatMap(Language.init(rawValue:))
        let optOut = NotificationInputs.eventTypes("emailOptOut", &reader, required: true, allowEmpty: true)
        let digest = reader.bool("digest", required: true)
        try reader.validate()
        guard let language, let optOut, let digest else { throw HTTPProblem.validation(reader.problems) }
        return PreferencesInput(language: language, preferences: .init(emailOptOut: Set(optOut), digest: digest))
    }
}

/// `POST /v1/subscriptions`.
struct SubscriptionInput: Sendable {
    var url: String
    var eventTypes: [EventType]
    var description: String?

    static let shape = #"{"url": "https://partner.example/hooks/coe", "eventTypes": ["proposal.approved"], "description": "…"}"#

    static func parse(_ body: JSONBody) throws -> SubscriptionInput {
        var reader = body.objectReader(known: ["url", "eventTypes", "description"], shape: shape)
        let url = reader.text("url", required: true, maximum: 2000)
        if let url { for problem in WebhookAddress.problems(of: url) { reader.problem("url", problem) } }
        let types = NotificationInputs.eventTypes("eventTypes", &reader, required: true, allowEmpty: false)
        let description = reader.text("description", maximum: 500)
        try reader.validate()
        guard let url, let types else { throw HTTPProblem.validation(reader.problems) }
        return SubscriptionInput(url: url, eventTypes: types, description: description)
    }
}

enum NotificationInputs {
    /// A list of event types of the catalogue, each once.
    static func eventTypes(_ field: String, _ reader: inout BodyReader, required: Bool, allowEmpty: Bool) -> [EventType]? {
        if required && !reader.has(field) {
            reader.problem(field, "is required")
            return nil
        }
        let before = reader.problems.count
        guard let names = reader.texts(field, maximumCount: EventType.allCases.count, maximumLength: 60) else {
            if required && reader.problems.count == before { reader.problem(field, "must be a list of event types, [] for none") }
            return nil
        }
        var types: [EventType] = []
        var ok = true
        for (index, name) in names.enumerated() {
            guard let type = EventType(rawValue: name) else {
                reader.problem("\(field).\(index)", "must be an event type of the catalogue, such as proposal.approved")
                ok = false
                continue
            }
            if types.contains(type) {
                reader.problem("\(field).\(index)", "repeats \(name)")
                ok = false
            }
            types.append(type)
        }
        if !allowEmpty && names.isEmpty {
            reader.problem(field, "must name at least one event type")
            ok = false
        }
        return ok ? types : nil
    }
}
