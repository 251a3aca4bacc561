import Foundation
import PlatLang

/// `platflow semver parse|compare|sort|bump|satisfies`: Semantic Versioning 2.0.0 and npm ranges from the
/// shell, on the implementation the `semver` module of .plat uses.
///
/// Each subcommand is a function from its words to an `Outcome` (what to print, the error, the exit code), so it
/// can be reasoned about apart from the terminal; `perform` connects them to the dispatcher.
enum SemverCommand {
    /// `platflow semver SUBCOMMAND`: each subcommand a leaf with its own flags; the family's help carries the rules.
    static let spec = CommandSpec(
        name: "semver",
        summary: "Parse, compare, sort and bump semantic versions; test npm ranges.",
        subcommands: [
            leaf("parse", "Print a version's parts.", usage: "platflow semver parse VERSION [--json]",
                 flags: [FlagSpec(name: "json", help: "the parts as a JSON object")],
                 examples: ["platflow semver parse 1.0.0-alpha.1+sha.5114f85 --json"]),
            leaf("compare", "Print -1, 0 or 1: A's precedence against B's.", usage: "platflow semver compare A B",
                 examples: ["platflow semver compare 1.0.0-alpha 1.0.0-alpha.1        # -1"]),
            leaf("sort", "Print versions in precedence order, one a line.",
                 usage: "platflow semver sort VERSION... | - | --file PATH [--reverse]",
                 flags: [FlagSpec(name: "file", value: "PATH", help: "read the versions from a file, one a line"),
                         FlagSpec(name: "reverse", help: "newest first")],
                 examples: ["platflow semver sort 1.0.0 1.0.0-rc.1 1.0.0-beta.11 1.0.0-beta.2",
                            "platflow semver sort - --reverse < versions.txt"]),
            leaf("bump", "Print the next version (npm's semver inc).",
                 usage: "platflow semver bump VERSION major|minor|patch|pre|premajor|preminor|prepatch|release [--pre ID]",
                 flags: [FlagSpec(name: "pre", value: "ID", help: "the pre-release identifier (beta → 1.4.3-beta.0)")],
                 examples: ["platflow semver bump 1.4.2 minor                          # 1.5.0",
                            "platflow semver bump 1.4.2 pre --pre beta                 # 1.4.3-beta.0"]),
            leaf("satisfies", "Print true (exit 0) or false (exit 1): is the version in the npm range?",
                 usage: "platflow semver satisfies VERSION RANGE",
                 examples: ["platflow semver satisfies 1.4.2 \"^1.2 || ~2.0.1\"          # true, exit 0"]),
        ],
        details: """
            Versions are SemVer 2.0.0 exactly: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], no 'v' prefix, no leading
            zeros, numbers of any length. Precedence (compare, sort) follows the spec's section 11 and ignores
            build metadata; sort is stable, so versions of equal precedence keep their order.
            bump follows npm's `semver inc`: patch of a pre-release is its release (1.5.0-beta.1 → 1.5.0); pre
            increments the pre-release (1.5.0-beta.1 → 1.5.0-beta.2) or starts the next patch's (1.4.2 →
            1.4.3-0, or 1.4.3-beta.0 with --pre beta); premajor/preminor/prepatch start the next one at -0 or
            -ID.0; release drops the pre-release. Build metadata is dropped.
            Ranges are npm's grammar: < <= > >= =, spaces for AND, || for OR, 1.2.3 - 2.3.4, 1.2.x, 1.x, *,
            ~1.2.3, ^1.2.3; a pre-release satisfies a range only when a comparator on its own MAJOR.MINOR.PATCH
            has a pre-release too. sort reads - (stdin) or --file one version a line; blank lines are skipped.
            Exit codes: 0 done (satisfies: satisfied), 1 satisfies: not satisfied, 2 invalid version, range or
            usage (the error names the fault and its column).
            """,
        opensDatabase: false)

    private static func leaf(_ name: String, _ summary: String, usage: String, flags: [FlagSpec] = [],
                             examples: [String]) -> CommandSpec {
        CommandSpec(name: name, summary: summary, usage: [usage], flags: flags, examples: examples, opensDatabase: false,
                    action: { args, terminal in try perform(name, args, terminal: terminal) })
    }

    /// What a semver command prints and how it exits.
    struct Outcome {
        var output = ""
        var error: String? = nil
        var hint: String? = nil
        var code: Int32 = ExitCode.ok
    }

    /// A refusal of `run`, for the dispatcher to print and exit with.
    struct Failure: CLIError {
        let message: String
        let hint: String?
        let exitCode: Int32
    }

    /// Runs one subcommand with the words and flags the dispatcher parsed.
    static func perform(_ subcommand: String, _ args: ParsedArguments, terminal: Terminal) throws -> Int32 {
        let outcome: Outcome
        switch subcommand {
        case "parse": outcome = parse(args.positional, json: args.has("json"))
        case "compare": outcome = compare(args.positional)
        case "sort":
            outcome = sort(args.positional, file: args.value("file"), reverse: args.has("reverse"),
                           readInput: readStandardInput)
        case "bump": outcome = bump(args.positional, pre: args.value("pre"))
        default: outcome = satisfies(args.positional)
        }
        terminal.out(outcome.output)
        if let error = outcome.error { throw Failure(message: error, hint: outcome.hint, exitCode: outcome.code) }
        return outcome.code
    }

    static func readStandardInput() throws -> Data {
        FileHandle.standardInput.readDataToEndOfFile()
    }

