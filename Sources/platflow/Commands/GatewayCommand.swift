import Foundation
import PlatEngine
import PlatGateway
import PlatLang
import PlatRelease

/// Gateway errors carry their own message, hint and exit code (docs/gateway.md lists them).
extension GatewayError: CLIError {}

/// `platflow gateway ...`: gateways, stages and resources (import, export, list, show, diff, delete), versions,
/// publishing to stages through the production gate, rollback, offline/online, history, and the nginx data
/// plane (render, serve). Parsing and printing only: the rules live in PlatGateway.
enum GatewayCommand {
    static let spec = CommandSpec(
        name: "gateway",
        summary: "API gateways: resources, immutable versions, publishing to stages on nginx.",
        subcommands: [importCmd, export, list, show, diff, version, publish, rollback, offline, online, history, delete, render, serve,
                      apply, consumerFamily("consumer"), consumerFamily("app"), plugin, ratelimit, docs, sdk],
        details: """
            A gateway has stages (environments with a class and backend hosts) and resources (a method and path
            with {params}, routed to a backend). `version create` snapshots the resources under a SemVer name;
            `publish` points a stage at a version and, with --prefix, renders nginx, tests it, reloads and probes.
            A stage of class production takes only a release version published to a test stage first (or
            --force "reason"). Exit codes: 0 ok, 1 the data plane failed (the previous release keeps serving),
            2 bad input, 4 the production gate refused.
            """)

    static let jsonFlag = FlagSpec(name: "json", help: "JSON output")
    static let actorFlag = FlagSpec(name: "as", value: "NAME", help: "who is recorded", defaultText: "$USER")
    static let prefixFlag = FlagSpec(name: "prefix", value: "DIR", help: "the nginx prefix to apply to (also PLATFLOW_GATEWAY_PREFIX); none: record only")
    static let nginxFlag = FlagSpec(name: "nginx", value: "PATH", help: "the nginx binary", defaultText: "nginx on PATH, else /usr/sbin/nginx")

    static func leaf(_ name: String, _ summary: String, usage: [String], flags: [FlagSpec] = [], examples: [String],
                     details: String? = nil, arguments: ClosedRange<Int>,
                     _ body: @escaping (ParsedArguments, GatewayStore, Terminal) throws -> Int32) -> CommandSpec {
        CommandSpec(name: name, summary: summary, usage: usage, flags: flags, examples: examples, details: details) { args, terminal in
            guard arguments.contains(args.positional.count) else {
                throw UsageError(args.positional.count < arguments.lowerBound ? "missing arguments" : "too many arguments",
                                 hint: "usage: " + usage.joined(separator: "\n       "))
            }
            let engine = try EngineSession.open(args)
            return try body(args, GatewayStore(db: engine.db, actor: args.value("as")), terminal)
        }
    }

    /// The data plane named by --prefix or PLATFLOW_GATEWAY_PREFIX, with the port `serve` recorded there.
    static func plane(_ args: ParsedArguments) throws -> NginxDataPlane? {
        guard let prefix = args.value("prefix") ?? ProcessInfo.processInfo.environment["PLATFLOW_GATEWAY_PREFIX"], !prefix.isEmpty else { return nil }
        guard let port = NginxDataPlane.recordedPort(prefix: prefix) else {
            throw UsageError("\(prefix) is not a gateway prefix yet", hint: "start one: platflow gateway serve --prefix \(prefix) --port 18080")
        }
        return NginxDataPlane(prefix: prefix, port: port, nginx: args.value("nginx"))
    }

    static func forceReason(_ args: ParsedArguments) throws -> String? {
        guard let f = args.value("force") else { return nil }
        if f.trimmingCharacters(in: .whitespaces).isEmpty {
            throw UsageError("--force needs a reason", hint: "--force \"hotfix for INC-42, approved by sre-oncall\"")
        }
        return f
    }

    static func json(_ r: GatewayRelease) -> [String: Any] {
        ["id": r.id, "gateway": r.gateway, "stage": r.stage, "version": r.version, "action": r.action.rawValue, "status": r.status,
         "forced": r.forced as Any, "note": r.note, "who": r.who, "at": r.at]
    }

