import Events
import Foundation
import ServiceRuntime
import Testing

@testable import Funding
@testable import Intake
@testable import Notifications
@testable import Workflow

/// Provisioning reads `deploy/production/event-catalogue.tsv` (shell scripts can't read Swift):
/// it must say exactly what the code says — each type's owner, and who consumes it.
@Suite("The event catalogue provisioning reads is the code's")
struct EventCatalogueFileTests {
    static let file = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/production/event-catalogue.tsv")

    static let consumers: [ServiceName: [EventType]] = [
        .intake: IntakeService.consumedEvents, .workflow: WorkflowService.consumedEvents,
        .funding: FundingService.consumedEvents, .notifications: NotificationsService.consumedEvents,
    ]

    @Test func everyTypeHasItsOwnerAndConsumersAsInTheCode() throws {
        let lines = try String(contentsOf: Self.file, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        var file: [String: (owner: String, consumers: Set<String>)] = [:]
        for line in lines {
            let columns = line.split(separator: "\t").map(String.init)
            try #require(columns.count == 3, "\(line)")
            file[columns[0]] = (columns[1], columns[2] == "-" ? [] : Set(columns[2].split(separator: ",").map(String.init)))
        }
        #expect(Set(file.keys) == Set(EventType.allCases.map(\.rawValue)))
        for type in EventType.allCases {
            let consumers = Set(Self.consumers.filter { $0.value.contains(type) }.map(\.key.rawValue))
            #expect(file[type.rawValue]?.owner == type.owner.rawValue, "\(type.rawValue)")
            #expect(file[type.rawValue]?.consumers == consumers, "\(type.rawValue)")
            // No service consumes what it publishes itself.
            #expect(!consumers.contains(type.owner.rawValue), "\(type.rawValue)")
        }
    }
}
