import Foundation
import Testing
import PlatEngine
import PlatLang
import PlatRelease
import PlatStore
@testable import PlatGateway

/// A fresh database with the gateway module's tables.
func gatewayStore() throws -> GatewayStore {
    let path = NSTemporaryDirectory() + "gw-\(UUID().uuidString).db"
    let store = try RunStore.open(path: path, modules: ModuleSet([GatewayModule()]))
    var t = 1_000.0
    return GatewayStore(db: store.db, actor: "ana", clock: { t += 1; return t })
}

let shopYAML = """
    name: shop
    description: The shop's APIs
    maintainers: [ana]
    default_auth: app_key
    stages:
      test: {env: test, class: test, backends: ["http://127.0.0.1:18081"]}
      prod: {env: prod, class: production, backends: [{url: "http://127.0.0.1:18082", weight: 3}, "http://127.0.0.1:18083"]}
    resources:
      list_orders:
        method: GET
        path: /orders
        backend_path: /api/orders
        timeout: 5
        plugins: {rate_limit: {rate: 10r/s, burst: 20}}
        doc: List a shop's orders.
      get_order:
        method: GET
        path: /orders/{id}
        backend_path: /api/orders/{id}
        set_headers: {X-Gateway: shop}
        remove_headers: [Cookie]
        auth: none
      create_order: {method: POST, path: /orders, backend_path: /api/orders, auth: both, tags: [write]}
    """

func shop() throws -> GatewayDefinition {
    try GatewayFile.definition(from: DataFile.decode(shopYAML, format: .yaml, path: "shop.yaml"))
}

@Suite struct GatewayModelTests {
    @Test func importExportRoundTrip() throws {
        let d = try shop()
        #expect(d.stages.map(\.name) == ["test", "prod"])
        #expect(d.resources.map(\.name) == ["list_orders", "get_order", "create_order"])
        #expect(d.resources[0].plugins["rate_limit"] == ["rate": "10r/s", "burst": "20"])
        #expect(d.stages[1].backends == [BackendHost(url: "http://127.0.0.1:18082", weight: 3), BackendHost(url: "http://127.0.0.1:18083")])
        let yaml = try YAML.encode(GatewayFile.value(d))
        #expect(try GatewayFile.definition(from: DataFile.decode(yaml, format: .yaml, path: "x.yaml")) == d)
        let json = try JSON.encode(GatewayFile.value(d))
        #expect(try GatewayFile.definition(from: DataFile.decode(json, format: .json, path: "x.json")) == d)
    }

    @Test func openAPIPathsBecomeResources() throws {
        let text = """
            openapi: 3.0.3
            info: {title: Pet Store}
            servers: [{url: "http://127.0.0.1:9000"}]
            paths:
              /pets/{petId}:
                get: {operationId: showPet, summary: Info for a pet, tags: [pets], security: [{key: []}]}
                parameters: []
            """
        let d = try GatewayFile.definition(from: DataFile.decode(text, format: .yaml, path: "api.yaml"))
        #expect(d.name == "pet_store")
        #expect(d.resources == [GatewayResource(name: "showPet", method: "GET", path: "/pets/{petId}", auth: .appKey, tags: ["pets"], doc: "Info for a pet")])
        #expect(d.stages[0].backends == [BackendHost(url: "http://127.0.0.1:9000")])
        try GatewayValidation.check(d)
    }

    @Test func unknownKeysAndFieldsAreNamed() throws {
        let bad = shopYAML.replacingOccurrences(of: "timeout: 5", with: "timout: 5")
        #expect(throws: GatewayError.self) { try GatewayFile.definition(from: DataFile.decode(bad, format: .yaml, path: "x.yaml")) }
        do { _ = try GatewayFile.definition(from: DataFile.decode(bad, format: .yaml, path: "x.yaml")) } catch let e as GatewayError {
            #expect(e.message == "resource 'list_orders': unknown key 'timout'")
            #expect(e.hint == "did you mean 'timeout'?")
        }
    }

    /// Every field that reaches nginx refuses what would end a directive, open a block or expand a variable.
    @Test(arguments: [
        ("path", "/orders;return 200"), ("path", "/orders{"), ("path", "/orders/$host"), ("path", "/a\nb"), ("path", "/a\u{0}b"),
        ("path", "/x\"y"), ("set", "a\"; return 200; \""), ("set", "$http_cookie"), ("set", "a\nb"), ("set", "a\\b"),
        ("host", "http://127.0.0.1:80;"), ("host", "http://a b"), ("host", "http://a/x"), ("header", "X-A;b"), ("header", "X A"),
        ("backend_path", "/api/{nope}"),
    ])
    func injectionIsRefused(field: String, value: String) throws {
        var d = try shop()
        switch field {
        case "path": d.resources[1].path = value
        case "backend_path": d.resources[1].backendPath = value
        case "set": d.resources[1].setHeaders["X-Gateway"] = value
        case "host": d.resources[1].backends = [BackendHost(url: value)]
        default: d.resources[1].removeHeaders = [value]
        }
        do {
            try GatewayValidation.check(d)
            Issue.record("\(field) \(value.debugDescription) was accepted")
        } catch let e as GatewayError {
            #expect(e.message.hasPrefix("resource 'get_order': "), "\(e.message)")
            #expect(e.exitCode == 2)
        }
    }

    @Test func aResourceWithoutABackendIsRefused() throws {
        var d = try shop()
        d.stages[0].backends = []
        #expect(throws: GatewayError.self) { try GatewayValidation.check(d) }
    }
}

