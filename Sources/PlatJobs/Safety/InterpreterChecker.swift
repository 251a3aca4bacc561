import Foundation

/// The built-in checks for Python and Perl: shell commands they start (`os.system`, `subprocess.*`, `system`,
/// `exec`, backticks, `qx`) are checked as shell scripts, recursive deletes (`shutil.rmtree`, `rmtree`,
/// `remove_tree`) by their path, and the classic fork loops are caught. Only literal strings are judged; a part
/// built from a variable counts as text that may be empty (`"rm -rf " + d + "/"` may remove `/`).
struct InterpreterChecker {
    private let tokens: [ScriptToken]
    private let reporter: DangerReporter
    private let flavor: ScriptScanner.Flavor
    /// Python import aliases: `import shutil as s` (s → shutil), `from shutil import rmtree as r` (r → shutil.rmtree).
    private var aliases: [String: String] = [:]

    static func check(_ script: String, flavor: ScriptScanner.Flavor, reporter: DangerReporter) {
        let scanner = ScriptScanner(script, flavor: flavor)
        var checker = InterpreterChecker(tokens: scanner.tokens, reporter: reporter, flavor: flavor)
        if flavor == .python { checker.collectImports() }
        checker.run()
    }

    private init(tokens: [ScriptToken], reporter: DangerReporter, flavor: ScriptScanner.Flavor) {
        self.tokens = tokens
        self.reporter = reporter
        self.flavor = flavor
    }

    private mutating func collectImports() {
        var k = 0
        while k < tokens.count {
            defer { k += 1 }
            guard let n = name(k) else { continue }
            if n == "import" {
                // import a as b, c as d
                var j = k + 1
                while let module = name(j) {
                    if name(j + 1) == "as", let alias = name(j + 2) {
                        aliases[alias] = module
                        j += 3
                    } else {
                        j += 1
                    }
                    guard punct(j) == "," else { break }
                    j += 1
                }
            } else if n == "from", let module = name(k + 1), name(k + 2) == "import" {
                var j = k + 3
                if punct(j) == "(" { j += 1 }
                while let item = name(j) {
                    if name(j + 1) == "as", let alias = name(j + 2) {
                        aliases[alias] = module + "." + item
                        j += 3
                    } else {
                        aliases[item] = module + "." + item
                        j += 1
                    }
                    guard punct(j) == "," else { break }
                    j += 1
                }
            }
        }
    }

    /// A dotted name with its import alias resolved (`s.rmtree` → `shutil.rmtree`).
    private func canonical(_ n: String) -> String {
        guard flavor == .python else { return n }
        let parts = n.split(separator: ".", maxSplits: 1).map(String.init)
        guard let head = parts.first, let real = aliases[head] else { return n }
        return parts.count == 2 ? real + "." + parts[1] : real
    }

    static let pythonShellCalls: Set<String> = ["system", "popen", "check_call", "check_output", "Popen", "getoutput",
                                                "getstatusoutput"]
    static let pythonQualifiedShellCalls: Set<String> = ["subprocess.run", "subprocess.call", "sp.run", "sp.call"]
    static let perlShellCalls: Set<String> = ["system", "exec", "CORE::system", "CORE::exec"]
    static let pythonRemoveCalls: Set<String> = ["shutil.rmtree", "rmtree"]
    static let perlRemoveCalls: Set<String> = ["rmtree", "remove_tree", "File::Path::rmtree", "File::Path::remove_tree"]
    static let unknownPart = ScriptScanner.unknownPart

    private func name(_ k: Int) -> String? {
        guard k >= 0, k < tokens.count, case .name(let n, _) = tokens[k] else { return nil }
        return n
    }

    private func punct(_ k: Int) -> Character? {
        guard k >= 0, k < tokens.count, case .punct(let p, _) = tokens[k] else { return nil }
        return p
    }

    private func run() {
        for k in tokens.indices {
            switch tokens[k] {
            case .command(let text, let line):
                nestShell(text, line: line, shown: "`\(text)`")
            case .name(let n, let line):
                let c = canonical(n)
                checkCall(c, at: k, line: line)
                if flavor == .python { checkPythonCall(c, at: k, line: line) }
                checkForkLoop(n, at: k, line: line)
            default:
                break
            }
        }
    }

