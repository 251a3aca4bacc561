import Foundation
import PlatStore

extension ContainersStore {
    public func setAutoscale(_ rule: AutoscaleRule) throws {
        guard rule.targetCPU >= 0, (rule.targetMemory ?? 1) > 0, rule.targetCPU > 0 || rule.targetMemory != nil,
              rule.minReplicas >= 0, rule.maxReplicas >= max(1, rule.minReplicas), rule.maxReplicas <= 500, rule.cooldown >= 0 else {
            throw ContainersError("autoscale rule is not valid",
                                  hint: "--cpu and/or --memory above 0, 0 <= --min <= --max <= 500, --cooldown of 0 or more")
        }
        try db.execute("""
            INSERT INTO containers_autoscale (cluster, namespace, app, workload, target_cpu, target_memory, min_replicas, max_replicas,
                                              cooldown, last_change)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
            ON CONFLICT (cluster, namespace, app, workload) DO UPDATE SET target_cpu = excluded.target_cpu,
                target_memory = excluded.target_memory, min_replicas = excluded.min_replicas, max_replicas = excluded.max_replicas,
                cooldown = excluded.cooldown
            """, rule.cluster, rule.namespace, rule.app, rule.workload, rule.targetCPU, rule.targetMemory, rule.minReplicas,
            rule.maxReplicas, rule.cooldown)
    }

    public func removeAutoscale(cluster: String, namespace: String, app: String) throws {
        try db.execute("DELETE FROM containers_autoscale WHERE cluster = ? AND namespace = ? AND app = ?", cluster, namespace, app)
    }

    public func autoscaleRules() throws -> [AutoscaleRule] {
        try db.query("SELECT * FROM containers_autoscale ORDER BY cluster, namespace, app, workload").map { r in
            AutoscaleRule(cluster: r.string("cluster") ?? "", namespace: r.string("namespace") ?? "", app: r.string("app") ?? "",
                          workload: r.string("workload") ?? "", targetCPU: r.double("target_cpu") ?? 1, targetMemory: r.double("target_memory"),
                          minReplicas: Int(r.int("min_replicas") ?? 1), maxReplicas: Int(r.int("max_replicas") ?? 1),
                          cooldown: r.double("cooldown") ?? 0, lastChange: r.double("last_change"))
        }
    }

