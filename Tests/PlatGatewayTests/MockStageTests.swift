import Foundation
import Testing
import PlatLang
@testable import PlatGateway

/// A mock stage: every resource answers its documented example from nginx, with no backend at all.
@Suite(.serialized) struct MockStageTests {
    @Test func everyResourceAnswersItsExampleFromNginx() throws {
        let yaml = """
            name: shop
            default_auth: app_key
            stages:
              mock: {class: test, mock: true}
            resources:
              list_orders:
                path: /orders
                example: '{"orders": [{"id": 1, "note": "a \\"quoted\\" word; {braces}"}]}'
              get_order: {path: "/orders/{id}", example: '{"id": 1}'}
              undocumented: {method: POST, path: /orders}
            """
        let store = try gatewayStore()
        let d = try GatewayFile.definition(from: DataFile.decode(yaml, format: .yaml, path: "shop.yaml"))
        #expect(d.stages[0].isMock && d.resources[0].example != nil)
        #expect(try GatewayFile.definition(from: GatewayFile.value(d)) == d)
        try store.put(d)
        _ = try store.createVersion(gateway: "shop", version: "1.0.0-alpha.1")
        let plane = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-nginx-\(UUID().uuidString)", port: try freePort())
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        defer { try? plane.stop() }
        try GatewayPublisher(store: store, plane: plane).publish(gateway: "shop", version: "1.0.0-alpha.1", stage: "mock")
        func call(_ path: String, _ method: String = "GET") throws -> LoopbackHTTP.Response {
            try LoopbackHTTP.request(port: plane.port, method: method, path: path, host: "mock.shop")
        }
        let listed = try call("/orders")
        #expect(listed.status == 200)
        #expect(listed.body == d.resources[0].example)
        #expect((try JSONSerialization.jsonObject(with: Data(listed.body.utf8)) as? [String: Any]) != nil)
        #expect(try call("/orders/7").body == "{\"id\": 1}")
        let none = try call("/orders", "POST")
        #expect(none.status == 501 && none.body.contains("undocumented"))
        #expect(throws: GatewayError.self) { try store.put(GatewayDefinition(name: "x", stages: [GatewayStage(name: "m", mock: true)],
                                                                             resources: [GatewayResource(name: "r", method: "GET", path: "/r", example: "costs $5")])) }
    }
}
