import Foundation

/// What an install should run: its workloads (replica counts with `scale` applied) at one revision.
public struct RolloutTarget: Sendable {
    public var cluster: String
    public var namespace: String
    public var app: String
    public var revision: Int
    public var workloads: [Workload]
    /// A stopped install (`app stop`): its pods count as up to date when stopped too, so a scale or a drain
    /// does not start them again.
    public var stopped: Bool

    public init(cluster: String, namespace: String, app: String, revision: Int, workloads: [Workload], stopped: Bool = false) {
        self.cluster = cluster
        self.namespace = namespace
        self.app = app
        self.revision = revision
        self.workloads = workloads
        self.stopped = stopped
    }

    var labels: [String: String] {
        [PodLabels.cluster: cluster, PodLabels.namespace: namespace, PodLabels.app: app]
    }

    /// The pod name of a replica: app, namespace, workload, replica and template digest, so a pod of the same
    /// replica and template is found again (never started twice) after a crash.
    func podName(_ w: Workload, replica: Int) -> String {
        "\(app)-\(namespace)-\(w.name)-\(replica)-\(w.templateDigest)"
    }
}

/// The difference between what runs and a target, decided before anything changes: which replicas get a new
/// pod and on which node, which pods go, which images each node needs. Building it checks the bad input a
/// rollout could otherwise find half-way (a replica no node can take, an image no node has and no registry
/// gives), so a refused rollout changes nothing.
public struct RolloutPlan: Sendable {
    public struct Replacement: Sendable, Equatable {
        public var workload: String
        public var replica: Int
        public var node: String
        public var podName: String
        /// Pods of this replica to remove once the new one is healthy (or before, within maxUnavailable).
        public var old: [ObservedPod]
        /// A pod of the new pod's name is on the chosen node already (a cut-short attempt, not running): it is
        /// removed first. Otherwise nothing stands in the way and no removal is asked of podman.
        public var nameTaken: Bool = false
    }

    public struct WorkloadPlan: Sendable {
        public var workload: Workload
        public var replacements: [Replacement]
        /// Pods beyond the replica count, duplicates, and pods whose replica is already up to date elsewhere.
        public var surplus: [ObservedPod]
        public var upToDate: Int
    }

    public var target: RolloutTarget
    public var workloads: [WorkloadPlan]
    /// Images each node must get before its pods start: node → images, and how (`present`, `copy from NODE`,
    /// `pull`).
    public var imageSources: [String: [String: ImageSource]]

    public enum ImageSource: Sendable, Equatable {
        case copy(from: String)
        case pull
    }

    /// Nothing to start and nothing to remove.
    public var isEmpty: Bool { workloads.allSatisfy { $0.replacements.isEmpty && $0.surplus.isEmpty } }

    public var summary: String {
        workloads.map { wp in
            "\(wp.workload.name): \(wp.upToDate) up to date, \(wp.replacements.count) to start, \(wp.surplus.count) to remove"
        }.joined(separator: "; ")
    }
}