    public func record(_ d: AutoscaleDecision) throws {
        try db.transaction {
            try db.execute("""
                INSERT INTO containers_decisions (cluster, namespace, app, workload, at, cpu_share, memory_share, replicas, wanted, action, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, d.rule.cluster, d.rule.namespace, d.rule.app, d.rule.workload, d.at, d.cpuShare, d.memoryShare, d.replicas, d.wanted,
                d.action, d.reason)
            if d.action != "hold" {
                try db.execute("UPDATE containers_autoscale SET last_change = ? WHERE cluster = ? AND namespace = ? AND app = ? AND workload = ?",
                               d.at, d.rule.cluster, d.rule.namespace, d.rule.app, d.rule.workload)
            }
        }
    }

    public func decisions(cluster: String, namespace: String, app: String, limit: Int = 50) throws -> [(at: Double, workload: String, action: String, replicas: Int, wanted: Int, cpuShare: Double, memoryShare: Double?, reason: String)] {
        try db.query("SELECT * FROM containers_decisions WHERE cluster = ? AND namespace = ? AND app = ? ORDER BY id DESC LIMIT ?",
                     cluster, namespace, app, limit).reversed().map { r in
            (r.double("at") ?? 0, r.string("workload") ?? "", r.string("action") ?? "", Int(r.int("replicas") ?? 0),
             Int(r.int("wanted") ?? 0), r.double("cpu_share") ?? 0, r.double("memory_share"), r.string("reason") ?? "")
        }
    }
}

extension ContainerApps {
    /// Evaluates every autoscaling rule once: measures CPU over `sampleSeconds` (two `podman stats` readings of
    /// CPU time) and memory (the second reading), decides, logs the decision with its figures, and scales when it
    /// says so.
    @discardableResult
    public func autoscale(now: Double = Date().timeIntervalSince1970, sampleSeconds: Double = 1) throws -> [AutoscaleDecision] {
        var out: [AutoscaleDecision] = []
        for rule in try store.autoscaleRules() {
            guard let install = try store.install(cluster: rule.cluster, namespace: rule.namespace, app: rule.app), !install.stopped else { continue }
            let target = try currentTarget(install)
            guard let w = target.workloads.first(where: { $0.name == rule.workload }) else { continue }
            let (cpu, memory) = try measureShares(rule, request: w.cpuRequest, memoryRequest: w.memoryRequest, sampleSeconds: sampleSeconds)
            let d = AutoscalePolicy.decide(rule, cpuShare: cpu, memoryShare: memory, replicas: w.replicas, now: now)
            try store.record(d)
            progress("autoscale \(rule.app)/\(rule.namespace) \(rule.workload): \(d.action) — \(d.reason)")
            if d.action != "hold" {
                _ = try scale(cluster: rule.cluster, namespace: rule.namespace, app: rule.app, workload: rule.workload, replicas: d.wanted)
            }
            out.append(d)
        }
        return out
    }

    /// Mean CPU use per running replica of the rule's workload, as a share of the pod's CPU request (of one CPU
    /// when it requested none), from the growth of each container's CPU time over the sample; and mean memory in
    /// use per replica at the end of the sample, as a share of the pod's memory request (nil when the rule has no
    /// memory target).
    func measureShares(_ rule: AutoscaleRule, request: Double, memoryRequest: Int64,
                       sampleSeconds: Double) throws -> (cpu: Double, memory: Double?) {
        let rt = runtime(rule.cluster)
        let labels = [PodLabels.cluster: rule.cluster, PodLabels.namespace: rule.namespace, PodLabels.app: rule.app,
                      PodLabels.workload: rule.workload]
        let nodes = try rt.nodes()
        // node/container → (its pod, CPU seconds so far, memory in use)
        typealias Reading = (pod: String, cpu: Double, memory: Int64)
        func sample() throws -> [String: Reading] {
            let results = Parallel.map(nodes) { node -> Result<[String: Reading], Error> in
                Result {
                    let podman = rt.podman(for: node)
                    let running = try podman.containers(labels: labels).filter(\.isRunning)
                    if running.isEmpty { return [:] }
                    var out: [String: Reading] = [:]
                    for s in try podman.stats(running.map(\.name)) {
                        let pod = running.first { $0.name == s.name }?.podName ?? s.name
                        out[node.name + "/" + s.name] = (node.name + "/" + pod, s.cpuSeconds, s.memoryBytes)
                    }
                    return out
                }
            }
            var all: [String: Reading] = [:]
            for r in results { all.merge(try r.get()) { a, _ in a } }
            return all
        }
        let first = try sample()
        let started = Date()
        Thread.sleep(forTimeInterval: sampleSeconds)
        let second = try sample()
        let elapsed = Date().timeIntervalSince(started)
        // Per pod: the sum of its containers' CPU seconds.
        var perPod: [String: Double] = [:]
        for (key, after) in second {
            guard let before = first[key] else { continue }
            perPod[after.pod, default: 0] += max(0, after.cpu - before.cpu) / max(elapsed, 0.001)
        }
        var memoryPerPod: [String: Int64] = [:]
        for reading in second.values { memoryPerPod[reading.pod, default: 0] += reading.memory }
        var memory: Double? = nil
        if rule.targetMemory != nil {
            let meanBytes = memoryPerPod.isEmpty ? 0 : Double(memoryPerPod.values.reduce(0, +)) / Double(memoryPerPod.count)
            memory = meanBytes / Double(max(memoryRequest, 1))
        }
        if perPod.isEmpty { return (0, memory) }
        let mean = perPod.values.reduce(0, +) / Double(perPod.count)
        return (mean / (request > 0 ? request : 1), memory)
    }
}
