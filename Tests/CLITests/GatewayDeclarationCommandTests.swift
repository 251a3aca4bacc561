import Foundation
import Testing

/// The `gateway "NAME" { ... }` declaration through the built binary: `check`, `gateway apply`, and a plan
/// that applies, publishes, takes offline and rolls back with the gateway effects.
@Suite("platflow gateway declarations")
struct GatewayDeclarationCommandTests {
    static let declared = """
        gateway "shop" {
            description: "The shop's APIs",
            default_auth: "app_key",
            stages: {
                test: {env: "test", class: "test", backend: "http://127.0.0.1:18081"},
                prod: {env: "prod", class: "production", backends: [{url: "http://127.0.0.1:18082", weight: 3}]},
            },
            resources: {
                list_orders: {method: "GET", path: "/orders", backend_path: "/api/orders",
                              plugins: {rate_limit: {rate: "10r/s", burst: 20}}, doc: "List a shop's orders."},
                get_order: {method: "GET", path: "/orders/{id}", auth: "none", set_headers: {"X-Gateway": "shop"}},
            },
        }

        """

    @Test("check accepts the declaration; gateway apply stores what import would")
    func applyAFile() throws {
        try CLI.with { cli in
            try cli.write("shop.plat", GatewayDeclarationCommandTests.declared + "plan main() { print(\"hi\") }\n")
            expectExit(try cli.run(["check", "shop.plat"]), 0)
            let applied = try cli.run(["gateway", "apply", "shop.plat", "--version", "1.0.0"])
            expectExit(applied, 0)
            #expect(applied.stdout == "created gateway shop: 2 stage(s), 2 resource(s), version 1.0.0\n", "\(applied)")
            let exported = try cli.run(["gateway", "export", "shop"])
            #expect(exported.stdout.contains("backend_path: /api/orders"), "\(exported)")
            #expect(exported.stdout.contains("weight: 3"), "\(exported)")
            #expect(try cli.run(["gateway", "version", "list", "shop"]).stdout.contains("1.0.0"))
        }
    }

    @Test("a bad field is reported with file:line:col and the resource; nothing is stored")
    func badDeclarations() throws {
        try CLI.with { cli in
            try cli.write("bad.plat", """
                gateway "shop" {
                    stages: {test: {backend: "http://127.0.0.1:18081"}},
                    resources: {
                        list_orders: {method: "GET", path: "/orders;evil"},
                    },
                }

                """)
            let checked = try cli.run(["check", "bad.plat"])
            #expect(checked.exitCode != 0)
            #expect(checked.stderr.contains("bad.plat:3:16"), "\(checked)")
            #expect(checked.stderr.contains("resource 'list_orders': path"), "\(checked)")
            let applied = try cli.run(["gateway", "apply", "bad.plat"])
            expectExit(applied, 2)
            #expect(try cli.run(["gateway", "list"]).stdout.contains("no gateways yet"))
            try cli.write("typo.plat", """
                gateway "shop" {
                    stages: {test: {backend: "http://127.0.0.1:18081"}},
                    resources: {list_orders: {method: "GET", pth: "/orders"}},
                }

                """)
            let typo = try cli.run(["check", "typo.plat"])
            #expect(typo.stderr.contains("unknown key 'pth'") && typo.stderr.contains("did you mean 'path'?"), "\(typo)")
        }
    }

    @Test("a plan applies its gateway, publishes it, takes a resource offline and rolls back")
    func effectsInAPlan() throws {
        try CLI.with { cli in
            try cli.write("deploy.plat", GatewayDeclarationCommandTests.declared + """
                plan main() {
                    step "apply" { gateway.apply("shop", version: "1.0.0") }
                    step "first" { gateway.publish("shop", "1.0.0", stage: "test") }
                    step "again" { gateway.apply("shop", version: "1.0.0") }
                    step "bump" { sh("true") }
                    step "offline" {
                        let r = gateway.offline("shop", ["get_order"], stage: "test")
                        print("\\(r.action) \\(r.status)")
                    }
                    step "online" { gateway.online("shop", "get_order", stage: "test") }
                }

                """)
            let ran = try cli.run(["run", "deploy.plat", "--quiet"])
            expectExit(ran, 0)
            #expect(ran.stdout.contains("offline succeeded"), "\(ran)")
            expectExit(try cli.run(["gateway", "version", "create", "shop", "1.1.0"]), 0)
            expectExit(try cli.run(["gateway", "publish", "shop", "1.1.0", "--stage", "test"]), 0)
            try cli.write("back.plat", """
                plan main() {
                    step "back" {
                        let r = gateway.rollback("shop", stage: "test")
                        print("\\(r.action) \\(r.version)")
                    }
                }

                """)
            let back = try cli.run(["run", "back.plat", "--quiet"])
            expectExit(back, 0)
            #expect(back.stdout.contains("rollback 1.0.0"), "\(back)")
            let history = try cli.run(["gateway", "history", "shop", "--json"])
            let rows = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(rows.map { $0["action"] as? String } == ["publish", "offline", "online", "publish", "rollback"])
            #expect((rows.first?["who"] as? String)?.hasPrefix("run ") == true)
        }
    }
}
