import Foundation
import PlatContainers
import PlatEngine
import PlatLang

/// The container runtime's verbs of the `app` family (Release contributes list, show, history, apply):
/// install, upgrade, rollback, scale, start, stop, restart, reschedule, uninstall, revisions, diff, and the views
/// (pods, logs, exec, top: AppRuntimeCommand+Views.swift; status and containers: AppRuntimeCommand+Status.swift).
enum AppRuntimeCommand {
    static let spec = CommandSpec(
        name: "app",
        summary: "Apps: what runs where, their deploy history, their declarations.",
        subcommands: [install, upgrade, rollback, scale, start, stop, restart, reschedule, uninstall, revisions, diff,
                      status, pods, containers, logs, exec, top, autoscale, decisions])

    static let namespaceFlag = FlagSpec(name: "namespace", short: "n", value: "NS", help: "the namespace", defaultText: "default")
    static let clusterFlag = ContainersSession.clusterFlag
    static let valuesFlag = FlagSpec(name: "values", short: "f", value: "FILE", repeats: true, help: "a values file (later files win)")
    static let setFlag = FlagSpec(name: "set", value: "A.B=C", repeats: true, help: "a value (wins over files)")
    static let projectFlag = FlagSpec(name: "project", value: "NAME",
                                      help: "the project the app belongs to: it may use public images and the project's own")
    static let manifestsFlag = FlagSpec(name: "manifests", value: "FILE",
                                        help: "install already rendered manifests (YAML documents or a JSON list) instead of a chart")

    /// Cluster, namespace and app of a command on one install.
    struct Target {
        var cluster: String
        var namespace: String
        var app: String
    }

    static func target(_ args: ParsedArguments, _ apps: ContainerApps) throws -> Target {
        Target(cluster: try apps.store.resolveCluster(args.value("cluster")), namespace: args.value("namespace") ?? "default",
               app: args.positional[0])
    }

    /// The manifests a chart renders with the command's values, or those of `--manifests`.
    static func manifests(_ args: ParsedArguments, chart: String?, app: String, namespace: String) throws -> (chart: String, manifests: [Value]) {
        if let file = args.value("manifests") {
            if chart != nil { throw UsageError("give a CHART or --manifests FILE, not both") }
            return (file, try readManifests(file))
        }
        guard let chart else { throw UsageError("missing CHART", hint: "a chart folder, or --manifests FILE") }
        let rendered = try ChartRenderer.render(chart: chart, valueFiles: args.values("values"), sets: args.values("set"),
                                                release: app, namespace: namespace)
        return (chart, rendered.manifests)
    }

    /// YAML documents separated by `---` lines, or a JSON list; empty documents are skipped. A file that does not
    /// parse is bad input (exit 2) with its FILE:LINE:COL.
    static func readManifests(_ path: String) throws -> [Value] {
        do {
            return try decodeManifests(path)
        } catch let e as DataFileError {
            throw UsageError(e.description, hint: "a manifests file holds YAML documents separated by --- lines, or a JSON list")
        }
    }

