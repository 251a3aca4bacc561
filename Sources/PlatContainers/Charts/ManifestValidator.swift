import Foundation
import PlatLang

/// One thing wrong with a rendered manifest: which manifest (its place in the output, kind and name), which
/// field (`spec.template.spec.containers[0].image`), and what is wrong with it.
public struct ManifestProblem: Equatable, CustomStringConvertible, Sendable {
    /// 1-based place of the manifest in the rendered list.
    public var index: Int
    /// `Deployment/web`, or what can be told of a manifest without a kind or name.
    public var manifest: String
    public var field: String
    public var message: String

    public var description: String { "manifest \(index) (\(manifest)): \(field): \(message)" }
}

/// Structural checks of Kubernetes manifests, offline, the ones a chart most often gets wrong: identity
/// (apiVersion, kind, metadata.name as the API server's name rules want it), labels, pod templates
/// (containers with names and images, ports in range, env values as strings), workload selectors that match
/// their template's labels, Services' ports, ConfigMap data, and two manifests of one kind and name. It is
/// not the full OpenAPI schema (the tests hold rendered charts against kubernetes-validate for that); it is
/// what `chart render` and `chart lint` refuse before anything is applied.
public enum ManifestValidator {
    /// The apiVersion each well-known kind is served under; another apiVersion for one of these is an error.
    static let apiVersions: [String: String] = [
        "Namespace": "v1", "ConfigMap": "v1", "Secret": "v1", "Service": "v1", "ServiceAccount": "v1",
        "Pod": "v1", "PersistentVolumeClaim": "v1", "PersistentVolume": "v1",
        "Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "ReplicaSet": "apps/v1",
        "Job": "batch/v1", "CronJob": "batch/v1", "Ingress": "networking.k8s.io/v1",
        "NetworkPolicy": "networking.k8s.io/v1", "HorizontalPodAutoscaler": "autoscaling/v2",
        "PodDisruptionBudget": "policy/v1",
    ]

    /// Kinds that live outside namespaces (a namespace in their metadata is an error; the renderer gives them none).
    public static let clusterScopedKinds: Set<String> = [
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
        "CustomResourceDefinition", "PriorityClass", "IngressClass", "RuntimeClass",
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService", "CSIDriver",
    ]

    public static func problems(in manifests: [Value]) -> [ManifestProblem] {
        var out: [ManifestProblem] = []
        var seen: [String: Int] = [:]
        for (i, m) in manifests.enumerated() {
            var check = Check(index: i + 1, manifest: m)
            check.run()
            out += check.problems
            if case .string(let kind)? = m.member("kind"), case .string(let name)? = m.member("metadata")?.member("name") {
                let ns = m.member("metadata")?.member("namespace")?.stringValue ?? ""
                let key = "\(kind)/\(ns)/\(name)"
                if let first = seen[key] {
                    out.append(ManifestProblem(index: i + 1, manifest: "\(kind)/\(name)", field: "metadata.name",
                                               message: "manifest \(first) is already a \(kind) named \"\(name)\"\(ns.isEmpty ? "" : " in namespace \(ns)")"))
                } else {
                    seen[key] = i + 1
                }
            }
        }
        return out
    }

    /// The checks of one manifest, collecting problems with their field paths.
    struct Check {
        let index: Int
        let manifest: Value
        var problems: [ManifestProblem] = []
        var label = "?"

        init(index: Int, manifest: Value) {
            self.index = index
            self.manifest = manifest
        }

        mutating func report(_ field: String, _ message: String) {
            problems.append(ManifestProblem(index: index, manifest: label, field: field, message: message))
        }

