import PlatLang

/// A workload's rollout as `kubectl get -o json` reports it: how many replicas are wanted, up to date, ready
/// and available, whether the controller has seen the newest spec, and its conditions.
public struct WorkloadStatus: Equatable {
    public struct Condition: Equatable {
        public var type: String
        public var status: String
        public var reason: String
        public var message: String
    }

    public var kind: String
    public var name: String
    public var namespace: String
    public var desired: Int
    public var updated: Int
    public var ready: Int
    public var available: Int
    public var generation: Int
    public var observedGeneration: Int
    public var conditions: [Condition]

    /// The controller saw the newest spec and every wanted replica runs it, ready and available.
    public var isRolledOut: Bool {
        observedGeneration >= generation && updated == desired && ready == desired && available == desired && !hasFailed
    }

    /// A Deployment that gave up: its Progressing condition says ProgressDeadlineExceeded.
    public var hasFailed: Bool {
        conditions.contains { $0.type == "Progressing" && $0.status == "False" && $0.reason == "ProgressDeadlineExceeded" }
    }

    /// `2/3 ready, 3/3 updated` and the like, for listings.
    public var summary: String {
        let state = hasFailed ? "failed" : isRolledOut ? "rolled out" : "rolling out"
        return "\(state): \(ready)/\(desired) ready, \(updated)/\(desired) updated, \(available)/\(desired) available"
    }

    /// The workloads in kubectl's JSON: one object, or a `List` (`kubectl get deployments -o json`). Objects
    /// of other kinds are skipped. Throws on text that is not JSON or not a Kubernetes object.
    public static func parse(json text: String) throws -> [WorkloadStatus] {
        let value: Value
        do { value = try JSON.decode(text) } catch {
            throw ContainerInputError("kubectl's output is not JSON: \(error)", hint: "run kubectl with -o json")
        }
        guard let kind = value.member("kind")?.stringValue else {
            throw ContainerInputError("kubectl's output is not a Kubernetes object: it has no kind")
        }
        if kind == "List" || kind.hasSuffix("List") {
            guard case .list(let items)? = value.member("items") else { return [] }
            return items.compactMap(status)
        }
        return status(value).map { [$0] } ?? []
    }

    static func status(_ object: Value) -> WorkloadStatus? {
        guard let kind = object.member("kind")?.stringValue, KubectlBackend.rolloutKinds.contains(kind),
              let name = object.member("metadata")?.member("name")?.stringValue else { return nil }
        let meta = object.member("metadata")
        let spec = object.member("spec"), status = object.member("status")
        func int(_ v: Value?) -> Int {
            if case .int(let n)? = v { return n }
            return 0
        }
        var s = WorkloadStatus(kind: kind, name: name, namespace: meta?.member("namespace")?.stringValue ?? "default",
                               desired: 0, updated: 0, ready: 0, available: 0,
                               generation: int(meta?.member("generation")), observedGeneration: int(status?.member("observedGeneration")),
                               conditions: [])
        if kind == "DaemonSet" {
            s.desired = int(status?.member("desiredNumberScheduled"))
            s.updated = int(status?.member("updatedNumberScheduled"))
            s.ready = int(status?.member("numberReady"))
            s.available = int(status?.member("numberAvailable"))
        } else {
            // An absent spec.replicas means 1, as the API server defaults it.
            s.desired = spec?.member("replicas").map { int($0) } ?? 1
            s.updated = int(status?.member("updatedReplicas"))
            s.ready = int(status?.member("readyReplicas"))
            s.available = kind == "StatefulSet" && status?.member("availableReplicas") == nil
                ? s.ready : int(status?.member("availableReplicas"))
        }
        if case .list(let cs)? = status?.member("conditions") {
            s.conditions = cs.map {
                Condition(type: $0.member("type")?.stringValue ?? "", status: $0.member("status")?.stringValue ?? "",
                          reason: $0.member("reason")?.stringValue ?? "", message: $0.member("message")?.stringValue ?? "")
            }
        }
        return s
    }
}
