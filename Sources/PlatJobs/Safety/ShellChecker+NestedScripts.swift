import Foundation

/// Scripts inside scripts: `bash -c`, interpreters given code, here-documents and pipes fed to a shell,
/// command substitutions, redirects, `find -exec`, and disk formatting tools.
extension ShellChecker {
    /// `bash -c '...'`, `python3 -c '...'`, `perl -e '...'`, `psql -c '...'`, or a here-document fed to one.
    func checkInterpreter(_ name: String, _ language: ScriptLanguage, _ args: [ShellWord], command: Command,
                                  line: Int) {
        let inline: ShellWord?
        switch language {
        case .perl:
            inline = ShellChecker.optionValue(args, short: "e", long: nil) ?? ShellChecker.optionValue(args, short: "E", long: nil)
        case .powershell:
            inline = ShellChecker.optionValue(args, short: "c", long: "-Command")
        case .sql where name == "psql":
            inline = ShellChecker.optionValue(args, short: "c", long: "--command")
        case .sql where name == "sqlite3":
            // sqlite3 [options] FILE [SQL]
            let operands = args.filter { !($0.literal ?? "").hasPrefix("-") }
            inline = operands.count >= 2 ? operands.last : nil
        case .sql:
            inline = ShellChecker.optionValue(args, short: "e", long: "--execute")
        default:
            inline = ShellChecker.optionValue(args, short: "c", long: nil)
        }
        if let inline {
            nest(expand(inline).text, line: line, language: language, construct: "\(name) \(inline.source)")
        } else if pipedFrom != nil && !command.redirects.contains(where: { $0.op == "<" || $0.op == "<<<" || $0.heredoc != nil }) {
            // No script given: it reads one from the pipe unless a file operand is given (`bash x.sh`, `python3 -m m`).
            let operands = args.filter { !($0.literal ?? "").hasPrefix("-") }
            let readsStdin = operands.isEmpty || args.contains { $0.literal == "-s" || $0.literal == "-" }
            if readsStdin && !(language == .sql && name != "sqlite3" && operands.isEmpty == false) {
                checkPipedScript(name, language, line: line)
            }
        }
        for r in command.redirects {
            guard let index = r.heredoc, index < lexer.heredocs.count, reporter.canNest else { continue }
            let doc = lexer.heredocs[index]
            DangerChecks.run(doc.body, language: language, reporter: reporter.nested(startingAt: doc.startLine))
        }
    }

    func nest(_ script: String, line: Int, language: ScriptLanguage, construct: String = "a nested script") {
        guard reporter.canNest else { return reporter.tooDeep(line: line, construct) }
        DangerChecks.run(script, language: language, reporter: reporter.nested(atLine: line))
    }

    /// `[ -n "$D" ]`, `[[ $D ]]`, `test -d "$D"`: D is not empty in the commands this test guards.
    mutating func noteGuards(_ args: [ShellWord], command: Command) {
        var nonEmpty: Set<String> = []
        var empty: Set<String> = []
        func name(_ w: ShellWord) -> String? {
            for seg in w.segments { if case .variable(let n, _, _) = seg { return n } }
            return nil
        }
        var k = 0
        let unary: Set<String> = ["-n", "-d", "-e", "-f", "-s", "-L", "-h"]
        while k < args.count {
            let t = args[k].literal ?? ""
            if unary.contains(t), k + 1 < args.count, let n = name(args[k + 1]) { nonEmpty.insert(n); k += 2; continue }
            if t == "-z", k + 1 < args.count, let n = name(args[k + 1]) { empty.insert(n); k += 2; continue }
            if k + 2 < args.count, let n = name(args[k]), args[k + 1].literal == "!=" || args[k + 1].literal == "-ne",
               args[k + 2].literal == "" {
                nonEmpty.insert(n)
            }
            k += 1
        }
        if args.count == 2, args.last?.literal == "]]" || args.last?.literal == "]", let n = name(args[0]) { nonEmpty.insert(n) }
        if command.after == "&&" { chainGuard.formUnion(nonEmpty) }
        if !guardStack.isEmpty, command.words.first?.literal == "if" || command.words.first?.literal == "elif" {
            guardStack[guardStack.count - 1].formUnion(nonEmpty)
            zStack[zStack.count - 1].formUnion(empty)
        }
        pendingProof = command.after == "&&" ? empty : command.after == "||" ? nonEmpty : []
    }

