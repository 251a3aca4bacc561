import Foundation
import PlatEngine
import PlatLang
import PlatRelease

/// Release errors carry their own message, hint and exit code (docs/release.md lists them).
extension ReleaseError: CLIError {}

/// `platflow artifact ...`: the artifact store (push, list, show, verify, pull) and the stage gates an artifact
/// passes (accept, promote). Parsing and printing only: the rules live in PlatRelease.
enum ArtifactCommand {
    static let spec = CommandSpec(
        name: "artifact",
        summary: "Artifacts by digest, their stages, acceptance and promotion.",
        subcommands: [push, list, show, verify, pull, accept, promote],
        details: """
            An artifact is the bits of one app version, stored by SHA-256 in the artifact store (.platflow/artifacts
            beside the database; --store or PLATFLOW_ARTIFACTS moves it). The version's pre-release is its stage:
            -alpha.N, -beta.N, -rc.N, none = release. Promotion gives the same bits the next stage's name when the
            app's stage policy allows it; acceptances are of bits, so they follow the bits through promotion.
            Exit codes: 0 ok, 1 failed (verify found damage), 2 bad input, 4 a stage gate refused, 5 a requirement
            of another app would be unsatisfied, 6 the version is stored already with other bits.
            """)

    static let storeFlag = FlagSpec(name: "store", value: "DIR", help: "the artifact store (also PLATFLOW_ARTIFACTS)",
                                    defaultText: "artifacts/ beside the database")
    static let jsonFlag = FlagSpec(name: "json", help: "JSON output")
    static let actorFlag = FlagSpec(name: "as", value: "NAME", help: "who is recorded", defaultText: "$USER")

    /// A subcommand that works on the release store: opens the database and the artifact store, then runs `body`.
    static func leaf(_ name: String, _ summary: String, usage: [String], flags: [FlagSpec] = [], examples: [String],
                     details: String? = nil, arguments: ClosedRange<Int>,
                     _ body: @escaping (ParsedArguments, ReleaseStore, Terminal) throws -> Int32) -> CommandSpec {
        CommandSpec(name: name, summary: summary, usage: usage, flags: flags + [storeFlag], examples: examples, details: details) { args, terminal in
            guard arguments.contains(args.positional.count) else {
                throw UsageError(args.positional.count < arguments.lowerBound ? "missing arguments" : "too many arguments",
                                 hint: "usage: " + usage.joined(separator: "\n       "))
            }
            let engine = try EngineSession.open(args)
            let root = args.value("store") ?? ReleaseStore.defaultRoot(databasePath: EngineSession.dbPath(args))
            return try body(args, ReleaseStore(db: engine.db, artifactRoot: root, actor: args.value("as")), terminal)
        }
    }

    // MARK: Store

    static let push = leaf(
        "push", "Store a file or a directory as an app version.",
        usage: ["platflow artifact push APP VERSION FILE|DIR [--as NAME] [--json]"], flags: [actorFlag, jsonFlag],
        examples: ["platflow artifact push shop-web 1.4.0-alpha.1 dist/web.tar.gz"],
        details: """
            The bits are hashed while they are copied and land in the store whole or not at all. The same version
            with the same bits again is a no-op; with other bits it is refused (exit 6): a version names one set of
            bits forever. A directory is stored as a manifest of its files (paths, modes, digests).
            """, arguments: 3...3) { args, store, terminal in
        let r = try store.push(app: args.positional[0], version: args.positional[1], path: args.positional[2])
        if args.has("json") { terminal.out(jsonText(json(r.artifact))); return ExitCode.ok }
        let a = r.artifact
        terminal.out("\(r.alreadyStored ? "already stored" : "pushed") \(a.app) \(a.version) (\(a.stage), \(a.kind), \(bytes(a.size))) \(a.digest)\n")
        return ExitCode.ok
    }

    static let list = leaf(
        "list", "List the stored artifacts, newest version first.",
        usage: ["platflow artifact list [APP] [--json]"], flags: [jsonFlag],
        examples: ["platflow artifact list shop-web"], arguments: 0...1) { args, store, terminal in
        let app = args.positional.first
        if let app { try store.requireKnownApp(app) }
        let all = try store.artifacts(app: app)
        if args.has("json") { terminal.out(jsonText(all.map(json))); return ExitCode.ok }
        if all.isEmpty { terminal.out("no artifacts yet: platflow artifact push APP VERSION FILE\n"); return ExitCode.ok }
        var t = Table(header: ["APP", "VERSION", "STAGE", "DIGEST", "SIZE", "PUSHED BY", "PUSHED AT", "FROM"])
        for a in all {
            t.rows.append([a.app, a.version.description, a.stage.name, ArtifactDigest.short(a.digest), bytes(a.size), a.pushedBy,
                           localTime(a.pushedAt), a.promotedFrom ?? "-"])
        }
        terminal.out(t.render())
        return ExitCode.ok
    }

