import Foundation

/// What one app runs in containers, install by install (a cluster and a namespace each): the revision and how it
/// ended, the replicas wanted and running, and every pod with its node and health, read from the runtime. The
/// container half of `platflow app show` (Release contributes the versions and environments).
public struct AppInstallView: Sendable {
    public struct Pod: Sendable, Equatable {
        public var node: String
        public var name: String
        public var workload: String
        public var replica: Int
        public var revision: Int
        /// podman's pod status (Running, Exited, Degraded...).
        public var status: String
        /// `healthy`, `unhealthy`, `starting` (the last health check podman recorded), `running` (no health check,
        /// every container up), or the state of the container that is not running.
        public var health: String
    }

    public var cluster: String
    public var namespace: String
    public var chart: String
    public var revision: Int
    /// The revision's status: deployed, pending (cut short), failed, superseded.
    public var revisionStatus: String
    public var revisionCount: Int
    public var stopped: Bool
    /// Replicas the install should run (every workload, scale applied).
    public var desired: Int
    public var pods: [Pod]
    /// Nodes whose podman did not answer (their pods are missing from `pods`), with podman's message.
    public var unreachable: [String: String]

    public var running: Int { pods.filter { $0.status == "Running" }.count }
    /// Running pods whose health check passed, or that have none.
    public var ready: Int { pods.filter { $0.status == "Running" && ($0.health == "healthy" || $0.health == "running") }.count }
    /// Pods per node, in node order.
    public var podsPerNode: [(node: String, pods: Int)] {
        Dictionary(grouping: pods, by: \.node).map { ($0.key, $0.value.count) }.sorted { $0.node < $1.node }
    }
}

extension ContainerApps {
    /// Every install of `app`, in every cluster and namespace (empty when it runs in no container).
    public func overview(app: String) throws -> [AppInstallView] {
        let installs = try store.installs().filter { $0.app == app }
        var views: [AppInstallView] = []
        for (cluster, mine) in Dictionary(grouping: installs, by: \.cluster).sorted(by: { $0.key < $1.key }) {
            let rt = runtime(cluster)
            let nodes = try rt.nodes()
            let observed = try rt.observe(labels: [PodLabels.app: app], nodes: nodes)
            // One container listing per node, at once, for the health of every pod.
            let listed = Parallel.map(nodes) { node in
                (node.name, (try? rt.podman(for: node).containers(labels: [PodLabels.cluster: cluster, PodLabels.app: app])) ?? [])
            }
            var containers: [String: [PodmanContainer]] = [:]
            for (node, list) in listed {
                for c in list { containers[node + "/" + c.podName, default: []].append(c) }
            }
            for i in mine.sorted(by: { $0.namespace < $1.namespace }) {
                let revisions = try store.revisions(cluster: cluster, namespace: i.namespace, app: app)
                let desired = (try? currentTarget(i))?.workloads.reduce(0) { $0 + $1.replicas } ?? 0
                let pods = observed.pods.filter { $0.namespace == i.namespace }.map { p in
                    AppInstallView.Pod(node: p.node, name: p.name, workload: p.workload, replica: p.replica, revision: p.revision,
                                       status: p.status, health: Self.health(containers[p.node + "/" + p.name] ?? []))
                }
                views.append(AppInstallView(cluster: cluster, namespace: i.namespace, chart: i.chart, revision: i.revision,
                                            revisionStatus: revisions.first { $0.number == i.revision }?.status ?? "unknown",
                                            revisionCount: revisions.count, stopped: i.stopped, desired: desired, pods: pods,
                                            unreachable: observed.unreachable))
            }
        }
        return views
    }

    /// A pod's health from its containers: the worst of them.
    static func health(_ containers: [PodmanContainer]) -> String {
        if containers.isEmpty { return "unknown" }
        if let down = containers.first(where: { !$0.isRunning }) { return down.state }
        let checks = containers.compactMap(\.health)
        for word in ["unhealthy", "starting"] where checks.contains(word) { return word }
        return checks.isEmpty ? "running" : "healthy"
    }
}
