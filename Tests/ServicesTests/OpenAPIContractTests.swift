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

@Suite("Intake's OpenAPI document matches what the service does")
struct OpenAPIContractTests {
    static let specURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Services/Intake/openapi.yaml")

    struct Sample {
        var operation: String
        var method: String
        var path: String
        var json: String?
        var headers: [(String, String)]
    }

    @Test func everyOperationAnswersWithWhatTheSpecDescribes() async throws {
        let text = try String(contentsOf: Self.specURL, encoding: .utf8)
        let spec = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: Any])
        let components = try #require((spec["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let checker = SchemaChecker(components: components)

        var operations: [String: (path: String, method: String, responses: [String: Any])] = [:]
        for (path, item) in paths {
            for (method, operation) in item as? [String: Any] ?? [:] where method != "parameters" {
                let operation = operation as? [String: Any] ?? [:]
                operations[operation["operationId"] as? String ?? "?"] = (path, method, operation["responses"] as? [String: Any] ?? [:])
            }
        }

        let intake = try ServiceProcess("coe-intake", isolation: TestEnvironment.uniqueName("oas"))
        try await intake.start()
        #expect(try await intake.get("/openapi.yaml").text == text, "the served document is the file")

        let fp = (try await Callers.kazakhFocalPoint)
        let created = try await intake.post("/v1/proposals", json: completeProposal, headers: fp)
        let id = try created.json(FullProposalReply.self).id.uuidString
        let etag = created.headers["etag"].first ?? ""
        let samples = [
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
            Sample(operation: "live", method: "GET", path: "/health/live", json: nil, headers: []),
            Sample(operation: "ready", method: "GET", path: "/health/ready", json: nil, headers: []),
            Sample(operation: "metrics", method: "GET", path: "/metrics", json: nil, headers: []),
            Sample(operation: "getOpenAPI", method: "GET", path: "/openapi.yaml", json: nil, headers: []),
            // Error answers are documented too.
            Sample(operation: "getProposal", method: "GET", path: "/v1/proposals/\(UUID().uuidString)", json: nil, headers: fp),
            Sample(operation: "createProposal", method: "POST", path: "/v1/proposals", json: #"{"region":"XX"}"#, headers: fp),
        ]
        // Adding an operation to the spec without a sample here, or the reverse, fails.
        #expect(Set(samples.map(\.operation)) == Set(operations.keys))

        for sample in samples {
            guard let operation = operations[sample.operation] else { continue }
            #expect(operation.method.uppercased() == sample.method, "\(sample.operation)")
            let reply = try await intake.request(.init(rawValue: sample.method), sample.path, json: sample.json, headers: sample.headers)
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
        #expect(try await intake.stop() == 0)
    }
}
