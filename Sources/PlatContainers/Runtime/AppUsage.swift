import Foundation

/// What one container of an app uses now (`podman stats --no-stream`), beside what its pod requested.
public struct ContainerUsage: Sendable, Equatable {
    public var pod: String
    public var node: String
    public var workload: String
    public var container: String
    /// Percent of one CPU.
    public var cpuPercent: Double
    public var memoryBytes: Int64
    /// The pod's CPU request (what the scheduler counted), in CPUs.
    public var cpuRequest: Double
}

public enum AppUsage {
    /// The running containers of an install, measured on every node at once.
    public static func measure(_ runtime: ClusterRuntime, namespace: String, app: String) throws -> [ContainerUsage] {
        let labels = [PodLabels.app: app, PodLabels.namespace: namespace, PodLabels.cluster: runtime.cluster]
        let nodes = try runtime.nodes()
        let results = Parallel.map(nodes) { node -> Result<[ContainerUsage], Error> in
            Result {
                let podman = runtime.podman(for: node)
                let containers = try podman.containers(labels: labels).filter(\.isRunning)
                if containers.isEmpty { return [] }
                let stats = try podman.stats(containers.map(\.name))
                return containers.compactMap { c in
                    guard let s = stats.first(where: { $0.name == c.name }) else { return nil }
                    return ContainerUsage(pod: c.podName, node: node.name, workload: c.labels[PodLabels.workload] ?? "",
                                          container: c.labels["platflow.container"] ?? c.name, cpuPercent: s.cpuPercent,
                                          memoryBytes: s.memoryBytes, cpuRequest: Double(c.labels[PodLabels.cpu] ?? "") ?? 0)
                }
            }
        }
        var out: [ContainerUsage] = []
        for r in results { out += try r.get() }
        return out.sorted { ($0.pod, $0.container) < ($1.pod, $1.container) }
    }
}