    // MARK: Definitions

    static let importCmd = leaf(
        "import", "Create or replace a gateway from a YAML/JSON definition or an OpenAPI 3 file.",
        usage: ["platflow gateway import FILE [--as NAME]"], flags: [actorFlag],
        examples: ["platflow gateway import shop.yaml", "platflow gateway import openapi.json"],
        details: """
            The file is YAML (.yaml, .yml) or JSON. A definition has name, description, maintainers, default_auth,
            stages (name → env, class, variables, backends) and resources (name → method, path, backend_method,
            backend_path, backends, timeout, set_headers, remove_headers, auth, tags, doc, plugins). A file with an
            `openapi` key is read as OpenAPI 3: each operation becomes a resource. Everything is validated first;
            a refused file changes nothing.
            """, arguments: 1...1) { args, store, terminal in
        let value: Value
        do { value = try DataFile.read(args.positional[0], defaultFormat: .yaml) } catch let e as DataFileError {
            throw GatewayError.invalidInput(e.description, hint: "a gateway definition in YAML or JSON, or an OpenAPI 3 file")
        }
        let d = try GatewayFile.definition(from: value)
        let existed = try store.put(d)
        terminal.out("\(existed ? "updated" : "created") gateway \(d.name): \(d.stages.count) stage(s), \(d.resources.count) resource(s)\n")
        return ExitCode.ok
    }

    static let export = leaf(
        "export", "Print a gateway's definition (YAML, or JSON with --json); import reads it back.",
        usage: ["platflow gateway export GATEWAY [--json]"], flags: [jsonFlag],
        examples: ["platflow gateway export shop > shop.yaml"], arguments: 1...1) { args, store, terminal in
        let v = GatewayFile.value(try store.definition(args.positional[0]))
        terminal.out(args.has("json") ? try JSON.encode(v, indent: 2) + "\n" : try YAML.encode(v))
        return ExitCode.ok
    }

    static let list = leaf(
        "list", "List gateways and what each stage serves.",
        usage: ["platflow gateway list [--json]"], flags: [jsonFlag],
        examples: ["platflow gateway list"], arguments: 0...0) { args, store, terminal in
        var rows: [[String: Any]] = []
        for name in try store.names() {
            let d = try store.definition(name)
            for s in d.stages.isEmpty ? [GatewayStage(name: "-")] : d.stages {
                let cur = try store.current(gateway: name, stage: s.name)
                rows.append(["gateway": name, "stage": s.name, "class": s.envClass, "resources": d.resources.count,
                             "version": cur?.version as Any, "release": cur?.id as Any])
            }
        }
        if args.has("json") { terminal.out(jsonText(rows)); return ExitCode.ok }
        if rows.isEmpty { terminal.out("no gateways yet: platflow gateway import FILE\n"); return ExitCode.ok }
        var t = Table(header: ["GATEWAY", "STAGE", "CLASS", "RESOURCES", "SERVES", "RELEASE"])
        for r in rows {
            t.rows.append([r["gateway"] as! String, r["stage"] as! String, r["class"] as! String, String(r["resources"] as! Int),
                           (r["version"] as? String) ?? "-", (r["release"] as? Int64).map(String.init) ?? "-"])
        }
        terminal.out(t.render())
        return ExitCode.ok
    }

