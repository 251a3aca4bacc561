import Foundation

/// The built-in checks for bash and sh scripts, run on the tokens of `ShellLexer`.
///
/// It follows the script command by command: wrappers (`sudo`, `env`, `nice`, `xargs`...) are looked through,
/// `cd` moves a known working folder (so `cd / && rm -rf *` is seen), and scripts inside scripts (`bash -c`,
/// `eval`, `$(...)`, here-documents fed to a shell or interpreter, `python -c`) are checked too. Text that is
/// only data (comments, `echo` arguments, here-documents fed to `cat`) is not.
struct ShellChecker {
    private let reporter: DangerReporter
    private let lexer: ShellLexer
    /// The working folder when a `cd` made it known: absolute (`/srv`) or home-based (`~`, `~/x`).
    private var cwd: String? = nil
    /// Why the working folder is what it is, when that is not obvious (`cd $DIR` with DIR empty goes home).
    private var cwdReason: String? = nil
    /// Variables the script set to a value known in advance (`DIR=/tmp/build`), so `rm -rf "$DIR"/*` is judged
    /// by that value instead of as a variable that may be empty. Later assignments replace earlier ones.
    private var known: [String: String] = [:]

    static func check(_ script: String, reporter: DangerReporter) {
        var checker = ShellChecker(reporter: reporter, lexer: ShellLexer(script))
        checker.run()
    }

    private init(reporter: DangerReporter, lexer: ShellLexer) {
        self.reporter = reporter
        self.lexer = lexer
    }

    /// One simple command: its words and redirections.
    struct Command {
        var words: [ShellWord] = []
        var redirects: [(op: String, target: ShellWord?, heredoc: Int?)] = []
        var line = 0
    }

    private mutating func run() {
        findForkBombs()
        for command in ShellChecker.commands(lexer.tokens) {
            checkSubstitutions(command)
            analyze(command)
        }
    }

    /// Splits tokens into simple commands at every operator; a redirection takes the word after it.
    static func commands(_ tokens: [ShellToken]) -> [Command] {
        var out: [Command] = []
        var cur = Command()
        var k = 0
        func finish() {
            if !cur.words.isEmpty || !cur.redirects.isEmpty { out.append(cur) }
            cur = Command()
        }
        while k < tokens.count {
            switch tokens[k] {
            case .word(let w):
                if cur.words.isEmpty && cur.redirects.isEmpty { cur.line = w.line }
                cur.words.append(w)
            case .op:
                finish()
            case .redirect(let op, let line, let heredoc):
                if cur.words.isEmpty && cur.redirects.isEmpty { cur.line = line }
                var target: ShellWord? = nil
                if k + 1 < tokens.count, case .word(let w) = tokens[k + 1] {
                    target = w
                    k += 1
                }
                cur.redirects.append((op, target, heredoc))
            }
            k += 1
        }
        finish()
        return out
    }

    // MARK: - Expansion

    /// A word's text with every expansion replaced by what it could be at worst: a variable that may be empty by
    /// "", `$HOME` and `~` by `~`, `${X:?}` and `$PWD` by a non-empty stand-in (`$X`), `${X:-d}` by `d`.
    /// Variables in `known` stand for their value. Returns the text and the names that were taken as empty.
    static func worstCase(_ w: ShellWord, known: [String: String] = [:]) -> (text: String, emptied: [String]) {
        var s = ""
        var emptied: [String] = []
        for seg in w.segments {
            switch seg {
            case .literal(let t):
                s += t
            case .tilde(let user):
                s += "~" + user
            case .arithmetic:
                s += "0"
            case .substitution:
                emptied.append("$(...)")
            case .variable(let name, let op, let arg):
                let defaults: Set<String> = [":-", "-", ":=", "="]
                if name == "HOME" && (op.isEmpty || op == ":?" || op == "?") {
                    s += s.isEmpty ? "~" : "$HOME"
                } else if let value = known[name] {
                    if value.isEmpty {
                        if defaults.contains(op) { s += arg } else if op == ":?" || op == "?" { s += "$" + name } else { emptied.append(name) }
                    } else if op == ":+" || op == "+" {
                        s += arg
                    } else if op.isEmpty || defaults.contains(op) || op == ":?" || op == "?" {
                        s += value
                    } else {
                        s += "$" + name // ${X%/}, ${X#...}: some non-empty text we do not compute
                    }
                } else if op == ":?" || op == "?" || name == "PWD" || name == "$" || name == "#" || name == "?" {
                    s += "$" + name
                } else if op == ":-" || op == "-" || op == ":=" || op == "=" {
                    s += arg
                } else {
                    emptied.append(name)
                }
            }
        }
        return (s, emptied)
    }

