import Foundation

/// Splits a migration file into single statements.
///
/// PostgresNIO speaks the extended query protocol, which takes one statement at a time,
/// so a file is cut at each `;` that is not inside a quoted string, a quoted identifier,
/// a dollar-quoted body (`$$ … $$`, `$fn$ … $fn$`) or a comment.
public enum SQLScript {
    public static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        let characters = Array(script)
        var index = 0
        func peek(_ offset: Int) -> Character? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        func flush() {
            let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty && !isOnlyComments(statement) { statements.append(statement) }
            current = ""
        }
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "'", "\"":
                // A quoted string or identifier; a doubled quote is an escaped quote.
                current.append(character)
                index += 1
                while index < characters.count {
                    current.append(characters[index])
                    if characters[index] == character {
                        if peek(1) == character {
                            index += 1
                            current.append(characters[index])
                        } else {
                            break
                        }
                    }
                    index += 1
                }
            case "-" where peek(1) == "-":
                while index < characters.count && characters[index] != "\n" {
                    current.append(characters[index])
                    index += 1
                }
                continue
            case "/" where peek(1) == "*":
                var depth = 0
                repeat {
                    if characters[index] == "/" && peek(1) == "*" {
                        depth += 1
                        current.append(contentsOf: "/*")
                        index += 2
                    } else if characters[index] == "*" && peek(1) == "/" {
                        depth -= 1
                        current.append(contentsOf: "*/")
                        index += 2
                    } else {
                        current.append(characters[index])
                        index += 1
                    }
                } while depth > 0 && index < characters.count
                continue
            case "$":
                // A dollar-quote tag is $[letters, digits, _]*$ (not a $1 parameter).
                var end = index + 1
                while end < characters.count, characters[end].isLetter || characters[end] == "_" || (characters[end].isNumber && end > index + 1) {
                    end += 1
                }
                if end < characters.count, characters[end] == "$", !(peek(1)?.isNumber ?? false) {
                    let tag = String(characters[index...end])
                    current.append(tag)
                    index = end + 1
                    let tagCharacters = Array(tag)
                    while index < characters.count {
                        if characters[index] == "$", index + tagCharacters.count <= characters.count,
                           Array(characters[index..<(index + tagCharacters.count)]) == tagCharacters
                        {
                            current.append(tag)
                            index += tagCharacters.count
                            break
                        }
                        current.append(characters[index])
                        index += 1
                    }
                    continue
                }
                current.append(character)
            case ";":
                flush()
            default:
                current.append(character)
            }
            index += 1
        }
        flush()
        return statements
    }

    private static func isOnlyComments(_ statement: String) -> Bool {
        statement.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
    }
}
