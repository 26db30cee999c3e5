import Events
import ServiceRuntime

/// Applies a JSON body onto a proposal's content: present fields replace (null clears),
/// absent ones stay. Names every unknown field and wrong type at once.
enum ProposalInput {
    static let fields: Set<String> = [
        "title", "summary", "objectives", "region", "leadCountry", "participatingCountries", "cbrnCategories",
        "cbrnAreas", "requestedBudget", "durationMonths", "implementingPartners", "contact",
    ]
    static let partnerFields: Set<String> = ["name", "country", "role"]
    static let contactFields: Set<String> = ["name", "email", "phone"]

    /// Every problem of reading the body (unknown fields, wrong types); the values that
    /// could be read are applied, so the domain can name the problems of those too.
    static func apply(_ body: JSONValue, to content: inout ProposalContent) -> [FieldProblem] {
        guard case .object(let object) = body else {
            return [FieldProblem(field: "body", problem: "must be a JSON object, not \(body.kind)")]
        }
        var reader = JSONFieldReader()
        reader.rejectUnknown(object, known: fields)
        for (key, value) in object.sorted(by: { $0.key < $1.key }) where fields.contains(key) {
            switch key {
            // Text is kept as it will be shown and measured: without surrounding white space.
            case "title": if let text = reader.string(value, field: key) { content.title = text?.trimmed }
            case "summary": if let text = reader.string(value, field: key) { content.summary = text?.trimmed }
            case "region": if let text = reader.string(value, field: key) { content.region = text }
            case "leadCountry": if let text = reader.string(value, field: key) { content.leadCountry = text }
            case "objectives": if let list = reader.strings(value, field: key) { content.objectives = list.map(\.trimmed) }
            case "participatingCountries": if let list = reader.strings(value, field: key) { content.participatingCountries = list }
            case "cbrnCategories": if let list = reader.strings(value, field: key) { content.cbrnCategories = list }
            case "cbrnAreas": if let list = reader.strings(value, field: key) { content.cbrnAreas = list }
            case "durationMonths": if let number = reader.integer(value, field: key) { content.durationMonths = number }
            case "requestedBudget":
                switch value {
                case .null: content.requestedBudget = nil
                case .string(let text):
                    if let money = Money(text) {
                        content.requestedBudget = money
                    } else {
                        reader.problem(key, "must be an amount of euros with at most two decimals, like \"1250000.00\"")
                    }
                default:
                    reader.problem(key, "must be a decimal string like \"1250000.00\", not \(value.kind) (amounts are never JSON numbers)")
                }
            case "implementingPartners":
                if let partners = self.partners(value, reader: &reader) { content.implementingPartners = partners }
            case "contact":
                if let contact = self.contact(value, reader: &reader) { content.contact = contact }
            default:
                break
            }
        }
        return reader.problems
    }

    private static func partners(_ value: JSONValue, reader: inout JSONFieldReader) -> [ImplementingPartner]? {
        switch value {
        case .null: return []
        case .array(let items):
            var partners: [ImplementingPartner] = []
            var ok = true
            for (index, item) in items.enumerated() {
                let field = "implementingPartners.\(index)"
                guard case .object(let object) = item else {
                    reader.problem(field, "must be an object with name, country and role, not \(item.kind)")
                    ok = false
                    continue
                }
                reader.rejectUnknown(object, known: partnerFields, prefix: field + ".")
                let name = object["name"].flatMap { reader.string($0, field: field + ".name") } ?? nil
                let country = object["country"].flatMap { reader.string($0, field: field + ".country") } ?? nil
                let role = object["role"].flatMap { reader.string($0, field: field + ".role") } ?? nil
                partners.append(ImplementingPartner(name: name ?? "", country: country, role: role))
            }
            return ok ? partners : nil
        default:
            reader.problem("implementingPartners", "must be an array of objects, not \(value.kind)")
            return nil
        }
    }

    private static func contact(_ value: JSONValue, reader: inout JSONFieldReader) -> Contact?? {
        switch value {
        case .null: return .some(nil)
        case .object(let object):
            reader.rejectUnknown(object, known: contactFields, prefix: "contact.")
            let name = object["name"].flatMap { reader.string($0, field: "contact.name") } ?? nil
            let email = object["email"].flatMap { reader.string($0, field: "contact.email") } ?? nil
            let phone = object["phone"].flatMap { reader.string($0, field: "contact.phone") } ?? nil
            return .some(Contact(name: name ?? "", email: email ?? "", phone: phone))
        default:
            reader.problem("contact", "must be an object with name, email and phone, not \(value.kind)")
            return nil
        }
    }
}