        mutating func run() {
            guard case .map = manifest else {
                label = manifest.typeName
                report("(manifest)", "is a \(manifest.typeName); a manifest is a map with apiVersion, kind and metadata")
                return
            }
            let kind = manifest.member("kind")?.stringValue
            let name = manifest.member("metadata")?.member("name")?.stringValue
            label = "\(kind ?? "?")/\(name ?? "?")"
            guard let kind, !kind.isEmpty else { report("kind", "is missing; every manifest names its kind (Deployment, Service...)"); return }
            switch manifest.member("apiVersion") {
            case .string(let v)? where !v.isEmpty:
                if let want = ManifestValidator.apiVersions[kind], want != v {
                    report("apiVersion", "is \"\(v)\"; a \(kind) is served as \"\(want)\"")
                }
            default: report("apiVersion", "is missing\(ManifestValidator.apiVersions[kind].map { "; a \(kind) needs apiVersion: \($0)" } ?? "")")
            }
            guard case .map? = manifest.member("metadata") else { report("metadata", "is missing; it holds at least the name"); return }
            metadata(manifest.member("metadata")!, at: "metadata", kind: kind)
            if let ns = manifest.member("metadata")?.member("namespace") {
                if ManifestValidator.clusterScopedKinds.contains(kind) {
                    report("metadata.namespace", "is set, but a \(kind) belongs to no namespace")
                } else if let s = string(ns, at: "metadata.namespace"), let p = KubernetesNames.dns1123Label(s) {
                    report("metadata.namespace", "\"\(s)\" \(p)")
                }
            }
            let spec = manifest.member("spec")
            switch kind {
            case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet":
                workload(spec, kind: kind)
            case "Job":
                guard let spec = requireMap(spec, at: "spec") else { return }
                podTemplate(spec.member("template"), at: "spec.template")
            case "CronJob":
                guard let spec = requireMap(spec, at: "spec") else { return }
                if spec.member("schedule")?.stringValue?.isEmpty ?? true { report("spec.schedule", "is missing; a CronJob needs a cron schedule") }
                guard let job = requireMap(spec.member("jobTemplate"), at: "spec.jobTemplate"),
                      let jobSpec = requireMap(job.member("spec"), at: "spec.jobTemplate.spec") else { return }
                podTemplate(jobSpec.member("template"), at: "spec.jobTemplate.spec.template")
            case "Pod":
                podSpec(spec, at: "spec")
            case "Service":
                service(spec)
            case "ConfigMap", "Secret":
                configData(kind: kind)
            default: break
            }
        }

        // MARK: Names and labels

        mutating func metadata(_ meta: Value, at path: String, kind: String?) {
            if let kind {
                if let name = string(meta.member("name"), at: "\(path).name", required: true) {
                    let problem = kind == "Service" || kind == "Namespace"
                        ? (kind == "Service" ? KubernetesNames.dns1035Label(name) : KubernetesNames.dns1123Label(name))
                        : KubernetesNames.dns1123Subdomain(name)
                    if let problem { report("\(path).name", "\"\(name)\" \(problem)") }
                }
            }
            labels(meta.member("labels"), at: "\(path).labels")
            if let annotations = meta.member("annotations") {
                guard case .map(let m) = annotations else { report("\(path).annotations", "is a \(annotations.typeName), not a map"); return }
                for (k, v) in m.pairs {
                    let key = k.stringValue ?? ""
                    if let p = KubernetesNames.qualifiedName(key) { report("\(path).annotations", "key \"\(key)\" \(p)") }
                    if case .string = v {} else { report("\(path).annotations.\(key)", "is a \(v.typeName); annotation values are strings (quote it)") }
                }
            }
        }

        mutating func labels(_ v: Value?, at path: String) {
            guard let v else { return }
            guard case .map(let m) = v else { report(path, "is a \(v.typeName), not a map of strings"); return }
            for (k, value) in m.pairs {
                let key = k.stringValue ?? ""
                if let p = KubernetesNames.qualifiedName(key) { report(path, "key \"\(key)\" \(p)") }
                guard case .string(let s) = value else {
                    report("\(path).\(key)", "is a \(value.typeName); label values are strings (write \"\(value.printed)\")")
                    continue
                }
                if let p = KubernetesNames.labelValue(s) { report("\(path).\(key)", "\"\(s)\" \(p)") }
            }
        }

        // MARK: Workloads

