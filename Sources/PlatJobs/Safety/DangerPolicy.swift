import Foundation
import PlatLang

/// The dangerous-command check a script step runs before anything starts: the built-in rules (see
/// `DangerPolicy.builtIn`) plus user rules from the plan or a policy file.
///
/// Built-in rules understand the language (shell words, quotes, comments, `sudo`, `cd /`, nested `bash -c`,
/// `os.system`, ...); user rules are regexes matched line by line on the script with comments blanked.
/// An invalid user rule is left out and reported; it never disables the others.
public struct DangerPolicy: Sendable {
    /// The valid user rules in force.
    public let userRules: [DangerRule]
    /// Why user rules given to `init` were left out (a regex that does not compile, a reserved or repeated id).
    public let errors: [String]
    private let compiled: [CompiledRule]

    /// A user rule with its regex compiled once.
    final class CompiledRule: @unchecked Sendable {
        // NSRegularExpression is immutable and documented thread-safe for matching.
        let rule: DangerRule
        let regex: NSRegularExpression
        init(rule: DangerRule, regex: NSRegularExpression) {
            self.rule = rule
            self.regex = regex
        }
    }

    public init(userRules: [DangerRule] = []) {
        var valid: [DangerRule] = []
        var compiled: [CompiledRule] = []
        var errors: [String] = []
        var ids = Set(DangerPolicy.builtIn.map(\.id))
        for rule in userRules {
            switch DangerPolicy.compile(rule, takenIDs: ids) {
            case .success(let c):
                valid.append(rule)
                compiled.append(c)
                ids.insert(rule.id)
            case .failure(let e):
                errors.append("rule \(rule.id): \(e.text)")
            }
        }
        self.userRules = valid
        self.compiled = compiled
        self.errors = errors
    }

    struct RuleError: Error { let text: String }

    private static func compile(_ rule: DangerRule, takenIDs: Set<String>) -> Result<CompiledRule, RuleError> {
        if rule.id.isEmpty { return .failure(RuleError(text: "id is empty")) }
        if builtIn.contains(where: { $0.id == rule.id }) {
            return .failure(RuleError(text: "id \(rule.id) is a built-in rule's; pick another id"))
        }
        if takenIDs.contains(rule.id) { return .failure(RuleError(text: "id \(rule.id) is used by an earlier rule")) }
        if rule.pattern.isEmpty { return .failure(RuleError(text: "pattern is empty")) }
        guard let regex = try? NSRegularExpression(pattern: rule.pattern, options: [.anchorsMatchLines]) else {
            return .failure(RuleError(text: "pattern \"\(rule.pattern)\" is not a valid regular expression"))
        }
        // A pattern that matches nothing at all would flag every line of every script.
        if regex.firstMatch(in: "", range: NSRange(location: 0, length: 0)) != nil {
            return .failure(RuleError(text: "pattern \"\(rule.pattern)\" matches an empty line, so it would flag every line"))
        }
        return .success(CompiledRule(rule: rule, regex: regex))
    }

    private static let actions: [String: DangerAction] = Dictionary(uniqueKeysWithValues: builtIn.map { ($0.id, $0.action) })

    /// Every finding in `script`, ordered by line. Block findings stop the step; warn findings are logged.
    /// The id of the rule that refuses what the checker cannot read: a command name held in a variable it cannot
    /// resolve, `eval` of unknown text, text piped into a shell, nesting past its depth. `unchecked: "warn"` on
    /// a call turns these findings into warnings.
    public static let uncheckedRuleID = "unchecked"

