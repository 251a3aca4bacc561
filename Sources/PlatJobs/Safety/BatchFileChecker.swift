import Foundation

/// The built-in checks for Windows batch files: `rd /s` (`rmdir /s`) and `del /s` (`erase /s`) on a drive root
/// or a system folder, `format X:`, and `shutdown` (warn). `REM` and `::` lines are comments.
enum BatchFileChecker {
    struct Command {
        var words: [String]
        var line: Int
    }

    /// Commands per line (split at `&`, `&&`, `||`, `|` outside quotes) and the comment ranges (Character offsets).
    static func scan(_ script: String) -> (commands: [Command], comments: [Range<Int>]) {
        var commands: [Command] = []
        var comments: [Range<Int>] = []
        var offset = 0
        var pending = ""
        var pendingLine = 1
        let lines = script.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, raw) in lines.enumerated() {
            let lineNumber = index + 1
            defer { offset += raw.count + 1 }
            let trimmed = raw.drop(while: { $0 == " " || $0 == "\t" || $0 == "@" })
            let lower = trimmed.lowercased()
            if pending.isEmpty && (lower.hasPrefix("::") || lower == "rem" || lower.hasPrefix("rem ") || lower.hasPrefix("rem\t")) {
                comments.append(offset..<(offset + raw.count))
                continue
            }
            var text = String(raw)
            if text.hasSuffix("\r") { text.removeLast() }
            if pending.isEmpty { pendingLine = lineNumber }
            // `^` at the end of a line continues the command on the next one.
            if text.hasSuffix("^") {
                pending += text.dropLast() + " "
                continue
            }
            pending += text
            for part in splitCommands(pending) {
                let words = splitWords(part)
                if !words.isEmpty { commands.append(Command(words: words, line: pendingLine)) }
            }
            pending = ""
        }
        return (commands, comments)
    }

    private static func splitCommands(_ s: String) -> [String] {
        var parts: [String] = []
        var cur = ""
        var quoted = false
        for ch in s {
            if ch == "\"" { quoted.toggle() }
            if !quoted && (ch == "&" || ch == "|" || ch == "(" || ch == ")") {
                parts.append(cur)
                cur = ""
            } else {
                cur.append(ch)
            }
        }
        parts.append(cur)
        return parts
    }

    private static func splitWords(_ s: String) -> [String] {
        var words: [String] = []
        var cur = ""
        var quoted = false
        var inWord = false
        for ch in s {
            if ch == "\"" {
                quoted.toggle()
                inWord = true
            } else if !quoted && (ch == " " || ch == "\t" || ch == "\r") {
                if inWord { words.append(cur) }
                cur = ""
                inWord = false
            } else {
                cur.append(ch)
                inWord = true
            }
        }
        if inWord { words.append(cur) }
        return words
    }

    /// `rd/s/q` is `rd /s /q`, and `/s/q` is `/s /q`: cmd splits a command name and switches at `/`.
    static func splitSwitches(_ words: [String]) -> [String] {
        var out: [String] = []
        for (k, w) in words.enumerated() {
            if k == 0, let slash = w.firstIndex(of: "/"), slash != w.startIndex, !w.contains("\\"), !w.contains(":") {
                out.append(String(w[..<slash]))
                out += w[slash...].split(separator: "/").map { "/" + $0 }
            } else if w.hasPrefix("/"), w.count > 2, w.dropFirst().contains("/") {
                out += w.split(separator: "/").map { "/" + $0 }
            } else {
                out.append(w)
            }
        }
        return out
    }

    static func check(_ script: String, reporter: DangerReporter) {
        // Variables set to a known value (`set D=C:\Windows`), the call's environment, and %1... from its args.
        var vars: [String: String] = [:]
        for (k, v) in reporter.env { vars[k.lowercased()] = v }
        if let args = reporter.args {
            for k in 1...9 { vars[String(k)] = k <= args.count ? args[k - 1] : "" }
        }
        for command in scan(script).commands {
            let words = splitSwitches(command.words)
            guard let first = words.first else { continue }
            let name = first.lowercased()
            let args = Array(words.dropFirst())
            let switches = Set(args.filter { $0.hasPrefix("/") && $0.count == 2 }.map { $0.lowercased() })
            let operands = args.filter { !($0.hasPrefix("/") && $0.count == 2) }
            switch name {
            case "set":
                var assignment = args.filter { $0.lowercased() != "/a" && $0.lowercased() != "/p" }.joined(separator: " ")
                if assignment.hasPrefix("\""), assignment.hasSuffix("\"") { assignment = String(assignment.dropFirst().dropLast()) }
                if let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex {
                    let key = String(assignment[..<eq]).lowercased()
                    let (value, emptied) = worstCase(String(assignment[assignment.index(after: eq)...]), vars: vars)
                    if emptied.isEmpty { vars[key] = value } else { vars.removeValue(forKey: key) }
                }
            case "cmd", "cmd.exe":
                if let k = args.firstIndex(where: { ["/c", "/k", "/r"].contains($0.lowercased()) }) {
                    let inner = command.words.count > k + 1 ? args[(k + 1)...].joined(separator: " ") : ""
                    if reporter.canNest {
                        check(inner, reporter: reporter.nested(atLine: command.line))
                    } else {
                        reporter.tooDeep(line: command.line, "cmd /c")
                    }
                }
            case "powershell", "powershell.exe", "pwsh", "pwsh.exe":
                if let k = command.words.dropFirst().firstIndex(where: { ["-command", "-c", "/c"].contains($0.lowercased()) }) {
                    let inner = command.words[(k + 1)...].joined(separator: " ")
                    if reporter.canNest {
                        PowerShellChecker.check(inner, reporter: reporter.nested(atLine: command.line))
                    } else {
                        reporter.tooDeep(line: command.line, "powershell -Command")
                    }
                }
            case "rd", "rmdir", "del", "erase":
                guard switches.contains("/s") else { continue }
                for path in operands {
                    var judged = path
                    // del /s FOLDER\* deletes every file under FOLDER.
                    if name == "del" || name == "erase" {
                        for suffix in ["\\*.*", "\\*"] where judged.hasSuffix(suffix) && judged.count > suffix.count + 2 {
                            judged = String(judged.dropLast(suffix.count))
                        }
                    }
                    if let why = danger(judged, vars: vars) {
                        reporter.report("rd-system-path", line: command.line, "\(name) /s \(path) removes \(why)")
                    }
                }
            case "format":
                if let drive = operands.first, SystemPaths.isWindowsPath(drive) {
                    reporter.report("format-disk", line: command.line, "format \(drive) erases a disk")
                }
            case "shutdown":
                if !switches.contains("/a") {
                    reporter.report("power", line: command.line, "shutdown stops or restarts the host")
                }
            default:
                break
            }
        }
    }

    /// `%SystemRoot%` and friends become their usual values; other `%X%`, `%1` and `!X!` may be empty.
    static func worstCase(_ s: String, vars: [String: String] = [:]) -> (text: String, emptied: [String]) {
        let known: [String: String] = ["systemroot": "C:\\Windows", "windir": "C:\\Windows", "systemdrive": "C:",
                                       "programfiles": "C:\\Program Files", "programdata": "C:\\ProgramData",
                                       "userprofile": "~", "homedrive": "C:", "cd": "%CD%", "temp": "%TEMP%",
                                       "tmp": "%TMP%"]
        let c = Array(s)
        var out = ""
        var emptied: [String] = []
        var i = 0
        while i < c.count {
            let ch = c[i]
            if ch == "%", i + 1 < c.count {
                let n = c[i + 1]
                if n == "~" {
                    // %~dp0 and the like: the script's own folder, never empty.
                    var j = i + 2
                    while j < c.count && c[j].isLetter { j += 1 }
                    out += "%~script"
                    i = min(j + 1, c.count)
                    continue
                }
                if n.isNumber || n == "*" {
                    if let v = vars[String(n)], !v.isEmpty { out += v } else { emptied.append("%" + String(n)) }
                    i += 2
                    continue
                }
                if let close = c[(i + 1)...].firstIndex(of: "%") {
                    let name = String(c[(i + 1)..<close])
                    if let v = vars[name.lowercased()], !v.isEmpty { out += v } else if let v = known[name.lowercased()] { out += v } else { emptied.append("%\(name)%") }
                    i = close + 1
                    continue
                }
            }
            if ch == "!", let close = c[(i + 1)...].firstIndex(of: "!") {
                emptied.append(String(c[i...close]))
                i = close + 1
                continue
            }
            out.append(ch)
            i += 1
        }
        return (out, emptied)
    }

    static func danger(_ path: String, vars: [String: String] = [:]) -> String? {
        let (text, emptied) = worstCase(path, vars: vars)
        return SystemPaths.windowsRemovalDanger(text, emptied: emptied, rootedUnix: false)
    }
}