    /// exec/eval of text, os.exec* and os.spawn* with an argv, pathlib deletes under a system path.
    private func checkPythonCall(_ n: String, at k: Int, line: Int) {
        guard punct(k + 1) == "(" else { return }
        let last = n.split(separator: ".").last.map(String.init) ?? n
        if n == "exec" || n == "eval" || n == "builtins.exec" || n == "builtins.eval" {
            let (arg, _) = expression(from: k + 2)
            if arg.text.isEmpty || arg.text.contains(InterpreterChecker.unknownPart) {
                reporter.unchecked(line: line, "\(n)(...) runs Python text built at run time: the checker cannot read it")
            } else if reporter.canNest {
                InterpreterChecker.check(arg.text, flavor: .python, reporter: reporter.nested(atLine: line))
            } else {
                reporter.tooDeep(line: line, "\(n)(...)")
            }
            return
        }
        if n.hasPrefix("os.exec") || n.hasPrefix("os.spawn") || n.hasPrefix("os.posix_spawn") {
            // os.execv(path, argv), os.execl(path, arg0, arg1...), os.spawnv(mode, path, argv)
            var j = k + 2
            if n.hasPrefix("os.spawn") { j = expression(from: j).1; if punct(j) == "," { j += 1 } }
            let (program, afterProgram) = expression(from: j)
            j = afterProgram
            guard punct(j) == "," else { return }
            j += 1
            var argv: [String] = []
            if punct(j) == "[" || punct(j) == "(" {
                argv = (arguments(from: j) ?? []).map { InterpreterChecker.shellQuote($0.text, keepVariables: $0.interpolates) }
            } else {
                while j < tokens.count, argv.count < 64 {
                    let (a, next) = expression(from: j)
                    guard next > j else { break }
                    argv.append(InterpreterChecker.shellQuote(a.text, keepVariables: a.interpolates))
                    j = next
                    guard punct(j) == "," else { break }
                    j += 1
                }
            }
            if program.text.isEmpty || program.text.contains(InterpreterChecker.unknownPart) {
                reporter.unchecked(line: line, "\(n)(...) runs a program named at run time: the checker cannot know it")
                return
            }
            let command = ([InterpreterChecker.shellQuote(program.text, keepVariables: false)] + argv.dropFirst()).joined(separator: " ")
            nestShell(command, line: line, shown: "\(n)(...)")
            return
        }
        if ["Path", "PosixPath", "PurePath"].contains(last) && (n == last || n.hasPrefix("pathlib.")) {
            let (arg, _) = expression(from: k + 2)
            guard let why = InterpreterChecker.pathDanger(arg.text, interpolates: arg.interpolates)
                    ?? InterpreterChecker.topLevelDanger(arg.text) else { return }
            let deletes = tokens.contains { t in
                guard case .name(let m, _) = t else { return false }
                let l = m.split(separator: ".").last.map(String.init) ?? m
                return l == "unlink" || l == "rmdir" || l == "rmtree" || l == "remove"
            }
            if deletes {
                reporter.report("rmtree-system-path", line: line, "pathlib.Path(\(InterpreterChecker.shown(arg.text))) with unlink/rmdir deletes files in \(why)")
            }
        }
    }

    /// A top-level system folder itself (`/etc`), which walking and unlinking empties.
    static func topLevelDanger(_ text: String) -> String? {
        let comps = SystemPaths.normalize(text)
        guard text.hasPrefix("/"), comps.count <= 2, let top = comps.first, SystemPaths.isSystemTopLevel(top) else { return nil }
        return "the system folder /\(comps.joined(separator: "/"))"
    }

    private func checkCall(_ n: String, at k: Int, line: Int) {
        let last = n.split(separator: ".").last.map(String.init) ?? n
        let isShell: Bool
        let isRemove: Bool
        switch flavor {
        case .python:
            isShell = InterpreterChecker.pythonShellCalls.contains(last) || InterpreterChecker.pythonQualifiedShellCalls.contains(n)
            isRemove = InterpreterChecker.pythonRemoveCalls.contains(n)
        case .perl:
            isShell = InterpreterChecker.perlShellCalls.contains(n)
            isRemove = InterpreterChecker.perlRemoveCalls.contains(n)
        }
        guard isShell || isRemove else { return }
        // Python needs the call's parenthesis; Perl may leave it out (`system "rm -rf /";`).
        var j = k + 1
        if punct(j) == "(" {
            j += 1
        } else if flavor == .python {
            return
        }
        guard let args = arguments(from: j), let first = args.first else { return }
        if isRemove {
            if let why = InterpreterChecker.pathDanger(first.text, interpolates: first.interpolates) {
                reporter.report("rmtree-system-path", line: line, "\(n)(\(InterpreterChecker.shown(first.text))) removes \(why)")
            }
            return
        }
        // One string is a shell command line; a list (or several Perl arguments) is argv, which we quote.
        let script: String
        if args.count == 1 && !first.isListElement {
            script = first.text
        } else {
            script = args.map { InterpreterChecker.shellQuote($0.text, keepVariables: $0.interpolates) }.joined(separator: " ")
        }
        nestShell(script, line: line, shown: "\(n)(...)")
    }