    private func expand(_ w: ShellWord) -> (text: String, emptied: [String]) {
        ShellChecker.worstCase(w, known: known)
    }

    /// Remembers `NAME=value` by its worst case (`out="/srv/app/$1"` is at worst `/srv/app/`); a value that may be
    /// empty as a whole (`DIR=$1`) or an append makes NAME unknown again.
    private mutating func record(_ assignment: ShellWord) {
        guard case .literal(let head)? = assignment.segments.first, let eq = head.firstIndex(of: "=") else { return }
        var name = String(head[..<eq])
        let appends = name.hasSuffix("+")
        if appends { name.removeLast() }
        var value = assignment
        let rest = String(head[head.index(after: eq)...])
        value.segments = (rest.isEmpty ? [] : [.literal(rest)]) + assignment.segments.dropFirst()
        let (text, emptied) = expand(value)
        if appends || (text.isEmpty && !emptied.isEmpty) {
            known.removeValue(forKey: name)
        } else {
            known[name] = text
        }
    }

    /// The command name a word calls: its last path component (`/bin/rm` → `rm`).
    static func commandName(_ w: ShellWord) -> String {
        let t = w.literal ?? w.text
        return t.split(separator: "/").last.map(String.init) ?? t
    }

    // MARK: - Commands

    static let reservedWords: Set<String> = ["if", "then", "else", "elif", "fi", "do", "done", "while", "until",
                                             "!", "time", "function", "{", "}"]
    static let loopHeads: Set<String> = ["for", "case", "select", "esac", "in"]
    static let shells: Set<String> = ["sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "fish"]

    private mutating func analyze(_ command: Command) {
        var words = command.words[...]
        var assignments: [ShellWord] = []
        // Assignments and reserved words come before the command name.
        while let first = words.first {
            let t = first.literal ?? first.text
            if ShellChecker.reservedWords.contains(t) {
                words = words.dropFirst()
            } else if ShellChecker.isAssignment(t) {
                assignments.append(first)
                words = words.dropFirst()
            } else {
                break
            }
        }
        checkRedirects(command)
        guard let first = words.first else {
            // `A=1 B=2` alone sets shell variables; before a command they only reach its environment.
            for a in assignments { record(a) }
            return
        }
        if ShellChecker.loopHeads.contains(first.literal ?? "") { return }
        var via: [String] = []
        guard let (name, args) = ShellChecker.unwrap(Array(words), via: &via) else { return }
        let line = command.line
        let prefix = via.isEmpty ? "" : via.joined(separator: " ") + " "
        switch name {
        case "rm":
            checkRemove(args, line: line, shown: prefix + "rm")
        case "cd", "pushd":
            changeDirectory(args)
        case "popd":
            cwd = nil
        case "export", "local", "readonly", "declare", "typeset":
            for a in args where ShellChecker.isAssignment(a.literal ?? a.text) { record(a) }
        case "chmod":
            checkRecursiveOwnership(args, line: line, rule: "chmod-system", verb: prefix + "chmod -R", options: "cfvR")
        case "chown", "chgrp":
            checkRecursiveOwnership(args, line: line, rule: "chown-system", verb: prefix + name + " -R",
                                    options: "cfvhHLPR")
        case "dd":
            for a in args where (a.literal ?? a.text).hasPrefix("of=") {
                let target = String(expand(a).text.dropFirst(3))
                if SystemPaths.isDiskDevice(target) {
                    reporter.report("dd-disk", line: line, "\(prefix)dd writes onto the disk device \(target)")
                }
            }
        case "cp", "shred", "blkdiscard":
            for a in args where !(a.literal ?? "").hasPrefix("-") {
                let target = expand(a).text
                if SystemPaths.isDiskDevice(target) {
                    reporter.report("dd-disk", line: line, "\(prefix)\(name) writes onto the disk device \(target)")
                }
            }
        case "tee":
            for a in args where !(a.literal ?? "").hasPrefix("-") {
                let target = expand(a).text
                if SystemPaths.isDiskDevice(target) {
                    reporter.report("redirect-disk", line: line, "tee writes onto the disk device \(target)")
                }
            }
        case "mke2fs", "wipefs", "mkfs":
            checkFormat(name, args, line: line, prefix: prefix)
        case "shutdown", "reboot", "halt", "poweroff":
            if !(name == "shutdown" && args.contains(where: { $0.literal == "-c" })) {
                reporter.report("power", line: line, "\(prefix)\(name) stops or restarts the host")
            }
        case "init", "telinit":
            if let level = args.first?.literal, level == "0" || level == "6" {
                reporter.report("power", line: line, "\(name) \(level) \(level == "0" ? "stops" : "restarts") the host")
            }
        case "systemctl":
            if let verb = args.first(where: { !($0.literal ?? "-").hasPrefix("-") })?.literal,
               ["poweroff", "reboot", "halt", "kexec"].contains(verb) {
                reporter.report("power", line: line, "systemctl \(verb) stops or restarts the host")
            }
        case "eval":
            nest(args.map(\.text).joined(separator: " "), line: line, language: .sh)
        case "su", "runuser":
            if let script = ShellChecker.optionValue(args, short: "c", long: "--command") {
                nest(script.text, line: line, language: .sh)
            }
        default:
            if name.hasPrefix("mkfs.") {
                checkFormat(name, args, line: line, prefix: prefix)
            } else if let language = ShellChecker.interpreterLanguage(name) {
                checkInterpreter(name, language, args, command: command, line: line)
            }
        }
    }

    static func isAssignment(_ t: String) -> Bool {
        guard let eq = t.firstIndex(of: "="), eq != t.startIndex else { return false }
        let name = t[..<eq].hasSuffix("+") ? t[..<eq].dropLast() : t[..<eq]
        guard let f = name.first, f == "_" || f.isLetter else { return false }
        return name.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
    }

    /// Looks through wrapper commands (`sudo -u root`, `env X=1`, `nice -n 5`, `xargs -0`, `timeout 10`) to the
    /// command they run. Returns nil when nothing runs (`command -v rm`).
    static func unwrap(_ words: [ShellWord], via: inout [String]) -> (String, [ShellWord])? {
        var rest = words[...]
        for _ in 0..<16 {
            guard let first = rest.first else { return nil }
            let name = commandName(first)
            var args = rest.dropFirst()
            // Options of the wrapper that take a value: the value is skipped with the option.
            let valued: Set<String>
            switch name {
            case "sudo", "doas": valued = ["-u", "-g", "-p", "-U", "-C", "-r", "-t", "-D", "-R", "-T", "-h"]
            case "nice": valued = ["-n"]
            case "ionice": valued = ["-c", "-n", "-p", "-P", "-u"]
            case "env": valued = ["-u", "-C", "-S"]
            case "exec": valued = ["-a"]
            case "stdbuf", "nohup", "builtin", "setsid", "busybox", "time", "unbuffer": valued = []
            case "command":
                if args.contains(where: { $0.literal == "-v" || $0.literal == "-V" }) { return nil }
                valued = []
            case "xargs": valued = ["-I", "-n", "-P", "-L", "-l", "-s", "-d", "-E", "-e", "-a", "--arg-file",
                                    "--delimiter", "--max-args", "--max-procs", "--max-lines", "--replace", "--eof"]
            case "timeout": valued = ["-s", "-k", "--signal", "--kill-after"]
            case "chrt", "taskset": valued = ["-p"]
            default:
                return (name, Array(args))
            }
            via.append(name)
            while let a = args.first, let t = a.literal, t.hasPrefix("-") || (name == "env" && isAssignment(t)) {
                args = args.dropFirst()
                if t == "--" { break }
                if valued.contains(t) { args = args.dropFirst() }
            }
            // `nice 10 cmd` is not valid, but `timeout 10 cmd` and `chrt 5 cmd` take a value before the command.
            if name == "timeout" || name == "chrt" || name == "taskset", args.count > 1 { args = args.dropFirst() }
            if name == "env" {
                while let a = args.first, let t = a.literal, isAssignment(t) { args = args.dropFirst() }
            }
            rest = args
        }
        return nil
    }

    /// The value of `-c VALUE` (also inside combined flags like `-lc`) or `--command=VALUE`.
    static func optionValue(_ args: [ShellWord], short: Character, long: String?) -> ShellWord? {
        var k = 0
        while k < args.count {
            let t = args[k].literal ?? ""
            if let long, t.hasPrefix(long + "=") {
                var w = args[k]
                w.segments = [.literal(String(t.dropFirst(long.count + 1)))]
                return w
            }
            if let long, t == long { return k + 1 < args.count ? args[k + 1] : nil }
            if t.hasPrefix("-") && !t.hasPrefix("--") && t.dropFirst().contains(short) {
                return k + 1 < args.count ? args[k + 1] : nil
            }
            k += 1
        }
        return nil
    }

    static func interpreterLanguage(_ name: String) -> ScriptLanguage? {
        if shells.contains(name) { return .bash }
        if name == "python" || name.hasPrefix("python2") || name.hasPrefix("python3") || name == "pypy3" { return .python }
        if name == "perl" || name.hasPrefix("perl5") { return .perl }
        if name == "pwsh" || name == "powershell" || name == "powershell.exe" { return .powershell }
        if name == "mysql" || name == "psql" || name == "sqlite3" || name == "mariadb" { return .sql }
        return nil
    }

    /// `bash -c '...'`, `python3 -c '...'`, `perl -e '...'`, `psql -c '...'`, or a here-document fed to one.
    private func checkInterpreter(_ name: String, _ language: ScriptLanguage, _ args: [ShellWord], command: Command,
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
        if let inline { nest(inline.text, line: line, language: language) }
        for r in command.redirects {
            guard let index = r.heredoc, index < lexer.heredocs.count, reporter.canNest else { continue }
            let doc = lexer.heredocs[index]
            DangerChecks.run(doc.body, language: language, reporter: reporter.nested(startingAt: doc.startLine))
        }
    }

    private func nest(_ script: String, line: Int, language: ScriptLanguage) {
        guard reporter.canNest else { return }
        DangerChecks.run(script, language: language, reporter: reporter.nested(atLine: line))
    }

    /// `$(...)` and backticks anywhere in a command run, even inside `echo` arguments.
    private func checkSubstitutions(_ command: Command) {
        let words = command.words + command.redirects.compactMap(\.target)
        for w in words {
            for seg in w.segments {
                if case .substitution(let body) = seg { nest(body, line: w.line, language: .bash) }
            }
        }
    }

    private func checkRedirects(_ command: Command) {
        for r in command.redirects where [">", ">>", ">|", "&>", "&>>", "<>", ">&"].contains(r.op) {
            guard let target = r.target else { continue }
            let path = expand(target).text
            if SystemPaths.isDiskDevice(path) {
                reporter.report("redirect-disk", line: command.line, "\(r.op) \(target.source) writes onto the disk device \(path)")
            }
        }
    }

    private func checkFormat(_ name: String, _ args: [ShellWord], line: Int, prefix: String) {
        let harmless: Set<String> = ["-n", "--no-act", "--help", "-h", "-V", "--version"]
        if args.contains(where: { harmless.contains($0.literal ?? "") }) && name == "wipefs" { return }
        if args.contains(where: { $0.literal == "--help" || $0.literal == "--version" }) { return }
        let target = args.last(where: { !($0.literal ?? "").hasPrefix("-") }).map { " " + $0.source } ?? ""
        reporter.report("format-disk", line: line, "\(prefix)\(name)\(target) erases a file system")
    }

    // MARK: - rm, chmod, chown

    private func checkRemove(_ args: [ShellWord], line: Int, shown: String) {
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
    private func checkRecursiveOwnership(_ args: [ShellWord], line: Int, rule: String, verb: String, options: String) {
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
    private func danger(of w: ShellWord) -> String? {
        let (text, emptied) = expand(w)
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

    private mutating func changeDirectory(_ args: [ShellWord]) {
        let operands = args.filter { !(["-L", "-P", "-e", "-@"].contains($0.literal ?? "")) }
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

    // MARK: - Fork bombs

    /// `f() { f | f & }; f` in any spacing (`:(){ :|:& };:`), also `function f { ... }`: a function whose body
    /// starts two copies of itself at once (`f | f`, `f & f`). One background call (`f &`) is a respawn loop,
    /// not a bomb, and is left alone.
    private func findForkBombs() {
        let t = lexer.tokens
        func word(_ k: Int) -> ShellWord? {
            guard k >= 0, k < t.count, case .word(let w) = t[k] else { return nil }
            return w
        }
        func op(_ k: Int) -> String? {
            guard k >= 0, k < t.count, case .op(let o, _) = t[k] else { return nil }
            return o
        }
        var k = 0
        while k < t.count {
            defer { k += 1 }
            guard let nameWord = word(k), let name = nameWord.literal else { continue }
            var b = k + 1
            if name == "function", let real = word(k + 1)?.literal {
                b = k + 2
                if op(b) == "(" && op(b + 1) == ")" { b += 2 }
                checkBody(named: real, from: b, line: nameWord.line)
            } else if op(b) == "(" && op(b + 1) == ")" {
                checkBody(named: name, from: b + 2, line: nameWord.line)
            }
        }

        func checkBody(named name: String, from start: Int, line: Int) {
            var b = start
            while op(b) == "\n" { b += 1 }
            guard op(b) == "{" || op(b) == "(" else { return }
            let open = op(b) ?? "{", close = open == "{" ? "}" : ")"
            var depth = 0
            var j = b
            while j < t.count {
                if let o = op(j) {
                    if o == open { depth += 1 }
                    if o == close { depth -= 1; if depth == 0 { break } }
                }
                // A call of the function at a command position, piped into itself or sent to the background.
                if let w = word(j), w.literal == name, j > 0, op(j - 1) != nil {
                    let next = op(j + 1)
                    if (next == "&" || next == "|" || next == "|&") && word(j + 2)?.literal == name {
                        reporter.report("fork-bomb", line: line, "\(name) is a fork bomb: it starts copies of itself without end")
                        return
                    }
                }
                j += 1
            }
        }
    }
}
