import Foundation

/// The built-in checks for PowerShell: `Remove-Item -Recurse` (and its aliases `rm ri del erase rd rmdir`) on a
/// drive root, a Windows system folder or a Unix system path; `Format-Volume`, `Clear-Disk`; `Stop-Computer`
/// and `Restart-Computer` (warn). Commands are found at the start of each statement (after `;`, `|`, a newline,
/// `{`, `(` or `&`), so `Get-ChildItem | ForEach-Object { Remove-Item ... }` is seen.
struct PowerShellChecker {
    /// A word with quotes removed; `expands` is false for single-quoted text (no variables inside).
    struct Word {
        var text: String
        var expands: Bool
    }

    struct Statement {
        var words: [Word] = []
        var line = 0
        /// The character that ended the statement before this one (`|` for the second stage of a pipeline).
        var before: Character? = nil
    }

    /// Statements and the ranges (Character offsets) of comments.
    static func scan(_ script: String) -> (statements: [Statement], comments: [Range<Int>]) {
        let c = Array(script)
        var statements: [Statement] = []
        var comments: [Range<Int>] = []
        var cur = Statement()
        var word = ""
        var inWord = false
        var expands = true
        var line = 1
        var wordLine = 1
        var i = 0
        func startWord() {
            if !inWord { wordLine = line }
            inWord = true
        }
        func endWord() {
            if inWord {
                if cur.words.isEmpty { cur.line = wordLine }
                cur.words.append(Word(text: word, expands: expands))
            }
            word = ""
            inWord = false
            expands = true
        }
        func endStatement(_ by: Character? = nil) {
            endWord()
            if !cur.words.isEmpty {
                statements.append(cur)
                cur = Statement()
            }
            cur.before = by
        }
        while i < c.count {
            let ch = c[i]
            let next: Character? = i + 1 < c.count ? c[i + 1] : nil
            if ch == "<" && next == "#" {
                let start = i
                i += 2
                while i < c.count && !(c[i] == "#" && i + 1 < c.count && c[i + 1] == ">") {
                    if c[i] == "\n" { line += 1 }
                    i += 1
                }
                i = min(i + 2, c.count)
                comments.append(start..<i)
                continue
            }
            if ch == "#" && !inWord {
                let start = i
                while i < c.count && c[i] != "\n" { i += 1 }
                comments.append(start..<i)
                continue
            }
            if ch == "`" && next == "\n" {
                endWord()
                line += 1
                i += 2
                continue
            }
            switch ch {
            case "\n", ";", "|", "{", "}", "(", ")", "&":
                endStatement(ch)
                if ch == "\n" { line += 1 }
                i += 1
            case " ", "\t", "\r", ",":
                // A comma separates the items of a path list; each item is judged on its own.
                endWord()
                i += 1
            case "'":
                startWord()
                expands = false
                i += 1
                while i < c.count {
                    if c[i] == "'" {
                        if i + 1 < c.count && c[i + 1] == "'" { word.append("'"); i += 2; continue }
                        break
                    }
                    if c[i] == "\n" { line += 1 }
                    word.append(c[i])
                    i += 1
                }
                i += 1
            case "\"":
                startWord()
                i += 1
                while i < c.count && c[i] != "\"" {
                    if c[i] == "`" && i + 1 < c.count {
                        word.append(c[i + 1])
                        i += 2
                        continue
                    }
                    if c[i] == "\n" { line += 1 }
                    word.append(c[i])
                    i += 1
                }
                i += 1
            case "`":
                startWord()
                if let next { word.append(next) }
                i += 2
            default:
                startWord()
                word.append(ch)
                i += 1
            }
        }
        endStatement()
        return (statements, comments)
    }

    static let removeCommands: Set<String> = ["remove-item", "rm", "ri", "del", "erase", "rd", "rmdir"]
    /// Parameters of Remove-Item (and common ones) that take a value, so the value is not read as a path.
    static let valuedParameters = ["filter", "include", "exclude", "credential", "stream", "erroraction",
                                   "warningaction", "errorvariable", "outvariable", "informationaction",
                                   "pipelinevariable", "outbuffer", "ea", "wa", "ev", "ov", "pv", "ob", "infa"]

    static let listCommands: Set<String> = ["get-childitem", "gci", "ls", "dir", "get-item", "gi", "resolve-path"]

