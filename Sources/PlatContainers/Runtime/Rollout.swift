import Foundation
import PlatEngine

/// What one of a plan's podman questions answered.
enum PlanAnswer {
    case observed(ClusterObservation)
    case present(Bool)
}

/// A health check that failed during a rollout (the caller rolls back).
public struct RolloutFailure: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { reason }
}

/// Carries out a `RolloutPlan` on podman, rolling: per workload, batches of maxSurge + maxUnavailable replicas;
/// in a batch, up to maxUnavailable old pods go first, the new pods start (in parallel), every new pod must
/// pass its health check, then the batch's remaining old pods go. So at most maxSurge extra pods run and at
/// most maxUnavailable replicas are missing at any time. Every step is idempotent (pods are named by replica
/// and template, removals ignore pods already gone), so a rollout cut short by a crash is finished by planning
/// again from what runs.
public final class Rollout {
    public let runtime: ClusterRuntime
    /// One line per thing done (a pod started, healthy, removed).
    public var progress: (String) -> Void
    /// Seconds to wait for a container without a health check to be running.
    public var startGrace: Double = 0.3

    public init(runtime: ClusterRuntime, progress: @escaping (String) -> Void = { _ in }) {
        self.runtime = runtime
        self.progress = progress
    }

    /// Plans `target` against what runs now (nothing changes; bad input throws `ContainersError`).
    public func plan(_ target: RolloutTarget) throws -> RolloutPlan {
        let nodes = try runtime.nodes()
        // One round of podman calls, all at once: every pod of the cluster (not only this install's: the loads
        // count them all) and whether each node has each image of the target (what placement and the image
        // sources ask; asked one after the other, they cost a podman call's time each).
        let images = Set(target.workloads.flatMap(\.images)).sorted()
        let queries: [(node: Node, image: String)?] = [nil] + nodes.flatMap { n in images.map { (node: n, image: $0) } }
        let answers = Parallel.map(queries) { q -> Result<PlanAnswer, Error> in
            Result {
                guard let q else { return .observed(try self.runtime.observe(nodes: nodes)) }
                return .present(try self.runtime.podman(for: q.node).imageExists(q.image))
            }
        }
        var present: [String: Result<Bool, Error>] = [:]
        var observed: ClusterObservation?
        for (q, a) in zip(queries, answers) {
            switch (q, a) {
            case (nil, .success(.observed(let o))): observed = o
            case (nil, .failure(let e)): throw e
            case (let q?, .success(.present(let p))): present[q.node.name + "\u{0}" + q.image] = .success(p)
            case (let q?, .failure(let e)): present[q.node.name + "\u{0}" + q.image] = .failure(e)
            default: break
            }
        }
        guard let observed else { throw ContainersError.failed("the cluster's pods could not be listed") }
        return try RolloutPlan.make(target, nodes: nodes, observed: observed,
                                    imageCheck: { node, image in
                                        try present[node.name + "\u{0}" + image]?.get() ?? self.runtime.podman(for: node).imageExists(image)
                                    },
                                    pullCheck: { node, image in
                                        do {
                                            try self.runtime.podman(for: node).pull(image)
                                            return nil
                                        } catch let e as PodmanError {
                                            return e.message
                                        }
                                    })
    }

    /// Plans and carries out `target`; throws `RolloutFailure` when a new pod fails its health check (the pods
    /// of the batch that failed are left for the caller's rollback to replace).
    public func apply(_ target: RolloutTarget) throws {
        let plan = try self.plan(target)
        try execute(plan)
    }

