import Foundation
import PlatLang

/// `platflow chart lint`: everything wrong with a chart folder at once, rather than the first error a render
/// stops at: chart.plat's diagnostics, a missing README or values.yaml, and every manifest problem of a
/// render with the defaults (and any values given).
public struct ChartLintReport {
    /// Each a complete message (a chart.plat diagnostic keeps its FILE:LINE:COL, source line and caret).
    public var errors: [String] = []
    public var warnings: [String] = []
    /// What the render produced when it got that far.
    public var manifests: [Value] = []
    public var chart: ChartMetadata?
    public var isClean: Bool { errors.isEmpty }
}

public enum ChartLint {
    public static func lint(_ directory: String, valueFiles: [String] = [], sets: [String] = [], setStrings: [String] = [],
                            release: String? = nil, namespace: String = "default") -> ChartLintReport {
        var report = ChartLintReport()
        let chart: Chart
        do { chart = try Chart.load(directory) } catch {
            report.errors.append(text(of: error))
            return report
        }
        report.chart = chart.metadata
        if chart.readme?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true {
            report.errors.append("\(directory): no README.md; a chart says what it deploys and what its values mean")
        }
        if !chart.hasValuesFile {
            report.warnings.append("\(directory): no values.yaml; render receives an empty map of values")
        }
        let values: Value
        do {
            var assignments: [SetAssignment] = []
            for s in sets { assignments += try SetAssignment.parse(s) }
            for s in setStrings { assignments += try SetAssignment.parse(s, asStrings: true) }
            values = try ChartValues.resolve(defaults: chart.defaults, files: valueFiles, sets: assignments)
            try ChartRenderer.checkRelease(release ?? chart.metadata.name, namespace: namespace)
        } catch {
            report.errors.append(text(of: error))
            return report
        }
        do {
            let raw = try chart.manifests(values: values, release: release ?? chart.metadata.name, namespace: namespace)
            report.manifests = raw.manifests.map { ChartRenderer.placed($0, in: namespace) }
        } catch {
            report.errors.append(text(of: error))
            return report
        }
        if report.manifests.isEmpty {
            report.warnings.append("\(chart.planPath): render returned no manifests with these values")
        }
        report.errors += ManifestValidator.problems(in: report.manifests).map(\.description)
        for (i, m) in report.manifests.enumerated() {
            do { _ = try YAML.encode(m) } catch let e as RuntimeError {
                report.errors.append("manifest \(i + 1) (\(m.kindAndName)): cannot be written as YAML: \(e.message)")
            } catch {}
        }
        return report
    }

    static func text(of error: Error) -> String {
        if let c = error as? ContainerInputError {
            return c.rendered ?? (c.message + (c.hint.map { "\nhint: \($0)" } ?? ""))
        }
        return "\(error)"
    }
}
