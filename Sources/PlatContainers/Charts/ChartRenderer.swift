import PlatLang

/// A chart rendered with its values: the Kubernetes manifests (as .plat maps, in Kubernetes' own shape) and
/// the same manifests as YAML documents.
public struct RenderedChart {
    public var manifests: [Value]
    public var yaml: String
    public init(manifests: [Value], yaml: String) {
        self.manifests = manifests
        self.yaml = yaml
    }
}

/// Renders a chart folder (`chart.plat`, `values.yaml`) with value files merged in order and `--set` overrides.
public enum ChartRenderer {
    public static func render(chart: String, valueFiles: [String], sets: [String], release: String,
                              namespace: String) throws -> RenderedChart {
        throw ChartRenderingUnavailable()
    }
}

struct ChartRenderingUnavailable: Error, CustomStringConvertible {
    var description: String { "charts cannot be rendered by this build yet" }
}
