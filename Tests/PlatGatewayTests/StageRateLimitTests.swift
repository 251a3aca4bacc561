import Foundation
import Testing
import PlatLang
@testable import PlatGateway

/// Stages' own rate limits: a stage's limit for a resource replaces the resource's own there, and a stage-wide
/// limit (`*`) is one budget every resource of the stage shares, on top of their own. Traffic through a real
/// nginx on 127.0.0.1 (fails when nginx cannot start).
@Suite(.serialized) struct StageRateLimitTests {
    func backendURL(_ b: EchoBackend) -> [BackendHost] { [BackendHost(url: "http://127.0.0.1:\(b.port)")] }

    func statuses(_ plane: NginxDataPlane, _ path: String, stage: String, count: Int) throws -> [Int] {
        try (0..<count).map { _ in try LoopbackHTTP.request(port: plane.port, path: path, host: "\(stage).shop").status }
    }

    func serve(_ d: GatewayDefinition, stages: [String]) throws -> (GatewayStore, NginxDataPlane, GatewayPublisher) {
        let store = try gatewayStore()
        try store.put(d)
        _ = try store.createVersion(gateway: d.name, version: "1.0.0")
        let plane = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-stage-limits-\(UUID().uuidString)", port: try freePort())
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        let publisher = GatewayPublisher(store: store, plane: plane)
        for s in stages { try publisher.publish(gateway: d.name, version: "1.0.0", stage: s) }
        return (store, plane, publisher)
    }

