import Foundation
import Testing
import PlatLang

/// `platflow chart render|lint|new|show` as a user runs them.
@Suite("platflow chart") struct ChartCommandTests {
    static let webChart = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("workflows/charts/web").path

    @Test func renderPrintsKubernetesYAMLWithValuesFromFilesAndSets() throws {
        try CLI.with { cli in
            try cli.write("prod.yaml", "replicas: 4\nimage: {tag: '2.1'}\n")
            let r = try cli.run(["chart", "render", Self.webChart, "-f", "prod.yaml", "--set", "service.port=8081",
                                 "--set-string", "env.RETRIES=3", "--namespace", "shop-prod", "--release", "front"])
            expectExit(r, 0)
            #expect(r.stderr == "")
            #expect(r.stdout.hasPrefix("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: front-page\n  namespace: shop-prod\n"))
            #expect(r.stdout.contains("  replicas: 4\n") && r.stdout.contains("image: localhost/web:2.1\n"))
            #expect(r.stdout.contains("      port: 8081\n") && r.stdout.contains("value: \"3\"\n"))
            let json = try cli.run(["chart", "render", Self.webChart, "-o", "json"])
            expectExit(json, 0)
            let list = try JSON.decode(json.stdout)
            guard case .map(let m) = list, case .list(let items)? = m.get(.string("items")) else { Issue.record("\(json)"); return }
            #expect(m.get(.string("kind")) == .string("List") && items.count == 3)
            let values = try cli.run(["chart", "render", Self.webChart, "--set", "replicas=9", "--show-values"])
            #expect(values.stdout.hasPrefix("replicas: 9\nimage:\n"))
        }
    }

    @Test func renderErrorsExitTwoWithTheirPlaceAndPrintNothing() throws {
        try CLI.with { cli in
            try cli.write("bad/chart.plat", "chart \"bad\" { version: \"1.0.0\" }\nfn render(values) {\n    return [values.missing]\n}\n")
            let r = try cli.run(["chart", "render", "bad"])
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.stderr.hasPrefix("bad/chart.plat:3:19: error: map has no key 'missing'"), "\(r)")
            let set = try cli.run(["chart", "render", Self.webChart, "--set", "replicas"])
            expectExit(set, 2)
            #expect(set.stderr.contains("error: --set \"replicas\": 'replicas' has no value\nhint: write replicas=VALUE"), "\(set)")
            let invalid = try cli.run(["chart", "render", Self.webChart, "--set", "replicas=two"])
            expectExit(invalid, 2)
            #expect(invalid.stdout == "")
            #expect(invalid.stderr.contains("manifest 2 (Deployment/web): spec.replicas: is a string; it must be an int"), "\(invalid)")
            let format = try cli.run(["chart", "render", Self.webChart, "-o", "xml"])
            expectExit(format, 2)
            let none = try cli.run(["chart", "render", "nowhere"])
            expectExit(none, 2)
            #expect(none.stderr.contains("'nowhere' is not a chart folder: no such folder"))
        }
    }

    @Test func newLintAndShow() throws {
        try CLI.with { cli in
            let made = try cli.run(["chart", "new", "shop-api"])
            expectExit(made, 0)
            let lint = try cli.run(["chart", "lint", "shop-api"])
            expectExit(lint, 0)
            #expect(lint.stdout == "shop-api: ok (3 manifests: ConfigMap/shop-api-settings, Deployment/shop-api, Service/shop-api)\n")
            let again = try cli.run(["chart", "new", "shop-api"])
            expectExit(again, 2)
            let broken = try cli.run(["chart", "lint", "shop-api", "--set", "port=99999", "--set", "image.repository="])
            expectExit(broken, 1)
            #expect(broken.stderr.contains("containers[0].ports[0].containerPort: is 99999; a port is from 1 to 65535"), "\(broken)")
            #expect(broken.stderr.contains("2 problems found"), "\(broken)")
            let show = try cli.run(["chart", "show", "shop-api"])
            expectExit(show, 0)
            #expect(show.stdout.hasPrefix("name:        shop-api\nversion:     0.1.0\napp version: 1.0.0\n"))
            #expect(show.stdout.contains("render:      fn render(values, release, chart)\n\n# values.yaml\nreplicas: 1\n"))
            let values = try cli.run(["chart", "show", "shop-api", "--values"])
            #expect(values.stdout.hasPrefix("replicas: 1\nimage:\n  repository: localhost/shop-api\n"))
            let check = try cli.run(["check", "shop-api/chart.plat"])
            expectExit(check, 0)
        }
    }

    @Test func helpNamesEveryVerb() throws {
        try CLI.with { cli in
            let r = try cli.run(["chart", "--help"])
            expectExit(r, 0)
            for verb in ["render", "lint", "new", "show"] { #expect(r.stdout.contains(verb)) }
            let render = try cli.run(["chart", "render", "--help"])
            #expect(render.stdout.contains("--set-string") && render.stdout.contains("-o, --output"), "\(render)")
        }
    }
}
