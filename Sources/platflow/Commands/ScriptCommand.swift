import Foundation
import PlatEngine
import PlatJobs
import PlatLang

enum ScriptCommand {
    static let jsonFlag = FlagSpec(name: "json", help: "JSON output")

    static let spec = CommandSpec(
        name: "script",
        summary: "The versioned script library: add drafts, publish one version online, disable versions.",
        subcommands: [add, publish, disable, list, show, lint],
        examples: ["platflow script add cleanup scripts/cleanup.sh --lang bash", "platflow script publish cleanup 2",
                   "platflow script show cleanup --version 1", "platflow script lint cleanup.sh --arg /srv/app"],
        details: """
            In a plan: sh(hosts, script("cleanup")) runs the online version; script("cleanup", version: 2) a given one.
            A missing or disabled script is reported by `platflow check` when the database has the library, and
            otherwise before the step runs. Only drafts can be edited.
            """)

    static func library(_ args: ParsedArguments) throws -> ScriptLibrary {
        ScriptLibrary(db: try EngineSession.open(args).db)
    }

    /// NAME VERSION, the words of publish and disable.
    static func nameAndVersion(_ args: ParsedArguments, _ verb: String) throws -> (String, Int) {
        let rest = args.positional
        guard let name = rest.first else { throw UsageError("script \(verb) needs NAME VERSION") }
        guard rest.count > 1, let v = Int(rest[1]), v >= 1 else {
            throw UsageError("script \(verb) needs NAME VERSION", hint: "platflow script \(verb) cleanup 2")
        }
        return (name, v)
    }

    static let add = CommandSpec(
        name: "add",
        summary: "Add a script as a new draft (or replace the newest draft); the newest version's own text again changes nothing.",
        usage: ["platflow script add NAME FILE [--lang LANG]"],
        flags: [FlagSpec(name: "lang", value: "LANG", help: "bash sh python perl powershell sql bat (default: from the file's extension, else bash)")],
        examples: ["platflow script add cleanup scripts/cleanup.sh --lang bash"]) { args, terminal in
            let rest = args.positional
            guard rest.count == 2 else { throw UsageError("script add needs NAME FILE", hint: "platflow script add cleanup scripts/cleanup.sh") }
            guard let data = FileManager.default.contents(atPath: rest[1]), let body = String(data: data, encoding: .utf8) else {
                throw UsageError("cannot read '\(rest[1])' (or it is not UTF-8 text)")
            }
            let lang = try language(args.value("lang"), file: rest[1])
            let (v, unchanged) = try library(args).save(name: rest[0], body: body, lang: lang, by: RunExecutor.currentUser())
            if unchanged {
                terminal.out("script \(v.name) version \(v.version) (\(v.status)) already holds this text; no new version\n")
                return ExitCode.ok
            }
            terminal.out("script \(v.name) version \(v.version) (\(v.lang.rawValue)) saved as a draft; publish it with `platflow script publish \(v.name) \(v.version)`\n")
            return ExitCode.ok
        }

    static let publish = CommandSpec(
        name: "publish",
        summary: "Make a version the online one (the previous online version goes offline).",
        usage: ["platflow script publish NAME VERSION"],
        flags: [],
        examples: ["platflow script publish cleanup 2"]) { args, terminal in
            let (name, v) = try nameAndVersion(args, "publish")
            try library(args).publish(name, version: v)
            terminal.out("script \(name) version \(v) is online\n")
            return ExitCode.ok
        }

    static let disable = CommandSpec(
        name: "disable",
        summary: "Disable a version: it is never runnable again.",
        usage: ["platflow script disable NAME VERSION"],
        flags: [],
        examples: ["platflow script disable cleanup 1"]) { args, terminal in
            let (name, v) = try nameAndVersion(args, "disable")
            try library(args).disable(name, version: v)
            terminal.out("script \(name) version \(v) is disabled\n")
            return ExitCode.ok
        }

    static let list = CommandSpec(
        name: "list",
        summary: "List the library's scripts with their online and newest versions.",
        usage: ["platflow script list [--json]"],
        flags: [jsonFlag],
        examples: ["platflow script list"]) { args, terminal in
            let all = try library(args).list()
            if args.has("json") {
                terminal.out(jsonText(all.map { ["name": $0.name, "latest": $0.latest.version, "online": $0.online ?? NSNull(),
                                                 "lang": $0.latest.lang.rawValue] as [String: Any] }))
            } else if all.isEmpty {
                terminal.err("the script library is empty; add one with `platflow script add NAME FILE`\n")
            } else {
                var t = Table(header: ["NAME", "LANG", "ONLINE", "LATEST", "UPDATED"])
                for s in all {
                    t.rows.append([s.name, s.latest.lang.rawValue, s.online.map(String.init) ?? "-",
                                   "\(s.latest.version) (\(s.latest.status))", localTime(s.latest.updatedAt)])
                }
                terminal.out(t.render())
            }
            return ExitCode.ok
        }

    static let show = CommandSpec(
        name: "show",
        summary: "Show a script's versions and the body of one (the online one, else the newest).",
        usage: ["platflow script show NAME [--version N] [--json]"],
        flags: [
            FlagSpec(name: "version", value: "N", help: "this version (default: the online one, else the newest)"),
            jsonFlag,
        ],
        examples: ["platflow script show cleanup --version 1"]) { args, terminal in
            guard let name = args.positional.first else { throw UsageError("script show needs NAME") }
            let lib = try library(args)
            let versions = try lib.versions(of: name)
            if versions.isEmpty { _ = try lib.resolve(name, version: nil) }
            var chosen = versions.first { $0.status == "online" } ?? versions.last!
            if let v = args.value("version") {
                guard let n = Int(v) else { throw UsageError("--version takes a number") }
                chosen = try lib.get(name, version: n)
            }
            if args.has("json") {
                terminal.out(jsonText(["name": chosen.name, "version": chosen.version, "lang": chosen.lang.rawValue,
                                       "status": chosen.status, "body": chosen.body,
                                       "versions": versions.map { ["version": $0.version, "status": $0.status] }]))
            } else {
                terminal.out("script \(name): " + versions.map { "v\($0.version) \($0.status)" }.joined(separator: ", ") + "\n")
                terminal.out("--- version \(chosen.version) (\(chosen.lang.rawValue), \(chosen.status))\n")
                terminal.out(chosen.body.hasSuffix("\n") ? chosen.body : chosen.body + "\n")
            }
            return ExitCode.ok
        }