    /// One version on two stages: `slow` replaces search's own limit (1r/m, burst 3) with burst 0, `fast` keeps it.
    @Test func aStageLimitReplacesTheResourcesOwnOnThatStage() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let d = GatewayDefinition(
            name: "shop",
            stages: [GatewayStage(name: "slow", backends: backendURL(backend), rateLimits: ["search": ["rate": "1r/m"]]),
                     GatewayStage(name: "fast", backends: backendURL(backend))],
            resources: [GatewayResource(name: "search", method: "GET", path: "/search", plugins: ["rate_limit": ["rate": "1r/m", "burst": "3"]])])
        let (_, plane, _) = try serve(d, stages: ["slow", "fast"])
        defer { try? plane.stop() }
        #expect(try statuses(plane, "/search", stage: "slow", count: 3) == [200, 429, 429])
        #expect(try statuses(plane, "/search", stage: "fast", count: 5) == [200, 200, 200, 200, 429])
    }

    /// `*`: 1r/m with burst 2 for the whole stage. Three calls spread over two resources use it up; then both
    /// answer 429, though search's own limit (burst 5) has room left. The limit, set after the first publish,
    /// applies from the next publish on (stages are configuration).
    @Test func aStageWideLimitIsOneBudgetOnTopOfTheResourcesOwn() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let d = GatewayDefinition(
            name: "shop", stages: [GatewayStage(name: "test", backends: backendURL(backend))],
            resources: [GatewayResource(name: "search", method: "GET", path: "/search", plugins: ["rate_limit": ["rate": "1r/m", "burst": "5"]]),
                        GatewayResource(name: "ping", method: "GET", path: "/ping")])
        let (store, plane, publisher) = try serve(d, stages: ["test"])
        defer { try? plane.stop() }
        #expect(try statuses(plane, "/ping", stage: "test", count: 4) == [200, 200, 200, 200])
        try store.setStageRateLimit(gateway: "shop", stage: "test", resource: "*", settings: ["rate": "1r/m", "burst": "2"])
        #expect(try store.definition("shop").stage("test")?.limits["*"]?["burst"] == "2")
        #expect(try statuses(plane, "/ping", stage: "test", count: 2) == [200, 200], "not applied before the next publish")
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        let rendered = try String(contentsOfFile: plane.prefix + "/gateway.conf", encoding: .utf8)
        #expect(rendered.components(separatedBy: "zone=gw_shop__test___2A ").count - 1 == 2, "one limit_req per resource location")
        #expect(rendered.components(separatedBy: "limit_req_status 429;").count - 1 == 2, "once per location, not twice in search's")
        var seen: [Int] = []
        for path in ["/ping", "/search", "/ping", "/search", "/ping"] {
            seen.append(try LoopbackHTTP.request(port: plane.port, path: path, host: "test.shop").status)
        }
        #expect(seen == [200, 200, 200, 429, 429])
        // Removed, and published again: ping is free again.
        try store.setStageRateLimit(gateway: "shop", stage: "test", resource: "*", settings: nil)
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        #expect(try statuses(plane, "/ping", stage: "test", count: 3) == [200, 200, 200])
    }

    /// A stage-wide limit by consumer counts each consumer's calls over all of the stage's resources.
    @Test func aStageWideLimitByConsumerGivesEachConsumerOneBudget() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let d = GatewayDefinition(
            name: "shop", defaultAuth: .appKey,
            stages: [GatewayStage(name: "test", backends: backendURL(backend), rateLimits: ["*": ["rate": "1r/m", "burst": "1", "by": "consumer"]])],
            resources: [GatewayResource(name: "search", method: "GET", path: "/search"), GatewayResource(name: "ping", method: "GET", path: "/ping")])
        let (_, plane, publisher) = try serve(d, stages: ["test"])
        defer { try? plane.stop() }
        try publisher.addConsumer("billing")
        try publisher.addConsumer("reports")
        let billing = try publisher.createKey(consumer: "billing").text, reports = try publisher.createKey(consumer: "reports").text
        try publisher.grant(consumer: "billing", gateway: "shop")
        try publisher.grant(consumer: "reports", gateway: "shop")
        func call(_ path: String, _ key: String) throws -> Int {
            try LoopbackHTTP.request(port: plane.port, path: path, host: "test.shop", headers: ["X-Api-Key": key]).status
        }
        #expect(try [call("/search", billing), call("/ping", billing), call("/search", billing)] == [200, 200, 429])
        #expect(try [call("/ping", reports), call("/search", reports)] == [200, 200], "another consumer has its own budget")
        #expect(try LoopbackHTTP.request(port: plane.port, path: "/ping", host: "test.shop").status == 401)
    }

    /// Stage limits are checked as the rate_limit plugin's settings, naming the stage and the field; nothing is
    /// stored when they fail.
    @Test func badStageLimitsAreRefusedNamingTheStage() throws {
        let store = try gatewayStore()
        let base = GatewayDefinition(name: "shop", stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:9")])],
                                     resources: [GatewayResource(name: "search", method: "GET", path: "/search")])
        try store.put(base)
        func refused(_ limits: [String: [String: String]]) -> String {
            var d = base
            d.stages[0].rateLimits = limits
            do { try store.put(d); return "stored" } catch let e as GatewayError { return e.message + " " + (e.hint ?? "") } catch { return "\(error)" }
        }
        #expect(refused(["serch": ["rate": "1r/s"]]).contains("stage 'test': rate_limits 'serch' names no resource"))
        #expect(refused(["serch": ["rate": "1r/s"]]).contains("did you mean 'search'?"))
        #expect(refused(["search": ["rate": "fast"]]).contains("plugins.rate_limit.rate is 'fast'"))
        #expect(refused(["*": ["burst": "2"]]).contains("rate_limits '*'"))
        #expect(refused(["search": ["rate": "1r/s", "by": "consumer"]]).contains("by: consumer needs"))
        #expect(try store.definition("shop").stage("test")?.limits.isEmpty == true)
        #expect(throws: GatewayError.self) { try store.setStageRateLimit(gateway: "shop", stage: "tset", resource: "*", settings: ["rate": "1r/s"]) }
        #expect(throws: GatewayError.self) { try store.setStageRateLimit(gateway: "shop", stage: "test", resource: "search", settings: nil) }
    }

    /// `rate_limits` in a stage of a YAML definition reads, exports and reads back the same.
    @Test func stageLimitsRoundTripThroughTheDefinitionFile() throws {
        let yaml = """
            name: shop
            stages:
              prod:
                class: staging
                backends: ["http://127.0.0.1:9"]
                rate_limits:
                  "*": {rate: 100r/s, burst: 50}
                  search: {rate: 5r/s}
            resources:
              search: {path: /search}
            """
        let d = try GatewayFile.definition(from: DataFile.decode(yaml, format: .yaml, path: "shop.yaml"))
        #expect(d.stage("prod")?.limits == ["*": ["rate": "100r/s", "burst": "50"], "search": ["rate": "5r/s"]])
        try GatewayValidation.check(d)
        let again = try GatewayFile.definition(from: DataFile.decode(try YAML.encode(GatewayFile.value(d)), format: .yaml, path: "x.yaml"))
        #expect(again == d)
        let store = try gatewayStore()
        try store.put(d)
        #expect(try store.definition("shop") == d)
    }
}

