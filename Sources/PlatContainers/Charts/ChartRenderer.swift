import Foundation
import PlatLang

/// A chart rendered with its values: the Kubernetes manifests (as .plat maps, in Kubernetes' own shape) and
/// the same manifests as YAML documents.
public struct RenderedChart {
    public var manifests: [Value]
    public var yaml: String
    /// The values the chart rendered with (defaults, files and `--set`s merged).
    public var values: Value = .null
    public var chart: ChartMetadata? = nil
    /// What chart.plat printed while rendering (for debugging a chart; not part of the manifests).
    public var printed: String = ""

    public init(manifests: [Value], yaml: String) {
        self.manifests = manifests
        self.yaml = yaml
    }

    /// The manifests as kubectl prints several objects with `-o json`: a `List` with `items`.
    public func json() throws -> String {
        try JSON.encode(.makeMap([("apiVersion", .string("v1")), ("kind", .string("List")), ("items", .list(manifests))]),
                        indent: 2) + "\n"
    }
}

/// Renders a chart folder (`chart.plat`, `values.yaml`) with value files merged in order and `--set` overrides.
public enum ChartRenderer {
    /// Loads the chart, merges its values (values.yaml, then `valueFiles` in order, then `sets`, then
    /// `setStrings`; see `ChartValues` and `SetAssignment`), calls chart.plat's `render`, gives every namespaced
    /// manifest without a namespace the release's, and checks the manifests (`ManifestValidator`). Throws a
    /// ContainerInputError for any problem, so nothing half-rendered is returned.
    public static func render(chart: String, valueFiles: [String], sets: [String], release: String,
                              namespace: String, setStrings: [String] = [], revision: Int = 1) throws -> RenderedChart {
        try checkRelease(release, namespace: namespace)
        let loaded = try Chart.load(chart)
        var assignments: [SetAssignment] = []
        for s in sets { assignments += try SetAssignment.parse(s) }
        for s in setStrings { assignments += try SetAssignment.parse(s, asStrings: true) }
        let values = try ChartValues.resolve(defaults: loaded.defaults, files: valueFiles, sets: assignments)
        return try render(loaded, values: values, release: release, namespace: namespace, revision: revision)
    }

    /// Renders an already loaded chart with merged values.
    public static func render(_ chart: Chart, values: Value, release: String, namespace: String,
                              revision: Int = 1) throws -> RenderedChart {
        try checkRelease(release, namespace: namespace)
        let (raw, printed) = try chart.manifests(values: values, release: release, namespace: namespace, revision: revision)
        let manifests = raw.map { placed($0, in: namespace) }
        let problems = ManifestValidator.problems(in: manifests)
        if !problems.isEmpty {
            throw ContainerInputError("chart \(chart.metadata.name) rendered \(problems.count == 1 ? "a manifest that fails" : "manifests that fail") validation:\n"
                             + problems.map { "  \($0)" }.joined(separator: "\n"),
                             hint: "fix render in \(chart.planPath) (or the values that fed it)")
        }
        var yaml = ""
        for (i, m) in manifests.enumerated() {
            do {
                yaml += "---\n" + (try YAML.encode(m, forYAML11Readers: true))
            } catch let e as RuntimeError {
                throw ContainerInputError("manifest \(i + 1) (\(m.kindAndName)) cannot be written as YAML: \(e.message)", hint: e.hint)
            }
        }
        var out = RenderedChart(manifests: manifests, yaml: yaml)
        out.values = values
        out.chart = chart.metadata
        out.printed = printed
        return out
    }

    /// Release names and namespaces become parts of Kubernetes names and labels.
    static func checkRelease(_ release: String, namespace: String) throws {
        if let p = KubernetesNames.dns1123Label(release) {
            throw ContainerInputError("release name \"\(release)\" \(p)", hint: "a release name is a DNS-1123 label, e.g. web or shop-web")
        }
        if let p = KubernetesNames.dns1123Label(namespace) {
            throw ContainerInputError("namespace \"\(namespace)\" \(p)", hint: "a namespace is a DNS-1123 label, e.g. default or shop-prod")
        }
    }

    /// The manifest with `metadata.namespace` set to the release's namespace when it is namespaced and names
    /// none, so the YAML says where each object goes (what `helm install --namespace` leaves to the client).
    static func placed(_ manifest: Value, in namespace: String) -> Value {
        guard case .map(let m) = manifest, case .string(let kind)? = m.get(.string("kind")),
              !ManifestValidator.clusterScopedKinds.contains(kind),
              case .map(let meta)? = m.get(.string("metadata")), meta.get(.string("namespace")) == nil else { return manifest }
        let newMeta = MapStorage()
        // The namespace right after the name, where kubectl shows it.
        for (k, v) in meta.pairs {
            newMeta.set(k, v)
            if k == .string("name") { newMeta.set(.string("namespace"), .string(namespace)) }
        }
        if newMeta.get(.string("namespace")) == nil { newMeta.set(.string("namespace"), .string(namespace)) }
        let out = MapStorage(copying: m)
        out.set(.string("metadata"), .map(newMeta))
        return .map(out)
    }

}
