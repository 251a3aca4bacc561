import Foundation
import Testing
import PlatLang
@testable import PlatContainers

/// Rendering chart folders: what render receives, what it may return, and every way a chart can fail with
/// its place.
@Suite struct ChartRenderTests {
    @Test func theExampleChartRendersADeploymentServiceAndConfigMap() throws {
        let r = try ChartRenderer.render(chart: ChartScratch.webChart, valueFiles: [], sets: [], release: "shop", namespace: "prod")
        #expect(r.manifests.map(\.kindAndName) == ["ConfigMap/shop-page", "Deployment/shop", "Service/shop"])
        let deployment = r.manifests[1]
        #expect(deployment.member("metadata")?.member("namespace") == .string("prod"))
        #expect(deployment.member("spec")?.member("replicas") == .int(2))
        let container = deployment.member("spec")?.member("template")?.member("spec")?.member("containers")
        guard case .list(let cs)? = container else { Issue.record("no containers"); return }
        #expect(cs[0].member("image") == .string("localhost/web:1"))
        #expect(r.chart?.name == "web" && r.chart?.version == "0.1.0")
        // The YAML is the manifests, one document each, and reads back as them.
        let docs = r.yaml.components(separatedBy: "---\n").filter { !$0.isEmpty }
        #expect(docs.count == 3)
        #expect(try docs.map { try YAML.decode($0) } == r.manifests)
    }

    @Test func valuesFilesAndSetsReachRender() throws {
        let scratch = try ChartScratch()
        let prod = try scratch.file("prod.yaml", "replicas: 5\nimage: {registry: '127.0.0.1:5000', tag: '2'}\ncreate_namespace: true\n")
        let r = try ChartRenderer.render(chart: ChartScratch.webChart, valueFiles: [prod], sets: ["replicas=7", "env.MODE=on"],
                                         release: "web", namespace: "shop-prod", setStrings: ["image.tag=3"])
        #expect(r.manifests.map(\.kindAndName) == ["Namespace/shop-prod", "ConfigMap/web-page", "Deployment/web", "Service/web"])
        // A Namespace gets no namespace of its own.
        #expect(r.manifests[0].member("metadata")?.member("namespace") == nil)
        #expect(r.manifests[2].member("spec")?.member("replicas") == .int(7))
        #expect(r.yaml.contains("image: 127.0.0.1:5000/localhost/web:3\n"))
        // `on` is a string to platflow, and quoted so Kubernetes' YAML 1.1 reader does not take it for true.
        #expect(r.yaml.contains("value: \"on\"\n"))
        #expect(r.values.member("replicas") == .int(7))
    }

    @Test func renderReceivesOnlyTheArgumentsItDeclares() throws {
        let scratch = try ChartScratch()
        let dir = try scratch.chart("args", plat: """
            chart "args" { version: "0.2.0", app_version: "9.1", description: "d", keywords: ["k"] }
            fn render(chart, release) {
                return [{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "x"},
                         data: {chart: "\\(chart.name) \\(chart.version) \\(chart.app_version) \\(chart.keywords)",
                                release: "\\(release.name) \\(release.namespace) \\(release.revision) \\(release.service)"}}]
            }
            """)
        let r = try ChartRenderer.render(chart: dir, valueFiles: [], sets: [], release: "rel", namespace: "ns", revision: 4)
        #expect(r.manifests[0].member("data") == .makeMap([("chart", .string("args 0.2.0 9.1 [\"k\"]")), ("release", .string("rel ns 4 platflow"))]))
    }

    @Test func nilItemsAreLeftOutAndNestedListsSplicedIn() throws {
        let scratch = try ChartScratch()
        let dir = try scratch.chart("nest", plat: """
            chart "nest" { version: "1.0.0" }
            fn cm(name) { return {apiVersion: "v1", kind: "ConfigMap", metadata: {name: name}} }
            fn render(values) { return [nil, cm("a"), [cm("b"), [cm("c")], nil]] }
            """)
        let r = try ChartRenderer.render(chart: dir, valueFiles: [], sets: [], release: "r", namespace: "default")
        #expect(r.manifests.map(\.kindAndName) == ["ConfigMap/a", "ConfigMap/b", "ConfigMap/c"])
    }

