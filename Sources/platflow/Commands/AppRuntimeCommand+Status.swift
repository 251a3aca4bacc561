import Foundation
import PlatContainers
import PlatEngine
import PlatLang

/// The namespace and container views of apps in containers: `app status` (one line per install: revision, ready
/// replicas, placement) and `app containers` (one line per container: image, state, health), read from podman.
extension AppRuntimeCommand {
    static let allNamespacesFlag = FlagSpec(name: "all-namespaces", short: "A", help: "every namespace")

    /// The installs a view covers: the app (or every app), the namespace (or every one with -A), the cluster
    /// when one is named.
    static func views(_ args: ParsedArguments, _ apps: ContainerApps, _ terminal: Terminal) throws -> [AppInstallView] {
        if let f = args.value("output"), f != "json" && f != "wide" { throw UsageError("-o takes json or wide, got '\(f)'") }
        let namespace = args.has("all-namespaces") ? nil : (args.value("namespace") ?? "default")
        if let c = args.value("cluster") { _ = try apps.store.resolveCluster(c) }
        let views = try apps.overview(app: args.positional.first, namespace: namespace)
            .filter { args.value("cluster") == nil || $0.cluster == args.value("cluster") }
        var reported = Set<String>()
        for v in views {
            for (node, why) in v.unreachable.sorted(by: { $0.key < $1.key }) where reported.insert(v.cluster + "/" + node).inserted {
                terminal.err("node \(node) of cluster \(v.cluster) is down: \(why)\n")
            }
        }
        return views
    }

    static let status = leaf(
        "status", "The apps installed in a namespace (or every namespace): revision, replicas ready of wanted, pods per node.",
        usage: ["platflow app status [APP] [--namespace NS] [--all-namespaces] [-o json|wide] [--cluster C]"],
        flags: [namespaceFlag, allNamespacesFlag, outputFlag],
        examples: ["platflow app status --namespace prod", "platflow app status -A -o wide", "platflow app status shop -A -o json"],
        details: """
            READY counts running pods whose health check passed (or that have none) against the replicas the install
            wants. The revision's status is deployed, pending (a rollout cut short: running the same command again
            finishes it) or failed (rolled back).
            """,
        arguments: 0...1) { args, apps, terminal in
        let views = try views(args, apps, terminal)
        let format = args.value("output")
        if format == "json" {
            terminal.out(jsonText(views.map { v -> [String: Any] in
                var o = AppShowCommand.json(v)
                o["app"] = v.app
                return o
            }))
            return ExitCode.ok
        }
        let wide = format == "wide"
        var t = Table(header: ["NAMESPACE", "APP", "REVISION", "READY", "RUNNING"] + (wide ? ["CLUSTER", "CHART", "PODS PER NODE"] : []))
        for v in views {
            let perNode = v.podsPerNode.map { "\($0.node): \($0.pods)" }.joined(separator: ", ")
            t.rows.append([v.namespace, v.app, "\(v.revision) (\(v.revisionStatus)\(v.stopped ? ", stopped" : ""))",
                           "\(v.ready)/\(v.desired)", String(v.running)] + (wide ? [v.cluster, v.chart, perNode.isEmpty ? "-" : perNode] : []))
        }
        if t.rows.isEmpty { terminal.err("no apps installed\(args.has("all-namespaces") ? "" : " in namespace \(args.value("namespace") ?? "default")")\n"); return ExitCode.ok }
        terminal.out(t.render())
        return ExitCode.ok
    }

    static let containers = leaf(
        "containers", "The containers of an app (or of every install): pod, state, health; -o wide adds node, image and podman's words.",
        usage: ["platflow app containers [APP] [--namespace NS] [--all-namespaces] [-o json|wide] [--cluster C]"],
        flags: [namespaceFlag, allNamespacesFlag, outputFlag],
        examples: ["platflow app containers shop --namespace prod -o wide", "platflow app containers -A -o json"],
        details: "HEALTH is the last health check podman recorded (healthy, unhealthy, starting), or - for a container without one.",
        arguments: 0...1) { args, apps, terminal in
        let views = try views(args, apps, terminal)
        let rows = views.flatMap { v in v.pods.flatMap { p in p.containers.map { (v, p, $0) } } }
        if args.value("output") == "json" {
            terminal.out(jsonText(rows.map { v, p, c in
                ["cluster": v.cluster, "namespace": v.namespace, "app": v.app, "pod": p.name, "workload": p.workload, "replica": p.replica,
                 "node": p.node, "container": c.name, "name": c.podmanName, "image": c.image, "state": c.state, "status": c.status,
                 "health": c.health ?? NSNull()] as [String: Any]
            }))
            return ExitCode.ok
        }
        let wide = args.value("output") == "wide"
        var t = Table(header: ["NAMESPACE", "APP", "POD", "CONTAINER", "STATE", "HEALTH"] + (wide ? ["NODE", "IMAGE", "STATUS"] : []))
        for (v, p, c) in rows {
            t.rows.append([v.namespace, v.app, "\(p.workload)-\(p.replica)", c.name, c.state, c.health ?? "-"]
                          + (wide ? [p.node, c.image, c.status] : []))
        }
        if t.rows.isEmpty { terminal.err("no containers\n"); return ExitCode.ok }
        terminal.out(t.render())
        return ExitCode.ok
    }
}
