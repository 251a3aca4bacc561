import Foundation
import PlatLang

/// A health check as a manifest's readinessProbe (or livenessProbe) says it: a command, a TCP port or an HTTP
/// GET, run inside the container by podman's healthcheck (so the image needs `nc` for TCP and `wget` for HTTP,
/// as busybox has).
public struct Probe: Sendable, Equatable {
    public enum Check: Sendable, Equatable {
        case command([String])
        case tcp(port: Int)
        case http(port: Int, path: String)
    }
    public var check: Check
    public var initialDelaySeconds: Double
    public var periodSeconds: Double
    public var failureThreshold: Int

    /// The command podman's healthcheck runs.
    public var command: [String] {
        switch check {
        case .command(let argv): return argv
        case .tcp(let port): return ["nc", "-z", "127.0.0.1", String(port)]
        case .http(let port, let path):
            let p = path.hasPrefix("/") ? path : "/" + path
            return ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:\(port)\(p)"]
        }
    }

    /// The longest a replica may take to become healthy.
    public var deadlineSeconds: Double { initialDelaySeconds + periodSeconds * Double(failureThreshold) + 1 }
}

/// One container of a pod template.
public struct ContainerTemplate: Sendable, Equatable {
    public var name: String
    public var image: String
    public var command: [String]
    public var args: [String]
    public var env: [(String, String)]
    /// Requested CPUs (requests, else limits): what the scheduler counts.
    public var cpuRequest: Double
    public var memoryRequest: Int64
    /// Limits podman enforces (`--cpus`, `--memory`).
    public var cpuLimit: Double?
    public var memoryLimit: Int64?
    public var probe: Probe?
    public var ports: [Int]

    public static func == (a: ContainerTemplate, b: ContainerTemplate) -> Bool {
        a.name == b.name && a.image == b.image && a.command == b.command && a.args == b.args
            && a.env.map { "\($0.0)=\($0.1)" } == b.env.map { "\($0.0)=\($0.1)" } && a.cpuRequest == b.cpuRequest
            && a.memoryRequest == b.memoryRequest && a.cpuLimit == b.cpuLimit && a.memoryLimit == b.memoryLimit
            && a.probe == b.probe && a.ports == b.ports
    }
}

/// A Deployment of an install, reduced to what runs on podman: replicas of a pod template, where they may
/// go, and how fast they may be replaced.
public struct Workload: Sendable, Equatable {
    public var name: String
    public var replicas: Int
    public var containers: [ContainerTemplate]
    public var nodeSelector: [String: String]
    public var tolerations: [Toleration]
    public var maxSurge: Int
    public var maxUnavailable: Int

    public var cpuRequest: Double { containers.reduce(0) { $0 + $1.cpuRequest } }
    public var memoryRequest: Int64 { containers.reduce(0) { $0 + $1.memoryRequest } }
    public var images: [String] { containers.map(\.image) }

    /// A digest of what makes a pod of this workload (containers, placement rules), not the replica count or
    /// the rolling limits: pods whose label carries the same digest are up to date, whatever revision made them.
    public var templateDigest: String {
        var text = "v1"
        for c in containers {
            text += "|c:\(c.name)|\(c.image)|\(c.command)|\(c.args)|\(c.env.map { "\($0.0)=\($0.1)" })"
            text += "|\(c.cpuRequest)|\(c.memoryRequest)|\(String(describing: c.cpuLimit))|\(String(describing: c.memoryLimit))"
            text += "|\(String(describing: c.probe))|\(c.ports)"
        }
        text += "|sel:\(nodeSelector.sorted { $0.key < $1.key })|tol:\(tolerations.map { "\(String(describing: $0.key))\($0.operator)\(String(describing: $0.value))\(String(describing: $0.effect))" })"
        return String(NodeStorage.shortDigest(text).prefix(10))
    }
}

/// Reads the Deployments of a chart's manifests into workloads. Namespaces, Services and ConfigMaps are kept
/// in the revision (and shown by `diff`) but run nothing on podman.
public enum WorkloadReader {
    public static func read(_ manifests: [Value]) throws -> [Workload] {
        var out: [Workload] = []
        for (i, m) in manifests.enumerated() {
            let kind = string(m, ["kind"]) ?? ""
            guard kind == "Deployment" || kind == "StatefulSet" else { continue }
            guard let name = string(m, ["metadata", "name"]) else {
                throw ContainersError("manifest \(i + 1) (\(kind)) has no metadata.name")
            }
            let w = try workload(m, name: name, kind: kind)
            if out.contains(where: { $0.name == w.name }) {
                throw ContainersError("two Deployments are named '\(w.name)'", hint: "names of one install must differ")
            }
            out.append(w)
        }
        return out
    }