        mutating func workload(_ spec: Value?, kind: String) {
            guard let spec = requireMap(spec, at: "spec") else { return }
            if let r = spec.member("replicas"), kind != "DaemonSet" {
                if case .int(let n) = r { if n < 0 { report("spec.replicas", "is \(n); it must be 0 or more") } }
                else { report("spec.replicas", "is a \(r.typeName); it must be an int") }
            }
            let templateLabels = spec.member("template")?.member("metadata")?.member("labels")
            podTemplate(spec.member("template"), at: "spec.template")
            guard let selector = spec.member("selector") else {
                report("spec.selector", "is missing; a \(kind) selects its pods by label (selector.matchLabels)")
                return
            }
            guard case .map = selector else { report("spec.selector", "is a \(selector.typeName), not a map"); return }
            let matchLabels = selector.member("matchLabels")
            labels(matchLabels, at: "spec.selector.matchLabels")
            guard case .map(let wanted)? = matchLabels, wanted.count > 0 else {
                if selector.member("matchExpressions") == nil {
                    report("spec.selector", "selects nothing; give matchLabels that the pod template carries")
                }
                return
            }
            for (k, v) in wanted.pairs {
                let key = k.stringValue ?? ""
                let have = templateLabels?.member(key)
                if have == nil {
                    report("spec.selector.matchLabels.\(key)", "the pod template has no label \"\(key)\", so the \(kind) would select none of its own pods")
                } else if have! != v {
                    report("spec.selector.matchLabels.\(key)", "is \(v.repr) but the pod template's label is \(have!.repr)")
                }
            }
        }

        mutating func podTemplate(_ template: Value?, at path: String) {
            guard let template = requireMap(template, at: path) else { return }
            if let meta = template.member("metadata") { metadata(meta, at: "\(path).metadata", kind: nil) }
            podSpec(template.member("spec"), at: "\(path).spec")
        }

        mutating func podSpec(_ spec: Value?, at path: String) {
            guard let spec = requireMap(spec, at: path) else { return }
            var names: Set<String> = []
            for group in ["initContainers", "containers"] {
                guard let v = spec.member(group) else {
                    if group == "containers" { report("\(path).containers", "is missing; a pod runs at least one container") }
                    continue
                }
                guard case .list(let containers) = v else { report("\(path).\(group)", "is a \(v.typeName), not a list"); continue }
                if group == "containers" && containers.isEmpty { report("\(path).containers", "is empty; a pod runs at least one container") }
                for (i, c) in containers.enumerated() {
                    let at = "\(path).\(group)[\(i)]"
                    guard let c = requireMap(c, at: at) else { continue }
                    if let name = string(c.member("name"), at: "\(at).name", required: true) {
                        if let p = KubernetesNames.dns1123Label(name) { report("\(at).name", "\"\(name)\" \(p)") }
                        if !names.insert(name).inserted { report("\(at).name", "\"\(name)\" names another container of this pod too") }
                    }
                    if let image = string(c.member("image"), at: "\(at).image", required: true),
                       let problem = KubernetesNames.imageReference(image) {
                        report("\(at).image", "\"\(image)\" \(problem); write it like registry.local/shop/web:1.4")
                    }
                    containerPorts(c.member("ports"), at: "\(at).ports")
                    env(c.member("env"), at: "\(at).env")
                }
            }
        }

        mutating func containerPorts(_ v: Value?, at path: String) {
            guard let v else { return }
            guard case .list(let ports) = v else { report(path, "is a \(v.typeName), not a list"); return }
            for (i, p) in ports.enumerated() {
                let at = "\(path)[\(i)]"
                guard let p = requireMap(p, at: at) else { continue }
                portNumber(p.member("containerPort"), at: "\(at).containerPort", required: true)
                portNumber(p.member("hostPort"), at: "\(at).hostPort", required: false)
                protocolName(p.member("protocol"), at: "\(at).protocol")
                if let name = string(p.member("name"), at: "\(at).name"), let problem = KubernetesNames.portName(name) {
                    report("\(at).name", "\"\(name)\" \(problem)")
                }
            }
        }

        mutating func env(_ v: Value?, at path: String) {
            guard let v else { return }
            guard case .list(let vars) = v else { report(path, "is a \(v.typeName), not a list of {name, value}"); return }
            for (i, e) in vars.enumerated() {
                let at = "\(path)[\(i)]"
                guard let e = requireMap(e, at: at) else { continue }
                _ = string(e.member("name"), at: "\(at).name", required: true)
                if let value = e.member("value"), !(value.stringValue != nil) {
                    report("\(at).value", "is a \(value.typeName); environment values are strings (write \"\(value.printed)\")")
                }
            }
        }

        // MARK: Services and config

