import AsyncHTTPClient
import Events
import Foundation
import Testing
import TestSupport
import Yams

/// Runs docs/authorization.md: every row against the real services, and every authenticated
/// operation of the services' OpenAPI documents must have a row for every role.
@Suite("The written authorization matrix holds")
struct AuthorizationMatrixTests {
    struct Row: CustomStringConvertible {
        var service: String
        var operation: String
        var method: String
        var path: String
        var role: String
        var scope: String
        var status: UInt
        var description: String { "\(service) \(operation) \(method) \(path) as \(role)/\(scope) → \(status)" }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let roles = ["focal_point", "secretariat", "reviewer", "finance", "admin"]
    static let services = ["intake", "workflow", "funding", "notifications"]

    static func rows() throws -> [Row] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/authorization.md"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> Row? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 6, Self.services.contains(cells[0]), let status = UInt(cells[5]) else { return nil }
            let request = cells[2].split(separator: " ", maxSplits: 1).map(String.init)
            return Row(service: cells[0], operation: cells[1], method: request[0], path: request[1], role: cells[3], scope: cells[4], status: status)
        }
    }

    /// Every operation of a service's spec: its method, path template, id, and whether it needs a caller.
    static func operations(_ service: String) throws -> [(method: String, path: String, id: String?, authenticated: Bool)] {
        let text = try String(contentsOf: root.appendingPathComponent("Services/\(service.capitalized)/openapi.yaml"), encoding: .utf8)
        let spec = try #require(try Yams.load(yaml: text) as? [String: Any])
        var operations: [(method: String, path: String, id: String?, authenticated: Bool)] = []
        for (path, item) in spec["paths"] as? [String: Any] ?? [:] {
            for (method, operation) in item as? [String: Any] ?? [:] where method != "parameters" {
                let operation = operation as? [String: Any] ?? [:]
                let open = (operation["security"] as? [Any])?.isEmpty == true
                operations.append((method.uppercased(), path, operation["operationId"] as? String, !open))
            }
        }
        return operations
    }

    /// The operations of a service's spec that need a caller.
    static func authenticatedOperations(_ service: String) throws -> Set<String> {
        Set(try operations(service).filter(\.authenticated).compactMap(\.id))
    }

    @Test func everyAuthenticatedOperationHasARowForEveryRole() throws {
        let rows = try Self.rows()
        for service in Self.services {
            for operation in try Self.authenticatedOperations(service) {
                let covered = Set(rows.filter { $0.service == service && $0.operation == operation }.map(\.role))
                #expect(covered == Set(Self.roles), "\(service) \(operation) has no row for \(Set(Self.roles).subtracting(covered).sorted())")
            }
        }
        for row in rows {
            #expect(try Self.authenticatedOperations(row.service).contains(row.operation), "\(row.service) \(row.operation) is in the matrix but not in its spec")
        }
    }

    func token(role: String, scope: String) async throws -> [(String, String)] {
        switch (role, scope) {
        case ("focal_point", "own"): try await TestTokens.header(role: role, sub: "fp-kz", country: "KZ")
        case ("focal_point", _): try await TestTokens.header(role: role, sub: "fp-uz", country: "UZ")
        case ("secretariat", "own"): try await TestTokens.header(role: role, sub: "sec-ca", region: "CA")
        case ("secretariat", _): try await TestTokens.header(role: role, sub: "sec-sea", region: "SEA")
        case ("reviewer", "own"): try await TestTokens.header(role: role, sub: "rev-assigned")
        case ("reviewer", "other"): try await TestTokens.header(role: role, sub: "rev-other")
        default: try await TestTokens.header(role: role, sub: "\(role)-1")
        }
    }

    @Test func everyRowAnswersAsWritten() async throws {
        let services = try await CycleServices.start("mx")
        let (intake, workflow, funding) = (services.intake, services.workflow, services.funding)
        // Notifications of the same isolation, with its own SMTP server and the callers of the matrix in its directory.
        let mail = try MailCatcher()
        try await mail.start()
        var notificationSettings = NotificationServices.quick
        notificationSettings["COE_SMTP_URL"] = mail.url
        let notifications = try ServiceProcess("coe-notifications", isolation: services.isolation, extraEnvironment: notificationSettings)
        try await notifications.start()
        let people = NotificationServices(isolation: services.isolation, notifications: notifications, mail: mail, publisher: nil)
        let focalPointID = try await people.addRecipient("fp-kz", role: "focal_point", email: "fp-kz@example.org", country: "KZ")
        try await people.addRecipient("sec-ca", role: "secretariat", email: "sec-ca@example.org", region: "CA")
        try await people.addRecipient("rev-assigned", role: "reviewer", email: "rev@example.org", country: "FR")
        try await people.addRecipient("finance-1", role: "finance", email: "finance-1@example.org")
        try await people.addRecipient("admin-1", role: "admin", email: "admin-1@example.org")
        let owner = try await Callers.kazakhFocalPoint
        let submitted = try await submitProposal(intake)
        let draft = try await intake.post("/v1/proposals", json: completeProposal, headers: owner).json(FullProposalReply.self).id.lowercased
        let secretariat = try await Callers.centralAsiaSecretariat
        /// Waits for a submitted proposal's case and puts `rev-assigned` on it.
        func reviewCaseWithReviewer(_ id: String) async throws {
            #expect(try await eventually { try await workflow.get("/v1/reviews/\(id)", headers: owner).status == .ok })
            let assigned = try await workflow.post(
                "/v1/reviews/\(id)/assignments", json: #"{"reviewer":"rev-assigned","name":"Assigned Reviewer","country":"FR"}"#, headers: secretariat)
            #expect(assigned.status == .created, "\(assigned.text)")
        }
        try await reviewCaseWithReviewer(submitted)
        /// Then screens it eligible (the CA secretariat): the case is in technical assessment.
        func technicalCase(_ id: String) async throws {
            try await reviewCaseWithReviewer(id)
            let screened = try await workflow.post("/v1/reviews/\(id)/screening", json: eligibleScreeningJSON, headers: secretariat)
            #expect(screened.status == .ok, "\(screened.text)")
        }
        /// Then puts `rev-second` on it too and both assess: the case awaits the decision (two assessments by default).
        func decisionCase(_ id: String) async throws {
            try await technicalCase(id)
            let second = try await workflow.post(
                "/v1/reviews/\(id)/assignments", json: #"{"reviewer":"rev-second","name":"Second Reviewer","country":"DE"}"#, headers: secretariat)
            #expect(second.status == .created, "\(second.text)")
            for reviewer in ["rev-assigned", "rev-second"] {
                let assessed = try await workflow.post(
                    "/v1/reviews/\(id)/assessments", json: assessmentJSON, headers: try await TestTokens.header(role: "reviewer", sub: reviewer))
                #expect(assessed.status == .created, "\(assessed.text)")
            }
        }

        let finance = try await TestTokens.header(role: "finance", sub: "finance-1")
        let recorder = try await TestTokens.header(role: "finance", sub: "fin-recorder")
        var instruments = 0
        /// A fresh CA envelope of this year (a new instrument each time: one envelope per year, region and instrument).
        func envelope(instrument: String = "IfS", amount: String = "1000.00") async throws -> String {
            let created = try await funding.post(
                "/v1/envelopes", json: #"{"year":\#(Finance.year),"region":"CA","instrument":"\#(instrument)","amount":"\#(amount)","reason":"Matrix envelope"}"#,
                headers: finance)
            #expect(created.status == .created, "\(created.text)")
            return try created.json(EnvelopeReply.self).id.lowercased
        }
        let sharedEnvelope = try await envelope(amount: "100000000.00")
        /// An approved proposal's active commitment, with a pending pre-financing payment recorded by `fin-recorder`.
        func commitmentWithPayment() async throws -> (String, String) {
            let id = try await submitProposal(intake)
            try await decisionCase(id)
            let decided = try await workflow.post("/v1/reviews/\(id)/decision", json: approvalJSON, headers: try await TestTokens.header(role: "admin", sub: "pm-1"))
            #expect(decided.status == .ok, "\(decided.text)")
            let found = try await commitment(of: id, in: funding)
            #expect(found.status == "active")
            let recorded = try await funding.post(
                "/v1/commitments/\(found.id.lowercased)/payments",
                json: #"{"tranche":"pre_financing","amount":"400000.00","valueDate":"\#(Finance.today)","bankReference":"MX-FIXTURE"}"#, headers: recorder)
            #expect(recorded.status == .created, "\(recorded.text)")
            let payment = try #require(try recorded.json(CommitmentReply.self).payments.last)
            return (found.id.lowercased, payment.id.lowercased)
        }
        let sharedCommitment = try await commitmentWithPayment()

        // The Kazakh focal point's feed item and sent mail of the submission; a subscription.
        struct Items: Decodable { var items: [Item]; struct Item: Decodable { var id: String } }
        var feedItem = ""
        #expect(try await eventually {
            feedItem = try await notifications.get("/v1/notifications", headers: owner).json(Items.self).items.first?.id ?? ""
            return !feedItem.isEmpty
        })
        var sentMail = ""
        #expect(try await eventually {
            sentMail = try await people.deliveries("&status=sent").first?.id ?? ""
            return !sentMail.isEmpty
        })
        let admin = try await TestTokens.header(role: "admin", sub: "admin-1")
        func subscription() async throws -> String {
            let created = try await notifications.post(
                "/v1/subscriptions", json: #"{"url":"http://127.0.0.1:9/hook","eventTypes":["proposal.approved"]}"#, headers: admin)
            #expect(created.status == .created, "\(created.text)")
            return try created.json(Items.Item.self).id
        }
        let sharedSubscription = try await subscription()
        // Streams are read only as far as their status: a client of their own, shut down after.
        let streams = HTTPClient(eventLoopGroupProvider: .singleton)

        for row in try Self.rows() {
            let changes = row.method != "GET"
            // A change gets resources of its own, so that rows don't depend on each other.
            var path = row.path
            var headers = try await token(role: row.role, scope: row.scope)
            if path.contains("{submitted}") {
                var id = submitted
                if changes {
                    id = try await submitProposal(intake)
                    if row.service == "workflow" { try await reviewCaseWithReviewer(id) }
                }
                path = path.replacingOccurrences(of: "{submitted}", with: id)
            }
            // Workflow cases further along, always fresh: screened ({technical}), and assessed twice ({decision}).
            for placeholder in ["{technical}", "{decision}"] where path.contains(placeholder) {
                let id = try await submitProposal(intake)
                if placeholder == "{technical}" { try await technicalCase(id) } else { try await decisionCase(id) }
                path = path.replacingOccurrences(of: placeholder, with: id)
            }
            if path.contains("{draft}") {
                let id = changes
                    ? try await intake.post("/v1/proposals", json: completeProposal, headers: owner).json(FullProposalReply.self).id.lowercased
                    : draft
                path = path.replacingOccurrences(of: "{draft}", with: id)
                if row.method == "PATCH" { headers.append(("If-Match", "\"1\"")) }
            }
            if path.contains("{envelope}") {
                instruments += 1
                let id = changes ? try await envelope(instrument: "MX\(instruments)") : sharedEnvelope
                path = path.replacingOccurrences(of: "{envelope}", with: id)
            }
            if path.contains("{commitment}") {
                let (commitment, payment) = changes ? try await commitmentWithPayment() : sharedCommitment
                path = path.replacingOccurrences(of: "{commitment}", with: commitment).replacingOccurrences(of: "{payment}", with: payment)
            }
            path = path.replacingOccurrences(of: "{recipient}", with: focalPointID).replacingOccurrences(of: "{item}", with: feedItem)
                .replacingOccurrences(of: "{delivery}", with: sentMail)
            if path.contains("{subscription}") {
                path = path.replacingOccurrences(of: "{subscription}", with: changes ? try await subscription() : sharedSubscription)
            }
            let body: String? = switch row.operation {
            case "createProposal": #"{"title":"A row of the matrix"}"#
            case "updateProposal": #"{"durationMonths":12}"#
            case "assignReviewer": reviewerJSON
            case "screenProposal": eligibleScreeningJSON
            case "submitAssessment", "amendAssessment": assessmentJSON
            case "decideProposal": approvalJSON
            case "createEnvelope": #"{"year":2099,"region":"SEA","amount":"1000000.00","reason":"A row of the matrix"}"#
            case "adjustEnvelope": #"{"delta":"250000.00","reason":"A row of the matrix"}"#
            case "recordPayment": #"{"tranche":"pre_financing","amount":"100000.00","valueDate":"\#(Finance.today)","bankReference":"MX-1"}"#
            case "rejectPayment": #"{"reason":"A row of the matrix"}"#
            case "createRecipient": #"{"sub":"mx-\#(UUID().uuidString.prefix(8))","name":"A row","email":"row@example.org","role":"finance"}"#
            case "updateRecipient": #"{"name":"A row of the matrix"}"#
            case "updatePreferences": #"{"language":"fr","emailOptOut":["review.assessed"],"digest":false}"#
            case "createSubscription": #"{"url":"http://127.0.0.1:9/hook","eventTypes":["funding.disbursed"]}"#
            default: nil
            }
            let service = switch row.service {
            case "intake": intake
            case "workflow": workflow
            case "notifications": notifications
            default: funding
            }
            if row.operation == "streamNotifications" {
                var request = HTTPClientRequest(url: service.baseURL + path)
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                let response = try await streams.execute(request, timeout: .seconds(10))
                #expect(response.status.code == row.status, "\(row): \(response.status.code)")
                continue
            }
            let reply = try await service.request(.init(rawValue: row.method), path, json: body, headers: headers)
            #expect(reply.status.code == row.status, "\(row): \(reply.status.code) \(reply.text)")
        }
        try await streams.shutdown()
        #expect(try await notifications.stop() == 0, "\(notifications.tail())")
        await mail.stop()
        try await services.stop()
    }
}