@Suite struct GatewayStoreTests {
    @Test func versionsAreImmutableSnapshots() throws {
        let store = try gatewayStore()
        try store.put(try shop())
        let v = try store.createVersion(gateway: "shop", version: "1.0.0", comment: "first")
        #expect(v.resources.count == 3)
        var d = try shop()
        d.resources.removeLast()
        try store.put(d)
        #expect(try store.version(gateway: "shop", "1.0.0").resources.count == 3)
        #expect(throws: GatewayError.self) { _ = try store.createVersion(gateway: "shop", version: "1.0.0") }
        #expect(throws: GatewayError.self) { _ = try store.createVersion(gateway: "shop", version: "1.0") }
        _ = try store.createVersion(gateway: "shop", version: "1.1.0-beta.1")
        #expect(try store.versions(gateway: "shop").map(\.version) == ["1.1.0-beta.1", "1.0.0"])
    }

    @Test func productionNeedsATestPublishFirstOrAForcedReason() throws {
        let store = try gatewayStore()
        try store.put(try shop())
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        do {
            try store.publish(gateway: "shop", version: "1.0.0", stage: "prod")
            Issue.record("published to production untested")
        } catch let e as GatewayError {
            #expect(e.exitCode == 4)
            #expect(e.message.contains("prod"), "\(e.message)")
        }
        #expect(try store.history(gateway: "shop").isEmpty)
        try store.publish(gateway: "shop", version: "1.0.0", stage: "test")
        let r = try store.publish(gateway: "shop", version: "1.0.0", stage: "prod")
        #expect(r.status == "succeeded" && r.forced == nil)

        _ = try store.createVersion(gateway: "shop", version: "1.1.0")
        #expect(throws: GatewayError.self) { try store.publish(gateway: "shop", version: "1.1.0", stage: "prod", force: " ") }
        let f = try store.publish(gateway: "shop", version: "1.1.0", stage: "prod", force: "INC-42 hotfix")
        #expect(f.forced == "INC-42 hotfix")

        _ = try store.createVersion(gateway: "shop", version: "1.2.0-beta.1")
        try store.publish(gateway: "shop", version: "1.2.0-beta.1", stage: "test")
        #expect(throws: GatewayError.self) { try store.publish(gateway: "shop", version: "1.2.0-beta.1", stage: "prod") }
    }

    @Test func aFailedApplyIsRecordedAndServesNothingNew() throws {
        struct Boom: Error {}
        let store = try gatewayStore()
        try store.put(try shop())
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        _ = try store.createVersion(gateway: "shop", version: "1.1.0")
        try store.publish(gateway: "shop", version: "1.0.0", stage: "test")
        #expect(throws: Boom.self) { try store.publish(gateway: "shop", version: "1.1.0", stage: "test") { _ in throw Boom() } }
        #expect(try store.current(gateway: "shop", stage: "test")?.version == "1.0.0")
        #expect(try store.history(gateway: "shop").map(\.status) == ["succeeded", "failed"])
    }

    @Test func rollbackOfflineAndOnline() throws {
        let store = try gatewayStore()
        try store.put(try shop())
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        _ = try store.createVersion(gateway: "shop", version: "1.1.0")
        try store.publish(gateway: "shop", version: "1.0.0", stage: "test")
        try store.publish(gateway: "shop", version: "1.1.0", stage: "test")
        let back = try store.rollback(gateway: "shop", stage: "test")
        #expect(back.version == "1.0.0" && back.action == .rollback)
        try store.setOffline(gateway: "shop", stage: "test", resources: ["get_order"], offline: true)
        #expect(try store.offline(gateway: "shop", stage: "test") == ["get_order"])
        #expect(throws: GatewayError.self) { try store.setOffline(gateway: "shop", stage: "test", resources: ["nope"], offline: true) }
        try store.setOffline(gateway: "shop", stage: "test", resources: ["get_order"], offline: false)
        #expect(try store.offline(gateway: "shop", stage: "test").isEmpty)
        #expect(try store.history(gateway: "shop").map(\.action) == [.publish, .publish, .rollback, .offline, .online])
    }
}

@Suite struct NginxRendererTests {
    /// The rendered configuration of the shop's two stages equals Golden/shop.conf.
    @Test func shopGolden() throws {
        let d = try shop()
        var v = ResourceVersion(gateway: "shop", version: "1.0.0", defaultAuth: d.defaultAuth, resources: d.resources,
                                comment: "", createdBy: "ana", createdAt: 0)
        v.resources.sort { $0.name < $1.name }
        let text = NginxRenderer.render([
            ServedStage(gateway: d, stage: d.stages[1], version: v, offline: ["create_order"], releaseID: 7),
            ServedStage(gateway: d, stage: d.stages[0], version: v, releaseID: 5),
        ], consumers: ConsumerTable(revision: 3, keys: [.init(id: "0123456789ab", consumer: "billing", digest: "ICy5YqxZB1uWSwcVLSNLcA")],
                                    grants: [ConsumerGrant(consumer: "billing", gateway: "shop"), ConsumerGrant(consumer: "reports", gateway: "shop", resource: "list_orders")]),
           listen: "127.0.0.1:18080")
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/shop.conf")
        if ProcessInfo.processInfo.environment["PLATFLOW_UPDATE_GOLDEN"] == "1" { try text.write(to: golden, atomically: true, encoding: .utf8) }
        #expect(text == (try String(contentsOf: golden, encoding: .utf8)))
    }

    @Test func namesAreDistinctForDistinctModelNames() {
        #expect(NginxRenderer.name("a-b", "c", "d") != NginxRenderer.name("a_b", "c", "d"))
        #expect(NginxRenderer.name("a", "b__c", "d") != NginxRenderer.name("a__b", "c", "d"))
        #expect(NginxRenderer.name("shop", "test", "list.orders") == "gw_shop__test__list_2Eorders")
    }
}
