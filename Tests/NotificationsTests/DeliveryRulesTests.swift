import Foundation
import Testing

@testable import Notifications

/// Retries, their backoff and the end states of a delivery; a subscription's suspension.
@Suite struct DeliveryRulesTests {
    let policy = RetryPolicy(maximumAttempts: 4, base: 30, cap: 200)

    func claimed(attempts: Int) -> Delivery {
        Delivery(
            id: UUID(), eventID: UUID(), eventType: "proposal.approved", channel: .webhook, recipientID: nil, subscriptionID: UUID(),
            address: "https://partner.example/hook", status: .sending, attempts: attempts, lastError: nil, note: nil, nextAttemptAt: nil, sentAt: nil,
            createdAt: Date(), updatedAt: Date(), subject: nil, proposalID: nil, digestDay: nil)
    }

    @Test func backoffDoublesUpToTheCapWithJitterInTheUpperHalf() {
        #expect(policy.delay(afterAttempt: 1, jitter: 1) == 30)
        #expect(policy.delay(afterAttempt: 2, jitter: 1) == 60)
        #expect(policy.delay(afterAttempt: 3, jitter: 1) == 120)
        #expect(policy.delay(afterAttempt: 4, jitter: 1) == 200, "capped")
        #expect(policy.delay(afterAttempt: 50, jitter: 1) == 200, "no overflow however many attempts")
        #expect(policy.delay(afterAttempt: 2, jitter: 0) == 30, "jitter keeps at least half")
        for jitter in stride(from: 0.0, through: 1.0, by: 0.1) {
            #expect((30...60).contains(policy.delay(afterAttempt: 2, jitter: jitter)))
        }
    }

    @Test func aTransientFailureRetriesUntilTheAttemptsAreUsed() {
        let now = Date()
        var delivery = claimed(attempts: 1)
        delivery.record(.transient("HTTP 503"), policy: policy, at: now, jitter: 1)
        #expect(delivery.status == .retrying)
        #expect(delivery.nextAttemptAt == now.addingTimeInterval(30))
        #expect(delivery.lastError == "HTTP 503")
        var last = claimed(attempts: 4)
        last.record(.transient("HTTP 503"), policy: policy, at: now, jitter: 1)
        #expect(last.status == .failed && last.nextAttemptAt == nil)
    }

    @Test func aPermanentFailureFailsAtOnceAndSuccessIsSent() {
        let now = Date()
        var refused = claimed(attempts: 1)
        refused.record(.permanent("HTTP 410"), policy: policy, at: now, jitter: 0.5)
        #expect(refused.status == .failed)
        var sent = claimed(attempts: 2)
        sent.record(.delivered, policy: policy, at: now, jitter: 0.5)
        #expect(sent.status == .sent && sent.sentAt == now && sent.lastError == nil)
    }

    @Test func onlyAFailedDeliveryIsRetriedByAnAdmin() throws {
        var failed = claimed(attempts: 4)
        failed.record(.permanent("HTTP 404"), policy: policy, at: Date(), jitter: 0)
        try failed.retry(at: Date())
        #expect(failed.status == .pending && failed.attempts == 0)
        var sent = claimed(attempts: 1)
        sent.record(.delivered, policy: policy, at: Date(), jitter: 0)
        #expect(throws: NotificationError.self) { try sent.retry(at: Date()) }
        #expect(sent.status == .sent, "a refusal changes nothing")
    }

    @Test func aSubscriptionIsSuspendedAfterFailuresInARowAndResumed() throws {
        let now = Date()
        var subscription = Subscription.make(url: "https://partner.example/hook", eventTypes: [.proposalApproved], description: nil, by: "pm-1", at: now)
        #expect(subscription.secret.hasPrefix("whsec_") && subscription.signingKey.count == 32)
        var suspensions: [Bool] = []
        suspensions.append(subscription.recordFailure("HTTP 500", threshold: 3, at: now))
        subscription.recordSuccess(at: now)
        for _ in 0..<4 { suspensions.append(subscription.recordFailure("HTTP 500", threshold: 3, at: now)) }
        #expect(suspensions == [false, false, false, true, false], "the third in a row suspends, once")
        #expect(subscription.status == .suspended && subscription.suspendedAt == now)
        try subscription.resume(at: now)
        #expect(subscription.status == .active && subscription.consecutiveFailures == 0 && subscription.suspendedAt == nil)
        #expect(throws: NotificationError.self) { try subscription.resume(at: now) }
        try subscription.delete(at: now)
        #expect(throws: NotificationError.self) { try subscription.delete(at: now) }
    }

    @Test func theDigestOfADayIsDueFromItsHour() {
        let morning = Date(timeIntervalSince1970: 1_796_018_400)  // 2026-11-30 06:00 UTC
        #expect(Digest.dueDay(at: morning, hour: 7) == nil)
        #expect(Digest.dueDay(at: morning.addingTimeInterval(3600), hour: 7) == "2026-11-30")
        #expect(Digest.dueDay(at: morning, hour: 0) == "2026-11-30")
    }
}
