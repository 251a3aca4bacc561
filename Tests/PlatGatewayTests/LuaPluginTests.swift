import Foundation
import Testing
import PlatLang
@testable import PlatGateway

/// Plugins' Lua blocks through a real nginx with Debian's Lua module (libnginx-mod-http-lua, installed by
/// scripts/setup.sh): phases, plugin order, quoting of settings into Lua, a block that does not compile, and
/// the error when the module is not there.
@Suite(.serialized) struct LuaPluginTests {
    static let tagPlugin = #"""
        let name = "lua_tag"
        let version = "1.0.0"
        let priority = 500
        let description = "Denies ?deny=1 in Lua, tags answers and upper-cases their bodies."
        let schema = {tag: {type: "string", default: "plain", doc: "the X-Lua-Tag header's value"}}
        fn access(conf, ctx) {
            return [
                lua("access", "if ngx.var.arg_deny == \"1\" then return ngx.exit(403) end"),
                lua("header_filter", "ngx.header[\"X-Lua-Tag\"] = " + lua_string(conf.tag) + "\nngx.header[\"X-Order\"] = (ngx.header[\"X-Order\"] or \"\") .. \"tag;\"\nngx.header.content_length = nil"),
                lua("body_filter", "if ngx.arg[1] then ngx.arg[1] = string.upper(ngx.arg[1]) end"),
            ]
        }
        """#

    static let earlyPlugin = #"""
        let name = "lua_early"
        let version = "1.0.0"
        let priority = 900
        let description = "Runs its header filter before lua_tag's (higher priority)."
        fn rewrite(conf, ctx) { return [lua("header_filter", "ngx.header[\"X-Order\"] = (ngx.header[\"X-Order\"] or \"\") .. \"early;\"")] }
        """#

    func install(_ store: GatewayStore, _ sources: [String: String]) throws {
        let dir = NSTemporaryDirectory() + "gw-lua-plugins-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, text) in sources {
            try text.write(toFile: "\(dir)/\(name).plat", atomically: true, encoding: .utf8)
            try store.installPlugin(path: "\(dir)/\(name).plat")
        }
    }

    func definition(_ backend: EchoBackend, plugins: [String: [String: String]]) -> GatewayDefinition {
        GatewayDefinition(name: "shop", stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")])],
                          resources: [GatewayResource(name: "search", method: "GET", path: "/search", plugins: plugins),
                                      GatewayResource(name: "ping", method: "GET", path: "/ping")])
    }

    func started(_ store: GatewayStore, modules: String? = nil) throws -> (NginxDataPlane, GatewayPublisher) {
        let plane = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-lua-\(UUID().uuidString)", port: try freePort(), modules: modules)
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        return (plane, GatewayPublisher(store: store, plane: plane))
    }

    /// Access, header_filter and body_filter blocks run in nginx; two plugins' header filters run by priority;
    /// a setting with quotes, braces, `$` and a backslash reaches Lua as text (`lua_string`) and the header
    /// as-is; resources without the plugins are untouched.
    @Test func luaBlocksRunInTheirPhasesInPluginOrder() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let store = try gatewayStore()
        try install(store, ["lua_tag": Self.tagPlugin, "lua_early": Self.earlyPlugin])
        let tag = #"a"b} ]] $host \n {"#
        try store.put(definition(backend, plugins: ["lua_tag": ["tag": tag], "lua_early": [:]]))
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        let (plane, publisher) = try started(store)
        defer { try? plane.stop() }
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        let rendered = try String(contentsOfFile: plane.prefix + "/gateway.conf", encoding: .utf8)
        #expect(!rendered.contains("$host"), "Lua code is never written as nginx text")
        #expect(try String(contentsOfFile: plane.prefix + "/nginx.conf", encoding: .utf8).contains("load_module \(NginxDataPlane.debianModules)/ngx_http_lua_module.so;"))

        let r = try LoopbackHTTP.request(port: plane.port, path: "/search?q=1", host: "test.shop")
        #expect(r.status == 200)
        #expect(r.headers["x-lua-tag"] == tag)
        #expect(r.headers["x-order"] == "early;tag;")
        #expect(r.body.contains("\"METHOD\": \"GET\""), "the body filter upper-cased the backend's answer: \(r.body)")
        #expect(try LoopbackHTTP.request(port: plane.port, path: "/search?deny=1", host: "test.shop").status == 403)
        let plain = try LoopbackHTTP.request(port: plane.port, path: "/ping", host: "test.shop")
        #expect(plain.status == 200 && plain.headers["x-lua-tag"] == nil && plain.body.contains("\"method\""))
    }

    /// `nginx -t` does not compile Lua; the publish still refuses a block that does not compile, naming the
    /// plugin, before anything changes: the previous release keeps serving and the release is recorded failed.
    @Test func aLuaBlockThatDoesNotCompileIsRefusedAndThePreviousReleaseServes() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let store = try gatewayStore()
        try install(store, ["lua_tag": Self.tagPlugin, "lua_broken": #"""
            let name = "lua_broken"
            let version = "1.0.0"
            let priority = 1
            fn access(conf, ctx) { return [lua("access", "if then end")] }
            """#])
        try store.put(definition(backend, plugins: ["lua_tag": [:]]))
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        let (plane, publisher) = try started(store)
        defer { try? plane.stop() }
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        try store.put(definition(backend, plugins: ["lua_tag": [:], "lua_broken": [:]]))
        _ = try store.createVersion(gateway: "shop", version: "1.1.0")
        var message = ""
        do { try publisher.publish(gateway: "shop", version: "1.1.0", stage: "test") } catch let e as GatewayError { message = e.message }
        #expect(message.contains("plugin lua_broken access"), "\(message)")
        #expect(message.contains("unexpected symbol"), "\(message)")
        #expect(try store.history(gateway: "shop").map(\.status) == ["succeeded", "failed"])
        let r = try LoopbackHTTP.request(port: plane.port, path: "/search", host: "test.shop")
        #expect(r.status == 200 && r.headers["x-lua-tag"] == "plain")
    }

    /// Without the Lua module a release with Lua blocks is refused with the package to install; one without
    /// Lua publishes as before.
    @Test func withoutTheLuaModuleTheErrorNamesThePackage() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let store = try gatewayStore()
        try install(store, ["lua_tag": Self.tagPlugin])
        let empty = NSTemporaryDirectory() + "gw-no-modules-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        try store.put(definition(backend, plugins: [:]))
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        try store.put(definition(backend, plugins: ["lua_tag": [:]]))
        _ = try store.createVersion(gateway: "shop", version: "1.1.0")
        let (plane, publisher) = try started(store, modules: empty)
        defer { try? plane.stop() }
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        var failure: GatewayError?
        do { try publisher.publish(gateway: "shop", version: "1.1.0", stage: "test") } catch let e as GatewayError { failure = e }
        #expect(failure?.message.contains("Lua module is not installed") == true)
        #expect(failure?.hint?.contains("libnginx-mod-http-lua") == true)
        #expect(try LoopbackHTTP.request(port: plane.port, path: "/__platflow/release", host: "test.shop").body.hasSuffix("1.0.0\n"))
    }

    /// lua() takes nginx's Lua phases only, text code, and not from init; each is bad input when stored.
    @Test func luaBlocksAreCheckedWhenTheDefinitionIsStored() throws {
        let store = try gatewayStore()
        func refused(_ body: String) throws -> String {
            let name = "lua_x\(UUID().uuidString.prefix(6).lowercased())"
            try install(store, [name: "let name = \"\(name)\"\nlet version = \"1.0.0\"\nlet priority = 1\n" + body])
            var d = GatewayDefinition(name: "shop", stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:9")])],
                                      resources: [GatewayResource(name: "search", method: "GET", path: "/search")])
            d.resources[0].plugins = [name: [:]]
            do { try store.put(d); return "stored" } catch let e as GatewayError { return e.message + " " + (e.hint ?? "") }
        }
        let phase = try refused(#"fn access(conf, ctx) { return [lua("content", "x = 1")] }"#)
        #expect(phase.contains("names the phase") && phase.contains("content") && phase.contains("header_filter"), "\(phase)")
        #expect(try refused(#"fn access(conf, ctx) { return [lua("access", 42)] }"#).contains("needs the code as text"))
        #expect(try refused(#"fn init(conf, ctx) { return [lua("access", "x = 1")] }"#).contains("init returned a Lua block"))
        #expect(try refused(#"fn log(conf, ctx) { return [lua("log", "ngx.log(ngx.ERR, 'x')")] }"#) == "stored")
    }
}
