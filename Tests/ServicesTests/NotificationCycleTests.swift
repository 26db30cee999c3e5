import Foundation
import Testing
import TestSupport

/// The four real executables together: what people are told as a proposal goes through intake,
/// workflow and funding.
@Suite("Notifications in the whole cycle, with the real executables")
struct NotificationCycleTests {
    @Test func aSubmissionMailsTheSecretariatAndAnApprovalTheFocalPointAndFinance() async throws {
        let isolation = TestEnvironment.uniqueName("nc")
        try await NotificationServices.run(isolation: isolation) { services in
            let tag = UUID().uuidString.prefix(8).lowercased()
            try await services.addRecipient("sec-ca", role: "secretariat", email: "sec-ca.\(tag)@example.org", language: "fr", region: "CA")
            try await services.addRecipient("fp-kz", role: "focal_point", email: "fp-kz.\(tag)@example.org", country: "KZ")
            try await services.addRecipient("fin-alice", role: "finance", email: "fin-alice.\(tag)@example.org")
            let cycle = try await CycleServices.start(isolation: isolation)
            let id = try await FundingServiceTests().approve(cycle.intake, cycle.workflow, budget: "1000000.00")

            func mail(to sub: String, of type: String) async -> MailCatcher.Mail? {
                await services.mail.waitFor(1) { $0.rcptTos == ["\(sub).\(tag)@example.org"] && $0.headers["X-CoE-Event-Type"] == type }.first
            }
            let submitted = try #require(await mail(to: "sec-ca", of: "proposal.submitted"), "\(services.notifications.tail())")
            #expect(submitted.subject.hasPrefix("[CoE] ") && submitted.text.hasPrefix("Bonjour Person sec-ca,"), "the secretariat reads French")
            #expect(submitted.text.contains("https://coe.example.eu/proposals/\(id)"))
            let approved = try #require(await mail(to: "fp-kz", of: "proposal.approved"))
            #expect(approved.text.contains("€1,000,000.00"), "\(approved.text)")
            #expect(await mail(to: "fin-alice", of: "proposal.approved") != nil)
            // No envelope for Central Asia this year: funding blocks the commitment, and finance is told.
            let blocked = try #require(await mail(to: "fin-alice", of: "funding.commitment_blocked"))
            #expect(blocked.text.contains("€1,000,000.00"), "\(blocked.text)")
            // The screening told the focal point too, and nobody got anything twice.
            #expect(await mail(to: "fp-kz", of: "review.screened") != nil)
            try await Task.sleep(for: .seconds(1))
            let all = services.mail.mails()
            #expect(Set(all.map(\.messageId)).count == all.count)
            try await cycle.stop()
        }
    }
}
