import Foundation
import PlatContainers
import PlatEngine
import PlatLang

/// Containers' errors as the CLI shows them: bad input exits 2, a failure of the work (podman, a health
/// check) exits 1.
extension ContainersError: CLIError {
    var exitCode: Int32 { kind == .input ? ExitCode.usage : ExitCode.failed }
}

extension PodmanError: CLIError {
    var exitCode: Int32 { ExitCode.failed }
}

/// Opening the container platform's store the way every containers command does.
enum ContainersSession {
    static func store(_ args: ParsedArguments) throws -> ContainersStore {
        ContainersStore(db: try EngineSession.open(args).db)
    }

    static func apps(_ args: ParsedArguments, _ terminal: Terminal) throws -> ContainerApps {
        ContainerApps(store: try store(args)) { line in
            if !terminal.quiet { terminal.err("· \(line)\n") }
        }
    }

    static let clusterFlag = FlagSpec(name: "cluster", value: "NAME", help: "the cluster (default: the only one)")
    static let jsonFlag = FlagSpec(name: "json", help: "JSON output")

    static func arguments(_ args: ParsedArguments, _ range: ClosedRange<Int>, usage: [String]) throws {
        guard range.contains(args.positional.count) else {
            throw UsageError(args.positional.count < range.lowerBound ? "missing arguments" : "too many arguments",
                             hint: "usage: " + usage.joined(separator: "\n       "))
        }
    }

    static func leaf(_ name: String, _ summary: String, usage: [String], flags: [FlagSpec] = [], examples: [String],
                     details: String? = nil, arguments range: ClosedRange<Int>,
                     _ body: @escaping (ParsedArguments, Terminal) throws -> Int32) -> CommandSpec {
        CommandSpec(name: name, summary: summary, usage: usage, flags: flags, examples: examples, details: details) { args, terminal in
            try arguments(args, range, usage: usage)
            return try body(args, terminal)
        }
    }
}

/// `platflow cluster create|list|show|remove`: local clusters of podman nodes.
enum ClusterCommand {
    static let spec = CommandSpec(
        name: "cluster",
        summary: "Clusters of podman nodes: create, list, show, remove.",
        subcommands: [create, list, show, remove],
        details: """
            A cluster is a set of nodes (`platflow node add`), each a podman endpoint: local nodes keep their own
            storage under nodes/NAME/ beside the database, so one machine can hold a cluster of several nodes;
            ssh nodes run podman on a remote host. Creating a native Kubernetes cluster is out of reach here.
            """)

    static let create = ContainersSession.leaf(
        "create", "Creates an empty cluster.", usage: ["platflow cluster create NAME"],
        examples: ["platflow cluster create local"], arguments: 1...1) { args, terminal in
        try ContainersSession.store(args).createCluster(args.positional[0])
        terminal.out("cluster \(args.positional[0]) created; add nodes with `platflow node add NAME --cluster \(args.positional[0])`\n")
        return ExitCode.ok
    }

    static let list = ContainersSession.leaf(
        "list", "Every cluster: podman clusters with their nodes and installs, then imported Kubernetes clusters.", usage: ["platflow cluster list [--json]"],
        flags: [ContainersSession.jsonFlag], examples: ["platflow cluster list"], arguments: 0...0) { args, terminal in
        let store = try ContainersSession.store(args)
        var rows: [[String: Any]] = []
        var t = Table(header: ["CLUSTER", "NODES", "READY", "CPUS", "MEMORY", "INSTALLS", "CREATED"])
        for c in try store.clusters() {
            let nodes = try store.nodes(cluster: c.name)
            let installs = try store.installs(cluster: c.name)
            let cpus = nodes.reduce(0) { $0 + $1.cpus }, memory = nodes.reduce(Int64(0)) { $0 + $1.memoryBytes }
            rows.append(["name": c.name, "type": "podman", "nodes": nodes.count, "ready": nodes.filter { $0.state == .ready }.count,
                         "cpus": cpus, "memory": memory, "installs": installs.count, "created_at": c.createdAt])
            t.rows.append([c.name, String(nodes.count), String(nodes.filter { $0.state == .ready }.count), Quantity.cpuText(cpus),
                           Quantity.memoryText(memory), String(installs.count), localTime(c.createdAt)])
        }
        // Kubernetes clusters registered with `cluster import` are listed too, marked by their kind.
        let kube = try KubeClusters.list(db: store.db)
        if args.has("json") {
            for c in kube {
                rows.append(["name": c.name, "type": "kubernetes", "server": c.server, "context": c.context,
                             "namespace": c.namespace, "kubeconfig": c.kubeconfig, "created_at": c.importedAt])
            }
            terminal.out(jsonText(rows))
            return ExitCode.ok
        }
        if t.rows.isEmpty && kube.isEmpty {
            terminal.err("no clusters yet: `platflow cluster create NAME` or `platflow cluster import --kubeconfig FILE`\n")
            return ExitCode.ok
        }
        if !t.rows.isEmpty { terminal.out(t.render()) }
        if !kube.isEmpty {
            var k = Table(header: ["KUBERNETES CLUSTER", "SERVER", "CONTEXT", "NAMESPACE", "IMPORTED"])
            for c in kube { k.rows.append([c.name, c.server, c.context, c.namespace, localTime(c.importedAt)]) }
            if !t.rows.isEmpty { terminal.out("\n") }
            terminal.out(k.render())
        }
        return ExitCode.ok
    }

    static let show = ContainersSession.leaf(
        "show", "One cluster: its nodes (asked for what they run) and installs.", usage: ["platflow cluster show NAME [--json]"],
        flags: [ContainersSession.jsonFlag], examples: ["platflow cluster show local"], arguments: 1...1) { args, terminal in
        let store = try ContainersSession.store(args)
        let name = try store.resolveCluster(args.positional[0])
        let runtime = ClusterRuntime(store: store, cluster: name)
        let nodes = try store.nodes(cluster: name)
        let observed = try runtime.observe(nodes: nodes)
        let installs = try store.installs(cluster: name)
        if args.has("json") {
            terminal.out(jsonText([
                "name": name,
                "nodes": nodes.map { n in NodeCommand.json(n, pods: observed.pods.filter { $0.node == n.name }, unreachable: observed.unreachable[n.name]) },
                "installs": installs.map { ["app": $0.app, "namespace": $0.namespace, "chart": $0.chart, "revision": $0.revision, "stopped": $0.stopped] },
            ]))
            return ExitCode.ok
        }
        var out = "cluster \(name)\n\nnodes:\n"
        out += NodeCommand.table(nodes, observed: observed).render()
        out += "\ninstalls:\n"
        var t = Table(header: ["APP", "NAMESPACE", "CHART", "REVISION", "PODS", "STATE"])
        for i in installs {
            let pods = observed.pods.filter { $0.app == i.app && $0.namespace == i.namespace }
            t.rows.append([i.app, i.namespace, i.chart, String(i.revision), "\(pods.filter(\.isRunning).count)/\(pods.count)", i.stopped ? "stopped" : "running"])
        }
        out += installs.isEmpty ? "  (none)\n" : t.render()
        terminal.out(out)
        return ExitCode.ok
    }

    static let remove = ContainersSession.leaf(
        "remove", "Removes a cluster that has no installs (its nodes' storage folders stay on disk).",
        usage: ["platflow cluster remove NAME"], examples: ["platflow cluster remove local"], arguments: 1...1) { args, terminal in
        let store = try ContainersSession.store(args)
        let name = try store.resolveCluster(args.positional[0])
        try store.removeCluster(name)
        terminal.out("cluster \(name) removed\n")
        return ExitCode.ok
    }
}