    static let show = leaf(
        "show", "Show a gateway: stages, resources, versions, what each stage serves.",
        usage: ["platflow gateway show GATEWAY [--json]"], flags: [jsonFlag],
        examples: ["platflow gateway show shop"], arguments: 1...1) { args, store, terminal in
        let d = try store.definition(args.positional[0])
        let versions = try store.versions(gateway: d.name)
        if args.has("json") {
            var o = DataFile.foundationObject(GatewayFile.value(d)) as? [String: Any] ?? [:]
            o["versions"] = versions.map(\.version)
            o["serving"] = Dictionary(uniqueKeysWithValues: try d.stages.compactMap { s in try store.current(gateway: d.name, stage: s.name).map { (s.name, $0.version) } })
            terminal.out(jsonText(o))
            return ExitCode.ok
        }
        var out = "gateway \(d.name)\(d.description.isEmpty ? "" : ": \(d.description)")\n"
        out += "  maintainers  \(d.maintainers.isEmpty ? "-" : d.maintainers.joined(separator: ", "))\n"
        out += "  default auth \(d.defaultAuth.rawValue)\n"
        out += "  versions     \(versions.isEmpty ? "none yet" : versions.map(\.version).joined(separator: ", "))\n"
        for s in d.stages {
            let cur = try store.current(gateway: d.name, stage: s.name)
            let off = try store.offline(gateway: d.name, stage: s.name)
            out += "  stage \(s.name) (\(s.env), \(s.envClass)): \(s.backends.map { "\($0.url)×\($0.weight)" }.joined(separator: ", "))"
            out += " → \(cur.map { "\($0.version) (release \($0.id))" } ?? "nothing published")"
            out += off.isEmpty ? "\n" : ", offline: \(off.sorted().joined(separator: ", "))\n"
        }
        var t = Table(header: ["RESOURCE", "METHOD", "PATH", "BACKEND", "AUTH", "TIMEOUT", "DOC"])
        for r in d.resources {
            t.rows.append([r.name, r.method, r.path, "\(r.backendMethod ?? r.method) \(r.backendPath ?? r.path)", (r.auth ?? d.defaultAuth).rawValue,
                           "\(r.timeout)s", r.doc])
        }
        terminal.out(out + t.render())
        return ExitCode.ok
    }

    static let diff = leaf(
        "diff", "Show the resources added, removed and changed between two versions (or a version and the draft).",
        usage: ["platflow gateway diff GATEWAY FROM [TO]"],
        examples: ["platflow gateway diff shop 1.0.0 1.1.0", "platflow gateway diff shop 1.1.0     # against the current definition"],
        details: "Exit 0 with no output when they are the same; each line starts with + (added), - (removed) or ~ (changed, with the fields).",
        arguments: 2...3) { args, store, terminal in
        let g = args.positional[0]
        let from = try store.version(gateway: g, args.positional[1]).resources
        let to = args.positional.count == 3 ? try store.version(gateway: g, args.positional[2]).resources : try store.definition(g).resources
        for line in GatewayDiff.lines(from: from, to: to) { terminal.out(line + "\n") }
        return ExitCode.ok
    }

    static let delete = leaf(
        "delete", "Delete a gateway with its versions and history.",
        usage: ["platflow gateway delete GATEWAY [--force]"], flags: [FlagSpec(name: "force", help: "delete it although it has been published")],
        examples: ["platflow gateway delete shop"], arguments: 1...1) { args, store, terminal in
        try store.delete(args.positional[0], force: args.has("force"))
        terminal.out("deleted gateway \(args.positional[0])\n")
        return ExitCode.ok
    }

    // MARK: Versions and releases

    static let version = CommandSpec(name: "version", summary: "Immutable snapshots of a gateway's resources.", subcommands: [
        leaf("create", "Snapshot the gateway's resources under a new SemVer version.",
             usage: ["platflow gateway version create GATEWAY VERSION [--comment TEXT] [--as NAME]"],
             flags: [FlagSpec(name: "comment", value: "TEXT", help: "what changed"), actorFlag],
             examples: ["platflow gateway version create shop 1.0.0 --comment \"first\""],
             details: "The version's pre-release names its stage (alpha, beta, rc, none = release), as for artifacts; alpha reaches test stages only, beta and rc staging at most, and production takes releases.",
             arguments: 2...2) { args, store, terminal in
            let v = try store.createVersion(gateway: args.positional[0], version: args.positional[1], comment: args.value("comment") ?? "")
            terminal.out("created \(v.gateway) \(v.version) (\(v.resources.count) resource(s))\n")
            return ExitCode.ok
        },
        leaf("list", "List a gateway's versions, newest first.", usage: ["platflow gateway version list GATEWAY [--json]"], flags: [jsonFlag],
             examples: ["platflow gateway version list shop"], arguments: 1...1) { args, store, terminal in
            let vs = try store.versions(gateway: args.positional[0])
            if args.has("json") {
                terminal.out(jsonText(vs.map { ["version": $0.version, "resources": $0.resources.count, "comment": $0.comment, "by": $0.createdBy, "at": $0.createdAt] as [String: Any] }))
                return ExitCode.ok
            }
            var t = Table(header: ["VERSION", "RESOURCES", "CREATED BY", "CREATED AT", "COMMENT"])
            for v in vs { t.rows.append([v.version, String(v.resources.count), v.createdBy, localTime(v.createdAt), v.comment]) }
            terminal.out(t.render())
            return ExitCode.ok
        },
    ])

