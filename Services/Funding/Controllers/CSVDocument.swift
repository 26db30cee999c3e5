import Foundation
import Hummingbird

/// An RFC 4180 CSV document: UTF-8, CRLF line ends, a header row, fields quoted when they
/// hold a comma, a quote or a line break (quotes doubled), amounts with a decimal point.
/// Text that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
/// return) is prefixed with an apostrophe; figures are never touched.
struct CSVDocument: Sendable {
    enum Cell: Sendable {
        /// Free text (names, references, notes): guarded against formula injection.
        case text(String?)
        /// A figure or code written as is.
        case figure(String?)
    }

    var header: [String]
    var rows: [[Cell]] = []

    var text: String {
        var out = header.map(Self.quoted).joined(separator: ",") + "\r\n"
        for row in rows {
            out += row.map { cell in
                switch cell {
                case .figure(let value): return Self.quoted(value ?? "")
                case .text(let value):
                    guard let value, let first = value.first else { return "" }
                    return Self.quoted("=+-@\t\r".contains(first) ? "'" + value : value)
                }
            }.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// The document as a download named `fileName`.
    func response(fileName: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8; header=present"
        headers[.contentDisposition] = "attachment; filename=\"\(fileName)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