    /// find with -delete or -exec rm/shred/unlink: what it deletes starts at its start paths.
    func checkFind(_ args: [ShellWord], line: Int, prefix: String) {
        let texts = args.map { $0.literal ?? $0.text }
        guard let firstTest = texts.firstIndex(where: { $0.hasPrefix("-") || $0 == "(" || $0 == "!" }) ?? Optional(texts.count) else { return }
        var deletes: String? = nil
        if texts.contains("-delete") { deletes = "-delete" }
        for (k, t) in texts.enumerated() where ["-exec", "-execdir", "-ok", "-okdir"].contains(t) && k + 1 < texts.count {
            let cmd = (texts[k + 1] as NSString).lastPathComponent
            if ["rm", "shred", "unlink", "rmdir", "truncate"].contains(cmd) { deletes = "\(t) \(cmd)" }
            if ShellChecker.shells.contains(cmd) || cmd == "sudo" {
                let inner = texts[(k + 1)...].prefix { $0 != ";" && $0 != "+" }.joined(separator: " ")
                var via: [String] = []
                if let (n, _) = ShellChecker.unwrap(args[(k + 1)...].prefix { $0.literal != ";" && $0.literal != "+" }.map { $0 }, via: &via),
                   ["rm", "shred", "unlink"].contains(n) || inner.contains("rm ") { deletes = "\(t) \(cmd)" }
            }
        }
        guard let deletes else { return }
        let starts = firstTest == 0 ? [ShellWord(segments: [.literal(".")], line: line, source: ".")] : Array(args[..<firstTest])
        for w in starts {
            let text = expand(w).text
            let path = text.hasSuffix("/") && text.count > 1 ? String(text.dropLast()) : text
            if let why = SystemPaths.danger(of: path, cwd: cwd) ?? (SystemPaths.normalize(path).count == 1 && path.hasPrefix("/") && SystemPaths.isSystemTopLevel(SystemPaths.normalize(path)[0]) ? "the system folder \(path)" : nil) {
                reporter.report("find-delete-system-path", line: line, "\(prefix)find \(ShellChecker.shown(w)) \(deletes) deletes files in \(why)")
            }
        }
    }

    /// A script fed to a shell or interpreter on its standard input: a here-string (`sh <<< '...'`), or the
    /// output of the command before it in a pipeline (`echo '...' | sh`, `cat <<E | bash`).
    func checkFedScripts(_ name: String, command: Command, line: Int) {
        guard let language = ShellChecker.interpreterLanguage(name) else { return }
        for r in command.redirects where r.op == "<<<" {
            guard let target = r.target else { continue }
            let (text, emptied) = expand(target)
            if let unknown = emptied.first {
                reporter.unchecked(line: line, "\(name) <<< \(target.source) runs text the checker cannot know (\(unknown))")
            } else {
                nest(text, line: line, language: language, construct: "\(name) <<<")
            }
        }
    }

    /// What a pipeline feeds a shell or interpreter that reads its script from standard input.
    func checkPipedScript(_ name: String, _ language: ScriptLanguage, line: Int) {
        guard let from = pipedFrom else { return }
        var via: [String] = []
        guard let (source, args) = ShellChecker.unwrap(from.words, via: &via) else { return }
        switch source {
        case "echo", "printf":
            let parts = args.filter { !(source == "echo" && ["-e", "-n", "-E", "-ne", "-en"].contains($0.literal ?? "")) }.map { expand($0) }
            if let unknown = parts.flatMap(\.emptied).first {
                reporter.unchecked(line: line, "\(source) ... | \(name) runs text the checker cannot know (\(unknown))")
                return
            }
            var text = parts.map(\.text).joined(separator: " ")
            if source == "printf" || args.contains(where: { $0.literal == "-e" }) {
                text = text.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\t", with: "\t")
            }
            nest(text, line: line, language: language, construct: "\(source) | \(name)")
        case "cat" where args.isEmpty && from.redirects.contains(where: { $0.heredoc != nil }):
            for r in from.redirects {
                guard let index = r.heredoc, index < lexer.heredocs.count else { continue }
                let doc = lexer.heredocs[index]
                if reporter.canNest {
                    DangerChecks.run(doc.body, language: language, reporter: reporter.nested(startingAt: doc.startLine))
                } else {
                    reporter.tooDeep(line: line, "cat <<... | \(name)")
                }
            }
        default:
            // A database client reading a dump (`gunzip < d.sql.gz | mysql`) is data loading, not a script we can
            // judge; shells and interpreters fed by another program are refused.
            if language != .sql {
                reporter.unchecked(line: line, "the output of \(source) is piped into \(name): the checker cannot read the script it runs")
            }
        }
    }

    /// `$(...)` and backticks anywhere in a command run, even inside `echo` arguments.
    func checkSubstitutions(_ command: Command) {
        let words = command.words + command.redirects.compactMap(\.target)
        for w in words {
            for seg in w.segments {
                if case .substitution(let body) = seg { nest(body, line: w.line, language: .bash) }
            }
        }
    }

    func checkRedirects(_ command: Command) {
        for r in command.redirects where [">", ">>", ">|", "&>", "&>>", "<>", ">&"].contains(r.op) {
            guard let target = r.target else { continue }
            let path = expand(target).text
            if SystemPaths.isDiskDevice(path) {
                reporter.report("redirect-disk", line: command.line, "\(r.op) \(target.source) writes onto the disk device \(path)")
            }
        }
    }

    func checkFormat(_ name: String, _ args: [ShellWord], line: Int, prefix: String) {
        let harmless: Set<String> = ["-n", "--no-act", "--help", "-h", "-V", "--version"]
        if args.contains(where: { harmless.contains($0.literal ?? "") }) && name == "wipefs" { return }
        if args.contains(where: { $0.literal == "--help" || $0.literal == "--version" }) { return }
        let target = args.last(where: { !($0.literal ?? "").hasPrefix("-") }).map { " " + $0.source } ?? ""
        reporter.report("format-disk", line: line, "\(prefix)\(name)\(target) erases a file system")
    }
}