    private func nestShell(_ script: String, line: Int, shown: String) {
        guard reporter.canNest else { return reporter.tooDeep(line: line, "a shell command") }
        ShellChecker.check(script, reporter: reporter.nested(atLine: line))
    }

    /// `while True: os.fork()` (Python); `fork while fork`, `1 while fork`, `while (1) { fork }` (Perl).
    private func checkForkLoop(_ n: String, at k: Int, line: Int) {
        var bomb = false
        switch flavor {
        case .python:
            if n == "while", let cond = name(k + 1), cond == "True" || cond == "1", punct(k + 2) == ":",
               let call = name(k + 3), call == "os.fork" || call == "fork", punct(k + 4) == "(" {
                bomb = true
            }
        case .perl:
            if n == "while", let after = name(k + 1), after == "fork", let before = name(k - 1), before == "fork" || before == "1" {
                bomb = true
            } else if n == "while", punct(k + 1) == "(", name(k + 2) == "1", punct(k + 3) == ")", punct(k + 4) == "{",
                      name(k + 5) == "fork" {
                bomb = true
            }
        }
        if bomb { reporter.report("fork-bomb", line: line, "a loop that forks without end is a fork bomb") }
    }

    // MARK: - Arguments

    struct Argument {
        var text: String
        var interpolates: Bool
        var isListElement = false
    }

    /// The call's arguments up to its closing parenthesis or the end of the statement, each as text where
    /// literal strings are kept and anything else becomes `unknownPart`. A Python list (`["rm", "-rf", p]`) or a
    /// Perl list gives one argument per element. Returns nil when the first argument has no literal text at all.
    private func arguments(from start: Int) -> [Argument]? {
        var j = start
        var list = false
        if punct(j) == "[" || (flavor == .perl && punct(j) == "(") {
            list = true
            j += 1
        }
        var out: [Argument] = []
        while j < tokens.count && out.count < 64 {
            let (arg, next) = expression(from: j)
            guard next > j else { break }
            out.append(Argument(text: arg.text, interpolates: arg.interpolates, isListElement: list))
            j = next
            if punct(j) == "," {
                j += 1
                // Python: only the first argument of a call is the command; the rest are keywords.
                if flavor == .python && !list { break }
                continue
            }
            break
        }
        guard let first = out.first, first.text != InterpreterChecker.unknownPart else { return nil }
        return out
    }

    /// A string expression: literal strings and other terms joined by `+` (Python) or `.` (Perl), with `%`
    /// and `.format(...)` on a Python string turning its fields into unknown text.
    private func expression(from start: Int) -> (Argument, Int) {
        var j = start
        var text = ""
        var interpolates = false
        let join: Character = flavor == .python ? "+" : "."
        while j < tokens.count {
            switch tokens[j] {
            case .string(let s, _, let interp):
                var value = s
                if flavor == .python && (punct(j + 1) == "%" || (punct(j + 1) == "." && name(j + 2) == "format")) {
                    value = InterpreterChecker.formatFieldsAsUnknown(value)
                    interpolates = true
                }
                text += value
                interpolates = interpolates || interp
                j += 1
                j = skipFormatting(j)
            case .name(_, _) where flavor == .python && known(at: j) != nil:
                let (value, next) = known(at: j)!
                text += value
                j = next
                guard punct(j) == join else { return (Argument(text: text, interpolates: interpolates), j) }
                j += 1
                continue
            case .name, .punct("$", _), .punct("@", _):
                text += InterpreterChecker.unknownPart
                interpolates = true
                j = skipTerm(j)
            default:
                return (Argument(text: text, interpolates: interpolates), j)
            }
            guard punct(j) == join else { break }
            j += 1
        }
        return (Argument(text: text, interpolates: interpolates), j)
    }

