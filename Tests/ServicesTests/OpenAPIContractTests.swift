import Events
import Foundation
import Testing
import TestSupport
import Yams

/// Checks a JSON value against an OpenAPI 3.1 schema (the subset the specs use: $ref, oneOf,
/// type lists, enum, required, properties, additionalProperties, items).
struct SchemaChecker {
    let components: [String: Any]

    func problems(_ value: Any, _ schema: [String: Any], at path: String = "$") -> [String] {
        if let ref = schema["$ref"] as? String {
            let name = String(ref.split(separator: "/").last ?? "")
            guard let resolved = components[name] as? [String: Any] else { return ["\(path): unknown $ref \(ref)"] }
            return problems(value, resolved, at: path)
        }
        if let options = schema["oneOf"] as? [[String: Any]] {
            return options.contains { problems(value, $0, at: path).isEmpty } ? [] : ["\(path): matches no oneOf option"]
        }
        var found: [String] = []
        let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map { [$0] } ?? []
        if !types.isEmpty && !types.contains(where: { Self.matches(value, $0) }) {
            return ["\(path): \(Self.describe(value)) is not \(types.joined(separator: " or "))"]
        }
        if let choices = schema["enum"] as? [Any], !(value is NSNull) {
            if !choices.contains(where: { "\($0)" == "\(value)" }) { found.append("\(path): \(value) is not in the enum") }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                found.append("\(path).\(key): required by the spec, missing in the response")
            }
            for (key, item) in object {
                if let property = properties[key] as? [String: Any] {
                    found += problems(item, property, at: "\(path).\(key)")
                } else if let additional = schema["additionalProperties"] as? [String: Any] {
                    found += problems(item, additional, at: "\(path).\(key)")
                } else if (schema["additionalProperties"] as? Bool) == false {
                    found.append("\(path).\(key): in the response, not in the spec")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { found += problems(item, items, at: "\(path)[\(index)]") }
        }
        return found
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "null": value is NSNull
        case "string": value is String
        case "integer": (value as? NSNumber).map { !Self.isBool($0) && $0.doubleValue == $0.doubleValue.rounded() } ?? false
        case "number": (value as? NSNumber).map { !Self.isBool($0) } ?? false
        case "boolean": value is Bool || (value as? NSNumber).map(Self.isBool) ?? false
        case "array": value is [Any]
        case "object": value is [String: Any]
        default: false
        }
    }

    static func isBool(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" && (number == true || number == false) }

    static func describe(_ value: Any) -> String { value is NSNull ? "null" : String(describing: type(of: value)) }
}

@Suite("The OpenAPI documents match what the services do")
struct OpenAPIContractTests {
    static func specURL(_ service: String) -> URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Services/\(service)/openapi.yaml")
    }

    struct Sample {
        var operation: String
        var method: String
        var path: String
        var json: String?
        var headers: [(String, String)]
    }

    static func common() async throws -> [Sample] {
        let admin = try await TestTokens.header(role: "admin", sub: "admin-1")
        let focalPoint = try await Callers.kazakhFocalPoint
        return [
            Sample(operation: "listAuditEntries", method: "GET", path: "/v1/audit?limit=5", json: nil, headers: admin),
            Sample(operation: "listAuditEntries", method: "GET", path: "/v1/audit", json: nil, headers: focalPoint),
            Sample(operation: "live", method: "GET", path: "/health/live", json: nil, headers: []),
            Sample(operation: "ready", method: "GET", path: "/health/ready", json: nil, headers: []),
            Sample(operation: "metrics", method: "GET", path: "/metrics", json: nil, headers: []),
            Sample(operation: "getOpenAPI", method: "GET", path: "/openapi.yaml", json: nil, headers: []),
        ]
    }

