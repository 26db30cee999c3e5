import Events
import Foundation
import ServiceRuntime

/// A project proposal of a partner country.
struct Proposal: Codable, Sendable, Equatable {
    var id: UUID
    var reference: String?
    var status: String
    var revision: Int
    var title: String
    var region: String
    var leadCountry: String
    var participatingCountries: [String]
    var cbrnCategories: [String]
    var requestedBudget: Money
    var durationMonths: Int?
    var createdAt: Date
    var updatedAt: Date
}

/// The body of `POST /v1/proposals`: every field optional here so that validation can name all that is wrong.
struct ProposalInput: Codable, Sendable {
    var title: String?
    var region: String?
    var leadCountry: String?
    var participatingCountries: [String]?
    var cbrnCategories: [String]?
    var requestedBudget: String?
    var durationMonths: Int?

    /// The eight regions of the initiative. (The reference data endpoint arrives with the intake issue.)
    static let regions: Set<String> = ["AAF", "CA", "ECA", "GCC", "MIE", "NAS", "SEA", "SEEE"]
    static let categories: Set<String> = ["chemical", "biological", "radiological", "nuclear"]

    /// A validated submission, or every problem at once.
    func validated() -> Result<ValidProposal, HTTPProblem> {
        var errors: [FieldProblem] = []
        let title = self.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if title.isEmpty {
            errors.append(FieldProblem(field: "title", problem: "is required"))
        } else if !(3...200).contains(title.count) {
            errors.append(FieldProblem(field: "title", problem: "must be 3 to 200 characters long"))
        }
        let region = self.region ?? ""
        if region.isEmpty {
            errors.append(FieldProblem(field: "region", problem: "is required"))
        } else if !Self.regions.contains(region) {
            errors.append(FieldProblem(field: "region", problem: "'\(region)' is not a CoE region; use one of \(Self.regions.sorted().joined(separator: ", "))"))
        }
        let lead = leadCountry ?? ""
        if !Self.isCountryCode(lead) {
            errors.append(FieldProblem(field: "leadCountry", problem: lead.isEmpty ? "is required" : "must be an ISO 3166-1 alpha-2 code such as KZ"))
        }
        let participating = participatingCountries ?? []
        if participating.isEmpty {
            errors.append(FieldProblem(field: "participatingCountries", problem: "must name at least one country"))
        }
        for (index, country) in participating.enumerated() where !Self.isCountryCode(country) {
            errors.append(FieldProblem(field: "participatingCountries.\(index)", problem: "must be an ISO 3166-1 alpha-2 code such as KZ"))
        }
        let categories = cbrnCategories ?? []
        if categories.isEmpty {
            errors.append(FieldProblem(field: "cbrnCategories", problem: "must name at least one of chemical, biological, radiological, nuclear"))
        }
        for (index, category) in categories.enumerated() where !Self.categories.contains(category) {
            errors.append(FieldProblem(field: "cbrnCategories.\(index)", problem: "'\(category)' is not one of chemical, biological, radiological, nuclear"))
        }
        var budget: Money?
        if let text = requestedBudget {
            if let money = Money(text), money > .zero {
                budget = money
            } else {
                errors.append(FieldProblem(field: "requestedBudget", problem: "must be a positive amount of euros with at most two decimals, like \"1250000.00\""))
            }
        } else {
            errors.append(FieldProblem(field: "requestedBudget", problem: "is required"))
        }
        if let months = durationMonths, !(1...60).contains(months) {
            errors.append(FieldProblem(field: "durationMonths", problem: "must be between 1 and 60"))
        }
        guard errors.isEmpty, let budget else { return .failure(.validation(errors)) }
        return .success(
            ValidProposal(
                title: title, region: region, leadCountry: lead, participatingCountries: participating,
                cbrnCategories: categories, requestedBudget: budget, durationMonths: durationMonths))
    }

    static func isCountryCode(_ text: String) -> Bool {
        text.count == 2 && text.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) }
    }
}

/// A proposal that passed validation.
struct ValidProposal: Sendable {
    var title: String
    var region: String
    var leadCountry: String
    var participatingCountries: [String]
    var cbrnCategories: [String]
    var requestedBudget: Money
    var durationMonths: Int?
}
