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
    /// The positional arguments when they are known (`args:`, `set -- ...`, a function call's arguments).
    private var positional: [String]? = nil
    /// The folder before the last `cd`, for `cd -`.
    private var oldCwd: String? = nil
    /// Symbolic links the script made (`ln -s / /tmp/r`): link path → target.
    private var links: [String: String] = [:]
    /// Functions the script defined: name → the commands of the body.
    private var functions: [String: [Command]] = [:]
    /// How deep in function calls the checker follows (a recursive function stops here).
    private var callDepth = 0
    /// Variables a test proved non-empty for the commands it guards (`[ -n "$D" ] && ...`, `if [ -n "$D" ]`).
    private var guardStack: [Set<String>] = []
    private var chainGuard: Set<String> = []
    /// Variables proved non-empty for the rest of the script (`[ -z "$D" ] && exit 1`, `: "${D:?}"`).
    private var provenNonEmpty: Set<String> = []
    /// The previous command of a pipeline, when the current one reads its output.
    private var pipedFrom: Command? = nil
    /// Names tested with `-z` in each open `if`, and whether its `then` branch exits.
    private var zStack: [Set<String>] = []
    private var zExits = false
    /// Names tested empty just before `&& exit` / non-empty before `|| exit`.
    private var pendingProof: Set<String> = []

    static func check(_ script: String, reporter: DangerReporter) {
        var checker = ShellChecker(reporter: reporter, lexer: ShellLexer(script))
        checker.known = reporter.env
        if let args = reporter.args { checker.setPositional(args) }
        checker.run()
    }

    private init(reporter: DangerReporter, lexer: ShellLexer) {
        self.reporter = reporter
        self.lexer = lexer
    }

    private mutating func setPositional(_ args: [String]?) {
        for k in 1...9 { known.removeValue(forKey: String(k)) }
        positional = args
        guard let args else { return }
        for k in 1...9 { known[String(k)] = k <= args.count ? args[k - 1] : "" }
        known["#"] = String(args.count)
    }

    /// One simple command: its words and redirections.
    struct Command {
        var words: [ShellWord] = []
        var redirects: [(op: String, target: ShellWord?, heredoc: Int?)] = []
        var line = 0
        /// The operator before the command ("" at the start of the script).
        var before = ""
        /// The operator after it.
        var after = ""
    }

    private mutating func run() {
        findForkBombs()
        let all = ShellChecker.commands(lexer.tokens)
        collectFunctions()
        runCommands(all)
    }

    private mutating func runCommands(_ commands: [Command]) {
        var previous: Command? = nil
        for command in commands {
            pipedFrom = (command.before == "|" || command.before == "|&") ? previous : nil
            if command.before != "&&" { chainGuard = [] }
            checkSubstitutions(command)
            analyze(command)
            previous = command
        }
    }

    /// `f() { ...; }`, `f() ( ... )` and `function f { ...; }`: the commands between the braces, so a call of `f`
    /// can be judged with its arguments.
    private mutating func collectFunctions() {
        let t = lexer.tokens
        func word(_ k: Int) -> String? {
            guard k >= 0, k < t.count, case .word(let w) = t[k] else { return nil }
            return w.literal
        }
        func op(_ k: Int) -> String? {
            guard k >= 0, k < t.count, case .op(let o, _) = t[k] else { return nil }
            return o
        }
        var k = 0
        while k < t.count {
            defer { k += 1 }
            guard var name = word(k), k == 0 || op(k - 1) != nil else { continue }
            var b = k + 1
            if name == "function", let real = word(k + 1) {
                name = real
                b = k + 2
                if op(b) == "(" && op(b + 1) == ")" { b += 2 }
            } else if op(b) == "(" && op(b + 1) == ")" {
                b += 2
            } else {
                continue
            }
            guard !ShellChecker.reservedWords.contains(name) else { continue }
            while op(b) == "\n" { b += 1 }
            guard let open = op(b), open == "{" || open == "(" else { continue }
            let close = open == "{" ? "}" : ")"
            var depth = 0
            var j = b
            while j < t.count {
                if let o = op(j) {
                    if o == open { depth += 1 }
                    if o == close { depth -= 1; if depth == 0 { break } }
                }
                j += 1
            }
            functions[name] = ShellChecker.commands(Array(t[(b + 1)..<min(j, t.count)]))
        }
    }

    /// Splits tokens into simple commands at every operator; a redirection takes the word after it.
    static func commands(_ tokens: [ShellToken]) -> [Command] {
        var out: [Command] = []
        var cur = Command()
        var k = 0
        var lastOp = ""
        func finish(_ op: String) {
            if !cur.words.isEmpty || !cur.redirects.isEmpty {
                cur.after = op
                out.append(cur)
                cur = Command()
                cur.before = op
            } else if !(lastOp == "&&" && op == "\n") {
                // `{`, `(`, a newline: the next command follows the latest operator, but a `&&` stays.
                cur.before = op
            }
            lastOp = op
        }
        while k < tokens.count {
            switch tokens[k] {
            case .word(let w):
                if cur.words.isEmpty && cur.redirects.isEmpty { cur.line = w.line }
                cur.words.append(w)
            case .op(let o, _):
                finish(o)
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
        finish("")
        return out
    }

    // MARK: - Expansion

    /// A word's text with every expansion replaced by what it could be at worst: a variable that may be empty by
    /// "", `$HOME` and `~` by `~`, `${X:?}` and `$PWD` by a non-empty stand-in (`$X`), `${X:-d}` by `d`.
    /// Variables in `known` stand for their value. Returns the text and the names that were taken as empty.
    static func worstCase(_ w: ShellWord, known: [String: String] = [:],
                          nonEmpty: Set<String> = []) -> (text: String, emptied: [String]) {
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
                } else if op == ":?" || op == "?" || name == "PWD" || name == "$" || name == "#" || name == "?"
                            || name == "0" || (nonEmpty.contains(name) && !(op == ":+" || op == "+")) {
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
        var guarded = provenNonEmpty.union(chainGuard)
        for g in guardStack { guarded.formUnion(g) }
        return ShellChecker.worstCase(w, known: known, nonEmpty: guarded)
    }

    /// The texts a word can stand for: one, or one per positional argument for `"$@"` and `$*`.
    private func expansions(_ w: ShellWord) -> [(text: String, emptied: [String])] {
        let spreads = w.segments.contains { if case .variable(let n, _, _) = $0 { return n == "@" || n == "*" } else { return false } }
        guard spreads, let positional, !positional.isEmpty else { return [expand(w)] }
        var copy = self
        return positional.map { arg in
            copy.known["@"] = arg
            copy.known["*"] = arg
            return copy.expand(w)
        }
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
                                             "!", "time", "function", "{", "}", "coproc"]
    static let loopHeads: Set<String> = ["for", "case", "select", "esac", "in"]
    static let shells: Set<String> = ["sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "fish"]

    private mutating func analyze(_ command: Command) {
        var words = command.words[...]
        var assignments: [ShellWord] = []
        // Assignments and reserved words come before the command name.
        while let first = words.first {
            let t = first.literal ?? first.text
            if ShellChecker.reservedWords.contains(t) {
                switch t {
                case "if": guardStack.append([]); zStack.append([])
                case "fi":
                    if !guardStack.isEmpty { guardStack.removeLast() }
                    if let z = zStack.popLast(), zExits { provenNonEmpty.formUnion(z) }
                    zExits = false
                case "else", "elif": if !guardStack.isEmpty { guardStack[guardStack.count - 1] = [] }
                case "then":
                    if words.dropFirst().first.map({ ["exit", "return"].contains($0.literal ?? "") }) == true { zExits = true }
                default: break
                }
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
        let line = command.line
        // `rm${IFS}-rf${IFS}/`: IFS splits the word; judge the command as the shell will split it.
        if command.words.contains(where: { $0.segments.contains { if case .variable("IFS", _, _) = $0 { return true } else { return false } } }) {
            var copy = self
            copy.known["IFS"] = " " // whatever IFS holds, its characters split the word here
            let text = words.map { copy.expand($0).text }.joined(separator: " ")
            nest(text, line: line, language: .sh, construct: "a command split by $IFS")
            return
        }
        // A command name that is not plain text: a variable, a substitution, or a glob.
        if first.literal == nil {
            let (text, emptied) = expand(first)
            if emptied.isEmpty && !text.contains("$") || first.segments.contains(where: { if case .variable("0", _, _) = $0 { return true } else { return false } }) {
                if text.contains("$") { return } // "$0": the script itself
                let rest = words.dropFirst().map { expand($0).text }
                nest(([text] + rest).joined(separator: " "), line: line, language: .sh, construct: "the command \(first.source)")
            } else {
                reporter.unchecked(line: line, "the command name \(first.source) comes from \(emptied.first.map { $0 == "$(...)" ? "the output of $(...)" : "the variable \($0)" } ?? "a value") the checker cannot know before the script runs")
            }
            return
        }
        if let lit = first.literal, lit != "[", lit != "[[", SystemPaths.hasGlob(lit) {
            reporter.unchecked(line: line, "the command name \(lit) is a glob pattern: what runs depends on the files it matches")
            return
        }
        var via: [String] = []
        guard let (name, args) = ShellChecker.unwrap(Array(words), via: &via) else { return }
        let prefix = via.isEmpty ? "" : via.joined(separator: " ") + " "
        if functions[name] != nil, reporter.collector.callsFollowed >= DangerCollector.callBudget {
            if !reporter.collector.budgetReported {
                reporter.collector.budgetReported = true
                reporter.unchecked(line: line, "the script calls its functions more than \(DangerCollector.callBudget) times: too many calls to check")
            }
            return
        }
        if let body = functions[name], callDepth < 4 {
            // A call of a function the script defined: its body with these arguments.
            reporter.collector.callsFollowed += 1
            var inner = self
            inner.callDepth += 1
            inner.setPositional(args.map { expand($0) }.allSatisfy { $0.emptied.isEmpty } ? args.map { expand($0).text } : nil)
            inner.runCommands(body)
            return
        }
        if !command.redirects.isEmpty { checkFedScripts(name, command: command, line: line) }
        switch name {
        case "[", "[[", "test":
            noteGuards(args, command: command)
        case "set":
            if let dash = args.firstIndex(where: { $0.literal == "--" }) {
                let rest = args[(dash + 1)...].map { expand($0) }
                setPositional(rest.allSatisfy { $0.emptied.isEmpty } ? rest.map(\.text) : nil)
            }
        case "shift":
            if let p = positional { setPositional(Array(p.dropFirst(Int(args.first?.literal ?? "1") ?? 1))) }
        case "trap":
            let operands = args.filter { !($0.literal ?? "").hasPrefix("-") }
            if let action = operands.first, operands.count >= 2, action.literal != "" {
                nest(expand(action).text, line: line, language: .sh, construct: "trap")
            }
        case "source", ".":
            if let file = args.first, file.segments.contains(where: { if case .substitution = $0 { return true } else { return false } }) || ["/dev/stdin", "-", "/dev/fd/0"].contains(file.literal ?? "") {
                reporter.unchecked(line: line, "\(name) \(file.source) runs text the checker cannot read before it runs")
            }
        case "ln":
            let flags = args.filter { ($0.literal ?? "").hasPrefix("-") }.compactMap(\.literal).joined()
            let operands = args.filter { !($0.literal ?? "-").hasPrefix("-") }.map { expand($0).text }
            if flags.contains("s"), operands.count == 2 {
                var link = operands[1]
                if link.hasSuffix("/") { link.removeLast() }
                links[link] = operands[0]
            }
        case "find":
            checkFind(args, line: line, prefix: prefix)
        case "mv":
            let operands = args.filter { !($0.literal ?? "").hasPrefix("-") }
            for w in operands.dropLast() {
                let text = expand(w).text
                for candidate in SystemPaths.expandBraces(text) {
                    let comps = SystemPaths.normalize(candidate)
                    if candidate.hasPrefix("/"), comps.count <= 1 || (comps.count == 2 && SystemPaths.isCatchAllGlob(comps[1]) && SystemPaths.isSystemTopLevel(comps[0])),
                       let why = SystemPaths.danger(of: candidate, cwd: cwd) {
                        reporter.report("mv-system-path", line: line, "\(prefix)mv \(ShellChecker.shown(w)) moves \(why) away")
                        break
                    }
                }
            }
        case "rsync":
            let flags = args.compactMap(\.literal).filter { $0.hasPrefix("--del") || $0 == "--remove-source-files" }
            let operands = args.filter { !($0.literal ?? "").hasPrefix("-") }
            if !flags.isEmpty, operands.count >= 2, let dest = operands.last, let why = danger(of: dest) {
                let what = why.hasPrefix("removes ") ? String(why.dropFirst("removes ".count)) : why
                reporter.report("rsync-delete-system-path", line: line, "\(prefix)rsync \(flags[0]) into \(ShellChecker.shown(dest)) deletes what is not in the source from \(what)")
            }
        case "mkswap", "sgdisk", "sfdisk", "fdisk", "parted", "gdisk", "cfdisk", "mkntfs", "mkdosfs", "mkswap.exe", "truncate", "fallocate", "badblocks", "hdparm", "nvme", "cryptsetup", "pvcreate", "zpool":
            let harmless = ["--help", "-h", "--version", "-l", "--list", "-p", "--print", "list", "status", "-n"]
            if args.contains(where: { harmless.contains($0.literal ?? "") }) && name != "truncate" { break }
            for a in args where !(a.literal ?? "").hasPrefix("-") {
                let target = expand(a).text
                if SystemPaths.isDiskDevice(target) {
                    reporter.report("format-disk", line: line, "\(prefix)\(name) changes the disk device \(target)")
                    break
                }
            }
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
        case "exit", "return":
            if command.before == "&&" || command.before == "||" { provenNonEmpty.formUnion(pendingProof) }
        case "eval":
            let parts = args.map { expand($0) }
            if let unknown = parts.flatMap(\.emptied).first {
                reporter.unchecked(line: line, "eval of \(unknown == "$(...)" ? "the output of $(...)" : "$" + unknown) runs text the checker cannot know before the script runs")
            }
            nest(parts.map(\.text).joined(separator: " "), line: line, language: .sh, construct: "eval")
        case "su", "runuser":
            if let script = ShellChecker.optionValue(args, short: "c", long: "--command") {
                nest(expand(script).text, line: line, language: .sh, construct: name + " -c")
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
            case "flock", "watch", "chroot", "unshare", "script", "systemd-run", "parallel", "ssh":
                guard let (inner, shownAs) = unwrapRunner(name, Array(args)) else { return nil }
                via.append(shownAs)
                rest = inner[...]
                continue
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

    /// Commands that run a command given as their arguments or as shell text: the words of what they run
    /// (shell text becomes `sh -c TEXT`), or nil when nothing is run.
    static func unwrapRunner(_ name: String, _ args: [ShellWord]) -> ([ShellWord], String)? {
        func text(_ t: String, _ line: Int) -> ShellWord { ShellWord(segments: [.literal(t)], line: line, source: t) }
        func shell(_ script: String, _ line: Int) -> [ShellWord] { [text("sh", line), text("-c", line), text(script, line)] }
        func joined(_ ws: ArraySlice<ShellWord>) -> String { ws.map { $0.literal ?? $0.text }.joined(separator: " ") }
        func skipOptions(_ ws: ArraySlice<ShellWord>, valued: Set<String>) -> ArraySlice<ShellWord> {
            var rest = ws
            while let a = rest.first, let t = a.literal, t.hasPrefix("-"), t.count > 1 {
                rest = rest.dropFirst()
                if t == "--" { break }
                if valued.contains(t) { rest = rest.dropFirst() }
            }
            return rest
        }
        let line = args.first?.line ?? 0
        switch name {
        case "flock":
            var rest = skipOptions(args[...], valued: ["-w", "--timeout", "-E", "--conflict-exit-code"])
            rest = rest.dropFirst() // the lock file
            if let c = rest.first?.literal, c == "-c" || c == "--command", rest.count > 1 { return (shell(rest[rest.startIndex + 1].literal ?? rest[rest.startIndex + 1].text, line), "flock") }
            return rest.isEmpty ? nil : (Array(rest), "flock")
        case "watch":
            let rest = skipOptions(args[...], valued: ["-n", "--interval", "-d", "-q", "--equexit", "-s"])
            return rest.isEmpty ? nil : (shell(joined(rest), line), "watch")
        case "chroot":
            var rest = skipOptions(args[...], valued: [])
            rest = rest.dropFirst() // the new root
            return rest.isEmpty ? nil : (Array(rest), "chroot")
        case "unshare":
            let rest = skipOptions(args[...], valued: ["-S", "--setuid", "-G", "--setgroups", "-R", "--root", "-w", "--wd"])
            return rest.isEmpty ? nil : (Array(rest), "unshare")
        case "script":
            guard let c = optionValue(args, short: "c", long: "--command") else { return nil }
            return (shell(c.literal ?? c.text, line), "script -c")
        case "systemd-run":
            let rest = skipOptions(args[...], valued: ["-p", "--property", "-u", "--unit", "-M", "--machine", "-H", "--host",
                                                     "--uid", "--gid", "-E", "--setenv", "--description", "--slice",
                                                     "--on-calendar", "--on-active", "--working-directory", "--nice"])
            return rest.isEmpty ? nil : (Array(rest), "systemd-run")
        case "parallel":
            let rest = skipOptions(args[...], valued: ["-j", "--jobs", "-S", "--sshlogin", "--joblog", "-a", "--arg-file", "--delay", "--timeout"])
            guard let sep = rest.firstIndex(where: { [":::", "::::", ":::+"].contains($0.literal ?? "") }) else {
                return rest.isEmpty ? nil : (shell(joined(rest) + " {}", line), "parallel")
            }
            let command = joined(rest[..<sep])
            let values = rest[(sep + 1)...].map { $0.literal ?? $0.text }
            let script = values.map { v in command.contains("{}") ? command.replacingOccurrences(of: "{}", with: v) : command + " " + v }
            return (shell(script.joined(separator: "\n"), line), "parallel")
        case "ssh":
            var rest = skipOptions(args[...], valued: ["-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-e", "-m",
                                                     "-O", "-Q", "-S", "-W", "-w", "-E", "-B", "-I"])
            rest = rest.dropFirst() // the host
            if rest.first?.literal == "--" { rest = rest.dropFirst() }
            return rest.isEmpty ? nil : (shell(joined(rest), line), "ssh")
        default:
            return (args, name)
        }
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
                // `bash -c -- 'script'`: the `--` ends the options and the script follows it.
                if k + 2 < args.count, args[k + 1].literal == "--" { return args[k + 2] }
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

    private func nest(_ script: String, line: Int, language: ScriptLanguage, construct: String = "a nested script") {
        guard reporter.canNest else { return reporter.tooDeep(line: line, construct) }
        DangerChecks.run(script, language: language, reporter: reporter.nested(atLine: line))
    }

    /// `[ -n "$D" ]`, `[[ $D ]]`, `test -d "$D"`: D is not empty in the commands this test guards.
    private mutating func noteGuards(_ args: [ShellWord], command: Command) {
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
    private func checkFind(_ args: [ShellWord], line: Int, prefix: String) {
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
    private func checkFedScripts(_ name: String, command: Command, line: Int) {
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
    private func checkPipedScript(_ name: String, _ language: ScriptLanguage, line: Int) {
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
        for (text, emptied) in expansions(w) {
            if let why = danger(text: resolveLinks(text), emptied: emptied) { return why }
        }
        return nil
    }

    /// A path through a link the script made (`ln -s / /tmp/r` then `/tmp/r/*`) is the link's target.
    private func resolveLinks(_ text: String) -> String {
        for (link, target) in links where text == link || text.hasPrefix(link + "/") {
            return target + "/" + text.dropFirst(link.count)
        }
        return text
    }

    private func danger(text: String, emptied: [String]) -> String? {
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
