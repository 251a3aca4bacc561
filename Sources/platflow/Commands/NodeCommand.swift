import Foundation
import PlatContainers
import PlatEngine
import PlatLang

/// `platflow node add|list|remove|label|taint|cordon|uncordon|drain`: the nodes of a cluster.
enum NodeCommand {
    static let spec = CommandSpec(
        name: "node",
        summary: "Nodes of a cluster: add, list, label, taint, cordon, drain, remove.",
        subcommands: [add, list, remove, label, taint, cordon, uncordon, drain],
        details: """
            A node is a podman endpoint with labels, taints, a capacity (CPU, memory) and a state: ready (takes new
            pods), cordoned (keeps its pods, takes no new ones), drained (its pods moved elsewhere), down (podman
            did not answer). A local node's storage is nodes/NAME/ beside the database (--root, --runroot, --tmpdir
            and a containers.conf platflow writes: runc, cgroupfs, file events and locks, explicit ulimits).
            """)

    static let clusterFlag = ContainersSession.clusterFlag

    static let add = ContainersSession.leaf(
        "add", "Adds a node: a local podman storage of its own, or a remote host over ssh.",
        usage: ["platflow node add NAME [--cluster C] [--cpus N] [--memory Q] [--label K=V]... [--taint K=V:EFFECT]... [--ssh USER@HOST[:PORT]]"],
        flags: [clusterFlag,
                FlagSpec(name: "cpus", value: "N", help: "CPUs the scheduler may hand out", defaultText: "this machine's count"),
                FlagSpec(name: "memory", value: "Q", help: "memory the scheduler may hand out (4Gi, 512Mi)", defaultText: "this machine's memory"),
                FlagSpec(name: "label", value: "K=V", repeats: true, help: "a label (repeatable)"),
                FlagSpec(name: "taint", value: "K=V:EFFECT", repeats: true, help: "a taint: NoSchedule, PreferNoSchedule or NoExecute (repeatable)"),
                FlagSpec(name: "ssh", value: "USER@HOST[:PORT]", help: "a remote node: podman runs there over ssh")],
        examples: ["platflow node add n1 --cpus 2 --memory 4Gi --label zone=a",
                   "platflow node add db1 --taint dedicated=db:NoSchedule",
                   "platflow node add far --ssh deploy@10.0.0.7"],
        arguments: 1...1) { args, terminal in
        let store = try ContainersSession.store(args)
        let cluster = try store.resolveCluster(args.value("cluster"))
        let name = args.positional[0]
        let cpus = try args.value("cpus").map(Quantity.cpu) ?? Double(ProcessInfo.processInfo.activeProcessorCount)
        let memory = try args.value("memory").map(Quantity.memory) ?? Int64(ProcessInfo.processInfo.physicalMemory)
        var labels: [String: String] = [:]
        for l in args.values("label") {
            let parts = l.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw UsageError("--label \(l) is not K=V") }
            labels[parts[0]] = parts[1]
        }
        let taints = try args.values("taint").map(Taint.parse)
        var node: Node
        if let ssh = args.value("ssh") {
            node = Node(cluster: cluster, name: name, kind: "ssh", address: ssh, cpus: cpus, memoryBytes: memory, labels: labels, taints: taints)
        } else {
            let storage = NodeStorage.beside(database: EngineSession.dbPath(args), node: "\(cluster)-\(name)")
            node = Node(cluster: cluster, name: name, kind: "local", address: storage.folder, cpus: cpus, memoryBytes: memory,
                        labels: labels, taints: taints)
        }
        // The node must answer before it is recorded.
        let runtime = ClusterRuntime(store: store, cluster: cluster)
        if node.kind == "local" { try NodeStorage(folder: node.address).prepare() }
        let version = try runtime.podman(for: node).version()
        try store.addNode(node)
        terminal.out("node \(name) added to \(cluster) (podman \(version), \(Quantity.cpuText(cpus)) CPU, \(Quantity.memoryText(memory)))\n")
        return ExitCode.ok
    }

    static func json(_ n: Node, pods: [ObservedPod], unreachable: String?) -> [String: Any] {
        ["name": n.name, "cluster": n.cluster, "kind": n.kind, "address": n.address, "cpus": n.cpus, "memory": n.memoryBytes,
         "labels": n.labels, "taints": n.taints.map(\.description), "state": unreachable == nil ? n.state.rawValue : "down",
         "pods": pods.count, "cpu_requested": pods.reduce(0) { $0 + $1.cpu }, "memory_requested": pods.reduce(Int64(0)) { $0 + $1.memory },
         "error": unreachable ?? NSNull()]
    }

    static func table(_ nodes: [Node], observed: ClusterObservation) -> Table {
        var t = Table(header: ["NODE", "KIND", "STATE", "PODS", "CPU", "MEMORY", "LABELS", "TAINTS"])
        for n in nodes {
            let pods = observed.pods.filter { $0.node == n.name }
            let cpu = pods.reduce(0) { $0 + $1.cpu }, mem = pods.reduce(Int64(0)) { $0 + $1.memory }
            t.rows.append([n.name, n.kind, observed.unreachable[n.name] == nil ? n.state.rawValue : "down", String(pods.count),
                           "\(Quantity.cpuText(cpu))/\(Quantity.cpuText(n.cpus))", "\(Quantity.memoryText(mem))/\(Quantity.memoryText(n.memoryBytes))",
                           n.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                           n.taints.map(\.description).joined(separator: ",")])
        }
        return t
    }

    static let list = ContainersSession.leaf(
        "list", "The nodes of a cluster: state (asked of podman), pods, requested CPU and memory of capacity.",
        usage: ["platflow node list [--cluster C] [--json]"], flags: [clusterFlag, ContainersSession.jsonFlag],
        examples: ["platflow node list"], arguments: 0...0) { args, terminal in
        let store = try ContainersSession.store(args)
        let cluster = try store.resolveCluster(args.value("cluster"))
        let nodes = try store.nodes(cluster: cluster)
        let observed = try ClusterRuntime(store: store, cluster: cluster).observe(nodes: nodes)
        if args.has("json") {
            terminal.out(jsonText(nodes.map { n in json(n, pods: observed.pods.filter { $0.node == n.name }, unreachable: observed.unreachable[n.name]) }))
            return ExitCode.ok
        }
        terminal.out(table(nodes, observed: observed).render())
        for (n, why) in observed.unreachable.sorted(by: { $0.key < $1.key }) { terminal.err("node \(n) is down: \(why)\n") }
        return ExitCode.ok
    }

    static let remove = ContainersSession.leaf(
        "remove", "Removes a node that runs no pods (drain it first).", usage: ["platflow node remove NAME [--cluster C]"],
        flags: [clusterFlag], examples: ["platflow node remove n3"], arguments: 1...1) { args, terminal in
        let store = try ContainersSession.store(args)
        let cluster = try store.resolveCluster(args.value("cluster"))
        let node = try store.requireNode(cluster: cluster, name: args.positional[0])
        let observed = try ClusterRuntime(store: store, cluster: cluster).observe(nodes: [node])
        if !observed.pods.isEmpty {
            throw ContainersError("node \(node.name) still runs \(observed.pods.count) pod(s)", hint: "`platflow node drain \(node.name)` first")
        }
        try store.removeNode(cluster: cluster, name: node.name)
        terminal.out("node \(node.name) removed from \(cluster)\n")
        return ExitCode.ok
    }

    static let label = ContainersSession.leaf(
        "label", "Sets (K=V) or removes (K-) node labels.", usage: ["platflow node label NAME K=V|K-... [--cluster C]"],
        flags: [clusterFlag], examples: ["platflow node label n1 disk=ssd zone-"], arguments: 2...64) { args, terminal in
        let store = try ContainersSession.store(args)
        let cluster = try store.resolveCluster(args.value("cluster"))
        var node = try store.requireNode(cluster: cluster, name: args.positional[0])
        for word in args.positional.dropFirst() {
            if word.hasSuffix("-") && !word.contains("=") {
                node.labels.removeValue(forKey: String(word.dropLast()))
            } else {
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else { throw UsageError("'\(word)' is not K=V or K-") }
                node.labels[parts[0]] = parts[1]
            }
        }
        try store.updateNode(node)
        terminal.out("node \(node.name): \(node.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))\n")
        return ExitCode.ok
    }

    static let taint = ContainersSession.leaf(
        "taint", "Adds (K=V:EFFECT) or removes (K-) node taints; pods without a matching toleration stay away.",
        usage: ["platflow node taint NAME K=V:EFFECT|K-... [--cluster C]"], flags: [clusterFlag],
        examples: ["platflow node taint db1 dedicated=db:NoSchedule", "platflow node taint db1 dedicated-"], arguments: 2...64) { args, terminal in
        let store = try ContainersSession.store(args)
        let cluster = try store.resolveCluster(args.value("cluster"))
        var node = try store.requireNode(cluster: cluster, name: args.positional[0])
        for word in args.positional.dropFirst() {
            if word.hasSuffix("-") && !word.contains("=") && !word.contains(":") {
                node.taints.removeAll { $0.key == String(word.dropLast()) }
            } else {
                let t = try Taint.parse(word)
                node.taints.removeAll { $0.key == t.key && $0.effect == t.effect }
                node.taints.append(t)
            }
        }
        try store.updateNode(node)
        terminal.out("node \(node.name): taints \(node.taints.map(\.description).joined(separator: ", "))\n")
        return ExitCode.ok
    }

    static func setState(_ name: String, _ summary: String, _ state: NodeState) -> CommandSpec {
        ContainersSession.leaf(name, summary, usage: ["platflow node \(name) NAME [--cluster C]"], flags: [clusterFlag],
                               examples: ["platflow node \(name) n2"], arguments: 1...1) { args, terminal in
            let store = try ContainersSession.store(args)
            let cluster = try store.resolveCluster(args.value("cluster"))
            var node = try store.requireNode(cluster: cluster, name: args.positional[0])
            node.state = state
            try store.updateNode(node)
            terminal.out("node \(node.name) is \(state.rawValue)\n")
            return ExitCode.ok
        }
    }

    static let cordon = setState("cordon", "Keeps a node's pods but places no new ones there.", .cordoned)
    static let uncordon = setState("uncordon", "Lets a cordoned or drained node take pods again.", .ready)

    static let drain = ContainersSession.leaf(
        "drain", "Moves a node's pods elsewhere within each app's rolling limits, then marks it drained.",
        usage: ["platflow node drain NAME [--cluster C]"], flags: [clusterFlag], examples: ["platflow node drain n1"],
        details: "A pod that no other node can take stops the drain; the node is then left cordoned.",
        arguments: 1...1) { args, terminal in
        let apps = try ContainersSession.apps(args, terminal)
        let cluster = try apps.store.resolveCluster(args.value("cluster"))
        let moved = try apps.drain(cluster: cluster, node: args.positional[0])
        terminal.out("node \(args.positional[0]) drained (\(moved) pod(s) moved)\n")
        return ExitCode.ok
    }
}
