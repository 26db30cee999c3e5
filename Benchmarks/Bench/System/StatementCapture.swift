import Foundation

/// The SQL a piece of work sends to PostgreSQL, read from the server's own statement log, and
/// turned into a pgbench script that sends exactly the same statements with the same values.
///
/// The log is switched on (`log_statement = all`, with the backend's application name in the
/// prefix) only around the work, then off again. Of what was logged, only intake's connections'
/// statements are kept, and of those only the request's: the transactions of the outbox relay
/// and the monitors (which touch `outbox` other than by inserting into it) are dropped.
struct StatementCapture {
    /// One statement as executed: its SQL with `$n` placeholders and the parameters' literals.
    struct Statement: Equatable {
        var sql: String
        /// SQL literals as PostgreSQL logged them (`'text'` with quotes doubled, or `NULL`).
        var parameters: [String]

        /// The statement with its parameters written in, in one pass (a literal holding `$2` stays as it is).
        var inlined: String {
            sql.replacing(/\$(\d+)/) { match in
                Int(match.output.1).flatMap { $0 >= 1 && $0 <= parameters.count ? parameters[$0 - 1] : nil } ?? String(match.output.0)
            }
        }
    }

    let postgresScript: String
    let logPath: String
    let applicationName: String

    /// Runs `work` with the statement log on, and returns the statements of `applicationName`'s
    /// connections that belong to the work, in the order they were executed.
    func capture(_ work: () async throws -> Void) async throws -> [Statement] {
        try await psql("ALTER SYSTEM SET log_statement = 'all'", "ALTER SYSTEM SET log_line_prefix = '%m [%p] %a|'", "SELECT pg_reload_conf()")
        try await Task.sleep(for: .milliseconds(500))
        let offset = (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0
        do {
            try await work()
            try await Task.sleep(for: .milliseconds(500))
        } catch {
            try? await psql("ALTER SYSTEM RESET log_statement", "ALTER SYSTEM RESET log_line_prefix", "SELECT pg_reload_conf()")
            throw error
        }
        try await psql("ALTER SYSTEM RESET log_statement", "ALTER SYSTEM RESET log_line_prefix", "SELECT pg_reload_conf()")
        let text = try await onOwnThread { [logPath] in
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: logPath))
            try handle.seek(toOffset: UInt64(offset))
            return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        }
        return Self.requestStatements(Self.parse(text, applicationName: applicationName))
    }

    private func psql(_ commands: String...) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: postgresScript)
        process.arguments = ["psql", "-q", "-v", "ON_ERROR_STOP=1"] + commands.flatMap { ["-c", $0] }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try await onOwnThread { process.waitUntilExit() }
        guard process.terminationStatus == 0 else { throw BenchError("psql failed: \(commands)") }
    }

    /// Log entries of one application, per backend, in order. An entry is a `statement:` or
    /// `execute …:` line (with its tab-indented continuation lines) and an optional
    /// `DETAIL:  parameters:` entry after it.
    static func parse(_ log: String, applicationName: String) -> [(backend: String, statement: Statement)] {
        var entries: [(header: String, body: String)] = []
        for line in log.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\t"), !entries.isEmpty {
                entries[entries.count - 1].body += "\n" + line.dropFirst()
            } else if let bar = line.firstIndex(of: "|"), line.contains(" [") {
                entries.append((String(line[..<bar]), String(line[line.index(after: bar)...])))
            }
        }
        var result: [(backend: String, statement: Statement)] = []
        for entry in entries {
            guard entry.header.hasSuffix(" \(applicationName)"), let backend = entry.header.split(separator: "[").last?.split(separator: "]").first
            else { continue }
            let body = entry.body
            if let range = body.range(of: "LOG:  statement: ") {
                result.append((String(backend), Statement(sql: String(body[range.upperBound...]), parameters: [])))
            } else if body.hasPrefix("LOG:  execute "), let colon = body.range(of: ": ", range: body.index(body.startIndex, offsetBy: 14)..<body.endIndex) {
                result.append((String(backend), Statement(sql: String(body[colon.upperBound...]), parameters: [])))
            } else if let range = body.range(of: "DETAIL:  parameters: "), let last = result.indices.last, result[last].backend == backend {
                result[last].statement.parameters = parameters(String(body[range.upperBound...]))
            }
        }
        return result
    }

    /// `$1 = 'a''b', $2 = NULL` → `["'a''b'", "NULL"]`.
    static func parameters(_ text: String) -> [String] {
        var values: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            guard let equals = text.range(of: " = ", range: index..<text.endIndex) else { break }
            index = equals.upperBound
            if text[index...].hasPrefix("NULL") {
                values.append("NULL")
                index = text.index(index, offsetBy: 4)
            } else if text[index] == "'" {
                var end = text.index(after: index)
                while end < text.endIndex {
                    if text[end] == "'" {
                        let next = text.index(after: end)
                        if next < text.endIndex, text[next] == "'" { end = text.index(after: next); continue }
                        break
                    }
                    end = text.index(after: end)
                }
                let close = min(text.index(after: end), text.endIndex)
                values.append(String(text[index..<close]))
                index = close
            }
            if text[index...].hasPrefix(", ") { index = text.index(index, offsetBy: 2) }
        }
        return values
    }

    /// The request's statements: per backend, transactions (BEGIN … COMMIT) and single
    /// statements, without those of the relay and monitors; in the order they began.
    static func requestStatements(_ logged: [(backend: String, statement: Statement)]) -> [Statement] {
        var open: [String: [Statement]] = [:]
        var units: [[Statement]] = []
        var order: [String: Int] = [:]
        func background(_ unit: [Statement]) -> Bool {
            unit.contains { statement in
                let sql = statement.sql.lowercased()
                let relayOrMonitor = sql.contains("outbox") && !sql.contains("insert into outbox")
                let retention = sql.hasPrefix("delete") && sql.contains("idempotency_keys where")
                return relayOrMonitor || retention || sql.contains("inbox") || sql.hasPrefix("listen")
            }
        }
        for (backend, statement) in logged {
            let sql = statement.sql.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
            if sql.hasPrefix("BEGIN") || sql.hasPrefix("START TRANSACTION") {
                open[backend] = [statement]
                order[backend] = units.count
                units.append([])
            } else if var transaction = open[backend] {
                transaction.append(statement)
                if sql.hasPrefix("COMMIT") || sql.hasPrefix("ROLLBACK") || sql.hasPrefix("END") {
                    units[order[backend]!] = transaction
                    open[backend] = nil
                } else {
                    open[backend] = transaction
                }
            } else {
                units.append([statement])
            }
        }
        return units.filter { !$0.isEmpty && !background($0) }.flatMap { $0 }
    }
}

