import Events
import Foundation
import TestSupport

/// Callers as bearer tokens: a focal point of Kazakhstan, and others.
enum Callers {
    static var kazakhFocalPoint: [(String, String)] { get async throws { try await TestTokens.header(role: "focal_point", sub: "fp-kz", country: "KZ") } }
    static var uzbekFocalPoint: [(String, String)] { get async throws { try await TestTokens.header(role: "focal_point", sub: "fp-uz", country: "UZ") } }
    static var centralAsiaSecretariat: [(String, String)] { get async throws { try await TestTokens.header(role: "secretariat", sub: "sec-ca", region: "CA") } }
    static var reviewer: [(String, String)] { get async throws { try await TestTokens.header(role: "reviewer", sub: "rev-1") } }
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
func submitProposal(_ intake: ServiceProcess, json: String = completeProposal, headers given: [(String, String)]? = nil) async throws -> String {
    var headers = given ?? []
    if given == nil { headers = try await Callers.kazakhFocalPoint }
    let created = try await intake.post("/v1/proposals", json: json, headers: headers)
    guard created.status == .created else { throw ServiceProcessError(message: "create: \(created.status) \(created.text)") }
    let id = try created.json(ProposalReply.self).id.lowercased
    let submitted = try await intake.request(.POST, "/v1/proposals/\(id)/submit", headers: headers)
    guard submitted.status == .ok else { throw ServiceProcessError(message: "submit: \(submitted.status) \(submitted.text)") }
    return id
}
