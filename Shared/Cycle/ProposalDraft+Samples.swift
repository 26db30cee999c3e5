import Events

extension ProposalDraft {
    /// A project theme of the call: what a sample proposal is about.
    struct Theme: Sendable {
        var title: String
        var summary: String
        var objectives: [String]
        var categories: [String]
        var areas: [String]
    }

    static let themes: [Theme] = [
        Theme(
            title: "Regional chemical emergency response exercise",
            summary: "A table-top and a field exercise of first responders from the participating countries on a chemical release at a border crossing.",
            objectives: ["Run a joint field exercise with 120 first responders", "Agree a cross-border alerting procedure"],
            categories: ["chemical"], areas: ["crisis_management"]),
        Theme(
            title: "Biosafety training for laboratory staff",
            summary: "Biosafety and biosecurity training of staff of the national reference laboratories, with a train-the-trainer cycle.",
            objectives: ["Train 60 laboratory staff in biosafety level 2 and 3 practice", "Certify 12 national trainers"],
            categories: ["biological"], areas: ["biosafety_biosecurity", "public_health"]),
        Theme(
            title: "Radiation portal monitors at border crossings",
            summary: "Radiation detection equipment and training for customs officers at the main road and rail crossings.",
            objectives: ["Install portal monitors at two crossings", "Train 40 customs officers in secondary inspection"],
            categories: ["radiological", "nuclear"], areas: ["border_control", "illicit_trafficking"]),
        Theme(
            title: "Export control of dual-use goods",
            summary: "Licensing officers and customs learn to identify dual-use goods and apply the control lists.",
            objectives: ["Align the national control list with the EU list", "Train 50 licensing and customs officers"],
            categories: ["chemical", "biological", "nuclear"], areas: ["export_control", "legal_framework"]),
        Theme(
            title: "Safe management of radioactive waste",
            summary: "An inventory of disused sealed sources and a plan for their safe storage.",
            objectives: ["Inventory the disused sealed sources", "Train the regulator's inspectors"],
            categories: ["radiological"], areas: ["waste_management"]),
    ]

    /// A complete proposal of `lead` for tests and load runs: a theme, budget and duration that
    /// vary with `number`, the same every time for the same number and country.
    public static func sample(number: Int, lead: String, region: String? = nil, reference: ReferenceData) throws -> ProposalDraft {
        let theme = themes[abs(number) % themes.count]
        let country = reference.countries[lead] ?? lead
        return try ProposalDraft(
            lead: lead, region: region, title: "\(theme.title) (\(country), \(number))", summary: theme.summary, objectives: theme.objectives,
            categories: theme.categories, areas: theme.areas, budget: Money(cents: Int64(300_000 + (abs(number) * 37 % 50) * 20_000) * 100),
            durationMonths: 12 + abs(number) % 25,
            partners: [Partner(name: "National CBRN team of \(country)", country: lead, role: "implementer")],
            contact: Contact(name: "National CBRN team of \(country)", email: "cbrn-team.\(lead.lowercased())@coe.local"), reference: reference)
    }
}
