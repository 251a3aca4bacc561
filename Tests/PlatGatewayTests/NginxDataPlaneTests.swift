import Foundation
import Testing
import PlatLang
@testable import PlatGateway

/// A free TCP port on 127.0.0.1 (bound, read, released).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A python3 http.server on 127.0.0.1 that answers every request with its method, path and headers as JSON.
final class EchoBackend {
    let port: Int
    let process = Process()

    init() throws {
        port = try freePort()
        let script = """
            import http.server, json, sys
            class H(http.server.BaseHTTPRequestHandler):
                def answer(self):
                    body = json.dumps({"method": self.command, "path": self.path, "port": int(sys.argv[1]), "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer
                def log_message(self, *a): pass
            http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(port)]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while (try? LoopbackHTTP.request(port: port, path: "/ready"))?.status != 200 {
            guard Date() < deadline, process.isRunning else { throw GatewayError.failed("the python3 echo backend did not start", hint: nil) }
            usleep(50_000)
        }
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
    }
}

/// These tests start a real nginx (Debian's, from scripts/setup.sh) on 127.0.0.1 and fail when it cannot start.
@Suite(.serialized) struct NginxDataPlaneTests {
    func json(_ body: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
    }

    @Test func publishedVersionsAreRoutedByNginx() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let prefix = NSTemporaryDirectory() + "gw-nginx-\(UUID().uuidString)"
        let plane = NginxDataPlane(prefix: prefix, port: try freePort())
        let store = try gatewayStore()
        let yaml = """
            name: shop
            default_auth: app_key
            stages:
              test: {class: test, backends: ["http://127.0.0.1:\(backend.port)"]}
            resources:
              list_orders: {method: GET, path: /orders, backend_path: /api/orders}
              get_order:
                method: GET
                path: /shops/{shop}/orders/{id}
                backend_path: /api/{shop}/orders/{id}
                set_headers: {X-Gateway: shop}
                remove_headers: [Cookie]
                auth: none
              create_order: {method: POST, path: /orders, backend_path: /api/orders/new, auth: none}
            """
        try store.put(try GatewayFile.definition(from: DataFile.decode(yaml, format: .yaml, path: "shop.yaml")))
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        defer { try? plane.stop() }
        let publisher = GatewayPublisher(store: store, plane: plane)
        let release = try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        try publisher.addConsumer("billing")
        try publisher.grant(consumer: "billing", gateway: "shop")
        let key = try publisher.createKey(consumer: "billing").text

        func call(_ method: String, _ path: String, _ headers: [String: String] = [:]) throws -> LoopbackHTTP.Response {
            try LoopbackHTTP.request(port: plane.port, method: method, path: path, host: "test.shop", headers: headers)
        }
        #expect(try call("GET", "/__platflow/release").body == "\(release.id) 1.0.0\n")
        #expect(try call("GET", "/orders").status == 401)
        let listed = try call("GET", "/orders?page=2", ["X-Api-Key": key])
        #expect(listed.status == 200)
        #expect(try json(listed.body)["path"] as? String == "/api/orders?page=2")
        let one = try call("GET", "/shops/s1/orders/42", ["Cookie": "secret=1"])
        #expect(one.status == 200)
        let echoed = try json(one.body)
        #expect(echoed["path"] as? String == "/api/s1/orders/42")
        let headers = echoed["headers"] as? [String: String] ?? [:]
        #expect(headers["x-gateway"] == "shop")
        #expect(headers["cookie"] == nil)
        let created = try call("POST", "/orders")
        #expect(try json(created.body)["path"] as? String == "/api/orders/new")
        #expect(try json(created.body)["method"] as? String == "POST")
        #expect(try call("DELETE", "/orders").status == 405)
        #expect(try call("GET", "/nowhere").status == 404)
        #expect(try call("GET", "/@gw/get_order").status == 404)

        try publisher.setOffline(gateway: "shop", stage: "test", resources: ["get_order"], offline: true)
        let off = try call("GET", "/shops/s1/orders/42")
        #expect(off.status == 503)
        #expect(try json(off.body)["error"] as? String == "offline")
        try publisher.setOffline(gateway: "shop", stage: "test", resources: ["get_order"], offline: false)
        #expect(try call("GET", "/shops/s1/orders/42").status == 200)
    }

    /// A configuration nginx -t refuses leaves the previous release serving and the release recorded as failed.
    @Test func aRefusedConfigurationKeepsThePreviousRelease() throws {
        let backend = try EchoBackend()
        defer { backend.stop() }
        let prefix = NSTemporaryDirectory() + "gw-nginx-\(UUID().uuidString)"
        let plane = NginxDataPlane(prefix: prefix, port: try freePort())
        let store = try gatewayStore()
        var d = GatewayDefinition(name: "shop", stages: [GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")])],
                                  resources: [GatewayResource(name: "ping", method: "GET", path: "/ping")])
        try store.put(d)
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        // A backend host nginx cannot resolve passes validation (it is a host name) but fails `nginx -t`.
        d.resources[0].backends = [BackendHost(url: "http://no-such-host.invalid:80")]
        try store.put(d)
        _ = try store.createVersion(gateway: "shop", version: "1.1.0")
        try plane.start(rendered: NginxRenderer.render([], listen: plane.listen))
        defer { try? plane.stop() }
        let publisher = GatewayPublisher(store: store, plane: plane)
        let first = try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        #expect(throws: GatewayError.self) { try publisher.publish(gateway: "shop", version: "1.1.0", stage: "test") }
        #expect(try store.current(gateway: "shop", stage: "test")?.version == "1.0.0")
        #expect(try store.history(gateway: "shop").map(\.status) == ["succeeded", "failed"])
        #expect(try LoopbackHTTP.request(port: plane.port, path: "/__platflow/release", host: "test.shop").body == "\(first.id) 1.0.0\n")
        #expect(try LoopbackHTTP.request(port: plane.port, path: "/ping", host: "test.shop").status == 200)
    }
}
