import Events
import Messaging
import Testing

/// Who may have sent an event, as the consumer decides before any handler runs.
@Suite("Sender policy")
struct SenderPolicyTests {
    let policy = SenderPolicy(users: [.intake: "p_intake", .workflow: "p_workflow"], relays: ["p_intake", "operator"])

    @Test func onlyTheOwnersUserMaySendAType() {
        #expect(policy.refusal(type: "proposal.approved", source: "workflow", sender: "p_workflow") == nil)
        #expect(policy.refusal(type: "proposal.approved", source: "workflow", sender: "p_notifications")?.contains("not by its owner workflow") == true)
        #expect(policy.refusal(type: "proposal.approved", source: "workflow", sender: nil)?.contains("no AMQP user_id") == true)
        #expect(policy.refusal(type: "proposal.approved", source: "intake", sender: "p_workflow")?.contains("claims source") == true)
        #expect(policy.refusal(type: "proposal.teleported", source: "workflow", sender: "p_workflow")?.contains("not an event type") == true)
        // A service not listed publishes as its own name.
        #expect(policy.refusal(type: "funding.committed", source: "funding", sender: "funding") == nil)
    }

    @Test func theOriginalSenderIsTrustedOnlyFromARelay() {
        // The service's own copy (retry, DLQ replay) and an operator's replay carry the original sender.
        #expect(policy.sender(userID: "p_intake", header: "p_workflow") == "p_workflow")
        #expect(policy.sender(userID: "operator", header: "p_workflow") == "p_workflow")
        #expect(policy.sender(userID: "p_intake", header: "") == nil)
        // Anyone else's header is ignored: their user_id is the sender.
        #expect(policy.sender(userID: "p_notifications", header: "p_workflow") == "p_notifications")
        #expect(policy.sender(userID: nil, header: "p_workflow") == nil)
        // A relay's own message without the header is its own.
        #expect(policy.sender(userID: "p_intake", header: nil) == "p_intake")
    }
}