    /// The rendered error text of rendering `plat` (and the values), which must fail.
    func failure(_ plat: String, values: String? = nil, sets: [String] = [], release: String = "r") throws -> String {
        let scratch = try ChartScratch()
        let dir = try scratch.chart("bad", plat: plat, values: values)
        do {
            _ = try ChartRenderer.render(chart: dir, valueFiles: [], sets: sets, release: release, namespace: "default")
        } catch let e as ContainerInputError {
            return e.description.replacingOccurrences(of: dir + "/", with: "")
        }
        Issue.record("rendered without an error")
        return ""
    }

    @Test func aRuntimeErrorInChartPlatCarriesItsFileLineAndColumn() throws {
        let text = try failure("""
            chart "bad" { version: "1.0.0" }
            fn render(values) {
                let n = values.replicas + 1
                return []
            }
            """, values: "replicas: two\n")
        #expect(text.hasPrefix("chart.plat:3:"), "\(text)")
        #expect(text.contains("error:") && text.contains("values.replicas + 1") && text.contains("Traceback"), "\(text)")
    }

    @Test func parseErrorsAreReportedAllAtOnceWithPlaces() throws {
        let text = try failure("""
            chart "bad" { version: "1.0.0" }
            fn render(values) {
                return [undefined_name, also_missing]
            }
            """)
        #expect(text.contains("chart.plat:3:13: error: ") && text.contains("chart.plat:3:29: error: "), "\(text)")
    }

    @Test("chart.plat's shape is checked with places", arguments: [
        ("fn render(values) { return [] }", "declares no chart"),
        ("chart \"Web\" { version: \"1.0.0\" }\nfn render(values) { return [] }", "chart.plat:1:7: error: chart name \"Web\" holds 'W'"),
        ("chart \"web\" { version: \"1.0\" }\nfn render(values) { return [] }", "chart.plat:1:24: error: chart version \"1.0\" is not a SemVer 2.0 version"),
        ("chart \"web\" { }\nfn render(values) { return [] }", "needs 'version'"),
        ("chart \"web\" { version: \"1.0.0\", colour: 1 }\nfn render(values) { return [] }", "colour"),
        ("chart \"web\" { version: \"1.0.0\" }\nfn draw(values) { return [] }", "declares no function render"),
        ("chart \"web\" { version: \"1.0.0\" }\nfn render(valeus) { return [] }", "chart.plat:2:1: error: render's parameter 'valeus' is none of the arguments a chart receives"),
        ("chart \"web\" { version: \"1.0.0\" }\nfn render(values) { return {a: 1} }", "chart.plat:2:1: error: render returned a map, not a list of manifests"),
        ("chart \"web\" { version: \"1.0.0\" }\nfn render(values) { }", "render returned nil, not a list"),
        ("chart \"web\" { version: \"1.0.0\" }\nfn render(values) { return [\"x\"] }", "render's result[0] is a string; each manifest is a map"),
        ("chart \"web\" { version: \"1.0.0\" }\nfn render(values) { sh(\"rm -rf /\")\n return [] }", "chart.plat:2:21: error: undefined name 'sh'"),
        ("chart \"web\" { version: \"1.0.0\" }\nfn render(values) { return [now()] }", "hint: now is an effect, and chart.plat has none"),
        ("chart \"web\" { version: \"1.0.0\" }\nchart \"two\" { version: \"1.0.0\" }\nfn render(values) { return [] }", "declares one chart"),
    ])
    func shapeErrors(_ plat: String, _ fragment: String) throws {
        let text = try failure(plat)
        #expect(text.contains(fragment), "\(text)")
    }

    @Test func manifestsThatFailValidationAreRefusedWholeNamingManifestAndField() throws {
        let text = try failure("""
            chart "bad" { version: "1.0.0" }
            fn render(values) {
                return [
                    {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "ok"}, data: {a: "1"}},
                    {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "web"}, spec: {
                        selector: {matchLabels: {app: "web"}},
                        template: {metadata: {labels: {app: "api"}}, spec: {containers: [{name: "web", image: ""}]}}}},
                ]
            }
            """)
        #expect(text.contains("manifest 2 (Deployment/web): spec.template.spec.containers[0].image: is empty"), "\(text)")
        #expect(text.contains("manifest 2 (Deployment/web): spec.selector.matchLabels.app: is \"web\" but the pod template's label is \"api\""), "\(text)")
        #expect(text.contains("hint: fix render in"), "\(text)")
    }

