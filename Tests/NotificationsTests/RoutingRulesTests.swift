import Events
import Foundation
import Testing
import TestSupport

@testable import Notifications

/// Who is told of what: the routing rules and the plan they make with people's preferences.
@Suite struct RoutingRulesTests {
    static let samples = NotificationSamples(region: "NAS", lead: "MA", reviewer: "rev-1")
    let focalMA = NotificationFixtures.person("fp-ma", .focalPoint, country: "MA", language: .fr)
    let focalTN = NotificationFixtures.person("fp-tn", .focalPoint, country: "TN")
    let secretariatNAS = NotificationFixtures.person("sec-nas", .secretariat, region: "NAS", language: .fr)
    let secretariatCA = NotificationFixtures.person("sec-ca", .secretariat, region: "CA")
    let reviewer = NotificationFixtures.person("rev-1", .reviewer, country: "FR")
    let otherReviewer = NotificationFixtures.person("rev-2", .reviewer)
    let finance = NotificationFixtures.person("fin-alice", .finance)
    let manager = NotificationFixtures.person("pm-1", .admin)
    var everyone: [Recipient] { [focalMA, focalTN, secretariatNAS, secretariatCA, reviewer, otherReviewer, finance, manager] }

    /// (event, who gets a mail, who gets only a feed item), by sub.
    static let expectations: [(SampleEvent, Set<String>, Set<String>)] = [
        (samples.submitted, ["sec-nas", "fp-ma"], []),
        (samples.withdrawn, ["sec-nas"], ["fp-ma"]),
        (samples.screened, ["fp-ma"], []),
        // Ineligible: the rejection that comes with it tells the focal point, once.
        (samples.screenedIneligible, [], []),
        (samples.assigned, ["rev-1"], []),
        (samples.unassigned, ["rev-1"], []),
        (samples.assessed(ready: true), ["pm-1"], ["sec-nas"]),
        (samples.assessed(ready: false), [], ["sec-nas"]),
        (samples.overdue, ["sec-nas", "rev-1"], []),
        (samples.revisionRequested, ["fp-ma"], ["sec-nas"]),
        (samples.approved, ["fp-ma", "fin-alice"], ["sec-nas"]),
        (samples.rejected, ["fp-ma"], ["sec-nas"]),
        (samples.committed, ["fp-ma"], ["fin-alice"]),
        (samples.blocked, ["fin-alice"], ["pm-1"]),
        (samples.disbursed, ["fp-ma"], ["fin-alice"]),
        (samples.closed, ["fp-ma"], ["fin-alice"]),
        (samples.envelopeChanged, [], ["fin-alice", "sec-nas"]),
    ]

    @Test(arguments: expectations)
    func eachEventReachesTheRightPeople(_ sample: SampleEvent, mailed: Set<String>, feedOnly: Set<String>) {
        let plan = DeliveryPlan.make(for: NotificationFixtures.facts(sample), candidates: everyone, subscriptions: [])
        #expect(Set(plan.mails.map(\.recipient.sub)) == mailed, "\(sample.type)")
        #expect(Set(plan.feed.map(\.sub)) == mailed.union(feedOnly), "\(sample.type): everyone told has it in their feed")
        #expect(plan.mails.allSatisfy { $0.disposition == .send })
    }

    @Test func everyEventTypeHasARoute() {
        for type in EventType.allCases { #expect(!RoutingRules.routes(for: type).isEmpty, "\(type)") }
        #expect(Set(Self.expectations.map(\.0.type)) == Set(EventType.allCases))
    }

    @Test func aPersonInTwoAudiencesIsToldOnce() {
        // The reviewer the overdue case waits for is also named by a second route: still one mail, one item.
        let facts = NotificationFixtures.facts(Self.samples.overdue)
        let plan = DeliveryPlan.make(for: facts, candidates: everyone + [reviewer], subscriptions: [])
        #expect(plan.mails.filter { $0.recipient.sub == "rev-1" }.count == 1)
        #expect(plan.feed.filter { $0.sub == "rev-1" }.count == 1)
    }

    @Test func optOutAndDigestChangeOnlyTheMail() {
        var optedOut = focalMA
        optedOut.preferences.emailOptOut = [.proposalApproved]
        var digest = finance
        digest.preferences.digest = true
        let plan = DeliveryPlan.make(for: NotificationFixtures.facts(Self.samples.approved), candidates: [optedOut, digest, secretariatNAS], subscriptions: [])
        #expect(plan.mails.first { $0.recipient.sub == "fp-ma" }?.disposition == .optedOut)
        #expect(plan.mails.first { $0.recipient.sub == "fin-alice" }?.disposition == .digest)
        #expect(Set(plan.feed.map(\.sub)) == ["fp-ma", "fin-alice", "sec-nas"], "the feed keeps everything")
        // Opting out of one type leaves the others.
        let screened = DeliveryPlan.make(for: NotificationFixtures.facts(Self.samples.screened), candidates: [optedOut], subscriptions: [])
        #expect(screened.mails.first?.disposition == .send)
    }

    @Test func inactivePeopleAreToldNothing() {
        let gone = NotificationFixtures.person("fp-ma-old", .focalPoint, country: "MA", active: false)
        let plan = DeliveryPlan.make(for: NotificationFixtures.facts(Self.samples.approved), candidates: [gone], subscriptions: [])
        #expect(plan.mails.isEmpty && plan.feed.isEmpty)
    }

    @Test func webhooksGoToSubscriptionsOfTheTypeAndWaitWhileSuspended() {
        let now = Date()
        let approvals = Subscription.make(url: "https://partner.example/a", eventTypes: [.proposalApproved], description: nil, by: "pm-1", at: now)
        var suspended = Subscription.make(url: "https://partner.example/b", eventTypes: [.proposalApproved, .fundingDisbursed], description: nil, by: "pm-1", at: now)
        _ = suspended.recordFailure("HTTP 500", threshold: 1, at: now)
        var deleted = Subscription.make(url: "https://partner.example/c", eventTypes: [.proposalApproved], description: nil, by: "pm-1", at: now)
        try? deleted.delete(at: now)
        let others = Subscription.make(url: "https://partner.example/d", eventTypes: [.proposalSubmitted], description: nil, by: "pm-1", at: now)
        let plan = DeliveryPlan.make(
            for: NotificationFixtures.facts(Self.samples.approved), candidates: [], subscriptions: [approvals, suspended, deleted, others])
        #expect(Set(plan.webhooks.map(\.id)) == [approvals.id, suspended.id])
    }
}