    static func check(_ script: String, reporter: DangerReporter) {
        let statements = scan(script).statements
        // Variables the script sets to a literal (`$p = 'C:\Windows'`), and the environment the call gives.
        var vars: [String: String] = [:]
        for (k, v) in reporter.env { vars["env:" + k.lowercased()] = v }
        for (index, statement) in statements.enumerated() {
            guard var name = statement.words.first?.text.lowercased() else { continue }
            if let slash = name.lastIndex(of: "\\") { name = String(name[name.index(after: slash)...]) }
            let args = Array(statement.words.dropFirst()).map { resolve($0, vars) }
            if name.hasPrefix("$"), args.first?.text == "=", args.count == 2 {
                let (value, emptied) = worstCase(args[1])
                if emptied.isEmpty { vars[String(name.dropFirst())] = value } else { vars.removeValue(forKey: String(name.dropFirst())) }
                continue
            }
            if name.hasSuffix("directory]::delete") || name.hasSuffix("filesystem]::deletedirectory") {
                // [IO.Directory]::Delete(path, $true): the arguments are the next statement (after the parenthesis).
                if index + 1 < statements.count, let path = statements[index + 1].words.first.map({ resolve($0, vars) }) {
                    let recursive = statements[index + 1].words.dropFirst().contains { $0.text.lowercased() == "$true" } || name.hasSuffix("deletedirectory")
                    if recursive, let why = danger(path) {
                        reporter.report("remove-item-system-path", line: statement.line, "\(statement.words[0].text)(\(path.text)) removes \(why)")
                    }
                }
                continue
            }
            switch name {
            case "iex", "invoke-expression":
                let text = args.filter { !$0.text.hasPrefix("-") }
                if let first = text.first {
                    let (value, emptied) = worstCase(first)
                    if !emptied.isEmpty {
                        reporter.unchecked(line: statement.line, "\(statement.words[0].text) \(first.text) runs text the checker cannot know before the script runs")
                    } else if reporter.canNest {
                        check(value, reporter: reporter.nested(atLine: statement.line))
                    } else {
                        reporter.tooDeep(line: statement.line, statement.words[0].text)
                    }
                } else if statement.before == "|" {
                    reporter.unchecked(line: statement.line, "text piped into \(statement.words[0].text) cannot be checked before it runs")
                } else if index + 1 < statements.count, statements[index + 1].before == "(" {
                    // iex (expression): judged as unknown text unless it is one literal.
                    let inner = statements[index + 1].words
                    if inner.count == 1, !inner[0].expands || !inner[0].text.contains("$"), reporter.canNest {
                        check(inner[0].text, reporter: reporter.nested(atLine: statement.line))
                    } else {
                        reporter.unchecked(line: statement.line, "\(statement.words[0].text) (...) runs text the checker cannot know before the script runs")
                    }
                }
            case "powershell", "powershell.exe", "pwsh", "pwsh.exe":
                if let k = args.firstIndex(where: { ["-command", "-c", "/c", "-commandwithargs"].contains($0.text.lowercased()) }) {
                    let text = args[(k + 1)...].map(\.text).joined(separator: " ")
                    if reporter.canNest { check(text, reporter: reporter.nested(atLine: statement.line)) }
                    else { reporter.tooDeep(line: statement.line, "powershell -Command") }
                }
            case _ where removeCommands.contains(name):
                var withInput = args
                let hasPath = args.contains { !$0.text.hasPrefix("-") } || args.contains { ["-path", "-literalpath", "-lp"].contains($0.text.lowercased()) }
                if statement.before == "|", !hasPath, index > 0 {
                    // The items come from the pipeline: what the previous stage lists.
                    let source = statements[index - 1]
                    let sourceName = source.words.first?.text.lowercased() ?? ""
                    if listCommands.contains(sourceName) {
                        let paths = source.words.dropFirst().map { resolve($0, vars) }.filter { !$0.text.hasPrefix("-") }
                        withInput += paths.prefix(1)
                    } else if args.contains(where: { "-recurse".hasPrefix($0.text.lowercased()) && $0.text.count > 1 }) {
                        reporter.unchecked(line: statement.line, "\(statement.words[0].text) -Recurse deletes what \(source.words.first?.text ?? "the pipeline") sends it: the checker cannot know which paths")
                    }
                }
                checkRemove(statement.words[0].text, withInput, line: statement.line, reporter: reporter)
            case "format-volume", "clear-disk", "initialize-disk":
                reporter.report("format-disk", line: statement.line, "\(statement.words[0].text) erases a disk")
            case "stop-computer", "restart-computer":
                reporter.report("power", line: statement.line, "\(statement.words[0].text) stops or restarts the host")
            default:
                break
            }
        }
    }

