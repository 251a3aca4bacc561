import Foundation

/// A taint on a node: pods that do not tolerate it are not placed there (NoSchedule, NoExecute) or placed
/// there last (PreferNoSchedule), as in Kubernetes.
public struct Taint: Sendable, Equatable, Codable, CustomStringConvertible {
    public var key: String
    public var value: String
    public var effect: String

    public static let effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]

    public init(key: String, value: String, effect: String) {
        self.key = key
        self.value = value
        self.effect = effect
    }

    /// `key=value:Effect` or `key:Effect` (kubectl's form); the effect defaults to NoSchedule.
    public static func parse(_ text: String) throws -> Taint {
        var body = Substring(text)
        var effect = "NoSchedule"
        if let colon = body.lastIndex(of: ":") {
            effect = String(body[body.index(after: colon)...])
            body = body[..<colon]
        }
        let parts = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let key = String(parts[0])
        guard !key.isEmpty, Taint.effects.contains(effect) else {
            throw ContainersError("taint '\(text)' is not KEY=VALUE:EFFECT",
                                  hint: "the effect is one of \(Taint.effects.joined(separator: ", ")), e.g. dedicated=db:NoSchedule")
        }
        return Taint(key: key, value: parts.count > 1 ? String(parts[1]) : "", effect: effect)
    }

    public var description: String { value.isEmpty ? "\(key):\(effect)" : "\(key)=\(value):\(effect)" }
    /// `dedicated=db` as the scheduler's explanations name it.
    public var shortText: String { value.isEmpty ? key : "\(key)=\(value)" }
}

/// A pod's toleration (`spec.template.spec.tolerations[]`).
public struct Toleration: Sendable, Equatable {
    public var key: String?
    /// `Equal` (the default) or `Exists`.
    public var `operator`: String
    public var value: String?
    /// nil tolerates every effect.
    public var effect: String?

    public init(key: String?, operator op: String = "Equal", value: String? = nil, effect: String? = nil) {
        self.key = key
        self.operator = op
        self.value = value
        self.effect = effect
    }

    public func tolerates(_ taint: Taint) -> Bool {
        if let effect, effect != taint.effect { return false }
        guard let key else { return `operator` == "Exists" }
        guard key == taint.key else { return false }
        return `operator` == "Exists" || (value ?? "") == taint.value
    }
}

/// A node's state: ready takes new pods; cordoned keeps its pods and takes no new ones; drained has had its
/// pods moved away; down did not answer the last time it was asked.
public enum NodeState: String, Sendable, Codable, CaseIterable {
    case ready, cordoned, drained, down

    public var schedulable: Bool { self == .ready }
}

/// A node: a podman endpoint with labels, taints, capacity and a state.
public struct Node: Sendable, Equatable {
    public var cluster: String
    public var name: String
    /// `local` (a storage of its own under the nodes folder) or `ssh` (a remote host).
    public var kind: String
    /// The ssh address (`user@host:port` as given) for ssh nodes; the storage folder for local ones.
    public var address: String
    public var cpus: Double
    public var memoryBytes: Int64
    public var labels: [String: String]
    public var taints: [Taint]
    public var state: NodeState
    public var addedAt: Double

    public init(cluster: String, name: String, kind: String, address: String, cpus: Double, memoryBytes: Int64,
                labels: [String: String] = [:], taints: [Taint] = [], state: NodeState = .ready, addedAt: Double = 0) {
        self.cluster = cluster
        self.name = name
        self.kind = kind
        self.address = address
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.labels = labels
        self.taints = taints
        self.state = state
        self.addedAt = addedAt
    }
}

/// Kubernetes quantities: CPU (`500m`, `2`, `0.5`) and memory (`64Mi`, `1G`, `1048576`).
public enum Quantity {
    public static func cpu(_ text: String) throws -> Double {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("m"), let n = Double(t.dropLast()), n >= 0 { return n / 1000 }
        if let n = Double(t), n >= 0 { return n }
        throw ContainersError("CPU quantity '\(text)' is not valid", hint: "e.g. 500m (half a CPU), 2, 0.25")
    }

    public static func memory(_ text: String) throws -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
                                         ("k", 1e3), ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            if let n = Double(t.dropLast(suffix.count)), n >= 0 { return Int64(n * factor) }
        }
        if let n = Double(t), n >= 0 { return Int64(n) }
        throw ContainersError("memory quantity '\(text)' is not valid", hint: "e.g. 64Mi, 1Gi, 512M")
    }

    /// `2`, `0.5`, `250m` for showing.
    public static func cpuText(_ v: Double) -> String {
        if v == v.rounded() { return String(Int(v)) }
        let milli = Int((v * 1000).rounded())
        return "\(milli)m"
    }

    public static func memoryText(_ v: Int64) -> String {
        if v >= 1_073_741_824 && v % 1_073_741_824 == 0 { return "\(v / 1_073_741_824)Gi" }
        if v >= 1_048_576 && v % 1_048_576 == 0 { return "\(v / 1_048_576)Mi" }
        if v >= 1024 && v % 1024 == 0 { return "\(v / 1024)Ki" }
        return String(v)
    }
}
