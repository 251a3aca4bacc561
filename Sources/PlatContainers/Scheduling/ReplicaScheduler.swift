/// What the scheduler knows of a node: the node, what is already placed on it, and how many replicas of the
/// workload being placed it already runs (for spread).
public struct NodeLoad: Sendable {
    public var node: Node
    public var cpuUsed: Double
    public var memoryUsed: Int64
    /// Replicas of the workload being placed already on this node.
    public var sameWorkload: Int

    public init(node: Node, cpuUsed: Double = 0, memoryUsed: Int64 = 0, sameWorkload: Int = 0) {
        self.node = node
        self.cpuUsed = cpuUsed
        self.memoryUsed = memoryUsed
        self.sameWorkload = sameWorkload
    }
}

/// Places replicas on nodes, as Kubernetes' default scheduler does in spirit: filter (state, node selector,
/// taints not tolerated, CPU and memory left), then score (fewest replicas of the same workload first, then
/// the least loaded node, then the name, so a placement is reproducible). A replica no node can take is
/// explained by counting why each node refused: `no node: 2 tainted dedicated=db, 1 lacks 2 CPU`.
public enum ReplicaScheduler {
    public enum Outcome: Sendable, Equatable {
        case placed(String)
        case unschedulable(String)
    }

    /// Why one node cannot take the workload; nil when it can.
    static func refusal(_ load: NodeLoad, for w: Workload) -> String? {
        let n = load.node
        if n.state != .ready { return n.state.rawValue }
        for (k, v) in w.nodeSelector.sorted(by: { $0.key < $1.key }) where n.labels[k] != v {
            return "lacks label \(k)=\(v)"
        }
        for t in n.taints where t.effect != "PreferNoSchedule" && !w.tolerations.contains(where: { $0.tolerates(t) }) {
            return "tainted \(t.shortText)"
        }
        if w.cpuRequest > 0 && load.cpuUsed + w.cpuRequest > n.cpus + 1e-9 {
            return "lacks \(Quantity.cpuText(w.cpuRequest)) CPU"
        }
        if w.memoryRequest > 0 && load.memoryUsed + w.memoryRequest > n.memoryBytes {
            return "lacks \(Quantity.memoryText(w.memoryRequest)) memory"
        }
        return nil
    }

    /// Places one replica of `w`; on success the chosen node's load is updated (so placing several replicas in
    /// turn spreads them and counts their resources).
    public static func place(_ w: Workload, on loads: inout [NodeLoad]) -> Outcome {
        var best: Int? = nil
        var reasons: [String: Int] = [:]
        for (i, load) in loads.enumerated() {
            if let why = refusal(load, for: w) {
                reasons[why, default: 0] += 1
                continue
            }
            if let b = best {
                if better(loads[i], than: loads[b], for: w) { best = i }
            } else {
                best = i
            }
        }
        guard let chosen = best else {
            if loads.isEmpty { return .unschedulable("no node: the cluster has no nodes") }
            let text = reasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return .unschedulable("no node: \(text)")
        }
        loads[chosen].cpuUsed += w.cpuRequest
        loads[chosen].memoryUsed += w.memoryRequest
        loads[chosen].sameWorkload += 1
        return .placed(loads[chosen].node.name)
    }

    static func better(_ a: NodeLoad, than b: NodeLoad, for w: Workload) -> Bool {
        if a.sameWorkload != b.sameWorkload { return a.sameWorkload < b.sameWorkload }
        func avoided(_ n: Node) -> Bool {
            n.taints.contains { taint in taint.effect == "PreferNoSchedule" && !w.tolerations.contains { $0.tolerates(taint) } }
        }
        let aPrefer = avoided(a.node), bPrefer = avoided(b.node)
        if aPrefer != bPrefer { return !aPrefer }
        let aShare = a.node.cpus > 0 ? a.cpuUsed / a.node.cpus : 0
        let bShare = b.node.cpus > 0 ? b.cpuUsed / b.node.cpus : 0
        if aShare != bShare { return aShare < bShare }
        return a.node.name < b.node.name
    }
}