extension RolloutPlan {
    /// Plans `target` against what the cluster runs now. `moveOff` names nodes whose pods must move (a drain).
    static func make(_ target: RolloutTarget, nodes: [Node], observed: ClusterObservation,
                     imageCheck: (Node, String) throws -> Bool, pullCheck: (Node, String) throws -> String?) throws -> RolloutPlan {
        let usable = Set(nodes.filter { $0.state == .ready || $0.state == .cordoned }.map(\.name))
            .subtracting(observed.unreachable.keys)
        let mine = observed.pods.filter {
            $0.namespace == target.namespace && $0.app == target.app
        }
        var plans: [WorkloadPlan] = []
        // Loads count every pod of the cluster except the ones this plan replaces or removes.
        var leaving = Set<String>()
        var pending: [(Workload, [Int], [Int: [ObservedPod]], [ObservedPod], Int)] = []
        for w in target.workloads {
            let pods = mine.filter { $0.workload == w.name }
            var byReplica: [Int: [ObservedPod]] = [:]
            var surplus: [ObservedPod] = []
            for p in pods {
                if p.replica >= 0 && p.replica < w.replicas { byReplica[p.replica, default: []].append(p) } else { surplus.append(p) }
            }
            var needs: [Int] = []
            var upToDate = 0
            var old: [Int: [ObservedPod]] = [:]
            for i in 0..<w.replicas {
                let here = byReplica[i] ?? []
                let good = here.filter { $0.template == w.templateDigest && ($0.isRunning || target.stopped) && usable.contains($0.node) }
                if let keep = good.first {
                    upToDate += 1
                    surplus += here.filter { $0 != keep }
                } else {
                    needs.append(i)
                    old[i] = here
                    leaving.formUnion(here.map { $0.node + "/" + $0.name })
                }
            }
            leaving.formUnion(surplus.map { $0.node + "/" + $0.name })
            pending.append((w, needs, old, surplus, upToDate))
        }
        // Workloads of this install that the target no longer has: all their pods go.
        let names = Set(target.workloads.map(\.name))
        let orphans = mine.filter { !names.contains($0.workload) }
        leaving.formUnion(orphans.map { $0.node + "/" + $0.name })

        var loads = nodes.map { n -> NodeLoad in
            let staying = observed.pods.filter { $0.node == n.name && !leaving.contains($0.node + "/" + $0.name) }
            return NodeLoad(node: observed.unreachable[n.name] == nil ? n : Self.down(n),
                            cpuUsed: staying.reduce(0) { $0 + $1.cpu }, memoryUsed: staying.reduce(0) { $0 + $1.memory })
        }
        var imageSources: [String: [String: ImageSource]] = [:]
        var checked: [String: Bool] = [:]
        func present(_ node: Node, _ image: String) throws -> Bool {
            let key = node.name + "\u{0}" + image
            if let v = checked[key] { return v }
            let v = try imageCheck(node, image)
            checked[key] = v
            return v
        }
        for (w, needs, old, surplus, upToDate) in pending {
            for i in loads.indices {
                loads[i].sameWorkload = observed.pods.filter {
                    $0.node == loads[i].node.name && $0.app == target.app && $0.namespace == target.namespace
                        && $0.workload == w.name && !leaving.contains($0.node + "/" + $0.name)
                }.count
            }
            var replacements: [Replacement] = []
            for i in needs {
                switch ReplicaScheduler.place(w, on: &loads) {
                case .unschedulable(let why):
                    throw ContainersError("\(target.app) in \(target.namespace): replica \(i) of \(w.name) cannot be placed: \(why)",
                                          hint: "add or free a node, relax nodeSelector/tolerations/requests, or uncordon a node; nothing was changed")
                case .placed(let nodeName):
                    let name = target.podName(w, replica: i)
                    // A pod of the new name on the chosen node (a cut-short attempt) is replaced in place when the new
                    // one starts; it must not also be among the old pods removed after, or the new pod would go.
                    let sameName = { (p: ObservedPod) in p.node == nodeName && p.name == name }
                    replacements.append(Replacement(workload: w.name, replica: i, node: nodeName, podName: name,
                                                    old: (old[i] ?? []).filter { !sameName($0) }, nameTaken: mine.contains(where: sameName)))
                }
            }
            // Images: on the node already, else copied from a node that has it, else pulled; else refused.
            for node in Set(replacements.map(\.node)).sorted() {
                guard let n = nodes.first(where: { $0.name == node }) else { continue }
                for image in Set(w.images).sorted() where try !present(n, image) {
                    if imageSources[node]?[image] != nil { continue }
                    var donor: Node? = nil
                    for other in nodes where other.name != node && observed.unreachable[other.name] == nil {
                        if try present(other, image) { donor = other; break }
                    }
                    if let donor {
                        imageSources[node, default: [:]][image] = .copy(from: donor.name)
                    } else if let failure = try pullCheck(n, image) {
                        throw ContainersError("image \(image) does not exist: no node of cluster \(target.cluster) has it and it cannot be pulled (\(failure))",
                                              hint: "build or import it first (`platflow image ...`, `podman import`), or check the name; nothing was changed")
                    } else {
                        imageSources[node, default: [:]][image] = .pull
                    }
                }
            }
            plans.append(WorkloadPlan(workload: w, replacements: replacements, surplus: surplus, upToDate: upToDate))
        }
        if !orphans.isEmpty {
            let gone = Workload(name: "-", replicas: 0, containers: [], nodeSelector: [:], tolerations: [], maxSurge: 1, maxUnavailable: 1)
            plans.append(WorkloadPlan(workload: gone, replacements: [], surplus: orphans, upToDate: 0))
        }
        return RolloutPlan(target: target, workloads: plans, imageSources: imageSources)
    }

    static func down(_ n: Node) -> Node {
        var d = n
        d.state = .down
        return d
    }
}
