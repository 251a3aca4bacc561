import Foundation

/// The built-in checks for SQL: `DROP DATABASE`/`DROP SCHEMA` (block), `TRUNCATE` (warn), and `DELETE` or
/// `UPDATE` without a `WHERE` at the statement's own level (warn). Comments (`--`, `/* */`) and the insides of
/// string literals are not read; statements end at `;`.
enum SQLChecker {
    struct Word {
        var upper: String
        var line: Int
        var depth: Int
        /// For a string literal (`upper` is "'"): its text.
        var text: String? = nil
    }

    /// A dollar-quoted block (`DO $$ ... $$`, `AS $f$ ... $f$`): code, checked as SQL of its own.
    struct Block {
        var body: String
        var line: Int
    }

    /// Statements as keyword lists, and the comment ranges (Character offsets).
    static func scan(_ script: String) -> (statements: [[Word]], comments: [Range<Int>]) {
        let r = scanAll(script)
        return (r.statements, r.comments)
    }

    static func scanAll(_ script: String) -> (statements: [[Word]], comments: [Range<Int>], blocks: [Block]) {
        let c = Array(script)
        var blocks: [Block] = []
        var versioned = false
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
            } else if ch == "/" && next == "*" && i + 2 < c.count && (c[i + 2] == "!" || (c[i + 2] == "M" && i + 3 < c.count && c[i + 3] == "!")) {
                // MySQL/MariaDB versioned comments (`/*!50000 ... */`, `/*M!... */`) are executed: read them as code.
                i += c[i + 2] == "!" ? 3 : 4
                while i < c.count && c[i].isNumber { i += 1 }
                versioned = true
            } else if versioned && ch == "*" && next == "/" {
                versioned = false
                i += 2
            } else if ch == "$", let end = c[(i + 1)...].firstIndex(of: "$"),
                      c[(i + 1)..<end].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                      !(c[(i + 1)..<end].first?.isNumber ?? false) {
                // A dollar-quoted string: `$$...$$` or `$tag$...$tag$`.
                let tag = Array(c[i...end])
                var k = end + 1
                var found = c.count
                while k + tag.count <= c.count {
                    if Array(c[k..<(k + tag.count)]) == tag { found = k; break }
                    k += 1
                }
                let body = String(c[(end + 1)..<min(found, c.count)])
                let startLine = line
                line += body.filter { $0 == "\n" }.count
                i = min(found + tag.count, c.count)
                if let prev = cur.last?.upper, prev == "DO" || prev == "AS" || prev == "BEGIN" {
                    blocks.append(Block(body: body, line: startLine))
                    cur.append(Word(upper: "$BLOCK$", line: startLine, depth: depth))
                } else {
                    cur.append(Word(upper: "'", line: startLine, depth: depth, text: body))
                }
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
                // A string or quoted name ('' and "" are escaped quotes and simply restart the scan).
                let startLine = line
                var text = ""
                i += 1
                while i < c.count && c[i] != ch {
                    if c[i] == "\n" { line += 1 }
                    if c[i] == "\\" && ch == "'" && i + 1 < c.count { i += 1 }
                    text.append(c[i])
                    i += 1
                }
                i += 1
                cur.append(Word(upper: ch == "'" ? "'" : "\"", line: startLine, depth: depth, text: text))
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
        return (statements, comments, blocks)
    }

    /// Client commands that run a shell: sqlite3 `.shell CMD` and `.system CMD`, psql `\\! CMD`, and output piped
    /// to a command (`.output |CMD`, `.once |CMD`, `\\o |CMD`, `\\g |CMD`). Returns the script with those lines blanked.
    static func checkClientCommands(_ script: String, reporter: DangerReporter) -> String {
        var lines = script.components(separatedBy: "\n")
        for (index, raw) in lines.enumerated() {
            let t = raw.trimmingCharacters(in: .whitespaces)
            var command: String? = nil
            var shown = ""
            for prefix in [".shell ", ".system ", "\\! ", "\\!"] where t.hasPrefix(prefix) {
                command = String(t.dropFirst(prefix.count))
                shown = prefix.trimmingCharacters(in: .whitespaces)
                break
            }
            for prefix in [".output", ".once", "\\o", "\\g", "\\out"] where command == nil && t.hasPrefix(prefix) {
                let rest = t.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
                if rest.hasPrefix("|") {
                    command = String(rest.dropFirst())
                    shown = prefix + " |"
                }
            }
            if t.hasPrefix(".") || t.hasPrefix("\\") {
                lines[index] = "" // a client command, not SQL
            }
            guard let command else { continue }
            if reporter.canNest {
                ShellChecker.check(command, reporter: reporter.nested(atLine: index + 1))
            } else {
                reporter.tooDeep(line: index + 1, shown)
            }
        }
        return lines.joined(separator: "\n")
    }

    static func check(_ script: String, reporter: DangerReporter) {
        let sql = checkClientCommands(script, reporter: reporter)
        let scanned = scanAll(sql)
        for block in scanned.blocks {
            if reporter.canNest {
                checkStatements(scanAll(block.body), reporter: reporter.nested(startingAt: block.line), inBlock: true)
            } else {
                reporter.tooDeep(line: block.line, "a $$ block")
            }
        }
        checkStatements(scanned, reporter: reporter, inBlock: false)
    }

    /// SQL given as a string to run: checked as SQL, or refused when it is built at run time.
    private static func checkDynamic(_ statement: [Word], at k: Int, what: String, reporter: DangerReporter, inBlock: Bool,
                                     language: ScriptLanguage = .sql) {
        let next = k + 1 < statement.count ? statement[k + 1] : nil
        if let next, next.upper == "'", let text = next.text {
            if reporter.canNest {
                DangerChecks.run(text, language: language, reporter: reporter.nested(atLine: next.line))
            } else {
                reporter.tooDeep(line: next.line, what)
            }
        } else if inBlock || what != "EXECUTE" {
            reporter.unchecked(line: statement[k].line, "\(what) runs \(language == .sql ? "SQL" : "a command") built at run time (\(next.map { $0.text ?? $0.upper } ?? "nothing")): the checker cannot read it")
        }
    }

    private static func checkStatements(_ scanned: (statements: [[Word]], comments: [Range<Int>], blocks: [Block]),
                                        reporter: DangerReporter, inBlock: Bool) {
        for statement in scanned.statements {
            for (k, w) in statement.enumerated() {
                switch w.upper {
                case "PROGRAM" where k > 0 && ["TO", "FROM"].contains(statement[k - 1].upper):
                    checkDynamic(statement, at: k, what: "\(statement[k - 1].upper) PROGRAM", reporter: reporter, inBlock: true,
                                 language: .sh)
                case "EXECUTE" where k > 0 || inBlock:
                    checkDynamic(statement, at: k, what: "EXECUTE", reporter: reporter, inBlock: inBlock)
                case "IMMEDIATE" where k > 0 && statement[k - 1].upper == "EXECUTE":
                    checkDynamic(statement, at: k, what: "EXECUTE IMMEDIATE", reporter: reporter, inBlock: true)
                case "FROM" where statement.first?.upper == "PREPARE" && k == 2:
                    checkDynamic(statement, at: k, what: "PREPARE ... FROM", reporter: reporter, inBlock: true)
                default:
                    break
                }
            }
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
