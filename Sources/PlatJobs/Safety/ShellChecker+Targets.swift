import Foundation

/// What a command acts on: `rm`, `chmod` and `chown` targets judged with variables, links and the working
/// folder resolved, and how a word is shown in a finding.
extension ShellChecker {
    // MARK: - rm, chmod, chown

    func checkRemove(_ args: [ShellWord], line: Int, shown: String) {
        var recursive = false
        var operands: [ShellWord] = []
        var optionsEnded = false
        for a in args {
            if !optionsEnded, let t = a.literal, t.hasPrefix("-"), t.count > 1 {
                if t == "--" {
                    optionsEnded = true
                } else if t.hasPrefix("--") {
                    if t.count >= 5 && "--recursive".hasPrefix(t) { recursive = true }
                } else if t.contains("r") || t.contains("R") {
                    recursive = true
                }
                continue
            }
            operands.append(a)
        }
        guard recursive else { return }
        for w in operands {
            if let why = danger(of: w) {
                reporter.report("rm-system-path", line: line, "\(shown) -r \(ShellChecker.shown(w)) \(why)")
            }
        }
    }

    /// chmod/chown/chgrp with -R: the first operand is the mode or owner (unless --reference), the rest paths.
    func checkRecursiveOwnership(_ args: [ShellWord], line: Int, rule: String, verb: String, options: String) {
        var recursive = false
        var operands: [ShellWord] = []
        var hasReference = false
        var optionsEnded = false
        for a in args {
            let t = a.literal ?? ""
            if !optionsEnded && t == "--" { optionsEnded = true; continue }
            if !optionsEnded && t.hasPrefix("--") {
                if t == "--recursive" { recursive = true }
                if t.hasPrefix("--reference") { hasReference = true }
                continue
            }
            if !optionsEnded && t.hasPrefix("-") && t.count > 1 && t.dropFirst().allSatisfy({ options.contains($0) }) {
                if t.contains("R") { recursive = true }
                continue
            }
            operands.append(a)
        }
        guard recursive else { return }
        for w in operands.dropFirst(hasReference ? 0 : 1) {
            if let why = danger(of: w) {
                reporter.report(rule, line: line, "\(verb) \(ShellChecker.shown(w)) \(why.replacingOccurrences(of: "removes", with: "changes"))")
            }
        }
    }

    /// Why touching this word's paths recursively is dangerous, phrased as "removes ...", or nil.
    func danger(of w: ShellWord) -> String? {
        for (text, emptied) in expansions(w) {
            if let why = danger(text: resolveLinks(text), emptied: emptied) { return why }
        }
        return nil
    }

    /// A path through a link the script made (`ln -s / /tmp/r` then `/tmp/r/*`) is the link's target.
    func resolveLinks(_ text: String) -> String {
        for (link, target) in links where text == link || text.hasPrefix(link + "/") {
            return target + "/" + text.dropFirst(link.count)
        }
        return text
    }

    func danger(text: String, emptied: [String]) -> String? {
        for candidate in SystemPaths.expandBraces(text) {
            guard let why = SystemPaths.danger(of: candidate, cwd: cwd) else { continue }
            if !emptied.isEmpty {
                return "removes \(why) when \(ShellChecker.describe(emptied))"
            }
            if !candidate.hasPrefix("/") && !candidate.hasPrefix("~"), let cwd {
                return "in \(cwd) removes \(why)" + (cwdReason.map { " (\($0))" } ?? "")
            }
            return "removes \(why)"
        }
        return nil
    }

    /// "DIR is empty or unset (write ${DIR:?} to stop on an empty value)", or the same for `$(...)` and the
    /// computed parts of Python and Perl strings.
    static func describe(_ emptied: [String]) -> String {
        let shellNames = emptied.filter { $0 != ScriptScanner.unknownName && $0 != "$(...)" }
        if let first = shellNames.first {
            return "\(shellNames.joined(separator: ", ")) is empty or unset (write ${\(first):?} to stop on an empty value)"
        }
        if emptied.contains("$(...)") { return "the output of $(...) is empty" }
        return "its computed part is empty"
    }

    /// Shows a word as written, with computed parts of Python and Perl strings as `…`.
    static func shown(_ w: ShellWord) -> String {
        w.source.replacingOccurrences(of: ScriptScanner.unknownPart, with: "…")
    }

    mutating func changeDirectory(_ args: [ShellWord]) {
        let operands = args.filter { !(["-L", "-P", "-e", "-@"].contains($0.literal ?? "")) }
        let before = cwd
        defer { oldCwd = before }
        if operands.first?.literal == "-" {
            cwd = oldCwd
            cwdReason = oldCwd.map { "cd - goes back to \($0)" }
            return
        }
        cwdReason = nil
        guard let target = operands.first else {
            cwd = "~"
            return
        }
        let (text, emptied) = expand(target)
        if text.isEmpty, let name = emptied.first, target.source.hasPrefix("$") {
            // Unquoted and empty, the word disappears and `cd` alone goes home.
            cwd = "~"
            cwdReason = "cd \(target.source) goes to the home folder when \(name) is empty"
        } else if !emptied.isEmpty || text == "-" || text.contains("$") {
            cwd = nil
        } else if text.hasPrefix("/") {
            cwd = "/" + SystemPaths.normalize(text).joined(separator: "/")
        } else if text.hasPrefix("~") {
            cwd = text
        } else if let cwd {
            self.cwd = cwd + "/" + text
        }
    }
}