    private static func checkRemove(_ name: String, _ args: [Word], line: Int, reporter: DangerReporter) {
        var recursive = false
        var paths: [Word] = []
        var k = 0
        while k < args.count {
            let a = args[k]
            k += 1
            guard a.text.hasPrefix("-"), a.text.count > 1, let second = a.text.dropFirst().first, second.isLetter else {
                paths.append(a)
                continue
            }
            var param = String(a.text.dropFirst()).lowercased()
            var value: String? = nil
            if let colon = param.firstIndex(of: ":") {
                value = String(param[param.index(after: colon)...])
                param = String(param[..<colon])
            }
            if "recurse".hasPrefix(param) {
                recursive = value.map { $0 != "$false" && $0 != "0" } ?? true
            } else if "path".hasPrefix(param) || "literalpath".hasPrefix(param) || param == "lp" || param == "pspath" {
                if value == nil, k < args.count {
                    paths.append(args[k])
                    k += 1
                } else if let value {
                    paths.append(Word(text: value, expands: a.expands))
                }
            } else if value == nil, param.count >= 2, valuedParameters.contains(where: { $0.hasPrefix(param) }) {
                k += 1
            }
        }
        guard recursive else { return }
        for p in paths {
            if let why = danger(p) {
                reporter.report("remove-item-system-path", line: line, "\(name) -Recurse \(p.text) removes \(why)")
            }
        }
    }

    /// A word with the script's own variables (`$p`, `$env:X` from `env:`) replaced by their values.
    static func resolve(_ w: Word, _ vars: [String: String]) -> Word {
        guard w.expands, w.text.contains("$"), !vars.isEmpty else { return w }
        var text = w.text
        for (name, value) in vars.sorted(by: { $0.key.count > $1.key.count }) {
            for form in ["${\(name)}", "$\(name)"] {
                var searchStart = text.startIndex
                while let r = text.range(of: form, options: .caseInsensitive, range: searchStart..<text.endIndex) {
                    let after = r.upperBound
                    if form.hasPrefix("$") && !form.hasPrefix("${"), after < text.endIndex,
                       text[after].isLetter || text[after].isNumber || text[after] == "_" || text[after] == ":" {
                        searchStart = after
                        continue
                    }
                    text.replaceSubrange(r, with: value)
                    searchStart = text.index(r.lowerBound, offsetBy: value.count, limitedBy: text.endIndex) ?? text.endIndex
                }
            }
        }
        return Word(text: text, expands: w.expands)
    }

    /// Known variables become their usual values; any other variable or `$(...)` may be empty.
    static func worstCase(_ w: Word) -> (text: String, emptied: [String]) {
        guard w.expands, w.text.contains("$") else { return (w.text, []) }
        let known: [String: String] = ["env:systemdrive": "C:", "env:systemroot": "C:\\Windows", "env:windir": "C:\\Windows",
                                       "env:programfiles": "C:\\Program Files", "env:programdata": "C:\\ProgramData",
                                       "env:userprofile": "~", "home": "~", "env:home": "~",
                                       "psscriptroot": "$PSScriptRoot", "pwd": "$PWD"]
        let c = Array(w.text)
        var out = ""
        var emptied: [String] = []
        var i = 0
        while i < c.count {
            guard c[i] == "$", i + 1 < c.count else {
                out.append(c[i])
                i += 1
                continue
            }
            if c[i + 1] == "(" || c[i + 1] == "{" {
                let close: Character = c[i + 1] == "(" ? ")" : "}"
                var j = i + 2
                while j < c.count && c[j] != close { j += 1 }
                let inner = String(c[min(i + 2, c.count)..<min(j, c.count)])
                if let v = known[inner.lowercased()] { out += v } else { emptied.append("$" + inner) }
                i = j + 1
                continue
            }
            var j = i + 1
            while j < c.count && (c[j].isLetter || c[j].isNumber || c[j] == "_" || c[j] == ":") { j += 1 }
            let varName = String(c[(i + 1)..<j])
            if varName.isEmpty {
                out.append("$")
                i += 1
                continue
            }
            if let v = known[varName.lowercased()] { out += v } else { emptied.append("$" + varName) }
            i = j
        }
        return (out, emptied)
    }

    /// Why recursively removing this path harms the host, or nil: Windows paths by drive, `\x` on the current
    /// drive, Unix paths and `~`.
    static func danger(_ w: Word) -> String? {
        let (text, emptied) = worstCase(w)
        return SystemPaths.windowsRemovalDanger(text, emptied: emptied, rootedUnix: true)
    }
}