    static let forceFlag = FlagSpec(name: "force", value: "REASON", help: "pass the production gate; the refusal and the reason are recorded")

    static func printRelease(_ r: GatewayRelease, _ args: ParsedArguments, _ terminal: Terminal) {
        if args.has("json") { terminal.out(jsonText(json(r))); return }
        terminal.out("\(r.action == .rollback ? "rolled back" : "published") \(r.gateway) \(r.version) to \(r.stage) (release \(r.id))\(r.forced.map { ", forced: \($0)" } ?? "")\n")
    }

    static let publish = leaf(
        "publish", "Point a stage at a version; with --prefix, apply it to nginx (test, reload, probe).",
        usage: ["platflow gateway publish GATEWAY VERSION --stage STAGE [--force REASON] [--prefix DIR] [--as NAME]"],
        flags: [FlagSpec(name: "stage", value: "STAGE", help: "the stage (required)"), forceFlag, prefixFlag, nginxFlag, actorFlag, jsonFlag],
        examples: ["platflow gateway publish shop 1.0.0 --stage test --prefix .platflow/gateway"],
        details: """
            A production stage takes a release version (no pre-release) that was published with success to a test
            stage first; otherwise the gate refuses (exit 4) and nothing is recorded, unless --force gives a reason.
            A failed nginx test, reload or probe leaves the previous release serving, records the release as
            failed and exits 1.
            """, arguments: 2...2) { args, store, terminal in
        guard let stage = args.value("stage") else { throw UsageError("publish needs --stage STAGE") }
        let force = try forceReason(args)
        let r = try GatewayPublisher(store: store, plane: try plane(args)).publish(gateway: args.positional[0], version: args.positional[1],
                                                                                 stage: stage, force: force)
        if r.forced != nil { terminal.err("\(terminal.paint("warning:", .yellow)) forced past the production gate (recorded): \(r.note)\n") }
        printRelease(r, args, terminal)
        return ExitCode.ok
    }

    static let rollback = leaf(
        "rollback", "Point a stage back at the version it served before.",
        usage: ["platflow gateway rollback GATEWAY --stage STAGE [--force REASON] [--prefix DIR]"],
        flags: [FlagSpec(name: "stage", value: "STAGE", help: "the stage (required)"), forceFlag, prefixFlag, nginxFlag, actorFlag, jsonFlag],
        examples: ["platflow gateway rollback shop --stage prod --prefix .platflow/gateway"], arguments: 1...1) { args, store, terminal in
        guard let stage = args.value("stage") else { throw UsageError("rollback needs --stage STAGE") }
        let r = try GatewayPublisher(store: store, plane: try plane(args)).rollback(gateway: args.positional[0], stage: stage, force: try forceReason(args))
        printRelease(r, args, terminal)
        return ExitCode.ok
    }

