import Foundation
import PlatEngine
import PlatLang

/// The runtime verbs of apps in containers: install, upgrade, rollback, scale, start, stop, restart,
/// reschedule, uninstall, and node drains. Each checks its input and plans the whole rollout before it records
/// anything or touches podman (nothing half-applied on bad input); a rollout whose new pods fail their health
/// checks goes back to the revision that ran before, by itself.
///
/// Crash safety: a revision is recorded `pending` before its rollout and `deployed` after it; the pods carry
/// their replica and template in labels. Running the same upgrade again after a crash (or any other verb on the
/// install) plans from what runs, so replicas already replaced stay, missing ones start, duplicates go.
public final class ContainerApps {
    public let store: ContainersStore
    public let environment: [String: String]
    public var progress: (String) -> Void

    public init(store: ContainersStore, environment: [String: String] = ProcessInfo.processInfo.environment,
                progress: @escaping (String) -> Void = { _ in }) {
        self.store = store
        self.environment = environment
        self.progress = progress
    }

    public func runtime(_ cluster: String) -> ClusterRuntime {
        ClusterRuntime(store: store, cluster: cluster, environment: environment)
    }

    func rollout(_ cluster: String) -> Rollout { Rollout(runtime: runtime(cluster), progress: progress) }

    /// What a deploy did.
    public struct Outcome: Sendable {
        public var revision: Int
        /// True when a pending revision with the same manifests was finished instead of recording a new one.
        public var resumed: Bool
        public var plan: String
    }

    // MARK: Install, upgrade, rollback

    /// Installs (`mustExist` false) or upgrades (`mustExist` true; nil for either) `app` in `namespace` with
    /// rendered `manifests`.
    @discardableResult
    public func deploy(cluster: String, namespace: String, app: String, chart: String, manifests: [Value],
                       valuesJSON: String, description: String, mustExist: Bool?, project: String? = nil) throws -> Outcome {
        try ContainerNames.check(app, "app")
        try ContainerNames.check(namespace, "namespace")
        let workloads = try WorkloadReader.read(manifests)
        // The catalogue's rule: public images and the project's own; another project's image is refused.
        for image in Set(workloads.flatMap(\.images)).sorted() {
            _ = try ImageCatalog.imageAllowed(db: store.db, image: image, project: project)
        }
        let existing = try store.install(cluster: cluster, namespace: namespace, app: app)
        if mustExist == true && existing == nil {
            _ = try store.requireInstall(cluster: cluster, namespace: namespace, app: app)
        }
        if mustExist == false, let e = existing {
            let pending = try store.revision(cluster: cluster, namespace: namespace, app: app, number: e.revision)
            if pending?.status != "pending" {
                throw ContainersError("app \(app) is already installed in namespace \(namespace) (revision \(e.revision))",
                                      hint: "`platflow app upgrade \(app) ...` changes it")
            }
        }
        let manifestsJSON = try JSON.encode(.list(manifests))
        var resumed = false
        var number = 0
        if let e = existing, let current = try store.revision(cluster: cluster, namespace: namespace, app: app, number: e.revision),
           current.status == "pending", current.manifestsJSON == manifestsJSON {
            // The same rollout, cut short (a crash): finish it under its own number.
            resumed = true
            number = current.number
        }
        let target = RolloutTarget(cluster: cluster, namespace: namespace, app: app,
                                   revision: resumed ? number : (try nextRevision(cluster, namespace, app)), workloads: workloads)
        let plan = try rollout(cluster).plan(target)
        if !resumed {
            number = try store.beginRevision(cluster: cluster, namespace: namespace, app: app, chart: chart, valuesJSON: valuesJSON,
                                             manifestsJSON: manifestsJSON, description: description)
        }
        try carryOut(plan, revision: number, previousRevision: existing?.revision)
        return Outcome(revision: number, resumed: resumed, plan: plan.summary)
    }

    func nextRevision(_ cluster: String, _ namespace: String, _ app: String) throws -> Int {
        (try store.revisions(cluster: cluster, namespace: namespace, app: app).last?.number ?? 0) + 1
    }

    /// Runs a planned rollout of revision `number`; on a failed health check goes back to the revision
    /// deployed before and records the failure.
    func carryOut(_ plan: RolloutPlan, revision number: Int, previousRevision: Int?) throws {
        let t = plan.target
        guard let install = try store.install(cluster: t.cluster, namespace: t.namespace, app: t.app) else { return }
        do {
            try rollout(t.cluster).execute(plan)
            try store.markDeployed(install, revision: number)
        } catch let failure as RolloutFailure {
            let back = try store.lastDeployed(cluster: t.cluster, namespace: t.namespace, app: t.app, before: number)
            progress("revision \(number) failed: \(failure.reason); rolling back to \(back.map { "revision \($0.number)" } ?? "nothing")")
            let previous = RolloutTarget(cluster: t.cluster, namespace: t.namespace, app: t.app, revision: back?.number ?? 0,
                                         workloads: try back.map { try WorkloadReader.read(try $0.manifests()) } ?? [])
            try rollout(t.cluster).apply(previous)
            try store.markFailed(install, revision: number, reason: failure.reason, back: back?.number)
            throw ContainersError.failed("revision \(number) of \(t.app) in \(t.namespace) failed and was rolled back"
                                         + (back.map { " to revision \($0.number)" } ?? " (nothing was left installed)") + ": \(failure.reason)",
                                         hint: "`platflow app revisions \(t.app) --namespace \(t.namespace)`; `platflow app logs \(t.app) --namespace \(t.namespace)` shows the failed pods' output before they went")
        }
    }