    static let show = leaf(
        "show", "Show one artifact: its bits, lineage, acceptances and forced gates.",
        usage: ["platflow artifact show APP VERSION [--json]"], flags: [jsonFlag],
        examples: ["platflow artifact show shop-web 1.4.0"], arguments: 2...2) { args, store, terminal in
        let app = args.positional[0]
        let a = try store.artifact(app: app, version: args.positional[1])
        let lineage = try store.lineage(app: app, version: a.version.description)
        let accepted = try store.acceptances(app: app, digest: a.digest)
        let forced = try store.overrides(app: app).filter { o in lineage.contains { $0.version.description == o.version } }
        if args.has("json") {
            var o = json(a)
            o["lineage"] = lineage.map(\.version.description)
            o["acceptances"] = accepted.map(json)
            o["forced"] = forced.map { ["action": $0.action, "rule": $0.rule, "refusal": $0.refusal, "reason": $0.reason, "who": $0.who, "at": $0.at] as [String: Any] }
            terminal.out(jsonText(o))
            return ExitCode.ok
        }
        var out = """
            \(a.app) \(a.version)
              stage      \(a.stage)
              digest     \(a.digest)
              size       \(bytes(a.size)) (\(a.kind) \(a.name))
              pushed     \(localTime(a.pushedAt)) by \(a.pushedBy)
              lineage    \(lineage.map(\.version.description).joined(separator: " → "))

            """
        if accepted.isEmpty { out += "  accepted   nowhere yet\n" }
        for c in accepted {
            out += "  accepted   in \(c.environment) as \(c.version), \(localTime(c.at)) by \(c.who)"
                + (c.evidenceDigest.map { ", evidence \(ArtifactDigest.short($0))" } ?? "") + "\n"
        }
        for f in forced { out += "  forced     \(f.action) by \(f.who), \(localTime(f.at)): \(f.reason) (\(f.refusal))\n" }
        terminal.out(out)
        return ExitCode.ok
    }

    static let verify = leaf(
        "verify", "Re-hash stored artifacts and report any whose bits changed (exit 1).",
        usage: ["platflow artifact verify [APP [VERSION]]"],
        examples: ["platflow artifact verify", "platflow artifact verify shop-web 1.4.0"], arguments: 0...2) { args, store, terminal in
        let results = try store.verify(app: args.positional.first, version: args.positional.count > 1 ? args.positional[1] : nil)
        var damaged = 0
        for (a, problems) in results {
            if problems.isEmpty {
                terminal.out("ok       \(a.app) \(a.version) \(ArtifactDigest.short(a.digest))\n")
            } else {
                damaged += 1
                terminal.out("DAMAGED  \(a.app) \(a.version) \(ArtifactDigest.short(a.digest))\n")
                for p in problems { terminal.out("         \(p)\n") }
            }
        }
        if damaged > 0 {
            terminal.error("\(damaged) of \(results.count) artifact(s) damaged",
                           hint: "push the damaged versions again from their source, or restore the store from a backup")
            return ExitCode.failed
        }
        terminal.out("\(results.count) artifact(s) intact\n")
        return ExitCode.ok
    }

    static let pull = leaf(
        "pull", "Write an artifact out of the store, checking its digest on the way.",
        usage: ["platflow artifact pull APP VERSION DEST"],
        examples: ["platflow artifact pull shop-web 1.4.0 /tmp/web.tar.gz"], arguments: 3...3) { args, store, terminal in
        let path = try store.pull(app: args.positional[0], version: args.positional[1], to: args.positional[2])
        terminal.out("\(path)\n")
        return ExitCode.ok
    }

    // MARK: Gates

