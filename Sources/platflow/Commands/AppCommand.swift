import Foundation
import PlatEngine
import PlatLang
import PlatRelease

/// `platflow app list|show|history|apply`: the release side of an app (what version runs where, who deployed
/// it, when, the run, its result). Other modules may add verbs to this family (the container runtime's).
enum AppCommand {
    static let spec = CommandSpec(
        name: "app",
        summary: "Apps: what runs where, their deploy history, their declarations.",
        subcommands: [list, AppShowCommand.spec, history, apply],
        details: """
            An app is declared in a .plat file (app "web" { deploy: PLAN, envs: {...}, owners: [...], requires: {...} })
            and recorded when a deploy reads that file, or with `platflow app apply FILE`.
            """)

    static let jsonFlag = FlagSpec(name: "json", help: "JSON output")

    static func leaf(_ name: String, _ summary: String, usage: [String], flags: [FlagSpec] = [], examples: [String],
                     details: String? = nil, arguments: ClosedRange<Int>,
                     _ body: @escaping (ParsedArguments, ReleaseStore, RunStore, Terminal) throws -> Int32) -> CommandSpec {
        CommandSpec(name: name, summary: summary, usage: usage, flags: flags, examples: examples, details: details) { args, terminal in
            guard arguments.contains(args.positional.count) else {
                throw UsageError(args.positional.count < arguments.lowerBound ? "missing arguments" : "too many arguments",
                                 hint: "usage: " + usage.joined(separator: "\n       "))
            }
            let engine = try EngineSession.open(args)
            let releases = ReleaseStore(db: engine.db, artifactRoot: ReleaseStore.defaultRoot(databasePath: EngineSession.dbPath(args)))
            return try body(args, releases, engine, terminal)
        }
    }

    static let list = leaf(
        "list", "Every app and what runs in each of its environments.", usage: ["platflow app list [--json]"], flags: [jsonFlag],
        examples: ["platflow app list"], arguments: 0...0) { args, releases, _, terminal in
        var rows: [[String: Any]] = []
        var t = Table(header: ["APP", "ENV", "CLASS", "VERSION", "REV", "DEPLOYED", "BY"])
        for app in try releases.apps() {
            let envs = try releases.environments(app: app)
            if envs.isEmpty { t.rows.append([app, "-", "-", "-", "-", "-", "-"]) }
            for e in envs {
                let c = try releases.currentDeploy(app: app, environment: e.name)
                rows.append(["app": app, "env": e.name, "class": e.environmentClass.name, "current": c.map(json) ?? NSNull()])
                t.rows.append([app, e.name, e.environmentClass.name, c?.version ?? "-", c.map { String($0.revision) } ?? "-",
                               localTime(c?.startedAt), c?.deployedBy ?? "-"])
            }
        }
        if args.has("json") { terminal.out(jsonText(rows)); return ExitCode.ok }
        if t.rows.isEmpty {
            terminal.err("no apps yet: declare one in a .plat file and deploy it, or `platflow app apply FILE`\n")
            return ExitCode.ok
        }
        terminal.out(t.render())
        return ExitCode.ok
    }

    static let history = leaf(
        "history", "Every deploy of an app, newest first: revision, version, digest, who, when, run, result, duration.",
        usage: ["platflow app history APP [--env ENV] [--json]"],
        flags: [FlagSpec(name: "env", short: "e", value: "ENV", help: "only deploys to this environment"), jsonFlag],
        examples: ["platflow app history shop-web --env prod"], arguments: 1...1) { args, releases, _, terminal in
        let app = args.positional[0]
        try releases.requireKnownApp(app)
        if let env = args.value("env") { _ = try releases.environment(app: app, name: env) }
        let list = try releases.deployHistory(app: app, environment: args.value("env"))
        if args.has("json") { terminal.out(jsonText(list.map(json))); return ExitCode.ok }
        if list.isEmpty {
            terminal.err("\(app) has not been deployed\(args.value("env").map { " to \($0)" } ?? "") yet\n")
            return ExitCode.ok
        }
        var t = Table(header: ["ENV", "REV", "VERSION", "DIGEST", "BY", "STARTED", "RUN", "RESULT", "DURATION"])
        for r in list {
            var result = r.result?.rawValue ?? "running"
            if let from = r.rollbackOf { result += " (rollback from \(from))" }
            if r.forced != nil { result += " (forced)" }
            t.rows.append([r.environment.name, String(r.revision), r.version, ArtifactDigest.short(r.digest), r.deployedBy,
                           localTime(r.startedAt), r.runID, result, r.duration.map(humanDuration) ?? "-"])
        }
        terminal.out(t.render())
        return ExitCode.ok
    }

    static let apply = CommandSpec(
        name: "apply", summary: "Record the app declarations of a .plat file (apps, environments and classes, policies).",
        usage: ["platflow app apply FILE"], flags: [], examples: ["platflow app apply workflows/release-pipeline.plat"],
        details: "Acceptances and gates judge an environment by its class; applying a file makes its environments known before any deploy.") { args, terminal in
        guard args.positional.count == 1 else { throw UsageError("app apply takes one .plat file", hint: "platflow app apply shop.plat") }
        let engine = try EngineSession.open(args)
        let releases = ReleaseStore(db: engine.db, artifactRoot: ReleaseStore.defaultRoot(databasePath: EngineSession.dbPath(args)))
        let deployer = Deployer(releases: releases, executor: RunExecutor(store: engine, output: TerminalOutput(terminal: terminal)))
        let apps = try deployer.definitions(in: args.positional[0])
        if apps.isEmpty { throw UsageError("\(args.positional[0]) declares no app", hint: "app \"web\" { deploy: deploy_web, envs: {test: \"test\"} }") }
        for a in apps {
            try releases.record(a)
            terminal.out("app \(a.name): \(a.environments.map(\.description).joined(separator: ", "))\n")
        }
        return ExitCode.ok
    }

    static func json(_ r: DeployRevision) -> [String: Any] {
        ["app": r.app, "env": r.environment.name, "class": r.environment.environmentClass.name, "revision": r.revision,
         "version": r.version, "digest": r.digest, "stage": r.stage.name, "who": r.deployedBy, "started_at": r.startedAt,
         "run": r.runID, "result": r.result?.rawValue ?? "running", "finished_at": r.finishedAt ?? NSNull(),
         "duration": r.duration ?? NSNull(), "rollback_of": r.rollbackOf ?? NSNull(), "forced": r.forced ?? NSNull()]
    }
}
