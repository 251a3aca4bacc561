import Foundation

/// The built-in checks for bash and sh scripts, run on the tokens of `ShellLexer`.
///
/// It follows the script command by command: wrappers (`sudo`, `env`, `nice`, `xargs`...) are looked through,
/// `cd` moves a known working folder (so `cd / && rm -rf *` is seen), and scripts inside scripts (`bash -c`,
/// `eval`, `$(...)`, here-documents fed to a shell or interpreter, `python -c`) are checked too. Text that is
/// only data (comments, `echo` arguments, here-documents fed to `cat`) is not.
struct ShellChecker {
    let reporter: DangerReporter
    let lexer: ShellLexer
    /// The working folder when a `cd` made it known: absolute (`/srv`) or home-based (`~`, `~/x`).
    var cwd: String? = nil
    /// Why the working folder is what it is, when that is not obvious (`cd $DIR` with DIR empty goes home).
    var cwdReason: String? = nil
    /// Variables the script set to a value known in advance (`DIR=/tmp/build`), so `rm -rf "$DIR"/*` is judged
    /// by that value instead of as a variable that may be empty. Later assignments replace earlier ones.
    var known: [String: String] = [:]
    /// The positional arguments when they are known (`args:`, `set -- ...`, a function call's arguments).
    var positional: [String]? = nil
    /// The folder before the last `cd`, for `cd -`.
    var oldCwd: String? = nil
    /// Symbolic links the script made (`ln -s / /tmp/r`): link path → target.
    var links: [String: String] = [:]
    /// Functions the script defined: name → the commands of the body.
    var functions: [String: [Command]] = [:]
    /// How deep in function calls the checker follows (a recursive function stops here).
    var callDepth = 0
    /// Variables a test proved non-empty for the commands it guards (`[ -n "$D" ] && ...`, `if [ -n "$D" ]`).
    var guardStack: [Set<String>] = []
    var chainGuard: Set<String> = []
    /// Variables proved non-empty for the rest of the script (`[ -z "$D" ] && exit 1`, `: "${D:?}"`).
    var provenNonEmpty: Set<String> = []
    /// The previous command of a pipeline, when the current one reads its output.
    var pipedFrom: Command? = nil
    /// Names tested with `-z` in each open `if`, and whether its `then` branch exits.
    var zStack: [Set<String>] = []
    var zExits = false
    /// Names tested empty just before `&& exit` / non-empty before `|| exit`.
    var pendingProof: Set<String> = []

    static func check(_ script: String, reporter: DangerReporter) {
        var checker = ShellChecker(reporter: reporter, lexer: ShellLexer(script))
        checker.known = reporter.env
        if let args = reporter.args { checker.setPositional(args) }
        checker.run()
    }

    init(reporter: DangerReporter, lexer: ShellLexer) {
        self.reporter = reporter
        self.lexer = lexer
    }

    mutating func setPositional(_ args: [String]?) {
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

    mutating func run() {
        findForkBombs()
        let all = ShellChecker.commands(lexer.tokens)
        collectFunctions()
        runCommands(all)
    }

    mutating func runCommands(_ commands: [Command]) {
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
    mutating func collectFunctions() {
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

    func expand(_ w: ShellWord) -> (text: String, emptied: [String]) {
        var guarded = provenNonEmpty.union(chainGuard)
        for g in guardStack { guarded.formUnion(g) }
        return ShellChecker.worstCase(w, known: known, nonEmpty: guarded)
    }

    /// The texts a word can stand for: one, or one per positional argument for `"$@"` and `$*`.
    func expansions(_ w: ShellWord) -> [(text: String, emptied: [String])] {
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
    mutating func record(_ assignment: ShellWord) {
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

    mutating func analyze(_ command: Command) {
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
}