    static func decodeManifests(_ path: String) throws -> [Value] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw UsageError("cannot read \(path)")
        }
        if DataFile.Format.of(path: path) == .json {
            guard case .list(let items) = try DataFile.decode(text, format: .json, path: path) else {
                throw UsageError("\(path): a JSON manifests file holds a list of objects")
            }
            return items
        }
        // Each document keeps its place in the file (blank lines before it), so errors name the file's line.
        var documents: [(start: Int, lines: [Substring])] = [(0, [])]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line == "---" || line.hasPrefix("--- ") {
                documents.append((number + 1, []))
            } else {
                documents[documents.count - 1].lines.append(line)
            }
        }
        var out: [Value] = []
        for doc in documents {
            let content = doc.lines.joined(separator: "\n")
            if content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
            let body = String(repeating: "\n", count: doc.start) + content
            switch try DataFile.decode(body, format: .yaml, path: path) {
            case .null: continue
            case .list(let items): out += items
            case let v: out.append(v)
            }
        }
        return out
    }

    static func valuesJSON(_ args: ParsedArguments, extra: [String: Any] = [:]) -> String {
        var o: [String: Any] = ["files": args.values("values"), "set": args.values("set")]
        for (k, v) in extra { o[k] = v }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func leaf(_ name: String, _ summary: String, usage: [String], flags: [FlagSpec] = [], examples: [String],
                     details: String? = nil, arguments: ClosedRange<Int>,
                     _ body: @escaping (ParsedArguments, ContainerApps, Terminal) throws -> Int32) -> CommandSpec {
        ContainersSession.leaf(name, summary, usage: usage, flags: flags + [clusterFlag], examples: examples, details: details,
                               arguments: arguments) { args, terminal in
            try body(args, try ContainersSession.apps(args, terminal), terminal)
        }
    }

    static func report(_ o: ContainerApps.Outcome, _ verb: String, _ t: Target, _ terminal: Terminal) -> Int32 {
        terminal.out("\(t.app) \(verb) in \(t.namespace): revision \(o.revision)\(o.resumed ? " (resumed)" : "") — \(o.plan)\n")
        return ExitCode.ok
    }

    static let install = leaf(
        "install", "Installs a chart (or rendered manifests) as an app in a namespace: revision 1, rolled out on podman.",
        usage: ["platflow app install APP CHART [--namespace NS] [-f VALUES]... [--set A.B=C]... [--cluster C]",
                "platflow app install APP --manifests FILE [--namespace NS] [--cluster C]"],
        flags: [namespaceFlag, valuesFlag, setFlag, manifestsFlag, projectFlag],
        examples: ["platflow app install shop charts/web --namespace prod -f values-prod.yaml",
                   "platflow app install shop --manifests rendered.yaml --namespace test"],
        details: """
            Every replica is placed (node selector, taints and tolerations, capacity, spread) and every image found
            before anything starts: an unschedulable replica or a missing image changes nothing. Running the same
            install again after a crash finishes it.
            """,
        arguments: 1...2) { args, apps, terminal in
        let t = try target(args, apps)
        let (chart, manifests) = try manifests(args, chart: args.positional.count > 1 ? args.positional[1] : nil, app: t.app, namespace: t.namespace)
        let o = try apps.deploy(cluster: t.cluster, namespace: t.namespace, app: t.app, chart: chart, manifests: manifests,
                                valuesJSON: valuesJSON(args), description: "install", mustExist: false, project: args.value("project"))
        return report(o, "installed", t, terminal)
    }

    static let upgrade = leaf(
        "upgrade", "A rolling upgrade to new values, a new chart or a new image: a new revision; a failed health check rolls back by itself.",
        usage: ["platflow app upgrade APP [CHART] [--namespace NS] [-f VALUES]... [--set A.B=C]... [--image IMAGE [--container NAME]] [--cluster C]"],
        flags: [namespaceFlag, valuesFlag, setFlag, manifestsFlag, projectFlag,
                FlagSpec(name: "image", value: "IMAGE", help: "only change the image (of every container, or of --container)"),
                FlagSpec(name: "container", value: "NAME", help: "the container whose image --image changes")],
        examples: ["platflow app upgrade shop --namespace prod --image localhost/shop:1.5",
                   "platflow app upgrade shop charts/web --namespace prod -f values-prod.yaml"],
        details: """
            Replicas are replaced in batches of maxSurge + maxUnavailable (the Deployment's strategy.rollingUpdate;
            Kubernetes' defaults 25%/25%): at most maxSurge extra pods run and at most maxUnavailable replicas are
            missing. A new pod must pass its readinessProbe (exec, tcpSocket or httpGet, run by podman's healthcheck)
            before the old one goes. Re-running an upgrade that was cut short (a crash) resumes it.
            """,
        arguments: 1...2) { args, apps, terminal in
        let t = try target(args, apps)
        let install = try apps.store.requireInstall(cluster: t.cluster, namespace: t.namespace, app: t.app)
        var chart = install.chart
        var manifests: [Value]
        var description = "upgrade"
        if let image = args.value("image") {
            if args.positional.count > 1 || args.has("manifests") { throw UsageError("--image changes the current revision's manifests: give no CHART") }
            guard let current = try apps.store.revision(cluster: t.cluster, namespace: t.namespace, app: t.app, number: install.revision) else {
                throw ContainersError.failedRevision(install.revision)
            }
            manifests = try ImageEdit.apply(image: image, container: args.value("container"), to: try current.manifests())
            description = "upgrade image to \(image)"
        } else {
            let chosen = args.positional.count > 1 ? args.positional[1] : (args.has("manifests") ? nil : install.chart)
            (chart, manifests) = try AppRuntimeCommand.manifests(args, chart: chosen, app: t.app, namespace: t.namespace)
        }
        let o = try apps.deploy(cluster: t.cluster, namespace: t.namespace, app: t.app, chart: chart, manifests: manifests,
                                valuesJSON: valuesJSON(args, extra: args.value("image").map { ["image": $0] } ?? [:]),
                                description: description, mustExist: true, project: args.value("project"))
        return report(o, "upgraded", t, terminal)
    }

    static let rollback = leaf(
        "rollback", "Rolls back to a revision (the one before the current by default): a new revision with its manifests.",
        usage: ["platflow app rollback APP [REVISION] [--namespace NS] [--cluster C]"], flags: [namespaceFlag],
        examples: ["platflow app rollback shop --namespace prod", "platflow app rollback shop 3 --namespace prod"],
        arguments: 1...2) { args, apps, terminal in
        let t = try target(args, apps)
        var to: Int? = nil
        if args.positional.count > 1 {
            guard let n = Int(args.positional[1]), n > 0 else { throw UsageError("REVISION is a number, got '\(args.positional[1])'") }
            to = n
        }
        return report(try apps.rollback(cluster: t.cluster, namespace: t.namespace, app: t.app, to: to), "rolled back", t, terminal)
    }

    static let scale = leaf(
        "scale", "Sets a workload's replica count (kept until the next upgrade or rollback).",
        usage: ["platflow app scale APP --replicas N [--workload NAME] [--namespace NS] [--cluster C]"],
        flags: [namespaceFlag, FlagSpec(name: "replicas", value: "N", help: "the replica count"),
                FlagSpec(name: "workload", value: "NAME", help: "the Deployment (default: the only one)")],
        examples: ["platflow app scale shop --replicas 5 --namespace prod"], arguments: 1...1) { args, apps, terminal in
        let t = try target(args, apps)
        guard let text = args.value("replicas"), let n = Int(text) else { throw UsageError("--replicas N is required (a number)") }
        let summary = try apps.scale(cluster: t.cluster, namespace: t.namespace, app: t.app, workload: args.value("workload"), replicas: n)
        terminal.out("\(t.app) in \(t.namespace) scaled to \(n) — \(summary)\n")
        return ExitCode.ok
    }

    static func runState(_ name: String, _ summary: String, running: Bool) -> CommandSpec {
        leaf(name, summary, usage: ["platflow app \(name) APP [--namespace NS] [--cluster C]"], flags: [namespaceFlag],
             examples: ["platflow app \(name) shop --namespace prod"], arguments: 1...1) { args, apps, terminal in
            let t = try target(args, apps)
            let n = try apps.setRunning(cluster: t.cluster, namespace: t.namespace, app: t.app, running: running)
            terminal.out("\(t.app) in \(t.namespace): \(n) pod(s) \(running ? "started" : "stopped")\n")
            return ExitCode.ok
        }
    }

    static let start = runState("start", "Starts an app's stopped pods (and any replica missing).", running: true)
    static let stop = runState("stop", "Stops an app's pods (they stay, stopped, until start).", running: false)

    static let restart = leaf(
        "restart", "Restarts an app's pods a batch at a time (maxUnavailable), waiting for each to be healthy.",
        usage: ["platflow app restart APP [--namespace NS] [--cluster C]"], flags: [namespaceFlag],
        examples: ["platflow app restart shop --namespace prod"], arguments: 1...1) { args, apps, terminal in
        let t = try target(args, apps)
        let n = try apps.restart(cluster: t.cluster, namespace: t.namespace, app: t.app)
        terminal.out("\(t.app) in \(t.namespace): \(n) pod(s) restarted\n")
        return ExitCode.ok
    }

    static let reschedule = leaf(
        "reschedule", "Places every replica afresh (after nodes were added, uncordoned or relabelled), one at a time.",
        usage: ["platflow app reschedule APP [--namespace NS] [--cluster C]"], flags: [namespaceFlag],
        examples: ["platflow app reschedule shop --namespace prod"], arguments: 1...1) { args, apps, terminal in
        let t = try target(args, apps)
        terminal.out("\(t.app) in \(t.namespace): \(try apps.reschedule(cluster: t.cluster, namespace: t.namespace, app: t.app))\n")
        return ExitCode.ok
    }

    static let uninstall = leaf(
        "uninstall", "Removes an app's pods from a namespace and forgets the install (its revisions stay on record).",
        usage: ["platflow app uninstall APP [--namespace NS] [--cluster C]"], flags: [namespaceFlag],
        examples: ["platflow app uninstall shop --namespace test"], arguments: 1...1) { args, apps, terminal in
        let t = try target(args, apps)
        let n = try apps.uninstall(cluster: t.cluster, namespace: t.namespace, app: t.app)
        terminal.out("\(t.app) uninstalled from \(t.namespace) (\(n) pod(s) removed)\n")
        return ExitCode.ok
    }

    static let revisions = leaf(
        "revisions", "An install's numbered revisions: what changed, who, when, and how it ended.",
        usage: ["platflow app revisions APP [--namespace NS] [--cluster C] [--json]"], flags: [namespaceFlag, ContainersSession.jsonFlag],
        examples: ["platflow app revisions shop --namespace prod"],
        details: "Release's `app history` is the deploy history of versions; this is the container install's revisions.",
        arguments: 1...1) { args, apps, terminal in
        let t = try target(args, apps)
        let install = try apps.store.install(cluster: t.cluster, namespace: t.namespace, app: t.app)
        let all = try apps.store.revisions(cluster: t.cluster, namespace: t.namespace, app: t.app)
        if all.isEmpty { _ = try apps.store.requireInstall(cluster: t.cluster, namespace: t.namespace, app: t.app) }
        if args.has("json") {
            terminal.out(jsonText(all.map { ["revision": $0.number, "chart": $0.chart, "status": $0.status, "description": $0.description,
                                              "who": $0.who, "at": $0.at, "current": $0.number == install?.revision] as [String: Any] }))
            return ExitCode.ok
        }
        var table = Table(header: ["REVISION", "STATUS", "CHART", "WHEN", "WHO", "DESCRIPTION"])
        for r in all {
            table.rows.append([String(r.number) + (r.number == install?.revision ? "*" : ""), r.status, r.chart, localTime(r.at), r.who, r.description])
        }
        terminal.out(table.render())
        return ExitCode.ok
    }

    static let diff = leaf(
        "diff", "The manifests of two revisions, line by line (the current one and the one before by default).",
        usage: ["platflow app diff APP [FROM [TO]] [--namespace NS] [--cluster C]"], flags: [namespaceFlag],
        examples: ["platflow app diff shop --namespace prod", "platflow app diff shop 1 3 --namespace prod"],
        arguments: 1...3) { args, apps, terminal in
        let t = try target(args, apps)
        let install = try apps.store.requireInstall(cluster: t.cluster, namespace: t.namespace, app: t.app)
        let numbers = try args.positional.dropFirst().map { word -> Int in
            guard let n = Int(word) else { throw UsageError("a revision is a number, got '\(word)'") }
            return n
        }
        let to = numbers.count > 1 ? numbers[1] : install.revision
        let from = numbers.first ?? (to - 1)
        func text(_ n: Int) throws -> [String] {
            guard let r = try apps.store.revision(cluster: t.cluster, namespace: t.namespace, app: t.app, number: n) else {
                throw ContainersError("\(t.app) in \(t.namespace) has no revision \(n)")
            }
            return try r.manifests().map { try YAML.encode($0) }.joined(separator: "---\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        let lines = LineDiff.unified(try text(from), try text(to), fromName: "revision \(from)", toName: "revision \(to)")
        terminal.out(lines.isEmpty ? "revisions \(from) and \(to) have the same manifests\n" : lines.joined(separator: "\n") + "\n")
        return ExitCode.ok
    }
}

extension ContainersError {
    static func failedRevision(_ n: Int) -> ContainersError { ContainersError("revision \(n) is missing from the database", kind: .failed) }
}
