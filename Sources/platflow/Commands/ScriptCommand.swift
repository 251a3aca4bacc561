import Foundation
import PlatEngine
import PlatJobs
import PlatLang

enum ScriptCommand {
    static let jsonFlag = FlagSpec(name: "json", help: "JSON output")

    static let spec = CommandSpec(
        name: "script",
        summary: "The versioned script library: add drafts, publish one version online, disable versions.",
        subcommands: [add, publish, disable, list, show],
        examples: ["platflow script add cleanup scripts/cleanup.sh --lang bash", "platflow script publish cleanup 2",
                   "platflow script show cleanup --version 1"],
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
        summary: "Add a script as a new draft (or replace the newest draft).",
        usage: ["platflow script add NAME FILE [--lang LANG]"],
        flags: [FlagSpec(name: "lang", value: "LANG", help: "bash sh python perl powershell sql bat (default: from the file's extension, else bash)")],
        examples: ["platflow script add cleanup scripts/cleanup.sh --lang bash"]) { args, terminal in
            let rest = args.positional
            guard rest.count == 2 else { throw UsageError("script add needs NAME FILE", hint: "platflow script add cleanup scripts/cleanup.sh") }
            guard let data = FileManager.default.contents(atPath: rest[1]), let body = String(data: data, encoding: .utf8) else {
                throw UsageError("cannot read '\(rest[1])' (or it is not UTF-8 text)")
            }
            let lang = try language(args.value("lang"), file: rest[1])
            let v = try library(args).add(name: rest[0], body: body, lang: lang, by: RunExecutor.currentUser())
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