/// A pgbench script that replays captured statements: the values that must differ on every run
/// (UUIDs, the proposal's reference) become pgbench variables, set at the start of each run by
/// one `SELECT gen_random_uuid() … \gset` (one extra round trip that the HTTP path doesn't have,
/// which favours nothing of ours: it makes pgbench slower).
enum PgbenchScript {
    static func make(from statements: [StatementCapture.Statement], reference: String?) -> (script: String, statements: Int) {
        let uuidPattern = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/
        var variables: [String: String] = [:]
        var lines: [String] = []
        for statement in statements {
            var text = statement.inlined
            for match in text.matches(of: uuidPattern) {
                let value = String(match.output).lowercased()
                if variables[value] == nil { variables[value] = "u\(variables.count + 1)" }
            }
            for (value, name) in variables {
                text = text.replacingOccurrences(of: value, with: ":\(name)").replacingOccurrences(of: value.uppercased(), with: ":\(name)")
            }
            if let reference {
                if text.contains("nextval('proposal_reference_seq')") {
                    // The reference is made here and written back later: keep it in a variable.
                    text = "SELECT * FROM (\(text)) AS next_reference(reference) \\gset"
                } else {
                    text = text.replacingOccurrences(of: reference, with: ":reference")
                }
            }
            // pgbench takes one line per command.
            lines.append(text.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces).trimmingSuffix(";"))
        }
        let names = variables.values.sorted { Int($0.dropFirst())! < Int($1.dropFirst())! }
        let header = names.isEmpty ? [] : ["SELECT " + names.map { "gen_random_uuid() AS \($0)" }.joined(separator: ", ") + " \\gset"]
        return ((header + lines.map { $0.hasSuffix("\\gset") ? $0 : $0 + ";" }).joined(separator: "\n") + "\n", statements.count)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
