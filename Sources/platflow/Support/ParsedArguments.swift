import PlatLang

/// A command's flags as declared for parsing and for `--help`.
struct FlagSpec {
    let name: String
    var short: String? = nil
    /// The value's placeholder (`PATH`, `K=V`), or nil for a switch.
    var value: String? = nil
    var repeats = false
    let help: String
    var defaultText: String? = nil
}

/// One command of the CLI: what `platflow COMMAND --help` prints and what its parser accepts.
struct CommandSpec {
    let name: String
    let summary: String
    let usage: [String]
    let flags: [FlagSpec]
    let examples: [String]
    var details: String? = nil
}

/// The words after the command, split into positional arguments and flags.
struct ParsedArguments {
    var positional: [String] = []
    var flags: [String: [String]] = [:]

    func has(_ name: String) -> Bool { flags[name] != nil }
    func value(_ name: String) -> String? { flags[name]?.last }
    func values(_ name: String) -> [String] { flags[name] ?? [] }

    /// Parses `args` against the command's flags plus the global ones; unknown flags are a usage error with
    /// the nearest flag suggested.
    static func parse(_ args: [String], spec: CommandSpec) throws -> ParsedArguments {
        let all = spec.flags + GlobalFlags.specs
        var out = ParsedArguments()
        var i = 0
        var onlyPositional = false
        while i < args.count {
            let a = args[i]
            i += 1
            if onlyPositional || !a.hasPrefix("-") || a == "-" {
                out.positional.append(a)
                continue
            }
            if a == "--" {
                onlyPositional = true
                continue
            }
            var name = a
            var inline: String? = nil
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                name = String(a[..<eq])
                inline = String(a[a.index(after: eq)...])
            }
            guard let flag = all.first(where: { "--\($0.name)" == name || ($0.short.map { "-\($0)" } == name) }) else {
                let names = all.map { "--\($0.name)" }
                let hint = closestName(to: name, in: names).map { "did you mean '\($0)'?" }
                    ?? "see `platflow \(spec.name) --help`"
                throw UsageError("unknown flag '\(name)' for '\(spec.name)'", hint: hint)
            }
            if let placeholder = flag.value {
                let v: String
                if let inline {
                    v = inline
                } else {
                    guard i < args.count else {
                        throw UsageError("flag --\(flag.name) needs a value (\(placeholder))",
                                         hint: "for example --\(flag.name) \(placeholder)")
                    }
                    v = args[i]
                    i += 1
                }
                out.flags[flag.name, default: []].append(v)
            } else {
                if inline != nil { throw UsageError("flag --\(flag.name) takes no value") }
                out.flags[flag.name, default: []].append("")
            }
        }
        return out
    }
}

/// Flags every command accepts.
enum GlobalFlags {
    static let specs: [FlagSpec] = [
        FlagSpec(name: "help", short: "h", help: "show this help"),
        FlagSpec(name: "no-color", help: "never colour the output (also: NO_COLOR=1)"),
        FlagSpec(name: "quiet", short: "q", help: "print only results and errors (no step banners)"),
        FlagSpec(name: "db", value: "PATH", help: "the database (also PLATFLOW_DB)", defaultText: ".platflow/platflow.db"),
    ]
}
