import Foundation

/// An autoscaling rule: keep a workload's CPU use near `targetCPU` (a share of what each pod requested, or of
/// one CPU when it requested nothing) and/or its memory use near `targetMemory` (a share of each pod's memory
/// request), between `minReplicas` and `maxReplicas`, changing the count at most once per `cooldown` seconds.
public struct AutoscaleRule: Sendable, Equatable {
    public var cluster: String
    public var namespace: String
    public var app: String
    public var workload: String
    /// 0.5 for 50%; 0 for no CPU target.
    public var targetCPU: Double
    /// 0.7 for 70% of the memory request; nil for no memory target.
    public var targetMemory: Double?
    public var minReplicas: Int
    public var maxReplicas: Int
    public var cooldown: Double
    public var lastChange: Double?

    public init(cluster: String, namespace: String, app: String, workload: String, targetCPU: Double, targetMemory: Double? = nil,
                minReplicas: Int, maxReplicas: Int, cooldown: Double, lastChange: Double? = nil) {
        self.cluster = cluster
        self.namespace = namespace
        self.app = app
        self.workload = workload
        self.targetCPU = targetCPU
        self.targetMemory = targetMemory
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.cooldown = cooldown
        self.lastChange = lastChange
    }
}

/// One evaluation of a rule, with the figures it saw.
public struct AutoscaleDecision: Sendable, Equatable {
    public var rule: AutoscaleRule
    public var at: Double
    /// Mean CPU use of the running replicas as a share of their request.
    public var cpuShare: Double
    /// Mean memory use of the running replicas as a share of their memory request (nil: the rule has no memory target).
    public var memoryShare: Double?
    public var replicas: Int
    public var wanted: Int
    /// `scale-up`, `scale-down`, `hold`.
    public var action: String
    public var reason: String
}

/// Decides replica counts as Kubernetes' horizontal autoscaler does: per target (CPU, memory), wanted =
/// ceil(replicas × share / target), left alone within 10% of the target (so it does not flap); the largest of
/// them wins, clamped to [min, max], and nothing changes during the cooldown.
public enum AutoscalePolicy {
    public static let tolerance = 0.1

    public static func decide(_ rule: AutoscaleRule, cpuShare: Double, memoryShare: Double? = nil, replicas: Int,
                              now: Double) -> AutoscaleDecision {
        func decision(_ wanted: Int, _ action: String, _ reason: String) -> AutoscaleDecision {
            AutoscaleDecision(rule: rule, at: now, cpuShare: cpuShare, memoryShare: rule.targetMemory == nil ? nil : memoryShare,
                              replicas: replicas, wanted: wanted, action: action, reason: reason)
        }
        var measures: [(name: String, share: Double, target: Double)] = []
        if rule.targetCPU > 0 { measures.append(("CPU", cpuShare, rule.targetCPU)) }
        if let target = rule.targetMemory, target > 0 { measures.append(("memory", memoryShare ?? 0, target)) }
        let figures = (measures.map { "\($0.name) \(percent($0.share)) of request, target \(percent($0.target))" }
                       + ["\(replicas) replica(s)"]).joined(separator: ", ")
        var wanted: Int
        if replicas == 0 {
            wanted = rule.minReplicas
        } else {
            wanted = measures.map { m in
                abs(m.share / m.target - 1) <= tolerance ? replicas : Int((Double(replicas) * m.share / m.target).rounded(.up))
            }.max() ?? replicas
        }
        wanted = min(max(wanted, rule.minReplicas), rule.maxReplicas)
        if wanted == replicas { return decision(wanted, "hold", "\(figures): within the target and the bounds") }
        if let last = rule.lastChange, now - last < rule.cooldown {
            return decision(replicas, "hold", "\(figures): would scale to \(wanted), cooling down (\(Int(rule.cooldown - (now - last)))s left)")
        }
        return decision(wanted, wanted > replicas ? "scale-up" : "scale-down", "\(figures): scale to \(wanted)")
    }

    static func percent(_ v: Double) -> String { String(format: "%.0f%%", v * 100) }
}
