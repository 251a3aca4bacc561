import Foundation

/// The built-in checks for SQL: `DROP DATABASE`/`DROP SCHEMA` (block), `TRUNCATE` (warn), and `DELETE` or
/// `UPDATE` without a `WHERE` at the statement's own level (warn). Comments (`--`, `/* */`) and the insides of
/// string literals are not read; statements end at `;`.
enum SQLChecker {
    struct Word {
        var upper: String
        var line: Int
        var depth: Int
    }

    /// Statements as keyword lists, and the comment ranges (Character offsets).
    static func scan(_ script: String) -> (statements: [[Word]], comments: [Range<Int>]) {
        let c = Array(script)
        var statements: [[Word]] = []
        var comments: [Range<Int>] = []
        var cur: [Word] = []
        var line = 1
        var depth = 0
        var i = 0
        while i < c.count {
            let ch = c[i]
            let next: Character? = i + 1 < c.count ? c[i + 1] : nil
            if ch == "\n" {
                line += 1
                i += 1
            } else if ch == "-" && next == "-" {
                let start = i
                while i < c.count && c[i] != "\n" { i += 1 }
                comments.append(start..<i)
            } else if ch == "/" && next == "*" {
                let start = i
                i += 2
                while i < c.count && !(c[i] == "*" && i + 1 < c.count && c[i + 1] == "/") {
                    if c[i] == "\n" { line += 1 }
                    i += 1
                }
                i = min(i + 2, c.count)
                comments.append(start..<i)
            } else if ch == "'" || ch == "\"" || ch == "`" {
                // A string or quoted name: skipped ('' and "" are escaped quotes and simply restart the scan).
                i += 1
                while i < c.count && c[i] != ch {
                    if c[i] == "\n" { line += 1 }
                    if c[i] == "\\" && ch == "'" { i += 1 }
                    i += 1
                }
                i += 1
                cur.append(Word(upper: "'", line: line, depth: depth))
            } else if ch == ";" {
                if !cur.isEmpty { statements.append(cur) }
                cur = []
                depth = 0
                i += 1
            } else if ch == "(" {
                depth += 1
                i += 1
            } else if ch == ")" {
                depth = max(0, depth - 1)
                i += 1
            } else if ch.isLetter || ch == "_" {
                var w = ""
                while i < c.count && (c[i].isLetter || c[i].isNumber || c[i] == "_" || c[i] == "$") {
                    w.append(c[i])
                    i += 1
                }
                cur.append(Word(upper: w.uppercased(), line: line, depth: depth))
            } else {
                i += 1
            }
        }
        if !cur.isEmpty { statements.append(cur) }
        return (statements, comments)
    }

    static func check(_ script: String, reporter: DangerReporter) {
        for statement in scan(script).statements {
            guard let first = statement.first else { continue }
            var verbIndex = 0
            if first.upper == "WITH" {
                guard let k = statement.firstIndex(where: {
                    $0.depth == 0 && ["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"].contains($0.upper)
                }) else { continue }
                verbIndex = k
            }
            let verb = statement[verbIndex]
            let rest = statement[(verbIndex + 1)...]
            switch verb.upper {
            case "DROP":
                if let what = rest.first, what.upper == "DATABASE" || what.upper == "SCHEMA" {
                    reporter.report("sql-drop-database", line: verb.line, "DROP \(what.upper) deletes a whole database")
                }
            case "TRUNCATE":
                reporter.report("sql-truncate", line: verb.line, "TRUNCATE deletes every row of the table")
            case "DELETE":
                if !rest.contains(where: { $0.upper == "WHERE" && $0.depth == 0 }) {
                    reporter.report("sql-delete-without-where", line: verb.line, "DELETE without WHERE deletes every row of the table")
                }
            case "UPDATE":
                if !rest.contains(where: { $0.upper == "WHERE" && $0.depth == 0 }) {
                    reporter.report("sql-update-without-where", line: verb.line, "UPDATE without WHERE changes every row of the table")
                }
            default:
                break
            }
        }
    }
}