    /// A new revision with the manifests of revision `to` (the one before the current when nil).
    @discardableResult
    public func rollback(cluster: String, namespace: String, app: String, to: Int?) throws -> Outcome {
        let install = try store.requireInstall(cluster: cluster, namespace: namespace, app: app)
        let all = try store.revisions(cluster: cluster, namespace: namespace, app: app)
        let chosen: Revision?
        if let to {
            chosen = all.first { $0.number == to }
            guard chosen != nil else {
                throw ContainersError("\(app) in \(namespace) has no revision \(to)", hint: "revisions: \(all.map { String($0.number) }.joined(separator: ", "))")
            }
        } else {
            chosen = all.last { $0.number < install.revision && $0.status != "failed" && $0.status != "pending" }
            guard chosen != nil else { throw ContainersError("\(app) in \(namespace) has no earlier revision to roll back to") }
        }
        let r = chosen!
        return try deploy(cluster: cluster, namespace: namespace, app: app, chart: r.chart, manifests: try r.manifests(),
                          valuesJSON: r.valuesJSON, description: "rollback to revision \(r.number)", mustExist: true)
    }

    // MARK: Scale, start, stop, restart, reschedule

    /// The target the install should run now: its revision's workloads with `scale` applied.
    public func currentTarget(_ i: Install) throws -> RolloutTarget {
        guard let r = try store.revision(cluster: i.cluster, namespace: i.namespace, app: i.app, number: i.revision) else {
            throw ContainersError.failed("revision \(i.revision) of \(i.app) is missing")
        }
        var workloads = try WorkloadReader.read(try r.manifests())
        for k in workloads.indices {
            if let n = i.scales[workloads[k].name] { workloads[k].replicas = n }
        }
        return RolloutTarget(cluster: i.cluster, namespace: i.namespace, app: i.app, revision: r.number, workloads: workloads,
                             stopped: i.stopped)
    }

    /// Brings the install's pods in line with its current revision and scale (also finishes a cut-short rollout).
    public func reconcile(_ i: Install) throws -> String {
        let target = try currentTarget(i)
        let plan = try rollout(i.cluster).plan(target)
        let status = try store.revision(cluster: i.cluster, namespace: i.namespace, app: i.app, number: i.revision)?.status
        if status == "pending" {
            let before = try store.lastDeployed(cluster: i.cluster, namespace: i.namespace, app: i.app, before: i.revision)
            try carryOut(plan, revision: i.revision, previousRevision: before?.number)
        } else {
            try rollout(i.cluster).execute(plan)
        }
        return plan.summary
    }

    /// Sets a workload's replica count (the install's only workload when `workload` is nil) and rolls to it.
    public func scale(cluster: String, namespace: String, app: String, workload: String?, replicas: Int) throws -> String {
        guard (0...500).contains(replicas) else { throw ContainersError("--replicas \(replicas) is not between 0 and 500") }
        let i = try store.requireInstall(cluster: cluster, namespace: namespace, app: app)
        let names = try currentTarget(i).workloads.map(\.name)
        let name: String
        if let workload {
            guard names.contains(workload) else {
                throw ContainersError("\(app) has no workload '\(workload)'", hint: "workloads: \(names.joined(separator: ", "))")
            }
            name = workload
        } else {
            guard names.count == 1 else {
                throw ContainersError("\(app) has \(names.count) workloads: say which with --workload", hint: "workloads: \(names.joined(separator: ", "))")
            }
            name = names[0]
        }
        // Plan with the new count before recording it: an unschedulable replica changes nothing.
        var target = try currentTarget(i)
        for k in target.workloads.indices where target.workloads[k].name == name { target.workloads[k].replicas = replicas }
        let plan = try rollout(cluster).plan(target)
        try store.setScale(i, workload: name, replicas: replicas)
        try rollout(cluster).execute(plan)
        return plan.summary
    }

    /// Stops (`podman pod stop`) or starts every pod of the install.
    public func setRunning(cluster: String, namespace: String, app: String, running: Bool) throws -> Int {
        let i = try store.requireInstall(cluster: cluster, namespace: namespace, app: app)
        let rt = runtime(cluster)
        let nodes = Dictionary(uniqueKeysWithValues: try rt.nodes().map { ($0.name, $0) })
        let pods = try rt.observe(labels: [PodLabels.namespace: namespace, PodLabels.app: app]).pods
        try store.setStopped(i, !running)
        let results = Parallel.map(pods) { p -> Result<Void, Error> in
            Result {
                guard let n = nodes[p.node] else { return }
                if running { try rt.podman(for: n).startPod(p.name) } else { try rt.podman(for: n).stopPod(p.name) }
            }
        }
        for r in results { if case .failure(let e) = r { throw e } }
        // Replicas missing meanwhile (a node drained while stopped) start too.
        if running { _ = try reconcile(try store.requireInstall(cluster: cluster, namespace: namespace, app: app)) }
        return pods.count
    }

