import Foundation
import Testing
import PlatLang
@testable import PlatGateway

/// Traffic through a real nginx: rate limits, backend weights, offline resources across publishes.
@Suite(.serialized) struct NginxTrafficTests {
    func started(_ d: GatewayDefinition) throws -> (GatewayStore, NginxDataPlane, GatewayPublisher) {
        let store = try gatewayStore()
        try store.put(d)
        _ = try store.createVersion(gateway: d.name, version: "1.0.0")
        let plane = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-nginx-\(UUID().uuidString)", port: try freePort())
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        let publisher = GatewayPublisher(store: store, plane: plane)
        try publisher.publish(gateway: d.name, version: "1.0.0", stage: "test")
        return (store, plane, publisher)
    }

    /// `rate: 1r/m, burst: 2`: three requests pass at once, the fourth gets 429; another resource is not limited.
    @Test func requestsPastTheRateAreRefusedWith429() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let (_, plane, _) = try started(GatewayDefinition(
            name: "shop", stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")])],
            resources: [GatewayResource(name: "search", method: "GET", path: "/search", plugins: ["rate_limit": ["rate": "1r/m", "burst": "2"]]),
                        GatewayResource(name: "ping", method: "GET", path: "/ping")]))
        defer { try? plane.stop() }
        let statuses = try (0..<5).map { _ in try LoopbackHTTP.request(port: plane.port, path: "/search", host: "test.shop").status }
        #expect(statuses == [200, 200, 200, 429, 429])
        #expect(try (0..<5).map { _ in try LoopbackHTTP.request(port: plane.port, path: "/ping", host: "test.shop").status } == Array(repeating: 200, count: 5))
    }

    /// Weights 3 and 1 share 1,000 requests about 750/250 (nginx's weighted round robin; 5% slack).
    @Test func backendWeightsAreHonouredOverAThousandRequests() throws {
        let heavy = try EchoBackend(), light = try EchoBackend()
        defer { heavy.stop(); light.stop() }
        let (_, plane, _) = try started(GatewayDefinition(
            name: "shop", stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(heavy.port)", weight: 3),
                                                                         BackendHost(url: "http://127.0.0.1:\(light.port)", weight: 1)])],
            resources: [GatewayResource(name: "ping", method: "GET", path: "/ping")]))
        defer { try? plane.stop() }
        var counts: [Int: Int] = [:]
        for _ in 0..<1000 {
            let r = try LoopbackHTTP.request(port: plane.port, path: "/ping", host: "test.shop")
            #expect(r.status == 200)
            let port = (try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])?["port"] as? Int ?? 0
            counts[port, default: 0] += 1
        }
        #expect(counts.values.reduce(0, +) == 1000)
        #expect((700...800).contains(counts[heavy.port] ?? 0), "heavy got \(counts[heavy.port] ?? 0) of 1000")
        #expect((200...300).contains(counts[light.port] ?? 0), "light got \(counts[light.port] ?? 0) of 1000")
    }

    /// An offline resource answers 503 with its name, before any key check, stays offline when a new version is
    /// published to the stage, and its neighbours keep serving.
    @Test func offlineResourcesStayOfflineAcrossPublishes() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        var d = GatewayDefinition(
            name: "shop", defaultAuth: .appKey, stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")])],
            resources: [GatewayResource(name: "search", method: "GET", path: "/search"), GatewayResource(name: "ping", method: "GET", path: "/ping", auth: AuthMode.none)])
        let (store, plane, publisher) = try started(d)
        defer { try? plane.stop() }
        try publisher.setOffline(gateway: "shop", stage: "test", resources: ["search"], offline: true)
        func get(_ path: String) throws -> LoopbackHTTP.Response { try LoopbackHTTP.request(port: plane.port, path: path, host: "test.shop") }
        let off = try get("/search")
        #expect(off.status == 503)
        #expect(off.body == "{\"error\":\"offline\",\"resource\":\"search\"}")
        #expect(try get("/ping").status == 200)
        d.resources.append(GatewayResource(name: "stats", method: "GET", path: "/stats", auth: AuthMode.none))
        try store.put(d)
        _ = try store.createVersion(gateway: "shop", version: "1.1.0")
        try publisher.publish(gateway: "shop", version: "1.1.0", stage: "test")
        #expect(try get("/search").status == 503)
        #expect(try get("/stats").status == 200)
        try publisher.setOffline(gateway: "shop", stage: "test", resources: ["search"], offline: false)
        #expect(try get("/search").status == 401)
        #expect(try store.history(gateway: "shop").map(\.action) == [.publish, .offline, .publish, .online])
        #expect(throws: GatewayError.self) { try publisher.setOffline(gateway: "shop", stage: "test", resources: ["nothing"], offline: true) }
    }
}