    /// `args` are the script's positional arguments and `env` its environment when they are known before it runs
    /// (`sh(hosts, script, args: [...], env: {...})`): the script is judged with them substituted. Without `args`
    /// the positional arguments are taken as unknown (possibly empty).
    public func check(_ script: String, language: ScriptLanguage, args: [String]? = nil,
                      env: [String: String] = [:]) -> [DangerFinding] {
        let text = script.replacingOccurrences(of: "\r\n", with: "\n")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func excerpt(_ line: Int) -> String {
            guard line >= 1, line <= lines.count else { return "" }
            let t = lines[line - 1].trimmingCharacters(in: .whitespaces)
            return t.count > 160 ? String(t.prefix(159)) + "…" : t
        }
        var findings: [DangerFinding] = []
        var seen = Set<String>()
        func add(_ id: String, _ action: DangerAction, _ message: String, _ line: Int) {
            guard seen.insert("\(id)\u{0}\(line)\u{0}\(message)").inserted else { return }
            findings.append(DangerFinding(ruleID: id, action: action, message: message, line: line, excerpt: excerpt(line)))
        }

        let collector = DangerCollector()
        DangerChecks.run(text, language: language, reporter: DangerReporter(collector: collector, args: args, env: env))
        for hit in collector.hits {
            add(hit.ruleID, DangerPolicy.actions[hit.ruleID] ?? .block, hit.message, hit.line)
        }

        let active = compiled.filter { $0.rule.applies(to: language) }
        if !active.isEmpty {
            let blanked = DangerChecks.blankComments(text, language: language)
            for (index, line) in blanked.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let s = String(line)
                let range = NSRange(s.startIndex..., in: s)
                for c in active where c.regex.firstMatch(in: s, range: range) != nil {
                    add(c.rule.id, c.rule.action, c.rule.message, index + 1)
                }
            }
        }
        // Stable by line: the order of discovery is kept within a line.
        return findings.enumerated().sorted { a, b in
            a.element.line != b.element.line ? a.element.line < b.element.line : a.offset < b.offset
        }.map(\.element)
    }

    // MARK: - User rules from .plat values and policy files

    static let ruleKeys = ["id", "pattern", "languages", "action", "message"]

    /// Parses user rules from a .plat value: a list of maps {id, pattern, languages?: [..], action: "block"|"warn",
    /// message}. Each invalid rule (bad regex, unknown action or language, missing field) is reported in `errors`
    /// and left out; the valid ones and all built-in rules still apply.
    public static func userRules(from value: Value) -> (rules: [DangerRule], errors: [String]) {
        let items: [Value]
        switch value {
        case .null:
            return ([], [])
        case .list(let xs):
            items = xs
        case .map(let m) where m.get(.string("rules")) != nil && m.count == 1:
            return userRules(from: m.get(.string("rules")) ?? .null)
        default:
            return ([], ["danger rules must be a list of maps {id, pattern, action, message, languages?}, got \(value.typeName)"])
        }
        var rules: [DangerRule] = []
        var errors: [String] = []
        var ids = Set(builtIn.map(\.id))
        for (n, item) in items.enumerated() {
            switch parseRule(item, number: n + 1) {
            case .failure(let e):
                errors.append(e.text)
            case .success(let rule):
                switch compile(rule, takenIDs: ids) {
                case .failure(let e): errors.append("rule \(n + 1) (\(rule.id)): \(e.text)")
                case .success:
                    rules.append(rule)
                    ids.insert(rule.id)
                }
            }
        }
        return (rules, errors)
    }

    private static func parseRule(_ item: Value, number: Int) -> Result<DangerRule, RuleError> {
        var label = "rule \(number)"
        guard case .map(let m) = item else {
            return .failure(RuleError(text: "\(label): expected a map {id, pattern, action, message, languages?}, got \(item.typeName)"))
        }
        func string(_ key: String) -> Result<String, RuleError> {
            guard let v = m.get(.string(key)), !v.isNil else {
                return .failure(RuleError(text: "\(label): \(key) is missing"))
            }
            guard case .string(let s) = v else {
                return .failure(RuleError(text: "\(label): \(key) must be a string, got \(v.typeName)"))
            }
            guard !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                return .failure(RuleError(text: "\(label): \(key) is empty"))
            }
            return .success(s)
        }
        let id: String
        switch string("id") {
        case .failure(let e): return .failure(e)
        case .success(let s): id = s
        }
        label = "rule \(number) (\(id))"
        for key in m.liveKeys {
            guard case .string(let k) = key else {
                return .failure(RuleError(text: "\(label): keys are strings, got \(key.typeName)"))
            }
            if !ruleKeys.contains(k) {
                let hint = closestName(to: k, in: ruleKeys).map { "; did you mean \($0)?" } ?? "; the keys are \(ruleKeys.joined(separator: ", "))"
                return .failure(RuleError(text: "\(label): unknown key \(k)\(hint)"))
            }
        }
        let pattern: String, actionText: String, message: String
        switch (string("pattern"), string("action"), string("message")) {
        case (.success(let p), .success(let a), .success(let msg)):
            pattern = p
            actionText = a
            message = msg
        case (.failure(let e), _, _), (_, .failure(let e), _), (_, _, .failure(let e)):
            return .failure(e)
        }
        guard let action = DangerAction(rawValue: actionText) else {
            return .failure(RuleError(text: "\(label): action \"\(actionText)\" is unknown; use \"block\" or \"warn\""))
        }
        var languages: Set<ScriptLanguage>? = nil
        if let v = m.get(.string("languages")), !v.isNil {
            let names: [Value]
            if case .list(let xs) = v { names = xs } else if case .string = v { names = [v] } else {
                return .failure(RuleError(text: "\(label): languages must be a list of names, got \(v.typeName)"))
            }
            if names.isEmpty {
                return .failure(RuleError(text: "\(label): languages is empty; leave it out to apply the rule to every language"))
            }
            var set = Set<ScriptLanguage>()
            let known = ScriptLanguage.allCases.map(\.rawValue)
            for n in names {
                guard case .string(let s) = n else {
                    return .failure(RuleError(text: "\(label): languages must be names, got \(n.typeName)"))
                }
                guard let lang = ScriptLanguage(rawValue: s.lowercased()) else {
                    let hint = closestName(to: s.lowercased(), in: known).map { "did you mean \($0)? " } ?? ""
                    return .failure(RuleError(text: "\(label): unknown language \"\(s)\"; \(hint)languages are \(known.joined(separator: ", "))"))
                }
                set.insert(lang)
            }
            languages = set
        }
        return .success(DangerRule(id: id, pattern: pattern, languages: languages, action: action, message: message))
    }

    /// User rules from a JSON or YAML (`.yaml`, `.yml`) policy file of the same shape (a list of rule
    /// objects, or `{"rules": [...]}`).
    public static func userRules(fromFile path: String) -> (rules: [DangerRule], errors: [String]) {
        let value: Value
        do {
            value = try DataFile.read(path)
        } catch {
            return ([], ["policy file \(error)"])
        }
        let (rules, errors) = userRules(from: value)
        return (rules, errors.map { "policy file \(path): \($0)" })
    }
}

