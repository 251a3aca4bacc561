import Foundation
import Testing
import PlatLang
@testable import PlatGateway

/// The docs site (pages in one format, escaping, its search run by node, the same script the browser runs) and
/// the Python SDK calling a real nginx.
@Suite(.serialized) struct DocsAndSDKTests {
    let yaml = """
        name: shop
        description: The shop's APIs
        default_auth: app_key
        stages:
          test: {class: test, backends: ["http://127.0.0.1:18081"]}
          mock: {class: test, mock: true}
        resources:
          list_orders: {path: /orders, doc: "List a shop's <orders> by customer", tags: [orders], example: '{"orders": []}'}
          get_order: {path: "/shops/{shop}/orders/{id}", backend_path: "/api/{shop}/orders/{id}", auth: none, doc: Fetch one order with its lines}
          refund: {method: POST, path: "/orders/{id}/refund", auth: both, doc: Give the money back to the customer}
        """

    func definition() throws -> GatewayDefinition {
        try GatewayFile.definition(from: DataFile.decode(yaml, format: .yaml, path: "shop.yaml"))
    }

    func run(_ args: [String], cwd: String, env: [String: String] = [:]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: cwd)
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func everyResourceHasAPageInOneFormat() throws {
        let d = try definition()
        let pages = GatewayDocs.render(d, version: nil, serving: ["test": "1.0.0"], port: 18080, updatedAt: 0)
        #expect(pages.map(\.path).sorted() == ["index.html", "index.js", "resources/get_order.html", "resources/list_orders.html",
                                               "resources/refund.html", "search.js", "style.css"])
        for p in pages where p.path.hasPrefix("resources/") {
            for part in ["Basic information", "Updated", "Permission needed", "Address", "Common parameters", "Input parameters", "Example call", "Response"] {
                #expect(p.text.contains(part), "\(p.path) has no \(part)")
            }
        }
        let list = pages.first { $0.path == "resources/list_orders.html" }!.text
        #expect(list.contains("List a shop&#39;s &lt;orders&gt; by customer") && !list.contains("<orders>"))
        #expect(list.contains("X-Api-Key") && list.contains("{&quot;orders&quot;: []}"))
        let refund = pages.first { $0.path == "resources/refund.html" }!.text
        #expect(refund.contains("curl -X POST -H &#39;Host: test.shop&#39; -H &#39;X-Api-Key: KEYID.SECRET&#39; -H &#39;Authorization: Bearer TOKEN&#39; http://127.0.0.1:18080/orders/ID/refund"))
        #expect(!pages.first { $0.path == "index.js" }!.text.contains("<orders>"))
    }

    /// The site's own search script (as the browser loads it) finds a resource by words of its description.
    @Test func theSearchFindsResourcesByWordsOfTheirDescription() throws {
        let dir = NSTemporaryDirectory() + "gw-docs-\(UUID().uuidString)"
        for p in GatewayDocs.render(try definition(), version: nil, serving: [:], port: 18080, updatedAt: 0) {
            try FileManager.default.createDirectory(atPath: dir + "/resources", withIntermediateDirectories: true)
            try p.text.write(toFile: dir + "/" + p.path, atomically: true, encoding: .utf8)
        }
        let script = """
            global.window = {};
            require("./index.js");
            const { search } = require("./search.js");
            for (const q of process.argv.slice(1)) { console.log(q + " => " + search(window.GATEWAY_INDEX, q).map(r => r.name).join(",")); }
            """
        let (status, out) = try run(["node", "-e", script, "money back", "ORDER", "lines fetch", "nothing like this", "<orders>"], cwd: dir)
        #expect(status == 0, "node could not run the search (scripts/setup.sh installs nodejs): \(out)")
        #expect(out.components(separatedBy: "\n").filter { !$0.isEmpty } == [
            "money back => refund", "ORDER => get_order,list_orders,refund", "lines fetch => get_order", "nothing like this => ", "<orders> => list_orders",
        ])
    }

    /// The generated Python package calls the real nginx: keys, path parameters, query strings, errors.
    @Test func thePythonSDKCallsTheGateway() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        var d = try definition()
        d.stages = [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")])]
        let store = try gatewayStore()
        try store.put(d)
        let v = try store.createVersion(gateway: "shop", version: "1.0.0")
        let plane = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-nginx-\(UUID().uuidString)", port: try freePort())
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        defer { try? plane.stop() }
        let publisher = GatewayPublisher(store: store, plane: plane)
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        try publisher.addConsumer("app")
        try publisher.grant(consumer: "app", gateway: "shop")
        let key = try publisher.createKey(consumer: "app").text
        let dir = NSTemporaryDirectory() + "gw-sdk-\(UUID().uuidString)"
        for p in GatewaySDK.python(d, version: v) {
            try FileManager.default.createDirectory(atPath: (dir + "/" + p.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try p.text.write(toFile: dir + "/" + p.path, atomically: true, encoding: .utf8)
        }
        let script = """
            import sys
            from shop_client import Client, ApiError
            c = Client("http://127.0.0.1:\(plane.port)", stage="test", api_key=sys.argv[1])
            print(c.get_order("s 1", 42).json()["path"])
            print(c.list_orders(query={"page": 2}).json()["headers"]["x-gateway-consumer"])
            try:
                Client("http://127.0.0.1:\(plane.port)", stage="test").list_orders()
            except ApiError as e:
                print(e.response.status)
            print(c.refund(7, body={"amount": 3}, headers={"Authorization": "Bearer u"}).json()["method"])
            """
        let (status, out) = try run(["python3", "-c", script, key], cwd: dir, env: ["PYTHONPATH": dir])
        #expect(status == 0, "\(out)")
        #expect(out == "/api/s%201/orders/42\napp\n401\nPOST\n")
    }
}

/// The .plat client: a plan imports it and calls the real nginx through sh() and curl.
@Suite(.serialized) struct PlatSDKTests {
    /// The platflow binary the tests were built with.
    var platflow: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/platflow").path
    }

    @Test func aPlanCallsTheGatewayThroughThePlatClient() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let d = GatewayDefinition(name: "shop", defaultAuth: .appKey,
                                  stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")])],
                                  resources: [GatewayResource(name: "get_order", method: "GET", path: "/shops/{shop}/orders/{id}", backendPath: "/api/{shop}/orders/{id}"),
                                              GatewayResource(name: "refund", method: "POST", path: "/orders/{id}/refund")])
        let store = try gatewayStore()
        try store.put(d)
        let v = try store.createVersion(gateway: "shop", version: "1.0.0")
        let plane = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-nginx-\(UUID().uuidString)", port: try freePort())
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        defer { try? plane.stop() }
        let publisher = GatewayPublisher(store: store, plane: plane)
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        try publisher.addConsumer("plans")
        try publisher.grant(consumer: "plans", gateway: "shop")
        let key = try publisher.createKey(consumer: "plans").text
        let dir = NSTemporaryDirectory() + "gw-platsdk-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for p in GatewaySDK.plat(d, version: v) { try p.text.write(toFile: dir + "/" + p.path, atomically: true, encoding: .utf8) }
        try """
            import "./shop_client.plat" as api

            plan main(key: string) {
                step "call" {
                    let c = api.client("http://127.0.0.1:\(plane.port)", "test", api_key: key)
                    let one = api.get_order(c, "s1", 42, query: {page: 2})
                    print(one.status, one.json.path, one.json.headers["x-gateway-consumer"])
                    let money = api.refund(c, 7, body: {amount: 3})
                    print(money.status, money.json.method, money.json.path)
                    let anonymous = api.get_order(api.client("http://127.0.0.1:\(plane.port)", "test"), "s1", 1)
                    print(anonymous.status, anonymous.json.error)
                }
            }

            """.write(toFile: dir + "/main.plat", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: platflow)
        p.arguments = ["run", dir + "/main.plat", "--param", "key=\(key)", "--db", dir + "/run.db", "--quiet"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)\(errors)")
        #expect(text == "200 /api/s1/orders/42?page=2 plans\n200 POST /orders/7/refund\n401 app key required\n", "\(errors)")
    }
}