    public func execute(_ plan: RolloutPlan) throws {
        let nodes = Dictionary(uniqueKeysWithValues: try runtime.nodes().map { ($0.name, $0) })
        try provideImages(plan, nodes: nodes)
        for wp in plan.workloads {
            // Surplus first: a scale-down frees room for the replacements.
            try remove(wp.surplus, nodes: nodes)
            let w = wp.workload
            let batch = max(1, w.maxSurge + w.maxUnavailable)
            // Replicas with no pod at all (an install, a scale-up) start together: they take nothing away and add
            // no pod beyond the replica count, so the rolling limits do not hold them back.
            let fresh = wp.replacements.filter { $0.old.isEmpty }
            var rest = wp.replacements.filter { !$0.old.isEmpty }[...]
            var first = true
            while first || !rest.isEmpty {
                let now: [RolloutPlan.Replacement]
                if first {
                    first = false
                    now = fresh
                    if now.isEmpty { continue }
                } else {
                    now = Array(rest.prefix(batch))
                    rest = rest.dropFirst(now.count)
                }
                // Within maxUnavailable, old pods go before their replacement starts; the others (the surge)
                // serve until it is healthy.
                let early = Array(now.prefix(w.maxUnavailable))
                try remove(early.flatMap(\.old), nodes: nodes)
                // A pod of the same name (a crashed attempt's leftover, not running) is replaced.
                let results = Parallel.map(now) { r in Result { try self.start(r, of: w, plan: plan, nodes: nodes) } }
                for (r, result) in zip(now, results) {
                    if case .failure(let e) = result {
                        if e is RolloutFailure { throw e }
                        throw RolloutFailure(reason: "\(w.name) replica \(r.replica) on \(r.node): \(e)")
                    }
                }
                try checkStarted(now, of: w, nodes: nodes)
                try remove(now.dropFirst(early.count).flatMap(\.old), nodes: nodes)
            }
        }
    }

    /// Copies or pulls the images the plan's nodes lack.
    func provideImages(_ plan: RolloutPlan, nodes: [String: Node]) throws {
        for (nodeName, images) in plan.imageSources.sorted(by: { $0.key < $1.key }) {
            guard let node = nodes[nodeName] else { continue }
            let podman = runtime.podman(for: node)
            for (image, source) in images.sorted(by: { $0.key < $1.key }) {
                switch source {
                case .pull:
                    if try !podman.imageExists(image) { try podman.pull(image) }
                case .copy(let from):
                    guard let donor = nodes[from] else { continue }
                    if try podman.imageExists(image) { continue }
                    let archive = NSTemporaryDirectory() + "platflow-image-\(UUID().uuidString).tar"
                    defer { try? FileManager.default.removeItem(atPath: archive) }
                    try runtime.podman(for: donor).save(image, to: archive)
                    try podman.load(from: archive)
                    progress("image \(image) copied from \(from) to \(nodeName)")
                }
            }
        }
    }

    /// Starts one replica's pod and waits until it is healthy.
    func start(_ r: RolloutPlan.Replacement, of w: Workload, plan: RolloutPlan, nodes: [String: Node]) throws {
        guard let node = nodes[r.node] else { throw ContainersError.failed("node \(r.node) disappeared") }
        let podman = runtime.podman(for: node)
        if r.nameTaken { try podman.removePod(r.podName) }
        let t = plan.target
        let labels: [String: String] = [
            PodLabels.cluster: t.cluster, PodLabels.namespace: t.namespace, PodLabels.app: t.app,
            PodLabels.workload: w.name, PodLabels.replica: String(r.replica), PodLabels.revision: String(t.revision),
            PodLabels.template: w.templateDigest, PodLabels.cpu: String(w.cpuRequest), PodLabels.memory: String(w.memoryRequest),
        ]
        try podman.createPod(name: r.podName, labels: labels)
        for c in w.containers {
            var containerLabels = labels
            containerLabels["platflow.container"] = c.name
            try podman.run(ContainerLaunch(name: r.podName + "-" + c.name, image: c.image, command: c.command, args: c.args,
                                           environment: c.env, labels: containerLabels, pod: r.podName, cpus: c.cpuLimit,
                                           memoryBytes: c.memoryLimit, healthCommand: c.probe?.command))
        }
        progress("\(t.app)/\(t.namespace) \(w.name)-\(r.replica) started on \(r.node) (revision \(t.revision))")
        try waitHealthy(podman, pod: r.podName, workload: w, replica: r.replica, node: r.node)
    }

