import Foundation
import Testing
import PlatLang
@testable import PlatGateway

/// Consumers, keys and grants: the store's rules, the digest, and nginx really checking keys.
@Suite(.serialized) struct ConsumerTests {
    @Test func md5MatchesTheRFCTestSuite() {
        func hex(_ s: String) -> String { MD5.digest(Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(hex("a") == "0cc175b9c0f1b6a831c399e269772661")
        #expect(hex("abc") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0")
        #expect(hex("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b")
        #expect(hex(String(repeating: "1234567890", count: 8)) == "57edf4a22be3c955ac49da2e2107b67a")
        // 56 bytes: the padding needs a second block.
        #expect(hex(String(repeating: "x", count: 56)) == "668a72d5ba17f08e62dabcafad6db14b")
    }

    @Test func keysAreStoredOnlyAsDigests() throws {
        let store = try gatewayStore()
        try store.addConsumer("billing", description: "the billing service")
        let (k, text) = try store.createKey(consumer: "billing")
        #expect(text.hasPrefix(k.id + "."))
        #expect(text.range(of: ConsumerKeyText.nginxPattern, options: .regularExpression) != nil)
        #expect(k.digest == KeyDigest.of(text))
        #expect(k.digest.count == 22)
        // The key's secret part is nowhere in the database.
        let secret = String(text.split(separator: ".")[1])
        for table in ["gateway_consumers", "gateway_consumer_keys", "gateway_consumer_changes"] {
            for row in try store.db.query("SELECT * FROM \(table)") {
                #expect(!"\(row)".contains(secret))
            }
        }
        let other = try store.createKey(consumer: "billing").text
        #expect(other != text)
        try store.revokeKey(consumer: "billing", id: k.id)
        #expect(try store.consumerTable().keys.map(\.id) == [String(other.prefix(12))])
        #expect(throws: GatewayError.self) { try store.revokeKey(consumer: "billing", id: k.id) }
        #expect(throws: GatewayError.self) { try store.revokeKey(consumer: "billing", id: "000000000000") }
    }

    @Test func grantsNameExistingGatewaysAndResources() throws {
        let store = try gatewayStore()
        try store.put(try GatewayFile.definition(from: DataFile.decode(shopYAML, format: .yaml, path: "shop.yaml")))
        try store.addConsumer("billing")
        #expect(throws: GatewayError.self) { try store.addConsumer("billing") }
        #expect(throws: GatewayError.self) { try store.addConsumer("bad name") }
        #expect(throws: GatewayError.self) { try store.grant(consumer: "nobody", gateway: "shop") }
        #expect(throws: GatewayError.self) { try store.grant(consumer: "billing", gateway: "nowhere") }
        do {
            try store.grant(consumer: "billing", gateway: "shop", resources: ["list_order"])
            Issue.record("an unknown resource was granted")
        } catch let e as GatewayError {
            #expect(e.message.contains("list_order"))
            #expect(e.hint?.contains("list_orders") == true)
        }
        let before = try store.consumerTable().revision
        try store.grant(consumer: "billing", gateway: "shop", resources: ["list_orders"])
        try store.grant(consumer: "billing", gateway: "shop")
        #expect(try store.consumer("billing").grants.map(\.scope) == ["shop", "shop/list_orders"])
        #expect(try store.consumerTable().revision > before)
        #expect(throws: GatewayError.self) { try store.revoke(consumer: "billing", gateway: "shop", resources: ["get_order"]) }
        try store.revoke(consumer: "billing", gateway: "shop")
        #expect(try store.consumer("billing").grants.map(\.scope) == ["shop/list_orders"])
        // A change whose apply fails is not recorded.
        let revision = try store.consumerTable().revision
        #expect(throws: GatewayError.self) {
            try store.grant(consumer: "billing", gateway: "shop") { _ in throw GatewayError.failed("nginx refused", hint: nil) }
        }
        #expect(try store.consumer("billing").grants.map(\.scope) == ["shop/list_orders"])
        #expect(try store.consumerTable().revision == revision)
        try store.removeConsumer("billing")
        #expect(try store.consumers().isEmpty)
        #expect(try store.consumerTable().grants.isEmpty)
    }

    @Test func theRenderedConfigurationHoldsDigestsNotKeys() throws {
        let table = ConsumerTable(revision: 7, keys: [.init(id: "0123456789ab", consumer: "billing", digest: KeyDigest.of("0123456789ab.secret"))],
                                  grants: [ConsumerGrant(consumer: "billing", gateway: "shop"), ConsumerGrant(consumer: "billing", gateway: "shop", resource: "get_order")])
        let text = NginxRenderer.renderConsumers(table)
        #expect(!text.contains("secret"))
        #expect(text.contains("\"0123456789ab\" \"\(KeyDigest.of("0123456789ab.secret"))\";"))
        #expect(text.contains("\"billing shop\" 1;"))
        #expect(text.contains("\"billing shop/get_order\" 1;"))
    }

    /// nginx checks the key: 401 without one or with a wrong one, 403 without a grant, 200 with both; a revoked
    /// key is refused from the next apply on; the backend gets the consumer's name and not the key.
    @Test func nginxChecksKeysAndGrants() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let plane = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-nginx-\(UUID().uuidString)", port: try freePort())
        let store = try gatewayStore()
        try store.put(GatewayDefinition(name: "shop", defaultAuth: .appKey,
                                        stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")])],
                                        resources: [GatewayResource(name: "list_orders", method: "GET", path: "/orders"),
                                                    GatewayResource(name: "get_order", method: "GET", path: "/orders/{id}"),
                                                    GatewayResource(name: "pay", method: "POST", path: "/pay", auth: .both)]))
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        defer { try? plane.stop() }
        let publisher = GatewayPublisher(store: store, plane: plane)
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        try publisher.addConsumer("billing")
        try publisher.addConsumer("reports")
        let billing = try publisher.createKey(consumer: "billing")
        let reports = try publisher.createKey(consumer: "reports").text
        try publisher.grant(consumer: "billing", gateway: "shop")
        try publisher.grant(consumer: "reports", gateway: "shop", resources: ["get_order"])

        func call(_ path: String, method: String = "GET", key: String? = nil, _ extra: [String: String] = [:]) throws -> LoopbackHTTP.Response {
            var h = extra
            if let key { h["X-Api-Key"] = key }
            return try LoopbackHTTP.request(port: plane.port, method: method, path: path, host: "test.shop", headers: h)
        }
        #expect(try call("/orders").status == 401)
        #expect(try call("/orders", key: "nonsense").status == 401)
        // The right id with another secret, and a key of the right shape nobody holds.
        let forged = billing.key.id + "." + String(repeating: "A", count: 43)
        #expect(try call("/orders", key: forged).status == 401)
        #expect(try call("/orders", key: ConsumerKeyText.generate().key).status == 401)
        let ok = try call("/orders", key: billing.text)
        #expect(ok.status == 200)
        let seen = (try JSONSerialization.jsonObject(with: Data(ok.body.utf8)) as? [String: Any])?["headers"] as? [String: String] ?? [:]
        #expect(seen["x-gateway-consumer"] == "billing")
        #expect(seen["x-api-key"] == nil)
        // reports holds only get_order.
        #expect(try call("/orders", key: reports).status == 403)
        #expect(try call("/orders/7", key: reports).status == 200)
        // both: the key and a user token.
        #expect(try call("/pay", method: "POST", key: billing.text).status == 401)
        #expect(try call("/pay", method: "POST", key: billing.text, ["Authorization": "Bearer u1"]).status == 200)
        #expect(try call("/pay", method: "POST", key: reports, ["Authorization": "Bearer u1"]).status == 403)
        // Grants and keys change without a new version.
        try publisher.revoke(consumer: "reports", gateway: "shop", resources: ["get_order"])
        #expect(try call("/orders/7", key: reports).status == 403)
        try publisher.revokeKey(consumer: "billing", id: billing.key.id)
        #expect(try call("/orders", key: billing.text).status == 401)
        #expect(try LoopbackHTTP.request(port: plane.port, path: "/__platflow/consumers", host: "test.shop").body
                == "\(try store.consumerTable().revision)\n")
        let conf = try String(contentsOfFile: plane.prefix + "/gateway.conf", encoding: .utf8)
        #expect(!conf.contains(billing.text) && !conf.contains(reports))
    }

    /// `rate_limit` by consumer: each consumer has its own budget, counted after its key was accepted.
    @Test func rateLimitsPerConsumer() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let plane = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-nginx-\(UUID().uuidString)", port: try freePort())
        let store = try gatewayStore()
        try store.put(GatewayDefinition(name: "shop", defaultAuth: .appKey,
                                        stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")])],
                                        resources: [GatewayResource(name: "search", method: "GET", path: "/search",
                                                                    plugins: ["rate_limit": ["rate": "1r/m", "burst": "1", "by": "consumer"]])]))
        #expect(throws: GatewayError.self) {
            try store.put(GatewayDefinition(name: "open", stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:1")])],
                                            resources: [GatewayResource(name: "s", method: "GET", path: "/s", auth: AuthMode.none,
                                                                        plugins: ["rate_limit": ["rate": "1r/m", "by": "consumer"]])]))
        }
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        defer { try? plane.stop() }
        let publisher = GatewayPublisher(store: store, plane: plane)
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        var keys: [String] = []
        for name in ["a", "b"] {
            try publisher.addConsumer(name)
            try publisher.grant(consumer: name, gateway: "shop")
            keys.append(try publisher.createKey(consumer: name).text)
        }
        func status(_ key: String) throws -> Int {
            try LoopbackHTTP.request(port: plane.port, path: "/search", host: "test.shop", headers: ["X-Api-Key": key]).status
        }
        #expect(try (0..<3).map { _ in try status(keys[0]) } == [200, 200, 429])
        #expect(try (0..<3).map { _ in try status(keys[1]) } == [200, 200, 429])
        #expect(try LoopbackHTTP.request(port: plane.port, path: "/search", host: "test.shop").status == 401)
    }
}
