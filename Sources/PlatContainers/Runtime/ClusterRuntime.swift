import Foundation
import PlatEngine
import PlatJobs

/// The labels every pod and container platflow starts carries: the runtime is the truth about what runs, and
/// platflow rebuilds its view from these after a crash.
public enum PodLabels {
    public static let cluster = "platflow.cluster"
    public static let namespace = "platflow.namespace"
    public static let app = "platflow.app"
    public static let workload = "platflow.workload"
    public static let replica = "platflow.replica"
    public static let revision = "platflow.revision"
    /// The digest of the pod template (`Workload.templateDigest`): equal digests are the same pod.
    public static let template = "platflow.template"
    /// The requests the scheduler counted for this pod (so a node's load is read from the runtime too).
    public static let cpu = "platflow.cpu"
    public static let memory = "platflow.memory"
}

/// A pod platflow started, as the runtime shows it.
public struct ObservedPod: Sendable, Equatable {
    public var node: String
    public var name: String
    public var labels: [String: String]
    /// podman's pod status: Running, Exited, Degraded, Created, Stopped...
    public var status: String

    public var namespace: String { labels[PodLabels.namespace] ?? "" }
    public var app: String { labels[PodLabels.app] ?? "" }
    public var workload: String { labels[PodLabels.workload] ?? "" }
    public var replica: Int { Int(labels[PodLabels.replica] ?? "") ?? -1 }
    public var revision: Int { Int(labels[PodLabels.revision] ?? "") ?? 0 }
    public var template: String { labels[PodLabels.template] ?? "" }
    public var cpu: Double { Double(labels[PodLabels.cpu] ?? "") ?? 0 }
    public var memory: Int64 { Int64(labels[PodLabels.memory] ?? "") ?? 0 }
    public var isRunning: Bool { status == "Running" }
}

/// What the nodes of a cluster run, asked of each node's podman at once.
public struct ClusterObservation: Sendable {
    public var pods: [ObservedPod]
    /// Nodes whose podman did not answer, with podman's message.
    public var unreachable: [String: String]
}

/// A cluster's nodes as podman endpoints: how to reach each, and what they run.
public final class ClusterRuntime: @unchecked Sendable {
    public let store: ContainersStore
    public let cluster: String
    public let environment: [String: String]

    public init(store: ContainersStore, cluster: String,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.store = store
        self.cluster = cluster
        self.environment = environment
    }

    /// The podman of `node`: its own storage for a local node, ssh for a remote one.
    public func podman(for node: Node) -> Podman {
        if node.kind == "ssh" {
            return Podman(endpoint: .remote(Self.sshHost(node)), environment: environment)
        }
        return Podman.local(NodeStorage(folder: node.address), environment: environment)
    }

    /// `user@host:port` → a job platform host (known hosts accepted on first use, as for a host added by hand).
    static func sshHost(_ node: Node) -> PlatJobs.Host {
        var rest = Substring(node.address)
        var user: String? = nil
        if let at = rest.firstIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        var port: Int? = nil
        if let colon = rest.lastIndex(of: ":"), let p = Int(rest[rest.index(after: colon)...]) {
            port = p
            rest = rest[..<colon]
        }
        return PlatJobs.Host(name: node.name, address: String(rest), transport: .ssh, user: user, port: port,
                             knownHosts: "accept-new")
    }

    public func nodes() throws -> [Node] { try store.nodes(cluster: cluster) }

    /// Every platflow pod of this cluster on every node (all of them, or those with `labels`), asked in parallel.
    public func observe(labels: [String: String] = [:], nodes given: [Node]? = nil) throws -> ClusterObservation {
        let nodes = try given ?? self.nodes()
        var filter = labels
        filter[PodLabels.cluster] = cluster
        let results = Parallel.map(nodes) { node -> Result<[ObservedPod], Error> in
            Result {
                try self.podman(for: node).pods(labels: filter).map {
                    ObservedPod(node: node.name, name: $0.name, labels: $0.labels, status: $0.status)
                }
            }
        }
        var pods: [ObservedPod] = []
        var unreachable: [String: String] = [:]
        for (node, r) in zip(nodes, results) {
            switch r {
            case .success(let p): pods += p
            case .failure(let e): unreachable[node.name] = "\(e)"
            }
        }
        return ClusterObservation(pods: pods.sorted { ($0.workload, $0.replica, $0.name) < ($1.workload, $1.replica, $1.name) },
                                  unreachable: unreachable)
    }
}

/// Runs work items on several threads and returns the results in order.
///
/// Threads of its own, not `concurrentPerform`: that runs as many at once as there are cores, and the work here
/// is waiting for podman processes, not computing, so two cores would hold eight podman calls to two.
enum Parallel {
    static func map<T, R>(_ items: [T], width: Int = 8, _ body: @escaping (T) -> R) -> [R] {
        if items.count <= 1 { return items.map(body) }
        let results = ResultBox<R>(count: items.count)
        let cursor = Cursor()
        let done = DispatchGroup()
        for _ in 0..<min(width, items.count) {
            done.enter()
            let worker = Thread {
                while true {
                    let i = cursor.take()
                    if i >= items.count { break }
                    results.set(i, body(items[i]))
                }
                done.leave()
            }
            worker.start()
        }
        done.wait()
        return results.values()
    }

    /// The next item's index, handed out once each.
    final class Cursor: @unchecked Sendable {
        private var next = 0
        private let lock = NSLock()
        func take() -> Int {
            lock.lock()
            defer { lock.unlock() }
            next += 1
            return next - 1
        }
    }

    final class ResultBox<R>: @unchecked Sendable {
        private var slots: [R?]
        private let lock = NSLock()
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ v: R) {
            lock.lock()
            slots[i] = v
            lock.unlock()
        }
        func values() -> [R] { slots.map { $0! } }
    }
}
