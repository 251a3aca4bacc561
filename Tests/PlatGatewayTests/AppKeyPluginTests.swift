import Foundation
import Testing
import PlatLang
@testable import PlatGateway

/// App-key auth is the stdlib plugin `app_key`: on wherever a resource's auth asks for a key, ordered by its
/// priority among the other plugins, replaceable by an installed plugin of that name, and turned on and off
/// with `plugin enable|disable` (which set the resource's auth). The consumer tests check its 401/403/200.
@Suite(.serialized) struct AppKeyPluginTests {
    func definition(auth: AuthMode?, plugins: [String: [String: String]] = [:], backend: String = "http://127.0.0.1:9") -> GatewayDefinition {
        GatewayDefinition(name: "shop", defaultAuth: .none, stages: [GatewayStage(name: "test", backends: [BackendHost(url: backend)])],
                          resources: [GatewayResource(name: "search", method: "GET", path: "/search", auth: auth, plugins: plugins)])
    }

    func rendered(_ d: GatewayDefinition, catalogue: PluginCatalogue) throws -> String {
        let v = ResourceVersion(gateway: d.name, version: "1.0.0", defaultAuth: d.defaultAuth, resources: d.resources)
        return try NginxRenderer.render([ServedStage(gateway: d, stage: d.stages[0], version: v, releaseID: 1)], catalogue: catalogue, listen: "127.0.0.1:1")
    }

    /// Rewrite phase, priority 50: after request_id (5000), cors (4000) and header_rewrite (900); only where the
    /// auth asks for a key.
    @Test func theKeyCheckRunsInItsPhaseByItsPriority() throws {
        let c = try PluginCatalogue.standard()
        var r = definition(auth: .appKey, plugins: ["request_id": [:], "cors": [:], "rate_limit": ["rate": "5r/s"]]).resources[0]
        r.plugins = PluginCatalogue.effective(r, auth: .appKey, stage: nil)
        #expect(try c.order(r, owner: "r").map { "\($0.phase) \($0.plugin.name)" }
                == ["rewrite request_id", "rewrite cors", "rewrite app_key", "access rate_limit", "access app_key"])
        #expect(PluginCatalogue.effective(definition(auth: AuthMode.none).resources[0], auth: AuthMode.none, stage: nil)["app_key"] == nil)
        let text = try rendered(definition(auth: .both, plugins: ["cors": [:]]), catalogue: c)
        func at(_ s: String) -> String.Index { text.range(of: s)?.lowerBound ?? text.endIndex }
        #expect(at("if ($request_method = OPTIONS) {") < at("if ($http_x_api_key = \"\") {"), "a CORS preflight is answered before the key check")
        #expect(at("secure_link_md5 \"${http_x_api_key}\";") < at("if ($http_authorization = \"\") {"))
        #expect(at("proxy_set_header X-Gateway-Consumer $gw_key_consumer;") < at("proxy_pass"))
        #expect(!(try rendered(definition(auth: AuthMode.none), catalogue: c)).contains("secure_link"))
    }

    /// An installed plugin named app_key replaces the stdlib one: here the same checks at priority 6000, so
    /// they run before request_id.
    @Test func anInstalledAppKeyPluginReordersTheCheck() throws {
        let store = try gatewayStore()
        let source = try PluginCatalogue.standard().plugin("app_key", owner: "t").source.replacingOccurrences(of: "let priority = 50", with: "let priority = 6000")
        let path = NSTemporaryDirectory() + "gw-app-key-\(UUID().uuidString).plat"
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try store.installPlugin(path: path)
        let text = try rendered(definition(auth: .appKey, plugins: ["request_id": [:]]), catalogue: try store.pluginCatalogue())
        let check = text.range(of: "if ($http_x_api_key = \"\") {")?.lowerBound, requestID = text.range(of: "proxy_set_header X-Request-Id")?.lowerBound
        #expect(check != nil && requestID != nil && check! < requestID!)
    }

    /// `plugin disable ... app_key` sets auth none (and the resource answers without a key once published);
    /// `enable` sets app_key or, with mode=both, both; listing the plugin on a resource without auth is refused.
    @Test func enablingAndDisablingTheAppKeyPluginSetsTheAuth() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let store = try gatewayStore()
        try store.put(definition(auth: .appKey, backend: "http://127.0.0.1:\(backend.port)"))
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        let plane = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-app-key-\(UUID().uuidString)", port: try freePort())
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        defer { try? plane.stop() }
        let publisher = GatewayPublisher(store: store, plane: plane)
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        #expect(try LoopbackHTTP.request(port: plane.port, path: "/search", host: "test.shop").status == 401)

        try store.setPlugin(gateway: "shop", resource: "search", plugin: "app_key", settings: nil)
        #expect(try store.definition("shop").resources[0].auth == AuthMode.none)
        _ = try store.createVersion(gateway: "shop", version: "1.1.0")
        try publisher.publish(gateway: "shop", version: "1.1.0", stage: "test")
        #expect(try LoopbackHTTP.request(port: plane.port, path: "/search", host: "test.shop").status == 200)

        try store.setPlugin(gateway: "shop", resource: "search", plugin: "app_key", settings: ["mode": "both"])
        #expect(try store.definition("shop").resources[0].auth == .both)
        #expect(throws: GatewayError.self) { try store.setPlugin(gateway: "shop", resource: "search", plugin: "app_key", settings: ["mode": "none"]) }
        var d = definition(auth: AuthMode.none, plugins: ["app_key": [:]])
        d.name = "other"
        do { try store.put(d); Issue.record("stored") } catch let e as GatewayError { #expect(e.message.contains("app_key runs on resources whose auth")) }
    }
}