    static let accept = leaf(
        "accept", "Record that a version's bits passed acceptance in an environment.",
        usage: ["platflow artifact accept APP VERSION --env ENV [--class test|staging|production] [--evidence FILE] [--as NAME]"],
        flags: [
            FlagSpec(name: "env", value: "ENV", help: "the environment it was accepted in (required)"),
            FlagSpec(name: "class", value: "CLASS", help: "the environment's class, when the app does not declare it yet: test, staging or production"),
            FlagSpec(name: "evidence", value: "FILE", help: "a report of the acceptance; its digest is recorded and the file stored"),
            actorFlag, jsonFlag,
        ],
        examples: ["platflow artifact accept shop-web 1.4.0-alpha.1 --env test --class test --evidence e2e.xml"],
        details: """
            The acceptance is of the bits (the digest), so it still counts after the version is promoted. An
            environment is known when the app declares it (envs: in its app declaration) or was named before with
            --class; an unknown one without --class is refused.
            """, arguments: 2...2) { args, store, terminal in
        guard let env = args.value("env") else { throw UsageError("accept needs --env ENV", hint: "the environment the version passed acceptance in") }
        let cls = try args.value("class").map { try EnvironmentClass.parse($0) }
        let a = try store.accept(app: args.positional[0], version: args.positional[1], environment: env, class: cls,
                                 evidence: args.value("evidence"))
        if args.has("json") { terminal.out(jsonText(json(a))); return ExitCode.ok }
        terminal.out("accepted \(a.app) \(a.version) in \(a.environment) (\(ArtifactDigest.short(a.digest))) by \(a.who)\n")
        return ExitCode.ok
    }

    static let promote = leaf(
        "promote", "Give a version's bits the next name of a later stage, when the policy allows.",
        usage: ["platflow artifact promote APP VERSION --to beta|rc|release [--force REASON] [--as NAME]"],
        flags: [
            FlagSpec(name: "to", value: "STAGE", help: "beta, rc or release (required)"),
            FlagSpec(name: "force", value: "REASON", help: "pass a refusing gate; the refusal and the reason are recorded"),
            actorFlag, jsonFlag,
        ],
        examples: ["platflow artifact promote shop-web 1.4.0-alpha.3 --to beta     # 1.4.0-beta.1"],
        details: """
            1.4.0-alpha.3 → 1.4.0-beta.1 (the next free beta number) → 1.4.0: the same digest under a new name,
            its lineage kept. The target stage's acceptance rule applies: beta needs acceptance in test, rc and
            release in staging (by default; an app's policy may differ). A refusal exits 4.
            """, arguments: 2...2) { args, store, terminal in
        guard let toText = args.value("to") else { throw UsageError("promote needs --to beta|rc|release") }
        guard let to = Stage(name: toText) else {
            throw UsageError("unknown stage '\(toText)'", hint: closestName(to: toText, in: Stage.allCases.map(\.name)).map { "did you mean '\($0)'?" } ?? "one of: beta, rc, release")
        }
        if let f = args.value("force"), f.trimmingCharacters(in: .whitespaces).isEmpty {
            throw UsageError("--force needs a reason", hint: "--force \"hotfix for INC-42, approved by sre-oncall\"")
        }
        let r = try store.promote(app: args.positional[0], version: args.positional[1], to: to, force: args.value("force"))
        if let f = r.forced { terminal.err("\(terminal.paint("warning:", .yellow)) forced past a gate (recorded): \(f.description)\n") }
        if args.has("json") { terminal.out(jsonText(json(r.artifact))); return ExitCode.ok }
        let a = r.artifact
        terminal.out("\(r.alreadyPromoted ? "already promoted" : "promoted") \(a.app) \(a.promotedFrom ?? args.positional[1]) → \(a.version) (\(ArtifactDigest.short(a.digest)))\n")
        return ExitCode.ok
    }

    // MARK: Output

    static func json(_ a: Artifact) -> [String: Any] {
        ["app": a.app, "version": a.version.description, "stage": a.stage.name, "digest": a.digest, "size": a.size,
         "kind": a.kind.rawValue, "name": a.name, "pushed_by": a.pushedBy, "pushed_at": a.pushedAt,
         "promoted_from": a.promotedFrom ?? NSNull()]
    }

    static func json(_ a: Acceptance) -> [String: Any] {
        ["app": a.app, "version": a.version, "digest": a.digest, "env": a.environment.name, "class": a.environment.environmentClass.name,
         "who": a.who, "at": a.at, "evidence": a.evidenceDigest ?? NSNull()]
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n)
        var u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
    }
}