/// Runs the built-in checks of one language, and blanks comments for user rules.
enum DangerChecks {
    static func run(_ script: String, language: ScriptLanguage, reporter: DangerReporter) {
        switch language {
        case .bash, .sh: ShellChecker.check(script, reporter: reporter)
        case .python: InterpreterChecker.check(script, flavor: .python, reporter: reporter)
        case .perl: InterpreterChecker.check(script, flavor: .perl, reporter: reporter)
        case .powershell: PowerShellChecker.check(script, reporter: reporter)
        case .sql: SQLChecker.check(script, reporter: reporter)
        case .bat: BatchFileChecker.check(script, reporter: reporter)
        }
    }

    /// The script with its comments replaced by spaces (lines and columns kept), so user rules skip them.
    static func blankComments(_ script: String, language: ScriptLanguage) -> String {
        switch language {
        case .bash, .sh:
            let ranges = ShellLexer(script).commentRanges
            guard !ranges.isEmpty else { return script }
            var scalars = Array(script.unicodeScalars)
            for r in ranges { blank(&scalars, r, space: " ", newline: "\n") }
            var v = String.UnicodeScalarView()
            v.append(contentsOf: scalars)
            return String(v)
        case .python, .perl:
            let normalized = script.replacingOccurrences(of: "\r\n", with: "\n")
            return blankCharacters(normalized, ScriptScanner(normalized, flavor: language == .python ? .python : .perl).commentRanges)
        case .powershell:
            return blankCharacters(script, PowerShellChecker.scan(script).comments)
        case .sql:
            return blankCharacters(script, SQLChecker.scan(script).comments)
        case .bat:
            return blankCharacters(script, BatchFileChecker.scan(script).comments)
        }
    }

    private static func blankCharacters(_ script: String, _ ranges: [Range<Int>]) -> String {
        guard !ranges.isEmpty else { return script }
        var chars = Array(script)
        for r in ranges { blank(&chars, r, space: " ", newline: "\n") }
        return String(chars)
    }

    private static func blank<T: Equatable>(_ xs: inout [T], _ r: Range<Int>, space: T, newline: T) {
        let lo = max(0, r.lowerBound), hi = min(xs.count, r.upperBound)
        guard lo < hi else { return }
        for k in lo..<hi where xs[k] != newline { xs[k] = space }
    }
}
