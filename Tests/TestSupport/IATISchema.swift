import Foundation

/// Validates an IATI document against the IATI 2.03 schema with xmllint (Debian's
/// libxml2-utils, installed by the test command), from `Tests/Fixtures/iati-2.03` or
/// `COE_TEST_IATI_SCHEMA_DIR`.
public enum IATISchema {
    public static var directory: String {
        if let given = ProcessInfo.processInfo.environment["COE_TEST_IATI_SCHEMA_DIR"] { return given }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/iati-2.03").path
    }

    /// What xmllint said against the document, or nil when the schema accepts it.
    public static func problems(_ xml: String) throws -> String? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("iati-\(UUID().uuidString).xml")
        try Data(xml.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xmllint", "--noout", "--schema", "\(directory)/iati-activities-schema.xsd", file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : "xmllint (\(process.terminationStatus)): \(said)"
    }
}