/// Consumers' own limits (`gateway ratelimit set ... --consumer NAME`): one consumer's calls are counted and
/// refused past its budget while another's pass; applied to the running nginx as a consumer change.
@Suite(.serialized) struct ConsumerLimitTests {
    @Test func aConsumersOwnLimitCountsOnlyItsCalls() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let store = try gatewayStore()
        try store.put(GatewayDefinition(
            name: "shop", defaultAuth: .appKey, stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")])],
            resources: [GatewayResource(name: "search", method: "GET", path: "/search"), GatewayResource(name: "ping", method: "GET", path: "/ping")]))
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        let plane = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-consumer-limits-\(UUID().uuidString)", port: try freePort())
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        defer { try? plane.stop() }
        let publisher = GatewayPublisher(store: store, plane: plane)
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        var keys: [String: String] = [:]
        for c in ["billing", "reports"] {
            try publisher.addConsumer(c)
            try publisher.grant(consumer: c, gateway: "shop")
            keys[c] = try publisher.createKey(consumer: c).text
        }
        func call(_ path: String, _ c: String) throws -> Int {
            try LoopbackHTTP.request(port: plane.port, path: path, host: "test.shop", headers: ["X-Api-Key": keys[c]!]).status
        }
        try publisher.setConsumerLimit(consumer: "reports", gateway: "shop", resource: nil, rate: "1r/m", burst: 1)
        #expect(try [call("/search", "reports"), call("/ping", "reports"), call("/search", "reports")] == [200, 200, 429])
        #expect(try (0..<4).map { _ in try call("/search", "billing") } == [200, 200, 200, 200])
        try publisher.setConsumerLimit(consumer: "billing", gateway: "shop", resource: "ping", rate: "1r/m")
        #expect(try [call("/ping", "billing"), call("/ping", "billing"), call("/search", "billing")] == [200, 429, 200])
        #expect(try store.consumerLimits(gateway: "shop").map(\.scope) == ["shop/ping", "shop"])
        try publisher.setConsumerLimit(consumer: "reports", gateway: "shop", resource: nil, rate: nil)
        #expect(try call("/search", "reports") == 200)

        let revision = try store.consumerTable().revision
        #expect(throws: GatewayError.self) { try publisher.setConsumerLimit(consumer: "reports", gateway: "shop", resource: nil, rate: "fast") }
        #expect(throws: GatewayError.self) { try publisher.setConsumerLimit(consumer: "nobody", gateway: "shop", resource: nil, rate: "1r/s") }
        #expect(throws: GatewayError.self) { try publisher.setConsumerLimit(consumer: "reports", gateway: "shop", resource: "serch", rate: "1r/s") }
        #expect(throws: GatewayError.self) { try publisher.setConsumerLimit(consumer: "reports", gateway: "shop", resource: nil, rate: nil) }
        #expect(try store.consumerTable().revision == revision, "nothing recorded")
    }
}
