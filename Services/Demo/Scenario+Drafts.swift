import Cycle
import Events

extension Scenario {
    /// The body the focal point creates the proposal with: whole, or, for a draft left
    /// incomplete or completed later, only its title, region, lead country and categories.
    func creation(contact: ProposalDraft.Contact, reference: ReferenceData) throws -> ProposalDraft {
        guard journey.draft == .complete else {
            var partial = ProposalDraft()
            partial.title = content.title
            partial.region = region
            partial.leadCountry = lead
            partial.cbrnCategories = content.categories
            return partial
        }
        return try complete(contact: contact, reference: reference)
    }

    /// The edit that completes a draft created incomplete: every field but those it was created with.
    func completion(contact: ProposalDraft.Contact, reference: ReferenceData) throws -> ProposalDraft {
        var edit = try complete(contact: contact, reference: reference)
        edit.title = nil
        edit.region = nil
        edit.leadCountry = nil
        edit.cbrnCategories = nil
        return edit
    }

    /// The whole proposal, checked against intake's rules.
    func complete(contact: ProposalDraft.Contact, reference: ReferenceData) throws -> ProposalDraft {
        try ProposalDraft(
            lead: lead, region: region, participants: content.participants, title: content.title, summary: content.summary,
            objectives: content.objectives, categories: content.categories, areas: content.areas, budget: content.budget,
            durationMonths: content.months, partners: content.partners, contact: contact, reference: reference)
    }

    /// The countries whose nationals may not review it.
    var involvedCountries: Set<String> { Set([lead] + content.participants) }
}