    /// Lines split on bytes (a String split on Characters would keep "\r\n" whole and is slower), without
    /// their "\r" before "\n".
    static func splitLines(_ data: Data) -> [String] {
        var lines: [String] = []
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == 10 {
                var end = i
                if end > start && bytes[end - 1] == 13 { end -= 1 }
                if i < bytes.count || end > start {
                    lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                }
                start = i + 1
            }
        }
        return lines
    }

    private static func usage(_ message: String, hint: String? = nil) -> Outcome {
        Outcome(error: message, hint: hint, code: ExitCode.usage)
    }

    private static func invalid(_ e: SemverError, prefix: String = "") -> Outcome {
        Outcome(error: prefix + e.description + "\n" + e.pointer, hint: e.hint, code: ExitCode.usage)
    }

    private static func operands(_ words: [String], _ names: [String], _ example: String) -> Outcome? {
        guard words.count == names.count else {
            let what = words.count < names.count ? "needs" : "takes only"
            return usage("semver \(example.split(separator: " ")[2]) \(what) \(names.joined(separator: " and "))",
                         hint: example)
        }
        return nil
    }

    private static func parse(_ words: [String], json: Bool) -> Outcome {
        if let bad = operands(words, ["a version"], "platflow semver parse 1.0.0-rc.1+build.5") { return bad }
        let v: SemanticVersion
        do { v = try SemanticVersion(parsing: words[0]) } catch { return invalid(error as! SemverError) }
        if json {
            return Outcome(output: ((try? JSON.encode(SemverModule.parts(v), indent: 2)) ?? "{}") + "\n")
        }
        let rows = [
            ("version", v.description), ("major", v.major.digits), ("minor", v.minor.digits),
            ("patch", v.patch.digits),
            ("prerelease", v.isPrerelease ? v.prerelease.map(\.description).joined(separator: ".") : "-"),
            ("build", v.build.isEmpty ? "-" : v.build.joined(separator: ".")),
        ]
        return Outcome(output: rows.map { "\($0.0.padding(toLength: 11, withPad: " ", startingAt: 0)) \($0.1)\n" }.joined())
    }

    private static func compare(_ words: [String]) -> Outcome {
        if let bad = operands(words, ["A", "B"], "platflow semver compare 1.0.0-alpha 1.0.0") { return bad }
        do {
            let a = try SemanticVersion(parsing: words[0])
            let b = try SemanticVersion(parsing: words[1])
            return Outcome(output: "\(SemanticVersion.compare(a, b))\n")
        } catch {
            return invalid(error as! SemverError)
        }
    }

    private static func sort(_ words: [String], file: String?, reverse: Bool, readInput: () throws -> Data) -> Outcome {
        var lines: [String] = []
        var fromText = false
        if let file {
            guard words.isEmpty else { return usage("semver sort takes versions or --file, not both") }
            guard let data = FileManager.default.contents(atPath: file) else {
                return usage("cannot read '\(file)'", hint: "--file names a text file with one version a line")
            }
            lines = splitLines(data)
            fromText = true
        } else if words == ["-"] {
            do { lines = splitLines(try readInput()) } catch {
                return usage("cannot read standard input: \(error)")
            }
            fromText = true
        } else if words.isEmpty {
            return usage("semver sort needs versions, - to read them from stdin, or --file PATH",
                         hint: "git tag | platflow semver sort -")
        } else {
            lines = words
        }
        var texts: [String] = []
        var versions: [SemanticVersion] = []
        texts.reserveCapacity(lines.count)
        versions.reserveCapacity(lines.count)
        for (n, line) in lines.enumerated() {
            if fromText && line.utf8.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            do {
                versions.append(try SemanticVersion(parsing: line))
                texts.append(line)
            } catch {
                let place = fromText ? "line \(n + 1): " : ""
                return invalid(error as! SemverError, prefix: place)
            }
        }
        var out = ""
        out.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count + 1 })
        for i in SemanticVersion.precedenceOrder(versions, descending: reverse) {
            out += texts[i]
            out += "\n"
        }
        return Outcome(output: out)
    }

    private static func bump(_ words: [String], pre: String?) -> Outcome {
        let parts = VersionBump.allCases.map(\.rawValue).joined(separator: "|")
        if let bad = operands(words, ["a version", "a part (\(parts))"], "platflow semver bump 1.4.2 minor") { return bad }
        guard let part = VersionBump(rawValue: words[1]) else {
            let near = closestName(to: words[1], in: VersionBump.allCases.map(\.rawValue)).map { "did you mean '\($0)'? " } ?? ""
            return usage("unknown part '\(words[1])' to bump", hint: "\(near)one of \(parts)")
        }
        do {
            let v = try SemanticVersion(parsing: words[0])
            return Outcome(output: "\(try v.bumped(part, prereleaseIdentifier: pre))\n")
        } catch {
            let e = error as! SemverError
            if e.kind == "bump" { return usage(e.reason, hint: e.hint) }
            return invalid(e)
        }
    }

    private static func satisfies(_ words: [String]) -> Outcome {
        if let bad = operands(words, ["a version", "a range"], "platflow semver satisfies 1.4.2 \"^1.2 || ~2.0.1\"") {
            return bad
        }
        do {
            let v = try SemanticVersion(parsing: words[0])
            let range = try VersionRange(parsing: words[1])
            let ok = range.isSatisfied(by: v)
            return Outcome(output: ok ? "true\n" : "false\n", code: ok ? ExitCode.ok : ExitCode.failed)
        } catch {
            return invalid(error as! SemverError)
        }
    }
}
