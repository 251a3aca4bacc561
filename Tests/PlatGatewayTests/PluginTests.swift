import Foundation
import Testing
import PlatLang
@testable import PlatGateway

/// Plugins written in .plat: the stdlib catalogue, the quoting API, schema errors naming resource and field,
/// phase-then-priority order, installed plugins, and their directives at work in a real nginx.
@Suite(.serialized) struct PluginTests {
    @Test func theStdlibCatalogueLoadsAndDocumentsItself() throws {
        let c = try PluginCatalogue.standard()
        #expect(c.names == ["access_log", "app_key", "cors", "header_rewrite", "ip_restriction", "mock", "rate_limit", "request_id", "request_size"])
        for p in c.plugins.values {
            #expect(!p.description.isEmpty && SemanticVersion.valid(p.version) != nil)
            for k in ["enable", "test", "remove"] { #expect(p.doc[k]?.isEmpty == false, "\(p.name) has no \(k) doc") }
            for f in p.fields { #expect(!f.doc.isEmpty, "\(p.name).\(f.name) has no doc") }
        }
    }

    @Test func directivesAreQuotedAndRefusedWhereTheyWouldInject() throws {
        func line(_ v: Value) throws -> String { try NginxDirective.render(v, indent: "", plugin: "t").joined(separator: "\n") }
        func d(_ name: String, _ args: [Value]) -> Value { .makeMap([("directive", .string(name)), ("args", .list(args))]) }
        #expect(try line(d("limit_req", [.string("zone=gw_a:1m"), .int(5)])) == "limit_req zone=gw_a:1m 5;")
        #expect(try line(d("return", [.int(200), .string("{\"a\": \"x; } #\"}")])) == "return 200 \"{\\\"a\\\": \\\"x; } #\\\"}\";")
        #expect(try line(d("add_header", [.string("X"), .makeMap([("variable", .string("request_id"))])])) == "add_header X $request_id;")
        #expect(try line(d("log_format", [.string("f"), .makeMap([("concat", .list([.string("id=\""), .makeMap([("variable", .string("request_id"))])]))])]))
                == "log_format f \"id=\\\"${request_id}\";")
        #expect(throws: GatewayError.self) { try line(d("return", [.int(200), .string("costs $5")])) }
        #expect(throws: GatewayError.self) { try line(d("return", [.int(200), .string("a\nb")])) }
        #expect(throws: GatewayError.self) { try line(d("include", [.string("/etc/passwd")])) }
        #expect(throws: GatewayError.self) { try line(d("proxy_pass; evil", [])) }
        #expect(throws: GatewayError.self) { try line(d("add_header", [.string("X"), .makeMap([("variable", .string("a;b"))])])) }
        let when = Value.makeMap([("when", .list([.makeMap([("variable", .string("request_method"))]), .string("="), .string("OPTIONS")])),
                                  ("then", .list([d("return", [.int(204)])]))])
        #expect(try line(when) == "if ($request_method = OPTIONS) {\n    return 204;\n}")
    }

    func resource(_ plugins: [String: [String: String]]) -> GatewayDefinition {
        GatewayDefinition(name: "shop", stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:9")])],
                          resources: [GatewayResource(name: "list_orders", method: "GET", path: "/orders", plugins: plugins)])
    }

    @Test func badPluginSettingsNameTheResourceAndFieldAndStoreNothing() throws {
        let store = try gatewayStore()
        func refusal(_ plugins: [String: [String: String]]) -> String {
            do { try store.put(resource(plugins)); return "stored" } catch let e as GatewayError { return e.message + " | " + (e.hint ?? "") } catch { return "\(error)" }
        }
        #expect(refusal(["rate_limt": ["rate": "1r/s"]]).hasPrefix("resource 'list_orders': plugins names an unknown plugin 'rate_limt' | did you mean 'rate_limit'?"))
        #expect(refusal(["rate_limit": ["rate": "1r/s", "burst": "many"]]).hasPrefix("resource 'list_orders': plugins.rate_limit.burst is 'many'"))
        #expect(refusal(["rate_limit": ["burst": "1"]]).hasPrefix("resource 'list_orders': plugins.rate_limit.rate is required"))
        #expect(refusal(["rate_limit": ["rate": "1r/s", "bursts": "1"]]).contains("unknown setting 'bursts' | did you mean 'burst'?"))
        #expect(refusal(["ip_restriction": ["allow": "10.0.0.1", "deny": "10.0.0.2"]]).hasPrefix("resource 'list_orders': plugins.ip_restriction give allow or deny, not both"))
        #expect(refusal(["ip_restriction": ["allow": "10.0.0.1; evil"]]).hasPrefix("resource 'list_orders': plugins.ip_restriction.allow is '10.0.0.1; evil'"))
        #expect(try store.names().isEmpty)
    }

    @Test func directivesRunPhaseFirstThenPriority() throws {
        let r = GatewayResource(name: "r", method: "GET", path: "/r", plugins: [
            "rate_limit": ["rate": "5r/s"], "access_log": [:], "header_rewrite": ["response_add": "X-A: 1"], "request_id": [:], "cors": [:],
        ])
        let order = try PluginCatalogue.standard().order(r, owner: "resource 'r'").map { "\($0.phase) \($0.plugin.name)" }
        #expect(order == ["rewrite request_id", "rewrite cors", "rewrite header_rewrite", "access rate_limit", "log access_log"])
        let d = GatewayDefinition(name: "g", stages: [GatewayStage(name: "s", backends: [BackendHost(url: "http://127.0.0.1:9")])], resources: [r])
        let text = try NginxRenderer.render([ServedStage(gateway: d, stage: d.stages[0], version: ResourceVersion(gateway: "g", version: "1.0.0", defaultAuth: .none, resources: [r]), releaseID: 1)],
                                            catalogue: try PluginCatalogue.standard(), listen: "127.0.0.1:1")
        func at(_ s: String) -> String.Index { text.range(of: s)?.lowerBound ?? text.endIndex }
        #expect(at("proxy_set_header X-Request-Id $request_id;") < at("if ($request_method = OPTIONS) {\n"))
        #expect(at("if ($request_method = OPTIONS) {\n") < at("add_header X-A 1 always;"))
        #expect(at("add_header X-A 1 always;") < at("limit_req zone=gw_g__s__r;"))
        #expect(at("limit_req zone=gw_g__s__r;") < at("proxy_pass") && at("proxy_pass") < at("access_log logs/gw_g__s__r.log gw_g__s__r;"))
        #expect(at("log_format gw_g__s__r escape=json") < at("server {"))
    }

    @Test func anInstalledPluginJoinsTheMarketAndEffectsAreRefused() throws {
        let store = try gatewayStore()
        let dir = NSTemporaryDirectory() + "gw-plugin-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
            let name = "served_by"
            let version = "1.2.0"
            let priority = 10
            let schema = {header: {type: "string", default: "X-Served-By", doc: "the header"}}
            fn rewrite(conf, ctx) { return [directive("add_header", [conf.header, ctx.stage + "." + ctx.gateway])] }
            """.write(toFile: dir + "/served_by.plat", atomically: true, encoding: .utf8)
        let p = try store.installPlugin(path: dir + "/served_by.plat")
        #expect(p.version == "1.2.0" && p.phases == ["rewrite"])
        try store.put(resource(["served_by": [:]]))
        try store.setPlugin(gateway: "shop", resource: "list_orders", plugin: "rate_limit", settings: ["rate": "3r/s"])
        #expect(try store.definition("shop").resources[0].plugins.keys.sorted() == ["rate_limit", "served_by"])
        #expect(throws: GatewayError.self) { try store.setPlugin(gateway: "shop", resource: "list_orders", plugin: "rate_limit", settings: ["rate": "fast"]) }
        try store.setPlugin(gateway: "shop", resource: "list_orders", plugin: "rate_limit", settings: nil)
        try "let name = \"bad\"\nlet version = \"1.0.0\"\nlet priority = 1\nfn access(conf, ctx) { sh(\"rm -rf /\") }\n"
            .write(toFile: dir + "/bad.plat", atomically: true, encoding: .utf8)
        #expect(throws: GatewayError.self) { try store.installPlugin(path: dir + "/bad.plat") }
        try "let name = \"nover\"\nlet priority = 1\n".write(toFile: dir + "/nover.plat", atomically: true, encoding: .utf8)
        #expect(throws: GatewayError.self) { try store.installPlugin(path: dir + "/nover.plat") }
    }

    /// The stdlib plugins at work: a mock answer, request ids, address denial, body size, CORS preflight,
    /// response headers and a JSON access log, all from nginx.
    @Test func stdlibPluginsWorkInNginx() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let plane = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-nginx-\(UUID().uuidString)", port: try freePort())
        let store = try gatewayStore()
        try store.put(GatewayDefinition(name: "shop", stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")])], resources: [
            GatewayResource(name: "mocked", method: "GET", path: "/mocked", plugins: ["mock": ["status": "201", "body": "{\"orders\": [\"a; }\"]}"]]),
            GatewayResource(name: "traced", method: "GET", path: "/traced", plugins: ["request_id": [:], "header_rewrite": ["response_add": "Cache-Control: no-store", "request_set": "X-Tenant: shop"],
                                                                                   "access_log": ["fields": "request_id, status, uri"]]),
            GatewayResource(name: "denied", method: "GET", path: "/denied", plugins: ["ip_restriction": ["deny": "127.0.0.1"]]),
            GatewayResource(name: "upload", method: "POST", path: "/upload", plugins: ["request_size": ["max": "1k"]]),
            GatewayResource(name: "open", method: "ANY", path: "/open", plugins: ["cors": ["origin": "https://shop.example"]]),
            GatewayResource(name: "carts", method: "POST", path: "/carts", auth: .appKey, plugins: ["cors": [:]]),
        ]))
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        defer { try? plane.stop() }
        try GatewayPublisher(store: store, plane: plane).publish(gateway: "shop", version: "1.0.0", stage: "test")
        func call(_ path: String, method: String = "GET", _ headers: [String: String] = [:]) throws -> LoopbackHTTP.Response {
            try LoopbackHTTP.request(port: plane.port, method: method, path: path, host: "test.shop", headers: headers)
        }
        let mocked = try call("/mocked")
        #expect(mocked.status == 201 && mocked.body == "{\"orders\": [\"a; }\"]}")
        let traced = try call("/traced")
        let id = traced.headers["x-request-id"] ?? ""
        #expect(id.count == 32)
        #expect(traced.headers["cache-control"] == "no-store")
        let seen = (try JSONSerialization.jsonObject(with: Data(traced.body.utf8)) as? [String: Any])?["headers"] as? [String: String] ?? [:]
        #expect(seen["x-request-id"] == id && seen["x-tenant"] == "shop")
        #expect(try call("/denied").status == 403)
        #expect(try call("/upload", method: "POST", ["Content-Length": "5000"]).status == 413)
        let preflight = try call("/open", method: "OPTIONS", ["Origin": "https://shop.example"])
        #expect(preflight.status == 204 && preflight.headers["access-control-allow-origin"] == "https://shop.example")
        #expect(try call("/open").headers["access-control-allow-origin"] == "https://shop.example")
        // A preflight reaches a POST-only resource with cors (before its key check); other methods still 405.
        let cartsPreflight = try call("/carts", method: "OPTIONS")
        #expect(cartsPreflight.status == 204 && cartsPreflight.headers["access-control-allow-methods"] == "GET, POST, PUT, PATCH, DELETE, OPTIONS")
        #expect(try call("/carts", method: "POST").status == 401)
        #expect(try call("/carts", method: "DELETE").status == 405)
        let log = try String(contentsOfFile: plane.prefix + "/logs/gw_shop__test__traced.log", encoding: .utf8)
        let entry = try JSONSerialization.jsonObject(with: Data((log.split(separator: "\n").last ?? "").utf8)) as? [String: String]
        #expect(entry == ["request_id": id, "status": "200", "uri": "/@gw/traced"])
    }
}