    /// Restarts the install's pods one batch at a time (maxUnavailable, at least 1), waiting for health.
    public func restart(cluster: String, namespace: String, app: String) throws -> Int {
        let i = try store.requireInstall(cluster: cluster, namespace: namespace, app: app)
        let target = try currentTarget(i)
        let rt = runtime(cluster)
        let nodes = Dictionary(uniqueKeysWithValues: try rt.nodes().map { ($0.name, $0) })
        let pods = try rt.observe(labels: [PodLabels.namespace: namespace, PodLabels.app: app]).pods
        let roll = rollout(cluster)
        var count = 0
        for w in target.workloads {
            let mine = pods.filter { $0.workload == w.name }
            for chunk in stride(from: 0, to: mine.count, by: max(1, w.maxUnavailable)).map({ Array(mine[$0..<min($0 + max(1, w.maxUnavailable), mine.count)]) }) {
                for p in chunk {
                    guard let n = nodes[p.node] else { continue }
                    let podman = rt.podman(for: n)
                    try podman.check(["pod", "restart", p.name])
                    try roll.waitHealthy(podman, pod: p.name, workload: w, replica: p.replica, node: p.node)
                    for c in w.containers where c.probe == nil {
                        try roll.checkRunning(podman, p.name + "-" + c.name, w: w, replica: p.replica, node: p.node)
                    }
                    progress("\(app)/\(namespace) \(p.workload)-\(p.replica) restarted on \(p.node)")
                    count += 1
                }
            }
        }
        return count
    }

    /// Places every replica afresh (the scheduler's choice with today's nodes), one replica at a time.
    public func reschedule(cluster: String, namespace: String, app: String) throws -> String {
        let i = try store.requireInstall(cluster: cluster, namespace: namespace, app: app)
        let target = try currentTarget(i)
        let rt = runtime(cluster)
        let nodes = Dictionary(uniqueKeysWithValues: try rt.nodes().map { ($0.name, $0) })
        let roll = rollout(cluster)
        var moved = 0
        for w in target.workloads {
            for replica in 0..<w.replicas {
                // Plan as if this replica were not running: the scheduler picks its best node now.
                let pods = try rt.observe(labels: [PodLabels.namespace: namespace, PodLabels.app: app]).pods
                let current = pods.filter { $0.workload == w.name && $0.replica == replica }
                var one = target
                one.workloads = [w]
                var observed = try rt.observe(nodes: Array(nodes.values))
                observed.pods.removeAll { p in current.contains(p) }
                let plan = try RolloutPlan.make(one, nodes: Array(nodes.values).sorted { $0.name < $1.name }, observed: observed,
                                            imageCheck: { n, img in try rt.podman(for: n).imageExists(img) }, pullCheck: { _, _ in nil })
                guard let mine = plan.workloads.first?.replacements.first(where: { $0.replica == replica }) else { continue }
                if current.count == 1 && current[0].node == mine.node { continue }
                try roll.remove(current, nodes: nodes)
                var single = plan
                single.workloads = [RolloutPlan.WorkloadPlan(workload: w, replacements: [mine], surplus: [], upToDate: 0)]
                try roll.execute(single)
                moved += 1
            }
        }
        return "\(moved) replica(s) moved"
    }

    /// Removes every pod of the install and its record (revisions stay, for the record).
    public func uninstall(cluster: String, namespace: String, app: String) throws -> Int {
        let i = try store.requireInstall(cluster: cluster, namespace: namespace, app: app)
        let rt = runtime(cluster)
        let nodes = Dictionary(uniqueKeysWithValues: try rt.nodes().map { ($0.name, $0) })
        let pods = try rt.observe(labels: [PodLabels.namespace: namespace, PodLabels.app: app]).pods
        try rollout(cluster).remove(pods, nodes: nodes)
        try store.removeInstall(i)
        return pods.count
    }

    // MARK: Nodes

    /// Cordons `node` and moves its pods elsewhere, install by install, within each workload's rolling limits;
    /// then marks it drained. A pod that cannot be placed elsewhere stops the drain (the node stays cordoned).
    public func drain(cluster: String, node name: String) throws -> Int {
        var node = try store.requireNode(cluster: cluster, name: name)
        node.state = .cordoned
        try store.updateNode(node)
        let pods = try runtime(cluster).observe(nodes: [node]).pods
        let installs = Set(pods.map { "\($0.namespace)\u{0}\($0.app)" })
        node.state = .drained
        try store.updateNode(node)
        do {
            for key in installs.sorted() {
                let parts = key.split(separator: "\u{0}").map(String.init)
                guard let i = try store.install(cluster: cluster, namespace: parts[0], app: parts[1]) else { continue }
                _ = try reconcile(i)
            }
        } catch {
            node.state = .cordoned
            try store.updateNode(node)
            throw error
        }
        return pods.count
    }
}