    @Test func releaseAndNamespaceMustBeKubernetesNames() throws {
        #expect { try ChartRenderer.render(chart: ChartScratch.webChart, valueFiles: [], sets: [], release: "Web_1", namespace: "default") }
            throws: { "\($0)".contains("release name \"Web_1\" holds 'W'") }
        #expect { try ChartRenderer.render(chart: ChartScratch.webChart, valueFiles: [], sets: [], release: "web", namespace: "-x") }
            throws: { "\($0)".contains("namespace \"-x\" must start and end") }
    }

    @Test func folderErrors() throws {
        let scratch = try ChartScratch()
        #expect { try Chart.load(scratch.root.appendingPathComponent("none").path) } throws: { "\($0)".contains("no such folder") }
        let empty = scratch.root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect { try Chart.load(empty.path) } throws: { "\($0)".contains("it has no chart.plat") }
        let dir = try scratch.chart("v", plat: configMapChart, values: "data: [1\n")
        #expect { try Chart.load(dir) } throws: { "\($0)".contains("values.yaml:") }
    }

    @Test func aChartWithoutValuesYAMLRendersWithEmptyValues() throws {
        let scratch = try ChartScratch()
        let dir = try scratch.chart("plain", plat: """
            chart "plain" { version: "1.0.0" }
            fn render(values) { return [{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "n"}, data: {count: str(len(values))}}] }
            """)
        let r = try ChartRenderer.render(chart: dir, valueFiles: [], sets: [], release: "r", namespace: "default")
        #expect(r.manifests[0].member("data")?.member("count") == .string("0"))
    }

    @Test func printedTextIsKeptApartFromTheManifests() throws {
        let scratch = try ChartScratch()
        let dir = try scratch.chart("p", plat: """
            chart "p" { version: "1.0.0" }
            fn render(values) { print("rendering"); return [] }
            """)
        let r = try ChartRenderer.render(chart: dir, valueFiles: [], sets: [], release: "r", namespace: "default")
        #expect(r.printed == "rendering\n" && r.yaml == "" && r.manifests.isEmpty)
    }

    @Test func aNewChartRendersAndLintsClean() throws {
        let scratch = try ChartScratch()
        let path = try ChartScaffold.create(name: "shop-api", in: scratch.root.path)
        let report = ChartLint.lint(path)
        #expect(report.isClean, "\(report.errors)")
        #expect(report.manifests.map(\.kindAndName) == ["ConfigMap/shop-api-settings", "Deployment/shop-api", "Service/shop-api"])
        #expect { try ChartScaffold.create(name: "shop-api", in: scratch.root.path) } throws: { "\($0)".contains("already exists") }
        #expect { try ChartScaffold.create(name: "Shop", in: scratch.root.path) } throws: { "\($0)".contains("holds 'S'") }
        #expect(!FileManager.default.fileExists(atPath: scratch.root.appendingPathComponent("Shop").path))
    }

    @Test func lintReportsEveryProblemAtOnce() throws {
        let scratch = try ChartScratch()
        let dir = try scratch.chart("l", plat: """
            chart "l" { version: "1.0.0" }
            fn render(values) {
                return [{apiVersion: "v1", kind: "Service", metadata: {name: "Svc", labels: {tier: 3}},
                         spec: {ports: [{port: 70000}, {port: 80}]}}]
            }
            """, readme: nil)
        let report = ChartLint.lint(dir)
        #expect(report.errors.contains { $0.contains("no README.md") })
        #expect(report.warnings.contains { $0.contains("no values.yaml") })
        #expect(report.errors.contains("manifest 1 (Service/Svc): metadata.name: \"Svc\" holds 'S'; only lower-case letters, digits and '-' are allowed"))
        #expect(report.errors.contains("manifest 1 (Service/Svc): metadata.labels.tier: is a int; label values are strings (write \"3\")"))
        #expect(report.errors.contains("manifest 1 (Service/Svc): spec.ports[0].port: is 70000; a port is from 1 to 65535"))
        #expect(report.errors.contains("manifest 1 (Service/Svc): spec.ports[0].name: is missing; a Service with several ports names each one"))
    }
}
