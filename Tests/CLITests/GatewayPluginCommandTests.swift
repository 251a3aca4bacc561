import Foundation
import Testing

/// `platflow gateway plugin ...`, `gateway docs` and `gateway sdk` through the built binary.
@Suite("platflow gateway plugin, docs and sdk")
struct GatewayPluginCommandTests {
    @Test("the market lists and searches plugins; show prints the doc in one format; enable, order, disable")
    func market() throws {
        try CLI.with { cli in
            let list = try cli.run(["gateway", "plugin", "list"])
            expectExit(list, 0)
            for name in ["rate_limit", "ip_restriction", "header_rewrite", "cors", "request_size", "mock", "request_id", "access_log"] {
                #expect(list.stdout.contains(name), "\(list)")
            }
            let found = try cli.run(["gateway", "plugin", "list", "--search", "client address"])
            #expect(found.stdout.contains("rate_limit") && found.stdout.contains("ip_restriction") && !found.stdout.contains("cors"), "\(found)")
            let shown = try cli.run(["gateway", "plugin", "show", "rate_limit"])
            expectExit(shown, 0)
            for part in ["rate_limit 1.0.0", "attributes:", "rate (string, required)", "burst (int, default 0, min 0, max 100000)", "enable:", "test:", "remove:"] {
                #expect(shown.stdout.contains(part), "\(part) missing: \(shown)")
            }
            let unknown = try cli.run(["gateway", "plugin", "show", "rate_limt"])
            expectExit(unknown, 2)
            #expect(unknown.stderr.contains("did you mean 'rate_limit'?"))

            try cli.write("shop.yaml", GatewayCommandTests.shop)
            expectExit(try cli.run(["gateway", "import", "shop.yaml"]), 0)
            expectExit(try cli.run(["gateway", "plugin", "enable", "shop", "list_orders", "rate_limit", "--set", "rate=10r/s", "--set", "burst=5"]), 0)
            expectExit(try cli.run(["gateway", "plugin", "enable", "shop", "list_orders", "request_id"]), 0)
            let bad = try cli.run(["gateway", "plugin", "enable", "shop", "list_orders", "rate_limit", "--set", "rate=fast"])
            expectExit(bad, 2)
            #expect(bad.stderr.contains("resource 'list_orders': plugins.rate_limit.rate is 'fast'"), "\(bad)")
            let order = try cli.run(["gateway", "plugin", "order", "shop", "list_orders"])
            expectExit(order, 0)
            // list_orders has the gateway's default auth, app_key: its key check is the app_key plugin, in its place.
            #expect(order.stdout.hasPrefix("rewrite  5000  request_id\nrewrite  50  app_key\naccess  1001  rate_limit\naccess  50  app_key\n"), "\(order)")
            #expect(order.stdout.contains("limit_req zone=gw_shop__prod__list_5Forders burst=5 nodelay;") || order.stdout.contains("limit_req zone=gw_shop__"), "\(order)")
            expectExit(try cli.run(["gateway", "plugin", "disable", "shop", "list_orders", "request_id"]), 0)
            #expect(!(try cli.run(["gateway", "export", "shop"]).stdout.contains("request_id")))
        }
    }

    @Test("new writes a template that installs and renders; docs and sdk write their files")
    func newDocsAndSDK() throws {
        try CLI.with { cli in
            let made = try cli.run(["gateway", "plugin", "new", "served_by", "--dir", cli.directory.path])
            expectExit(made, 0)
            let installed = try cli.run(["gateway", "plugin", "install", cli.directory.path + "/served_by/plugin.plat"])
            expectExit(installed, 0)
            #expect(installed.stdout == "installed plugin served_by 0.1.0\n")
            #expect(try cli.run(["gateway", "plugin", "list", "--search", "served"]).stdout.contains("served_by"))
            expectExit(try cli.run(["gateway", "import", cli.directory.path + "/served_by/example.yaml"]), 0)
            expectExit(try cli.run(["gateway", "version", "create", "served_by_example", "1.0.0"]), 0)
            expectExit(try cli.run(["gateway", "publish", "served_by_example", "1.0.0", "--stage", "test"]), 0)
            #expect(try cli.run(["gateway", "render"]).stdout.contains("add_header X-Served-By test.served_by_example always;"))
            expectExit(try cli.run(["gateway", "plugin", "new", "served_by", "--dir", cli.directory.path]), 2)

            let docs = try cli.run(["gateway", "docs", "served_by_example", "--out", cli.directory.path + "/site"])
            expectExit(docs, 0)
            #expect(FileManager.default.fileExists(atPath: cli.directory.path + "/site/resources/ping.html"))
            let sdk = try cli.run(["gateway", "sdk", "served_by_example", "--lang", "python", "--out", cli.directory.path + "/sdk"])
            expectExit(sdk, 0)
            #expect(FileManager.default.fileExists(atPath: cli.directory.path + "/sdk/served_by_example_client/__init__.py"))
            expectExit(try cli.run(["gateway", "sdk", "served_by_example", "--lang", "plat", "--out", cli.directory.path + "/lib"]), 0)
            #expect(FileManager.default.fileExists(atPath: cli.directory.path + "/lib/served_by_example_client.plat"))
            expectExit(try cli.run(["gateway", "sdk", "served_by_example", "--lang", "go", "--out", cli.directory.path + "/x"]), 2)
            expectExit(try cli.run(["gateway", "docs", "served_by_example"]), 2)
        }
    }
}