        mutating func service(_ spec: Value?) {
            guard let spec = requireMap(spec, at: "spec") else { return }
            let type = spec.member("type")?.stringValue ?? "ClusterIP"
            let types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]
            if !types.contains(type) {
                report("spec.type", "is \"\(type)\"; one of \(types.joined(separator: ", "))")
            }
            if type == "ExternalName" {
                if spec.member("externalName")?.stringValue == nil { report("spec.externalName", "is missing; an ExternalName Service names a host") }
                return
            }
            guard case .list(let ports)? = spec.member("ports"), !ports.isEmpty else {
                if spec.member("clusterIP")?.stringValue != "None" { report("spec.ports", "is missing or empty; a Service exposes at least one port") }
                return
            }
            var names: Set<String> = []
            for (i, p) in ports.enumerated() {
                let at = "spec.ports[\(i)]"
                guard let p = requireMap(p, at: at) else { continue }
                portNumber(p.member("port"), at: "\(at).port", required: true)
                protocolName(p.member("protocol"), at: "\(at).protocol")
                if let target = p.member("targetPort") {
                    if case .string(let name) = target {
                        if let problem = KubernetesNames.portName(name) { report("\(at).targetPort", "\"\(name)\" \(problem)") }
                    } else {
                        portNumber(target, at: "\(at).targetPort", required: true)
                    }
                }
                if let node = p.member("nodePort") {
                    if type == "ClusterIP" { report("\(at).nodePort", "is set on a ClusterIP Service; only NodePort and LoadBalancer Services take one") }
                    portNumber(node, at: "\(at).nodePort", required: true)
                }
                let name = string(p.member("name"), at: "\(at).name")
                if let name {
                    if let problem = KubernetesNames.dns1123Label(name) { report("\(at).name", "\"\(name)\" \(problem)") }
                    if !names.insert(name).inserted { report("\(at).name", "\"\(name)\" names another port of this Service too") }
                } else if ports.count > 1 {
                    report("\(at).name", "is missing; a Service with several ports names each one")
                }
            }
            if let selector = spec.member("selector") {
                labels(selector, at: "spec.selector")
            }
        }

        mutating func configData(kind: String) {
            for field in ["data", "binaryData", "stringData"] {
                guard let v = manifest.member(field) else { continue }
                guard case .map(let m) = v else { report(field, "is a \(v.typeName), not a map"); continue }
                for (k, value) in m.pairs {
                    let key = k.stringValue ?? ""
                    if let p = KubernetesNames.configKey(key) { report(field, "key \"\(key)\" \(p)") }
                    if case .string = value {} else {
                        report("\(field).\(key)", "is a \(value.typeName); \(kind) data values are strings (write \"\(value.printed)\")")
                    }
                }
            }
        }

        // MARK: Small checks

        mutating func requireMap(_ v: Value?, at path: String) -> Value? {
            guard let v else { report(path, "is missing"); return nil }
            guard case .map = v else { report(path, "is a \(v.typeName), not a map"); return nil }
            return v
        }

        mutating func string(_ v: Value?, at path: String, required: Bool = false) -> String? {
            guard let v, !v.isNil else {
                if required { report(path, "is missing") }
                return nil
            }
            guard case .string(let s) = v else { report(path, "is a \(v.typeName); it must be a string"); return nil }
            if required && s.isEmpty { report(path, "is empty") }
            return s.isEmpty && required ? nil : s
        }

        mutating func portNumber(_ v: Value?, at path: String, required: Bool) {
            guard let v else {
                if required { report(path, "is missing") }
                return
            }
            guard case .int(let n) = v else { report(path, "is a \(v.typeName); a port is an int from 1 to 65535"); return }
            if !(1...65535).contains(n) { report(path, "is \(n); a port is from 1 to 65535") }
        }

        mutating func protocolName(_ v: Value?, at path: String) {
            guard let v else { return }
            if let s = v.stringValue, ["TCP", "UDP", "SCTP"].contains(s) { return }
            report(path, "is \(v.repr); one of TCP, UDP, SCTP")
        }
    }
}

extension Value {
    /// `Deployment/web`, for messages and listings; `?` for what a manifest lacks.
    public var kindAndName: String {
        "\(member("kind")?.stringValue ?? "?")/\(member("metadata")?.member("name")?.stringValue ?? "?")"
    }

    /// The value under `key` of a map; nil for a missing key or a value that is not a map.
    func member(_ key: String) -> Value? {
        guard case .map(let m) = self else { return nil }
        return m.get(.string(key))
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}