    static func offlineLeaf(_ name: String, offline: Bool) -> CommandSpec {
        leaf(name, offline ? "Take resources offline on a stage (they answer 503)." : "Bring offline resources back on a stage.",
             usage: ["platflow gateway \(name) GATEWAY RESOURCE... --stage STAGE [--prefix DIR]"],
             flags: [FlagSpec(name: "stage", value: "STAGE", help: "the stage (required)"), prefixFlag, nginxFlag, actorFlag],
             examples: ["platflow gateway \(name) shop get_order --stage test"], arguments: 2...1000) { args, store, terminal in
            guard let stage = args.value("stage") else { throw UsageError("\(name) needs --stage STAGE") }
            let rs = Array(args.positional.dropFirst())
            try GatewayPublisher(store: store, plane: try plane(args)).setOffline(gateway: args.positional[0], stage: stage, resources: rs, offline: offline)
            terminal.out("\(name) on \(args.positional[0]) \(stage): \(rs.joined(separator: ", "))\n")
            return ExitCode.ok
        }
    }

    static let offline = offlineLeaf("offline", offline: true)
    static let online = offlineLeaf("online", offline: false)

    static let history = leaf(
        "history", "Every publish, rollback and offline change of a gateway, oldest first.",
        usage: ["platflow gateway history GATEWAY [--stage STAGE] [--json]"],
        flags: [FlagSpec(name: "stage", value: "STAGE", help: "one stage only"), jsonFlag],
        examples: ["platflow gateway history shop --stage prod"], arguments: 1...1) { args, store, terminal in
        let rs = try store.history(gateway: args.positional[0], stage: args.value("stage"))
        if args.has("json") { terminal.out(jsonText(rs.map(json))); return ExitCode.ok }
        var t = Table(header: ["RELEASE", "STAGE", "ACTION", "VERSION", "STATUS", "WHO", "AT", "NOTE"])
        for r in rs {
            t.rows.append([String(r.id), r.stage, r.action.rawValue, r.version, r.status, r.who, localTime(r.at),
                           r.forced.map { "forced: \($0)" } ?? r.note])
        }
        terminal.out(t.render())
        return ExitCode.ok
    }

    // MARK: The data plane

    static let render = leaf(
        "render", "Print the nginx configuration of what every stage serves now (nothing is applied).",
        usage: ["platflow gateway render [--port N]"], flags: [FlagSpec(name: "port", value: "N", help: "the port to listen on", defaultText: "18080")],
        examples: ["platflow gateway render --port 18080"], arguments: 0...0) { args, store, terminal in
        let port = try portValue(args)
        terminal.out(try GatewayPublisher(store: store, plane: nil).rendered(listen: "127.0.0.1:\(port)"))
        return ExitCode.ok
    }

    static func portValue(_ args: ParsedArguments) throws -> Int {
        guard let t = args.value("port") else { return 18080 }
        guard let p = Int(t), (1...65535).contains(p) else { throw UsageError("--port must be 1 to 65535, got '\(t)'") }
        return p
    }

    static let serve = leaf(
        "serve", "Run nginx in the foreground on 127.0.0.1 with what every stage serves.",
        usage: ["platflow gateway serve [--prefix DIR] [--port N] [--nginx PATH]"],
        flags: [FlagSpec(name: "prefix", value: "DIR", help: "nginx's own folder: config, pid, logs, temp", defaultText: ".platflow/gateway"),
                FlagSpec(name: "port", value: "N", help: "the port on 127.0.0.1", defaultText: "18080"), nginxFlag],
        examples: ["platflow gateway serve --prefix .platflow/gateway --port 18080"],
        details: """
            Every stage is a server named STAGE.GATEWAY (send that as Host). Later publishes with the same --prefix
            render, test, reload and probe this nginx. Ctrl-C stops it.
            """, arguments: 0...0) { args, store, terminal in
        let prefix = args.value("prefix") ?? ((EngineSession.dbPath(args) as NSString).deletingLastPathComponent + "/gateway")
        let plane = NginxDataPlane(prefix: prefix, port: try portValue(args), nginx: args.value("nginx"))
        if let pid = plane.runningPID { throw UsageError("nginx already runs for \(plane.prefix) (pid \(pid))") }
        terminal.out("serving on \(plane.listen) from \(plane.prefix)\n")
        terminal.flush()
        let status = try plane.runForeground(rendered: try GatewayPublisher(store: store, plane: nil).rendered(listen: plane.listen))
        return status == 0 ? ExitCode.ok : ExitCode.failed
    }
}