    @Test func intakeAnswersWithWhatItsSpecDescribes() async throws {
        let intake = try ServiceProcess("coe-intake", isolation: TestEnvironment.uniqueName("oas"))
        try await intake.start()
        let fp = (try await Callers.kazakhFocalPoint)
        let created = try await intake.post("/v1/proposals", json: completeProposal, headers: fp)
        let id = try created.json(FullProposalReply.self).id.lowercased
        let etag = created.headers["etag"].first ?? ""
        try await Self.check(intake, spec: "Intake", samples: try await Self.common() + [
            Sample(operation: "getReference", method: "GET", path: "/v1/reference", json: nil, headers: []),
            Sample(operation: "createProposal", method: "POST", path: "/v1/proposals", json: #"{"title":"Second draft"}"#, headers: fp),
            Sample(operation: "getProposal", method: "GET", path: "/v1/proposals/\(id)", json: nil, headers: fp),
            Sample(operation: "updateProposal", method: "PATCH", path: "/v1/proposals/\(id)", json: #"{"durationMonths":30}"#, headers: fp + [("If-Match", etag)]),
            Sample(operation: "listProposals", method: "GET", path: "/v1/proposals?limit=1", json: nil, headers: fp),
            Sample(operation: "submitProposal", method: "POST", path: "/v1/proposals/\(id)/submit", json: nil, headers: fp),
            Sample(operation: "getProposalHistory", method: "GET", path: "/v1/proposals/\(id)/history", json: nil, headers: fp),
            Sample(operation: "listProposalRevisions", method: "GET", path: "/v1/proposals/\(id)/revisions", json: nil, headers: fp),
            Sample(operation: "getProposalRevision", method: "GET", path: "/v1/proposals/\(id)/revisions/1", json: nil, headers: fp),
            Sample(operation: "withdrawProposal", method: "POST", path: "/v1/proposals/\(id)/withdraw", json: #"{"reason":"Duplicate"}"#, headers: fp),
            // Error answers are documented too.
            Sample(operation: "getProposal", method: "GET", path: "/v1/proposals/\(UUID().lowercased)", json: nil, headers: fp),
            Sample(operation: "createProposal", method: "POST", path: "/v1/proposals", json: #"{"region":"XX"}"#, headers: fp),
        ])
        #expect(try await intake.stop() == 0)
    }

    @Test func workflowAnswersWithWhatItsSpecDescribes() async throws {
        let isolation = TestEnvironment.uniqueName("oas")
        let intake = try ServiceProcess("coe-intake", isolation: isolation)
        let workflow = try ServiceProcess("coe-workflow", isolation: isolation)
        try await workflow.start()
        try await intake.start()
        let id = try await submitProposal(intake)
        let secretariat = try await Callers.centralAsiaSecretariat
        let focalPoint = try await Callers.kazakhFocalPoint
        let camille = try await TestTokens.header(role: "reviewer", sub: "rev-fr")
        let jonas = try await TestTokens.header(role: "reviewer", sub: "rev-de")
        let admin = try await TestTokens.header(role: "admin", sub: "admin-1")
        let reviewer2JSON = #"{"reviewer":"rev-de","name":"Jonas Weber","country":"DE"}"#
        let rejectionJSON = #"{"outcome":"rejected","reasons":["Out of the call's scope"]}"#
        #expect(try await eventually { try await workflow.get("/v1/reviews/\(id)", headers: secretariat).status == .ok })
        // In order, one case through a whole round: screening, reviewers, assessments, the decision.
        try await Self.check(workflow, spec: "Workflow", samples: try await Self.common() + [
            Sample(operation: "listReviewCases", method: "GET", path: "/v1/reviews?limit=1", json: nil, headers: secretariat),
            Sample(operation: "getReviewCase", method: "GET", path: "/v1/reviews/\(id)", json: nil, headers: secretariat),
            Sample(operation: "getReviewRules", method: "GET", path: "/v1/review-rules", json: nil, headers: focalPoint),
            Sample(operation: "assignReviewer", method: "POST", path: "/v1/reviews/\(id)/assignments", json: reviewerJSON, headers: secretariat),
            Sample(operation: "assignReviewer", method: "POST", path: "/v1/reviews/\(id)/assignments", json: reviewerJSON, headers: secretariat),
            // Still in screening: 409.
            Sample(operation: "submitAssessment", method: "POST", path: "/v1/reviews/\(id)/assessments", json: assessmentJSON, headers: camille),
            Sample(operation: "unassignReviewer", method: "DELETE", path: "/v1/reviews/\(id)/assignments/rev-fr", json: nil, headers: secretariat),
            // Screened, the same request replayed by its key, then screening again: 409.
            Sample(
                operation: "screenProposal", method: "POST", path: "/v1/reviews/\(id)/screening", json: eligibleScreeningJSON,
                headers: secretariat + [("Idempotency-Key", "oas-screening")]),
            Sample(
                operation: "screenProposal", method: "POST", path: "/v1/reviews/\(id)/screening", json: eligibleScreeningJSON,
                headers: secretariat + [("Idempotency-Key", "oas-screening")]),
            Sample(operation: "screenProposal", method: "POST", path: "/v1/reviews/\(id)/screening", json: eligibleScreeningJSON, headers: secretariat),
            Sample(operation: "assignReviewer", method: "POST", path: "/v1/reviews/\(id)/assignments", json: reviewerJSON, headers: secretariat),
            Sample(operation: "assignReviewer", method: "POST", path: "/v1/reviews/\(id)/assignments", json: reviewer2JSON, headers: secretariat),
            Sample(operation: "assignReviewer", method: "POST", path: "/v1/reviews/\(id)/assignments", json: #"{"reviewer":"rev-kz","name":"K","country":"KZ"}"#, headers: secretariat),
            Sample(operation: "submitAssessment", method: "POST", path: "/v1/reviews/\(id)/assessments", json: assessmentJSON, headers: camille),
            Sample(operation: "submitAssessment", method: "POST", path: "/v1/reviews/\(id)/assessments", json: assessmentJSON, headers: camille),
            Sample(operation: "amendAssessment", method: "PUT", path: "/v1/reviews/\(id)/assessments/me", json: assessmentJSON, headers: camille),
            Sample(operation: "getReviewCase", method: "GET", path: "/v1/reviews/\(id)", json: nil, headers: jonas),
            // One assessment of the two the standard rules require: 409 naming the stage.
            Sample(operation: "decideProposal", method: "POST", path: "/v1/reviews/\(id)/decision", json: approvalJSON, headers: admin),
            Sample(operation: "submitAssessment", method: "POST", path: "/v1/reviews/\(id)/assessments", json: assessmentJSON, headers: jonas),
            Sample(operation: "getReviewCase", method: "GET", path: "/v1/reviews/\(id)", json: nil, headers: jonas),
            Sample(operation: "getReviewCase", method: "GET", path: "/v1/reviews/\(id)", json: nil, headers: focalPoint),
            Sample(operation: "getRanking", method: "GET", path: "/v1/rankings?region=CA", json: nil, headers: secretariat),
            Sample(operation: "listReviewCases", method: "GET", path: "/v1/reviews?sort=score&overdue=false&assigned=rev-fr", json: nil, headers: admin),
            Sample(operation: "decideProposal", method: "POST", path: "/v1/reviews/\(id)/decision", json: approvalJSON, headers: admin),
            Sample(operation: "getReviewHistory", method: "GET", path: "/v1/reviews/\(id)/history", json: nil, headers: secretariat),
            Sample(operation: "getReviewHistory", method: "GET", path: "/v1/reviews/\(id)/history", json: nil, headers: focalPoint),
            // Error answers are documented too.
            Sample(operation: "getReviewCase", method: "GET", path: "/v1/reviews/\(UUID().lowercased)", json: nil, headers: secretariat),
            Sample(operation: "listReviewCases", method: "GET", path: "/v1/reviews?stage=done", json: nil, headers: secretariat),
            Sample(operation: "getRanking", method: "GET", path: "/v1/rankings", json: nil, headers: camille),
            Sample(operation: "decideProposal", method: "POST", path: "/v1/reviews/\(id)/decision", json: rejectionJSON, headers: admin),
            Sample(operation: "amendAssessment", method: "PUT", path: "/v1/reviews/\(id)/assessments/me", json: assessmentJSON, headers: camille),
        ])
        #expect(try await intake.stop() == 0)
        #expect(try await workflow.stop() == 0)
    }

    @Test func fundingAnswersWithWhatItsSpecDescribes() async throws {
        let services = try await CycleServices.start("oas")
        let (intake, workflow, funding) = (services.intake, services.workflow, services.funding)
        let alice = try await Finance.alice
        let bob = try await Finance.bob
        let secretariat = try await Callers.centralAsiaSecretariat
        let focalPoint = try await Callers.kazakhFocalPoint
        // A short envelope, then a proposal approved for 1 000 000.00: its commitment is blocked.
        let created = try await funding.post(
            "/v1/envelopes", json: #"{"year":\#(Finance.year),"region":"CA","amount":"100.00","reason":"First instalment"}"#, headers: alice)
        let envelope = try created.json(EnvelopeReply.self).id.lowercased
        let proposal = try await submitProposal(intake)
        #expect(try await eventually { try await workflow.get("/v1/reviews/\(proposal)", headers: secretariat).status == .ok })
        let steps = ReviewSteps(workflow: workflow, id: proposal)
        try await steps.toDecision([80, 70, 75, 60, 90], [70, 80, 65, 70, 80])
        #expect(try await steps.decide(approvalJSON).status == .ok)
        let commitment = try await commitment(of: proposal, in: funding).id.lowercased
        let payments = "/v1/commitments/\(commitment)/payments"
        func payment(_ json: String) -> String { #"{"tranche":"pre_financing","valueDate":"\#(Finance.today)","bankReference":"OAS",\#(json)}"# }
        let first = try await funding.post(
            "/v1/envelopes/\(envelope)/adjustments", json: #"{"delta":"5000000.00","reason":"Second instalment"}"#, headers: alice)
        #expect(first.status == .ok)
        let recorded = try await funding.post(payments, json: payment(#""amount":"100000.00""#), headers: alice)
        let firstPayment = try #require(try recorded.json(CommitmentReply.self).payments.last).id.lowercased
        let second = try await funding.post(payments, json: payment(#""amount":"50000.00""#), headers: alice)
        let secondPayment = try #require(try second.json(CommitmentReply.self).payments.last).id.lowercased
        try await Self.check(funding, spec: "Funding", samples: try await Self.common() + [
            Sample(operation: "listEnvelopes", method: "GET", path: "/v1/envelopes?year=\(Finance.year)", json: nil, headers: secretariat),
            Sample(operation: "getEnvelope", method: "GET", path: "/v1/envelopes/\(envelope)", json: nil, headers: alice),
            Sample(
                operation: "createEnvelope", method: "POST", path: "/v1/envelopes",
                json: #"{"year":2099,"region":"SEA","instrument":"IcSP","amount":"1000000.00","reason":"A later allocation"}"#,
                headers: alice + [("Idempotency-Key", "oas-envelope")]),
            // The same envelope again: 409 envelope-exists; a cut below what is committed: 409 below-committed.
            Sample(
                operation: "createEnvelope", method: "POST", path: "/v1/envelopes",
                json: #"{"year":\#(Finance.year),"region":"CA","amount":"1.00","reason":"Again"}"#, headers: alice),
            Sample(
                operation: "adjustEnvelope", method: "POST", path: "/v1/envelopes/\(envelope)/adjustments",
                json: #"{"delta":"-5000000.00","reason":"Cut"}"#, headers: alice),
            Sample(
                operation: "adjustEnvelope", method: "POST", path: "/v1/envelopes/\(envelope)/adjustments",
                json: #"{"delta":"1.00","reason":"Rounding"}"#, headers: alice),
            Sample(operation: "listCommitments", method: "GET", path: "/v1/commitments?status=active&limit=5", json: nil, headers: focalPoint),
            Sample(operation: "getCommitment", method: "GET", path: "/v1/commitments/\(commitment)", json: nil, headers: secretariat),
            Sample(operation: "retryCommitment", method: "POST", path: "/v1/commitments/\(commitment)/retry", json: nil, headers: alice),
            // Above the schedule's pre-financing share: 409 naming the rule and the excess.
            Sample(operation: "recordPayment", method: "POST", path: payments, json: payment(#""amount":"400000.01""#), headers: alice),
            Sample(
                operation: "recordPayment", method: "POST", path: payments, json: payment(#""amount":"1000.00""#),
                headers: alice + [("Idempotency-Key", "oas-payment")]),
            Sample(operation: "getPayment", method: "GET", path: "\(payments)/\(firstPayment)", json: nil, headers: focalPoint),
            Sample(operation: "listPayments", method: "GET", path: "/v1/payments?status=pending&limit=1", json: nil, headers: alice),
            Sample(operation: "listPayments", method: "GET", path: "/v1/payments?region=CA", json: nil, headers: bob),
            Sample(operation: "listPayments", method: "GET", path: "/v1/payments?status=lost", json: nil, headers: bob),
            Sample(operation: "verifyPayment", method: "POST", path: "\(payments)/\(firstPayment)/verification", json: nil, headers: alice),
            Sample(operation: "verifyPayment", method: "POST", path: "\(payments)/\(firstPayment)/verification", json: nil, headers: bob),
            Sample(operation: "verifyPayment", method: "POST", path: "\(payments)/\(firstPayment)/verification", json: nil, headers: bob),
            Sample(operation: "rejectPayment", method: "POST", path: "\(payments)/\(secondPayment)/rejection", json: #"{"reason":"Duplicate"}"#, headers: bob),
            Sample(operation: "rejectPayment", method: "POST", path: "\(payments)/\(secondPayment)/rejection", json: #"{"reason":"Again"}"#, headers: bob),
            Sample(operation: "getLedger", method: "GET", path: "/v1/commitments/\(commitment)/ledger", json: nil, headers: focalPoint),
            Sample(operation: "getLedger", method: "GET", path: "/v1/commitments/\(commitment)/ledger?format=csv", json: nil, headers: alice),
            Sample(operation: "getRegionReport", method: "GET", path: "/v1/reports/regions?year=\(Finance.year)", json: nil, headers: alice),
            Sample(operation: "getRegionReport", method: "GET", path: "/v1/reports/regions?format=csv", json: nil, headers: secretariat),
            Sample(operation: "getCountryReport", method: "GET", path: "/v1/reports/countries?region=CA", json: nil, headers: alice),
            Sample(operation: "getCountryReport", method: "GET", path: "/v1/reports/countries", json: nil, headers: alice + [("Accept", "text/csv")]),
            Sample(operation: "exportIATI", method: "GET", path: "/v1/exports/iati", json: nil, headers: alice),
            // Error answers are documented too.
            Sample(operation: "getCommitment", method: "GET", path: "/v1/commitments/\(UUID().lowercased)", json: nil, headers: alice),
            Sample(operation: "listCommitments", method: "GET", path: "/v1/commitments?status=spent", json: nil, headers: alice),
            Sample(operation: "getPayment", method: "GET", path: "\(payments)/\(UUID().lowercased)", json: nil, headers: alice),
            Sample(operation: "exportIATI", method: "GET", path: "/v1/exports/iati?region=SEA", json: nil, headers: alice),
            Sample(operation: "getRegionReport", method: "GET", path: "/v1/reports/regions", json: nil, headers: focalPoint),
        ])
        try await services.stop()
    }

    @Test func notificationsAnswersWithWhatItsSpecDescribes() async throws {
        try await NotificationServices.run { services in
            let notifications = services.notifications
            let admin = try await Admin.pm
            let focalPoint = try await TestTokens.header(role: "focal_point", sub: "fp-ma", country: "MA")
            let stranger = try await TestTokens.header(role: "reviewer", sub: "not-in-the-directory")
            let recipient = try await services.addRecipient("fp-ma", role: "focal_point", email: "fp-ma.oas@example.org", language: "fr", country: "MA")
            let samples = NotificationSamples(region: "NAS", lead: "MA")
            try await services.publish(samples.screened, samples.approved)
            struct Items: Decodable { var items: [Item]; struct Item: Decodable { var id: String } }
            var item = ""
            #expect(try await eventually {
                item = try await notifications.get("/v1/notifications", headers: focalPoint).json(Items.self).items.first?.id ?? ""
                return !item.isEmpty
            })
            var delivery = ""
            #expect(try await eventually {
                delivery = try await services.deliveries("&status=sent").first?.id ?? ""
                return !delivery.isEmpty
            })
            let created = try await notifications.post(
                "/v1/subscriptions", json: #"{"url":"http://127.0.0.1:9/hook","eventTypes":["proposal.approved"],"description":"Contract"}"#, headers: admin)
            let subscription = try created.json(Items.Item.self).id
            try await Self.check(notifications, spec: "Notifications", samples: try await Self.common() + [
                Sample(operation: "listRecipients", method: "GET", path: "/v1/recipients?role=focal_point&limit=5", json: nil, headers: admin),
                Sample(operation: "listRecipients", method: "GET", path: "/v1/recipients?role=nobody", json: nil, headers: admin),
                Sample(operation: "listReviewers", method: "GET", path: "/v1/reviewers?limit=5", json: nil, headers: admin),
                Sample(operation: "listReviewers", method: "GET", path: "/v1/reviewers", json: nil, headers: focalPoint),
                Sample(
                    operation: "createRecipient", method: "POST", path: "/v1/recipients",
                    json: #"{"sub":"sec-nas","name":"Secrétariat","email":"sec-nas.oas@example.org","language":"fr","role":"secretariat","region":"NAS"}"#,
                    headers: admin + [("Idempotency-Key", "oas-recipient")]),
                Sample(
                    operation: "createRecipient", method: "POST", path: "/v1/recipients",
                    json: #"{"sub":"fp-ma","name":"Again","email":"again@example.org","role":"focal_point","country":"MA"}"#, headers: admin),
                Sample(operation: "createRecipient", method: "POST", path: "/v1/recipients", json: #"{"sub":"x","role":"focal_point"}"#, headers: admin),
                Sample(operation: "getRecipient", method: "GET", path: "/v1/recipients/\(recipient)", json: nil, headers: admin),
                Sample(operation: "getRecipient", method: "GET", path: "/v1/recipients/\(UUID().lowercased)", json: nil, headers: admin),
                Sample(operation: "updateRecipient", method: "PATCH", path: "/v1/recipients/\(recipient)", json: #"{"name":"Amina B."}"#, headers: admin),
                Sample(operation: "updateRecipient", method: "PATCH", path: "/v1/recipients/\(recipient)", json: #"{"region":"NAS"}"#, headers: admin),
                Sample(operation: "getPreferences", method: "GET", path: "/v1/preferences", json: nil, headers: focalPoint),
                Sample(operation: "getPreferences", method: "GET", path: "/v1/preferences", json: nil, headers: stranger),
                Sample(
                    operation: "updatePreferences", method: "PUT", path: "/v1/preferences",
                    json: #"{"language":"fr","emailOptOut":["review.assessed"],"digest":true}"#, headers: focalPoint),
                Sample(operation: "updatePreferences", method: "PUT", path: "/v1/preferences", json: #"{"language":"de"}"#, headers: focalPoint),
                Sample(operation: "listSubscriptions", method: "GET", path: "/v1/subscriptions?status=active", json: nil, headers: admin),
                Sample(
                    operation: "createSubscription", method: "POST", path: "/v1/subscriptions",
                    json: #"{"url":"http://127.0.0.1:9/other","eventTypes":["funding.disbursed"]}"#, headers: admin + [("Idempotency-Key", "oas-subscription")]),
                Sample(operation: "createSubscription", method: "POST", path: "/v1/subscriptions", json: #"{"url":"ftp://x","eventTypes":[]}"#, headers: admin),
                Sample(operation: "getSubscription", method: "GET", path: "/v1/subscriptions/\(subscription)", json: nil, headers: admin),
                Sample(operation: "resumeSubscription", method: "POST", path: "/v1/subscriptions/\(subscription)/resume", json: nil, headers: admin),
                Sample(operation: "deleteSubscription", method: "DELETE", path: "/v1/subscriptions/\(subscription)", json: nil, headers: admin),
                Sample(operation: "deleteSubscription", method: "DELETE", path: "/v1/subscriptions/\(subscription)", json: nil, headers: admin),
                Sample(operation: "listDeliveries", method: "GET", path: "/v1/deliveries?channel=email&limit=2", json: nil, headers: admin),
                Sample(operation: "listDeliveries", method: "GET", path: "/v1/deliveries?eventId=nope", json: nil, headers: admin),
                Sample(operation: "getDelivery", method: "GET", path: "/v1/deliveries/\(delivery)", json: nil, headers: admin),
                Sample(operation: "getDelivery", method: "GET", path: "/v1/deliveries/\(delivery)", json: nil, headers: focalPoint),
                Sample(operation: "retryDelivery", method: "POST", path: "/v1/deliveries/\(delivery)/retry", json: nil, headers: admin),
                Sample(operation: "runDigests", method: "POST", path: "/v1/digests/run", json: nil, headers: admin),
                Sample(operation: "listNotifications", method: "GET", path: "/v1/notifications?unread=true", json: nil, headers: focalPoint),
                Sample(operation: "listNotifications", method: "GET", path: "/v1/notifications", json: nil, headers: stranger),
                Sample(operation: "markNotificationRead", method: "POST", path: "/v1/notifications/\(item)/read", json: nil, headers: focalPoint),
                Sample(operation: "markNotificationRead", method: "POST", path: "/v1/notifications/\(item)/read", json: nil, headers: stranger),
                Sample(operation: "markAllNotificationsRead", method: "POST", path: "/v1/notifications/read-all", json: nil, headers: focalPoint),
                // The stream itself stays open (its events are checked by NotificationServiceTests); its refusal is a document.
                Sample(operation: "streamNotifications", method: "GET", path: "/v1/notifications/stream", json: nil, headers: stranger),
            ])
        }
    }

    /// Every operation of the spec has a sample, and every sample's answer is one the spec documents, with its schema.
    static func check(_ service: ServiceProcess, spec name: String, samples: [Sample]) async throws {
        let text = try String(contentsOf: specURL(name), encoding: .utf8)
        let spec = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: Any])
        let components = try #require((spec["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let checker = SchemaChecker(components: components)
        #expect(try await service.get("/openapi.yaml").text == text, "the served document is the file")

        var operations: [String: (path: String, method: String, responses: [String: Any])] = [:]
        for (path, item) in paths {
            for (method, operation) in item as? [String: Any] ?? [:] where method != "parameters" {
                let operation = operation as? [String: Any] ?? [:]
                operations[operation["operationId"] as? String ?? "?"] = (path, method, operation["responses"] as? [String: Any] ?? [:])
            }
        }
        // Adding an operation to the spec without a sample here, or the reverse, fails.
        #expect(Set(samples.map(\.operation)) == Set(operations.keys), "\(name)")

        for sample in samples {
            guard let operation = operations[sample.operation] else { continue }
            #expect(operation.method.uppercased() == sample.method, "\(sample.operation)")
            let reply = try await service.request(.init(rawValue: sample.method), sample.path, json: sample.json, headers: sample.headers)
            let status = String(reply.status.code)
            guard let documented = operation.responses[status] as? [String: Any] else {
                Issue.record("\(sample.operation) answered \(status), which the spec does not list: \(reply.text)")
                continue
            }
            var response = documented
            if let ref = documented["$ref"] as? String,
               let shared = ((spec["components"] as? [String: Any])?["responses"] as? [String: Any])?[String(ref.split(separator: "/").last!)] as? [String: Any]
            {
                response = shared
            }
            guard let content = response["content"] as? [String: Any] else { continue }
            let contentType = reply.headers["content-type"].first?.split(separator: ";").first.map(String.init) ?? ""
            guard let media = content[contentType] as? [String: Any] else {
                Issue.record("\(sample.operation) \(status) answered \(contentType); the spec has \(content.keys.sorted())")
                continue
            }
            guard contentType.hasSuffix("json"), let schema = media["schema"] as? [String: Any] else { continue }
            let body = try JSONSerialization.jsonObject(with: reply.body, options: [.fragmentsAllowed])
            let problems = checker.problems(body, schema)
            #expect(problems.isEmpty, "\(sample.operation) \(status): \(problems)")
        }
    }
}

/// A reviewer from France: no conflict with the Central Asian fixtures.
let reviewerJSON = #"{"reviewer":"rev-fr","name":"Camille Laurent","email":"camille.laurent@example.fr","country":"FR"}"#

/// The standard checklist (ReviewRules.standard) answered, every item met.
let eligibleScreeningJSON = #"""
    {"answers":{"membership":true,"cross_border":true,"cbrn_relevance":{"met":true,"note":"Radiological security at the border"},
     "budget_within_limits":true,"duration_within_limits":true,"complete":true},"outcome":"eligible"}
    """#

/// An assessment against the standard rubric (ReviewRules.standard): weighted total 77.00.
let assessmentJSON = #"""
    {"scores":{"relevance":{"score":80,"comment":"A national and regional priority"},
     "feasibility":{"score":75,"comment":"A realistic work plan"},
     "cross_border_impact":{"score":70,"comment":"Two crossings shared with Uzbekistan"},
     "sustainability":{"score":80,"comment":"Customs keep the monitors"},
     "value_for_money":{"score":80,"comment":"Costs in line with similar projects"}},
     "recommendation":"fund","comment":"Fund as proposed.","noConflictOfInterest":true}
    """#

/// An approval of part of the 1 250 000.00 requested, with a schedule within the standard 40 % pre-financing cap.
let approvalJSON = #"""
    {"outcome":"approved","approvedBudget":"1000000.00",
     "paymentSchedule":[{"tranche":"pre_financing","percent":40},{"tranche":"interim","percent":30},{"tranche":"final","percent":30}],
     "reasons":["Strong cross-border impact"]}
    """#
