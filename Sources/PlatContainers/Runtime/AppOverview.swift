import Foundation

/// What apps run in containers, install by install (an app in a cluster and a namespace each): the revision and
/// how it ended, the replicas wanted and running, every pod with its node and health and every container with its
/// image and state, read from the runtime. The container half of `platflow app show` (Release contributes the
/// versions and environments), and the namespace and container views (`app status`, `app containers`).
public struct AppInstallView: Sendable {
    public struct Container: Sendable, Equatable {
        /// The container's name in the pod spec (`main`), and podman's name for it.
        public var name: String
        public var podmanName: String
        public var image: String
        /// podman's state (running, exited...) and its words (`Up 2 minutes (healthy)`).
        public var state: String
        public var status: String
        /// The last health-check result podman recorded; nil without a health check.
        public var health: String?
    }

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
        public var containers: [Container]
    }

    public var app: String
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
    /// Every install of `app` (of every app when nil), in every cluster and namespace, or in `namespace` only;
    /// empty when none runs in a container. Ordered by cluster, app, namespace.
    public func overview(app: String?, namespace: String? = nil) throws -> [AppInstallView] {
        let installs = try store.installs().filter { (app == nil || $0.app == app) && (namespace == nil || $0.namespace == namespace) }
        var labels: [String: String] = [:]
        if let app { labels[PodLabels.app] = app }
        if let namespace { labels[PodLabels.namespace] = namespace }
        var views: [AppInstallView] = []
        for (cluster, mine) in Dictionary(grouping: installs, by: \.cluster).sorted(by: { $0.key < $1.key }) {
            let rt = runtime(cluster)
            let nodes = try rt.nodes()
            let observed = try rt.observe(labels: labels, nodes: nodes)
            // One container listing per node, at once, for the health of every pod.
            var containerLabels = labels
            containerLabels[PodLabels.cluster] = cluster
            let listed = Parallel.map(nodes) { node in
                (node.name, (try? rt.podman(for: node).containers(labels: containerLabels)) ?? [])
            }
            var containers: [String: [PodmanContainer]] = [:]
            for (node, list) in listed {
                for c in list { containers[node + "/" + c.podName, default: []].append(c) }
            }
            for i in mine.sorted(by: { ($0.app, $0.namespace) < ($1.app, $1.namespace) }) {
                let revisions = try store.revisions(cluster: cluster, namespace: i.namespace, app: i.app)
                let desired = (try? currentTarget(i))?.workloads.reduce(0) { $0 + $1.replicas } ?? 0
                let pods = observed.pods.filter { $0.namespace == i.namespace && $0.app == i.app }.map { p in
                    let mine = containers[p.node + "/" + p.name] ?? []
                    return AppInstallView.Pod(node: p.node, name: p.name, workload: p.workload, replica: p.replica, revision: p.revision,
                                              status: p.status, health: Self.health(mine),
                                              containers: mine.map { c in
                                                  AppInstallView.Container(name: c.labels["platflow.container"] ?? c.name, podmanName: c.name,
                                                                           image: c.image, state: c.state, status: c.status, health: c.health)
                                              }.sorted { $0.name < $1.name })
                }
                views.append(AppInstallView(app: i.app, cluster: cluster, namespace: i.namespace, chart: i.chart, revision: i.revision,
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
