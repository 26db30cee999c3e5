import Foundation
import TestSupport

/// A focal point of Kazakhstan, and others, as the development identity headers say.
enum Callers {
    static let kazakhFocalPoint = [("X-CoE-Sub", "fp-kz"), ("X-CoE-Role", "focal_point"), ("X-CoE-Country", "KZ")]
    static let uzbekFocalPoint = [("X-CoE-Sub", "fp-uz"), ("X-CoE-Role", "focal_point"), ("X-CoE-Country", "UZ")]
    static let centralAsiaSecretariat = [("X-CoE-Sub", "sec-ca"), ("X-CoE-Role", "secretariat"), ("X-CoE-Region", "CA")]
    static let reviewer = [("X-CoE-Sub", "rev-1"), ("X-CoE-Role", "reviewer")]
}

/// A complete proposal of Kazakhstan, ready to submit.
let completeProposal = """
    {"title":"Radiation detection at the Kazakh-Uzbek border","summary":"Portal monitors and training for customs at two crossings.",
     "objectives":["Install portal monitors at two crossings","Train 40 customs officers"],
     "region":"CA","leadCountry":"KZ","participatingCountries":["UZ","KG"],
     "cbrnCategories":["radiological","nuclear"],"cbrnAreas":["border_control"],
     "requestedBudget":"1250000.00","durationMonths":24,
     "implementingPartners":[{"name":"ISTC","country":"KZ","role":"implementer"}],
     "contact":{"name":"Aigerim S.","email":"aigerim@example.kz","phone":"+7 700 000 0000"}}
    """

/// Creates a draft from `json` and submits it; returns the proposal id.
func submitProposal(_ intake: ServiceProcess, json: String = completeProposal, headers: [(String, String)] = Callers.kazakhFocalPoint) async throws -> String {
    let created = try await intake.post("/v1/proposals", json: json, headers: headers)
    guard created.status == .created else { throw ServiceProcessError(message: "create: \(created.status) \(created.text)") }
    let id = try created.json(ProposalReply.self).id.uuidString
    let submitted = try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: headers)
    guard submitted.status == .ok else { throw ServiceProcessError(message: "submit: \(submitted.status) \(submitted.text)") }
    return id
}
