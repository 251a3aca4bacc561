import Foundation
import Testing

/// `platflow gateway ...` through the built binary: import, versions, the production gate and its exit codes,
/// export round trip, bad input. (The nginx data plane is tested in PlatGatewayTests with a real nginx.)
@Suite("platflow gateway")
struct GatewayCommandTests {
    static let shop = """
        name: shop
        default_auth: app_key
        stages:
          test: {class: test, backends: ["http://127.0.0.1:18081"]}
          prod: {class: production, backends: ["http://127.0.0.1:18082"]}
        resources:
          list_orders: {method: GET, path: /orders, backend_path: /api/orders, doc: List orders.}
        """

    @Test("import, version, publish to test, then production; the gate refuses an untested version with exit 4")
    func publishThroughTheGate() throws {
        try CLI.with { cli in
            try cli.write("shop.yaml", GatewayCommandTests.shop)
            let imported = try cli.run(["gateway", "import", "shop.yaml"])
            expectExit(imported, 0)
            #expect(imported.stdout == "created gateway shop: 2 stage(s), 1 resource(s)\n")
            expectExit(try cli.run(["gateway", "version", "create", "shop", "1.0.0", "--comment", "first"]), 0)

            let refused = try cli.run(["gateway", "publish", "shop", "1.0.0", "--stage", "prod"])
            expectExit(refused, 4)
            #expect(refused.stderr.hasPrefix("error: gateway shop 1.0.0 is release: it needs acceptance in a test environment"), "\(refused)")
            #expect(!(try cli.run(["gateway", "history", "shop"]).stdout.contains("prod")), "a refused publish records nothing")

            expectExit(try cli.run(["gateway", "publish", "shop", "1.0.0", "--stage", "test"]), 0)
            let prod = try cli.run(["gateway", "publish", "shop", "1.0.0", "--stage", "prod"])
            expectExit(prod, 0)
            #expect(prod.stdout == "published shop 1.0.0 to prod (release 2)\n")

            let history = try cli.run(["gateway", "history", "shop"])
            expectExit(history, 0)
            #expect(history.stdout.contains("publish  1.0.0"), "\(history)")
            let rendered = try cli.run(["gateway", "render", "--port", "18090"])
            expectExit(rendered, 0)
            #expect(rendered.stdout.contains("server_name prod.shop;"))
        }
    }

    @Test("export gives back what import read")
    func exportRoundTrip() throws {
        try CLI.with { cli in
            try cli.write("shop.yaml", GatewayCommandTests.shop)
            expectExit(try cli.run(["gateway", "import", "shop.yaml"]), 0)
            let first = try cli.run(["gateway", "export", "shop"])
            expectExit(first, 0)
            try cli.write("again.yaml", first.stdout)
            let again = try cli.run(["gateway", "import", "again.yaml"])
            #expect(again.stdout == "updated gateway shop: 2 stage(s), 1 resource(s)\n")
            #expect(try cli.run(["gateway", "export", "shop"]).stdout == first.stdout)
            let json = try cli.run(["gateway", "export", "shop", "--json"])
            try cli.write("shop.json", json.stdout)
            expectExit(try cli.run(["gateway", "import", "shop.json"]), 0)
            #expect(try cli.run(["gateway", "export", "shop"]).stdout == first.stdout)
        }
    }

    @Test("bad input exits 2 naming the place, and records nothing")
    func badInput() throws {
        try CLI.with { cli in
            try cli.write("bad.yaml", "name: shop\nresources:\n  x: {path: \"/a;b\"}\n  y: [\n")
            let syntax = try cli.run(["gateway", "import", "bad.yaml"])
            expectExit(syntax, 2)
            #expect(syntax.stderr.hasPrefix("error: bad.yaml:"), "\(syntax)")
            try cli.write("inject.yaml", GatewayCommandTests.shop.replacingOccurrences(of: "path: /orders", with: "path: \"/orders;return\""))
            let inject = try cli.run(["gateway", "import", "inject.yaml"])
            expectExit(inject, 2)
            #expect(inject.stderr.hasPrefix("error: resource 'list_orders': path '/orders;return' has a character a path may not hold"), "\(inject)")
            let list = try cli.run(["gateway", "list"])
            #expect(list.stdout == "no gateways yet: platflow gateway import FILE\n")
            let unknown = try cli.run(["gateway", "show", "shpo"])
            expectExit(unknown, 2)
            let force = try cli.run(["gateway", "publish", "shop", "1.0.0", "--stage", "prod", "--force", ""])
            expectExit(force, 2)
        }
    }

    @Test("gateway.publish in a plan records the release, and the production gate refuses an untested version")
    func publishFromAPlan() throws {
        try CLI.with { cli in
            try cli.write("shop.yaml", GatewayCommandTests.shop)
            expectExit(try cli.run(["gateway", "import", "shop.yaml"]), 0)
            expectExit(try cli.run(["gateway", "version", "create", "shop", "1.0.0"]), 0)
            expectExit(try cli.run(["gateway", "version", "create", "shop", "1.1.0"]), 0)
            try cli.write("pub.plat", """
                plan main() {
                    step "publish" {
                        let r = gateway.publish("shop", "1.0.0", stage: "test")
                        print("release \\(r.id) \\(r.version) \\(r.status)")
                    }
                }
                """)
            let ok = try cli.run(["run", "pub.plat", "--quiet"])
            expectExit(ok, 0)
            #expect(ok.stdout.contains("release 1 1.0.0 succeeded"), "\(ok)")
            try cli.write("prod.plat", """
                plan main() {
                    step "publish" { gateway.publish("shop", "1.1.0", stage: "prod") }
                }
                """)
            let refused = try cli.run(["run", "prod.plat", "--quiet"])
            #expect(refused.exitCode != 0)
            #expect(refused.stderr.contains("gateway.publish(): gateway shop 1.1.0 is release: it needs acceptance in a test environment"), "\(refused)")
            let history = try cli.run(["gateway", "history", "shop", "--json"])
            let rows = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(rows.map { $0["stage"] as? String } == ["test"])
        }
    }
}