    /// The batch's containers without a health check must still be running a moment after they started: one
    /// listing per node for the whole batch.
    func checkStarted(_ batch: [RolloutPlan.Replacement], of w: Workload, nodes: [String: Node]) throws {
        guard w.containers.contains(where: { $0.probe == nil }), !batch.isEmpty else { return }
        Thread.sleep(forTimeInterval: startGrace)
        let byNode = Dictionary(grouping: batch, by: \.node)
        let listed = Parallel.map(Array(byNode.keys)) { name -> Result<(String, [PodmanContainer]), Error> in
            Result {
                guard let node = nodes[name] else { return (name, []) }
                return (name, try self.runtime.podman(for: node).containers(labels: [PodLabels.workload: w.name, PodLabels.template: w.templateDigest]))
            }
        }
        var found: [String: PodmanContainer] = [:]
        for r in listed {
            let (node, containers) = try r.get()
            for c in containers { found[node + "/" + c.name] = c }
        }
        for r in batch {
            for c in w.containers where c.probe == nil {
                let name = r.podName + "-" + c.name
                guard let state = found[r.node + "/" + name] else {
                    throw RolloutFailure(reason: "\(w.name) replica \(r.replica) on \(r.node): container \(name) vanished")
                }
                if !state.isRunning {
                    throw RolloutFailure(reason: "\(w.name) replica \(r.replica) on \(r.node): container \(name) is \(state.state) (exit code \(state.exitCode))")
                }
            }
        }
    }

    /// Every health check passing before its deadline (containers without one: `checkStarted`, per batch).
    func waitHealthy(_ podman: Podman, pod: String, workload w: Workload, replica: Int, node: String) throws {
        for c in w.containers {
            let name = pod + "-" + c.name
            if let probe = c.probe {
                let started = Date()
                if probe.initialDelaySeconds > 0 { Thread.sleep(forTimeInterval: probe.initialDelaySeconds) }
                var healthy = false
                while Date().timeIntervalSince(started) < probe.deadlineSeconds {
                    if try podman.healthcheck(name) { healthy = true; break }
                    try checkRunning(podman, name, w: w, replica: replica, node: node)
                    Thread.sleep(forTimeInterval: probe.periodSeconds)
                }
                if !healthy {
                    throw RolloutFailure(reason: "\(w.name) replica \(replica) on \(node): container \(c.name) failed its health check (\(probe.command.joined(separator: " "))) \(probe.failureThreshold) times")
                }
            }
        }
    }

    func checkRunning(_ podman: Podman, _ container: String, w: Workload, replica: Int, node: String) throws {
        let found = try podman.container(named: container)
        guard let c = found else {
            throw RolloutFailure(reason: "\(w.name) replica \(replica) on \(node): container \(container) vanished")
        }
        if !c.isRunning {
            throw RolloutFailure(reason: "\(w.name) replica \(replica) on \(node): container \(container) is \(c.state) (exit code \(c.exitCode))")
        }
    }

    /// Removes pods (in parallel); pods already gone are fine.
    func remove(_ pods: [ObservedPod], nodes: [String: Node]) throws {
        if pods.isEmpty { return }
        let results = Parallel.map(pods) { p -> Result<Void, Error> in
            Result {
                guard let node = nodes[p.node] else { return }
                try self.runtime.podman(for: node).removePod(p.name)
            }
        }
        for (p, r) in zip(pods, results) {
            if case .failure(let e) = r { throw e }
            progress("\(p.app)/\(p.namespace) \(p.workload)-\(p.replica) removed from \(p.node) (revision \(p.revision))")
        }
    }
}
