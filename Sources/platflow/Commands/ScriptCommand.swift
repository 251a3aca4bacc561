import Foundation
import PlatEngine
import PlatJobs
import PlatLang

enum ScriptCommand {
    static let spec = CommandSpec(
        name: "script",
        summary: "The versioned script library: add drafts, publish one version online, disable versions.",
        usage: [
            "platflow script add NAME FILE [--lang LANG]     a new draft (or replace the newest draft)",
            "platflow script publish NAME VERSION            make it the online version (the previous goes offline)",
            "platflow script disable NAME VERSION            never runnable again",
            "platflow script list [--json]",
            "platflow script show NAME [--version N] [--json]",
        ],
        flags: [
            FlagSpec(name: "lang", value: "LANG", help: "bash sh python perl powershell sql bat (default: from the file's extension, else bash)"),
            FlagSpec(name: "version", value: "N", help: "for show: this version (default: the online one, else the newest)"),
            FlagSpec(name: "json", help: "JSON output for list and show"),
        ],
        examples: ["platflow script add cleanup scripts/cleanup.sh --lang bash", "platflow script publish cleanup 2",
                   "platflow script show cleanup --version 1"],
        details: """
            In a plan: sh(hosts, script("cleanup")) runs the online version; script("cleanup", version: 2) a given one.
            A missing or disabled script is reported by `platflow check` when the database has the library, and
            otherwise before the step runs. Only drafts can be edited.
            """)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        let subs = ["add", "publish", "disable", "list", "show"]
        guard let sub = args.positional.first else {
            terminal.out(HelpCommand.render(spec))
            return ExitCode.usage
        }
        guard subs.contains(sub) else {
            terminal.error("unknown script command '\(sub)'",
                           hint: closestName(to: sub, in: subs).map { "did you mean '\($0)'?" } ?? "one of: \(subs.joined(separator: ", "))")
            return ExitCode.usage
        }
        let rest = Array(args.positional.dropFirst())
        do {
            let store = try EngineSession.open(args)
            let lib = ScriptLibrary(db: store.db)
            func version(_ i: Int) throws -> Int {
                guard rest.count > i, let v = Int(rest[i]), v >= 1 else {
                    throw UsageError("script \(sub) needs NAME VERSION", hint: "platflow script \(sub) cleanup 2")
                }
                return v
            }
            switch sub {
            case "add":
                guard rest.count == 2 else { throw UsageError("script add needs NAME FILE", hint: "platflow script add cleanup scripts/cleanup.sh") }
                guard let data = FileManager.default.contents(atPath: rest[1]), let body = String(data: data, encoding: .utf8) else {
                    throw UsageError("cannot read '\(rest[1])' (or it is not UTF-8 text)")
                }
                let lang = try language(args.value("lang"), file: rest[1])
                let v = try lib.add(name: rest[0], body: body, lang: lang, by: RunExecutor.currentUser())
                terminal.out("script \(v.name) version \(v.version) (\(v.lang.rawValue)) saved as a draft; publish it with `platflow script publish \(v.name) \(v.version)`\n")
            case "publish":
                guard let name = rest.first else { throw UsageError("script publish needs NAME VERSION") }
                let v = try version(1)
                try lib.publish(name, version: v)
                terminal.out("script \(name) version \(v) is online\n")
            case "disable":
                guard let name = rest.first else { throw UsageError("script disable needs NAME VERSION") }
                let v = try version(1)
                try lib.disable(name, version: v)
                terminal.out("script \(name) version \(v) is disabled\n")
            case "list":
                let all = try lib.list()
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
            case "show":
                guard let name = rest.first else { throw UsageError("script show needs NAME") }
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
            default: break
            }
            return ExitCode.ok
        } catch {
            return EngineSession.report(error, terminal: terminal)
        }
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
