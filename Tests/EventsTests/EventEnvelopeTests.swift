import Events
import Foundation
import Testing

@Suite("Event envelope")
struct EventEnvelopeTests {
    @Test func encodesTheDocumentedShape() throws {
        let id = UUID()
        let proposal = UUID()
        let envelope = EventEnvelope(
            metadata: EventMetadata(
                id: id, type: "proposal.submitted", version: 1, occurredAt: Date(timeIntervalSince1970: 1_795_600_800),
                source: "intake", subject: proposal.uuidString, actor: EventActor(sub: "u1", role: "focal_point")),
            data: ProposalSubmitted(
                proposalId: proposal, reference: "CBRN-2026-0042", revision: 2, title: "T", region: "CA", leadCountry: "KZ",
                participatingCountries: ["KZ", "UZ"], cbrnCategories: ["biological"], requestedBudget: Money(cents: 100), durationMonths: 12))
        let object = try #require(JSONSerialization.jsonObject(with: Data(try EventCoding.encode(envelope))) as? [String: Any])
        #expect(Set(object.keys) == ["id", "type", "version", "occurredAt", "source", "subject", "correlationId", "causationId", "actor", "traceparent", "data"])
        #expect(object["occurredAt"] as? String == "2026-11-25T10:00:00.000Z")
        #expect(object["id"] as? String == id.uuidString.lowercased())
        #expect(object["correlationId"] as? String == id.uuidString.lowercased())
        #expect((object["data"] as? [String: Any])?["proposalId"] as? String == proposal.uuidString.lowercased())
        #expect(object["causationId"] is NSNull)
        let data = try #require(object["data"] as? [String: Any])
        #expect(data["requestedBudget"] as? String == "1.00")
        #expect(data["revision"] as? Int == 2)

        let decoded = try EventCoding.decoder().decode(EventEnvelope<ProposalSubmitted>.self, from: Data(try EventCoding.encode(envelope)))
        #expect(decoded.metadata == envelope.metadata)
        #expect(decoded.data == envelope.data)
    }

    @Test func occurredAtCarriesMillisecondsAndReadsBackEqual() throws {
        let at = Date(timeIntervalSince1970: 1_795_600_800.123_456)
        let envelope = EventEnvelope(source: "intake", subject: "s", actor: EventActor(sub: "u", role: "r"), occurredAt: at,
                                     data: ProposalWithdrawn(proposalId: UUID(), reference: "CBRN-2026-0001", revision: 1, region: "CA", leadCountry: "KZ", reason: "r"))
        let bytes = try EventCoding.encode(envelope)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""occurredAt":"2026-11-25T10:00:00.123Z""#))
        let decoded = try EventCoding.decoder().decode(EventEnvelope<ProposalWithdrawn>.self, from: Data(bytes))
        #expect(decoded.metadata.occurredAt == envelope.metadata.occurredAt)
        #expect(decoded.metadata.occurredAt.timeIntervalSince1970 == 1_795_600_800.123)
        // Upper-case ids from other producers are still read.
        let upper = #"{"id":"6F1C1A56-08A3-4A52-9D8F-6D3F10E1A001","type":"proposal.withdrawn","version":1,"occurredAt":"2026-11-25T10:00:00Z","source":"intake","subject":"p","correlationId":"6F1C1A56-08A3-4A52-9D8F-6D3F10E1A001","causationId":null,"actor":{"sub":"a","role":"focal_point"},"traceparent":null,"data":{"proposalId":"6F1C1A56-08A3-4A52-9D8F-6D3F10E1A002","revision":1,"region":"CA","leadCountry":"KZ"}}"#
        let read = try EventCoding.decoder().decode(EventEnvelope<ProposalWithdrawn>.self, from: Data(upper.utf8))
        #expect(read.metadata.id == UUID(uuidString: "6f1c1a56-08a3-4a52-9d8f-6d3f10e1a001"))
        #expect(read.data.proposalId == UUID(uuidString: "6f1c1a56-08a3-4a52-9d8f-6d3f10e1a002"))
    }

    @Test func everyEventTypeHasOneOwner() {
        #expect(EventType.owned(by: .intake) == [.proposalSubmitted, .proposalWithdrawn])
        #expect(Set(ServiceName.allCases.flatMap { EventType.owned(by: $0) }).count == EventType.allCases.count)
        #expect(EventType.proposalApproved.owner == .workflow && EventType.fundingDisbursed.owner == .funding)
    }

    @Test func readersIgnoreFieldsTheyDoNotKnow() throws {
        let json = #"{"id":"6f1c1a56-08a3-4a52-9d8f-6d3f10e1a001","type":"proposal.withdrawn","version":1,"occurredAt":"2026-11-25T10:00:00.123Z","source":"intake","subject":"p","correlationId":"6f1c1a56-08a3-4a52-9d8f-6d3f10e1a001","causationId":null,"actor":{"sub":"a","role":"focal_point","extra":1},"traceparent":null,"data":{},"newField":true}"#
        let metadata = try EventCoding.decoder().decode(EventMetadata.self, from: Data(json.utf8))
        #expect(metadata.type == "proposal.withdrawn")
        #expect(metadata.causationId == nil)
    }
}
