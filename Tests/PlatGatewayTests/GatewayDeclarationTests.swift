import Foundation
import Testing
import PlatEngine
import PlatLang
import PlatStore
@testable import PlatGateway

/// The `gateway` declaration read into a definition, and the `gateway.published` event source.
@Suite struct GatewayDeclarationTests {
    func declarations(_ source: String) throws -> [Declaration] {
        let path = NSTemporaryDirectory() + "gw-\(UUID().uuidString).plat"
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        let registry = try ModuleSet([GatewayModule()]).effects
        return try Interpreter(effects: NullEffects(), effectSpecs: registry.specs, declarations: registry.declarations).load(path: path).declarations
    }

    @Test func aDeclarationReadsAsTheSameDefinitionAsItsYAML() throws {
        let decl = try declarations("""
            gateway "shop" {
                description: "The shop's APIs",
                maintainers: ["ana"],
                default_auth: "app_key",
                stages: {
                    test: {env: "test", class: "test", backends: ["http://127.0.0.1:18081"]},
                    prod: {env: "prod", class: "production", backends: [{url: "http://127.0.0.1:18082", weight: 3}, "http://127.0.0.1:18083"]},
                },
                resources: {
                    list_orders: {method: "GET", path: "/orders", backend_path: "/api/orders", timeout: 5,
                                  plugins: {rate_limit: {rate: "10r/s", burst: 20}}, doc: "List a shop's orders."},
                    get_order: {method: "GET", path: "/orders/{id}", backend_path: "/api/orders/{id}", set_headers: {"X-Gateway": "shop"},
                                remove_headers: ["Cookie"], auth: "none"},
                    create_order: {method: "POST", path: "/orders", backend_path: "/api/orders", auth: "both", tags: ["write"]},
                },
            }
            """)
        let read = GatewayDeclaration.read(decl, file: "shop.plat")
        #expect(read.problems.isEmpty, "\(read.problems)")
        let yaml = try GatewayFile.definition(from: DataFile.decode(shopYAML, format: .yaml, path: "shop.yaml"))
        #expect(read.gateways == [yaml])
    }

    @Test func problemsNameTheResourceAndField() throws {
        let read = GatewayDeclaration.read(try declarations("""
            gateway "shop" {
                stages: {test: {backend: "http://127.0.0.1:1"}},
                resources: {a: {path: "/x", plugins: {rate_limit: {rate: "fast"}}}},
            }
            """), file: "x.plat")
        #expect(read.gateways.isEmpty)
        #expect(read.problems.first?.message == "gateway \"shop\": resource 'a': plugins.rate_limit.rate is 'fast'")
        #expect(read.problems.first?.location?.line == 3)
    }

    @Test func publishesAndRollbacksAreEventsInTheOrderTheyWentLive() throws {
        let store = try gatewayStore()
        try store.put(try GatewayFile.definition(from: DataFile.decode(shopYAML, format: .yaml, path: "shop.yaml")))
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        _ = try store.createVersion(gateway: "shop", version: "1.1.0")
        let source = PublishedEvents()
        #expect(try source.latestCursor(db: store.db) == 0)
        try store.publish(gateway: "shop", version: "1.0.0", stage: "test")
        #expect(throws: GatewayError.self) {
            try store.publish(gateway: "shop", version: "1.1.0", stage: "test") { _ in throw GatewayError.failed("nginx -t refused", hint: nil) }
        }
        try store.publish(gateway: "shop", version: "1.1.0", stage: "test")
        try store.setOffline(gateway: "shop", stage: "test", resources: ["get_order"], offline: true)
        try store.publish(gateway: "shop", version: "1.1.0", stage: "prod")
        try store.rollback(gateway: "shop", stage: "test")
        let events = try source.events(db: store.db, after: 0, limit: 100)
        func field(_ v: Value, _ k: String) -> String { if case .map(let m) = v, case .string(let s)? = m.get(.string(k)) { return s }; return "" }
        #expect(events.map(\.cursor) == [1, 2, 3, 4])
        #expect(events.map { "\(field($0.value, "action")) \(field($0.value, "stage")) \(field($0.value, "version"))" }
                == ["publish test 1.0.0", "publish test 1.1.0", "publish prod 1.1.0", "rollback test 1.0.0"])
        #expect(field(events[2].value, "class") == "production")
        #expect(try source.latestCursor(db: store.db) == 4)
        #expect(try source.events(db: store.db, after: 3, limit: 10).count == 1)
        #expect(try source.matching(db: store.db, filter: "class == \"production\"", events: events) == [3])
        #expect(try source.matching(db: store.db, filter: "stage == 'test' and action != \"rollback\"", events: events) == [1, 2])
        #expect(throws: RuntimeError.self) { try source.validate(filter: "stag == \"test\"", db: store.db) }
        #expect(throws: RuntimeError.self) { try source.validate(filter: "stage == test", db: store.db) }
    }
}
