import Foundation
import PlatLang
@testable import PlatContainers

/// Scratch chart folders for tests, and the repository's own charts.
final class ChartScratch {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("charts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// A chart folder `name` with these files; returns its path.
    @discardableResult
    func chart(_ name: String, plat: String, values: String? = nil, readme: String? = "# \\(name)\n") throws -> String {
        let dir = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try plat.write(to: dir.appendingPathComponent("chart.plat"), atomically: true, encoding: .utf8)
        if let values { try values.write(to: dir.appendingPathComponent("values.yaml"), atomically: true, encoding: .utf8) }
        if let readme { try readme.write(to: dir.appendingPathComponent("README.md"), atomically: true, encoding: .utf8) }
        return dir.path
    }

    func file(_ name: String, _ text: String) throws -> String {
        let url = root.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var webChart: String { packageRoot.appendingPathComponent("workflows/charts/web").path }
}

/// A minimal valid chart body: a ConfigMap named after the release, with the values as data.
let configMapChart = """
    chart "cm" { version: "1.0.0" }

    fn render(values, release) {
        return [{apiVersion: "v1", kind: "ConfigMap", metadata: {name: release.name}, data: values.data}]
    }

    """