    static let lint = CommandSpec(
        name: "lint",
        summary: "Run the dangerous-command checker on a script file (or - for standard input) and print its findings.",
        usage: ["platflow script lint FILE|- [--lang LANG] [--arg V ...] [--env K=V ...] [--unchecked warn] [--rules FILE] [--json]"],
        flags: [
            FlagSpec(name: "lang", value: "LANG", help: "bash sh python perl powershell sql bat (default: from the file's extension, else bash)"),
            FlagSpec(name: "arg", value: "V", repeats: true, help: "a positional argument the script runs with ($1, $2, ... in order), as sh(..., args:)"),
            FlagSpec(name: "env", value: "K=V", repeats: true, help: "an environment variable the script runs with, as sh(..., env:)"),
            FlagSpec(name: "unchecked", value: "warn", help: "report what the checker cannot read as warnings, as sh(..., unchecked: \"warn\")"),
            FlagSpec(name: "rules", value: "FILE", help: "user rules from a JSON or YAML policy file, as sh(..., rules:)"),
            jsonFlag,
        ],
        examples: ["platflow script lint cleanup.sh", "platflow script lint - --lang sql < migrate.sql",
                   "platflow script lint wipe.sh --arg /srv/old --env KEEP=3 --json"],
        details: """
            Exits 0 when sh() would run the script (warnings only), 1 when it would refuse it, 2 on bad usage.
            With --arg the positional arguments are known; without it $1, $2... are taken as possibly empty.
            """) { args, terminal in
            guard args.positional.count == 1, let file = args.positional.first else {
                throw UsageError("script lint needs one FILE (or - for standard input)", hint: "platflow script lint cleanup.sh --lang bash")
            }
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let d = FileManager.default.contents(atPath: file) else { throw UsageError("cannot read '\(file)'") }
                data = d
            }
            guard let body = String(data: data, encoding: .utf8) else { throw UsageError("'\(file)' is not UTF-8 text") }
            let lang = try language(args.value("lang"), file: file)
            var env: [String: String] = [:]
            for kv in args.values("env") {
                guard let eq = kv.firstIndex(of: "="), eq != kv.startIndex else {
                    throw UsageError("--env takes K=V, got '\(kv)'", hint: "--env TARGET=/srv/app")
                }
                env[String(kv[..<eq])] = String(kv[kv.index(after: eq)...])
            }
            var uncheckedWarns = false
            if let u = args.value("unchecked") {
                guard u == "warn" || u == "block" else { throw UsageError("--unchecked takes warn or block, got '\(u)'") }
                uncheckedWarns = u == "warn"
            }
            var rules: [DangerRule] = []
            if let path = args.value("rules") {
                let (valid, errors) = DangerPolicy.userRules(fromFile: path)
                if !errors.isEmpty { throw UsageError(errors.joined(separator: "\n")) }
                rules = valid
            }
            let findings = DangerPolicy(userRules: rules)
                .check(body, language: lang, args: args.has("arg") ? args.values("arg") : nil, env: env)
                .map { f in
                    uncheckedWarns && f.ruleID == DangerPolicy.uncheckedRuleID
                        ? DangerFinding(ruleID: f.ruleID, action: .warn, message: f.message, line: f.line, excerpt: f.excerpt) : f
                }
            let refused = findings.contains { $0.action == .block }
            let shown = file == "-" ? "<stdin>" : file
            if args.has("json") {
                terminal.out(jsonText([
                    "file": shown, "lang": lang.rawValue, "verdict": refused ? "refused" : "pass",
                    "findings": findings.map { ["line": $0.line, "rule": $0.ruleID, "action": $0.action.rawValue,
                                                "message": $0.message, "excerpt": $0.excerpt] as [String: Any] },
                ] as [String: Any]))
            } else {
                for f in findings {
                    terminal.out("\(shown):\(f.line): \(f.action == .block ? "refused" : "warning") by \(f.ruleID): \(f.message) (\(f.excerpt))\n")
                }
                let blocks = findings.filter { $0.action == .block }.count
                terminal.out(refused ? "\(shown): refused (\(blocks) blocking finding\(blocks == 1 ? "" : "s"))\n"
                                     : "\(shown): passes\(findings.isEmpty ? "" : " with \(findings.count) warning\(findings.count == 1 ? "" : "s")")\n")
            }
            return refused ? ExitCode.failed : ExitCode.ok
        }

    static func language(_ given: String?, file: String) throws -> ScriptLanguage {
        if let g = given {
            guard let l = ScriptLanguage(rawValue: g) else {
                throw UsageError("unknown language '\(g)'", hint: closestName(to: g, in: ScriptLanguage.allCases.map(\.rawValue)).map { "did you mean '\($0)'?" }
                                    ?? "one of: \(ScriptLanguage.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return l
        }
        switch (file as NSString).pathExtension {
        case "py": return .python
        case "pl": return .perl
        case "ps1": return .powershell
        case "sql": return .sql
        case "bat", "cmd": return .bat
        case "sh": return .bash
        default: return .bash
        }
    }
}