    /// `sys.argv[N]` and `os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")` when the call gives their
    /// values (`args:`, `env:`): the value and the token after the term.
    private func known(at j: Int) -> (String, Int)? {
        guard let n = name(j) else { return nil }
        let c = canonical(n)
        if c == "sys.argv", punct(j + 1) == "[", let index = name(j + 2).flatMap({ Int($0) }), punct(j + 3) == "]",
           let args = reporter.args {
            return (index >= 1 && index <= args.count ? args[index - 1] : "", j + 4)
        }
        func stringAt(_ k: Int) -> String? {
            guard k < tokens.count, case .string(let s, _, false) = tokens[k] else { return nil }
            return s
        }
        if c == "os.environ", punct(j + 1) == "[", let key = stringAt(j + 2), punct(j + 3) == "]", let v = reporter.env[key] {
            return (v, j + 4)
        }
        if c == "os.environ.get" || c == "os.getenv", punct(j + 1) == "(", let key = stringAt(j + 2), let v = reporter.env[key] {
            return (v, skipGroup(j + 1))
        }
        return nil
    }

    /// After a Python string: `% (a, b)` or `% x` or `.format(...)`.
    private func skipFormatting(_ start: Int) -> Int {
        guard flavor == .python else { return start }
        if punct(start) == "%" { return skipTerm(start + 1) }
        if punct(start) == ".", name(start + 1) == "format", punct(start + 2) == "(" { return skipGroup(start + 2) }
        return start
    }

    /// A variable, name or call with its subscripts: `$x`, `$h{k}`, `@a`, `os.path.join(a, b)`, `x[1]`, `(a, b)`.
    private func skipTerm(_ start: Int) -> Int {
        var j = start
        if punct(j) == "$" || punct(j) == "@" { j += 1 }
        if punct(j) == "(" { return skipGroup(j) }
        if name(j) != nil || punct(j) == "{" { j += 1 }
        while let p = punct(j), p == "(" || p == "[" || (flavor == .perl && p == "{") {
            j = skipGroup(j)
        }
        return max(j, start + 1)
    }

    /// From an opening bracket to just past its match.
    private func skipGroup(_ start: Int) -> Int {
        var depth = 0
        var j = start
        while j < tokens.count {
            if let p = punct(j) {
                if p == "(" || p == "[" || p == "{" { depth += 1 }
                if p == ")" || p == "]" || p == "}" {
                    depth -= 1
                    if depth <= 0 { return j + 1 }
                }
            }
            j += 1
        }
        return j
    }

    /// `"rm -rf %s/"` or `"rm -rf {}/"`: each formatting field may be any text.
    static func formatFieldsAsUnknown(_ s: String) -> String {
        var out = ""
        var k = s.startIndex
        while k < s.endIndex {
            let ch = s[k]
            let next = s.index(after: k)
            if ch == "%", next < s.endIndex, "srdifx".contains(s[next]) {
                out += unknownPart
                k = s.index(after: next)
            } else if ch == "{", let close = s[next...].firstIndex(of: "}"), !s[next..<close].contains("{") {
                out += unknownPart
                k = s.index(after: close)
            } else {
                out.append(ch)
                k = next
            }
        }
        return out
    }

    /// Quotes argv for the shell checker: plain strings literally, interpolating ones keeping their variables.
    static func shellQuote(_ s: String, keepVariables: Bool) -> String {
        if keepVariables {
            var out = "\""
            for ch in s {
                if ch == "\"" || ch == "\\" || ch == "`" { out.append("\\") }
                out.append(ch)
            }
            return out + "\""
        }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func shown(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: unknownPart, with: "…") + "'"
    }

    /// Why a recursive delete of this string path is harmful: unknown parts may be empty; `~` is not expanded
    /// by these functions, so only absolute Unix and Windows paths are judged.
    static func pathDanger(_ text: String, interpolates: Bool) -> String? {
        let word = shellQuote(text, keepVariables: interpolates)
        let lexer = ShellLexer(word)
        guard let token = lexer.tokens.first, case .word(let w) = token else { return nil }
        let (expanded, emptied) = ShellChecker.worstCase(w)
        let why: String?
        if SystemPaths.isWindowsPath(expanded) {
            why = SystemPaths.windowsDanger(expanded)
        } else if expanded.hasPrefix("/") {
            why = SystemPaths.unixDanger(expanded)
        } else {
            why = nil
        }
        guard let why else { return nil }
        return emptied.isEmpty ? why : "\(why) when its computed part is empty"
    }
}