    static func workload(_ m: Value, name: String, kind: String) throws -> Workload {
        let at = "\(kind) \(name)"
        try ContainerNames.check(name, "\(kind)")
        let replicas = int(m, ["spec", "replicas"]) ?? 1
        guard replicas >= 0 && replicas <= 500 else {
            throw ContainersError("\(at): spec.replicas is \(replicas)", hint: "between 0 and 500")
        }
        let podSpec = lookup(m, ["spec", "template", "spec"])
        guard case .list(let containerValues)? = lookup(podSpec, ["containers"]), !containerValues.isEmpty else {
            throw ContainersError("\(at): spec.template.spec.containers is missing or empty")
        }
        var containers: [ContainerTemplate] = []
        for c in containerValues {
            containers.append(try container(c, at: at))
        }
        var selector: [String: String] = [:]
        if case .map(let sel)? = lookup(podSpec, ["nodeSelector"]) {
            for (k, v) in sel.pairs { selector[k.printed] = v.printed }
        }
        var tolerations: [Toleration] = []
        if case .list(let ts)? = lookup(podSpec, ["tolerations"]) {
            for t in ts {
                tolerations.append(Toleration(key: string(t, ["key"]), operator: string(t, ["operator"]) ?? "Equal",
                                              value: string(t, ["value"]), effect: string(t, ["effect"])))
            }
        }
        let rolling = lookup(m, ["spec", "strategy", "rollingUpdate"])
        let surge = try amount(lookup(rolling, ["maxSurge"]), of: replicas, default: "25%", roundUp: true, at: at + ": maxSurge")
        let unavailable = try amount(lookup(rolling, ["maxUnavailable"]), of: replicas, default: "25%", roundUp: false,
                                     at: at + ": maxUnavailable")
        if surge == 0 && unavailable == 0 && replicas > 0 {
            throw ContainersError("\(at): maxSurge and maxUnavailable are both 0", hint: "one of them must allow progress")
        }
        return Workload(name: name, replicas: replicas, containers: containers, nodeSelector: selector,
                        tolerations: tolerations, maxSurge: surge, maxUnavailable: unavailable)
    }

    static func container(_ c: Value, at: String) throws -> ContainerTemplate {
        guard let name = string(c, ["name"]), let image = string(c, ["image"]), !image.isEmpty else {
            throw ContainersError("\(at): every container needs a name and an image")
        }
        try ContainerNames.check(name, "container")
        var env: [(String, String)] = []
        if case .list(let es)? = lookup(c, ["env"]) {
            for e in es {
                guard let n = string(e, ["name"]) else { throw ContainersError("\(at): an env entry has no name") }
                env.append((n, lookup(e, ["value"]).map(scalarText) ?? ""))
            }
        }
        func quantity<T>(_ section: String, _ key: String, _ parse: (String) throws -> T) throws -> T? {
            guard let v = lookup(c, ["resources", section, key]) else { return nil }
            return try parse(scalarText(v))
        }
        let cpuLimit = try quantity("limits", "cpu", Quantity.cpu)
        let memLimit = try quantity("limits", "memory", Quantity.memory)
        let cpuRequest = try quantity("requests", "cpu", Quantity.cpu) ?? cpuLimit ?? 0
        let memRequest = try quantity("requests", "memory", Quantity.memory) ?? memLimit ?? 0
        var ports: [Int] = []
        if case .list(let ps)? = lookup(c, ["ports"]) {
            ports = ps.compactMap { int($0, ["containerPort"]) }
        }
        let probe = try self.probe(lookup(c, ["readinessProbe"]) ?? lookup(c, ["livenessProbe"]), at: at)
        return ContainerTemplate(name: name, image: image, command: strings(lookup(c, ["command"])),
                                 args: strings(lookup(c, ["args"])), env: env, cpuRequest: cpuRequest,
                                 memoryRequest: memRequest, cpuLimit: cpuLimit, memoryLimit: memLimit, probe: probe,
                                 ports: ports)
    }

    static func probe(_ p: Value?, at: String) throws -> Probe? {
        guard let p else { return nil }
        let check: Probe.Check
        if case .list(let argv)? = lookup(p, ["exec", "command"]) {
            check = .command(argv.map(scalarText))
        } else if let port = int(p, ["tcpSocket", "port"]) {
            check = .tcp(port: port)
        } else if let port = int(p, ["httpGet", "port"]) {
            check = .http(port: port, path: string(p, ["httpGet", "path"]) ?? "/")
        } else {
            throw ContainersError("\(at): a probe needs exec.command, tcpSocket.port or httpGet.port")
        }
        return Probe(check: check, initialDelaySeconds: Double(int(p, ["initialDelaySeconds"]) ?? 0),
                     periodSeconds: Double(max(1, int(p, ["periodSeconds"]) ?? 1)),
                     failureThreshold: max(1, int(p, ["failureThreshold"]) ?? 3))
    }

    /// An absolute count or a percentage of `replicas` (Kubernetes rounds surge up and unavailability down).
    static func amount(_ v: Value?, of replicas: Int, default fallback: String, roundUp: Bool, at: String) throws -> Int {
        let text = v.map(scalarText) ?? fallback
        if text.hasSuffix("%"), let pct = Double(text.dropLast()), pct >= 0 {
            let raw = Double(replicas) * pct / 100
            return Int(roundUp ? raw.rounded(.up) : raw.rounded(.down))
        }
        if let n = Int(text), n >= 0 { return n }
        throw ContainersError("\(at) '\(text)' is not a count or a percentage", hint: "e.g. 1 or 25%")
    }

    // MARK: Reading maps

    static func lookup(_ v: Value?, _ path: [String]) -> Value? {
        var cur = v
        for key in path {
            guard case .map(let m)? = cur, let next = m.get(.string(key)) else { return nil }
            cur = next
        }
        if case .null? = cur { return nil }
        return cur
    }

    static func string(_ v: Value?, _ path: [String]) -> String? {
        lookup(v, path).map(scalarText)
    }

    static func int(_ v: Value?, _ path: [String]) -> Int? {
        switch lookup(v, path) {
        case .int(let i)?: return i
        case .string(let s)?: return Int(s)
        case .float(let f)? where f == f.rounded(): return Int(f)
        default: return nil
        }
    }

    static func strings(_ v: Value?) -> [String] {
        guard case .list(let items)? = v else { return [] }
        return items.map(scalarText)
    }

    static func scalarText(_ v: Value) -> String {
        if case .string(let s) = v { return s }
        return v.printed
    }
}
