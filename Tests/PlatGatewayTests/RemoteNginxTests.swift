import Foundation
import Testing
import PlatLang
import PlatTestKit
@testable import PlatGateway

/// A stage whose nginx runs on an SSH host: a real sshd on 127.0.0.1 (PlatTestKit's `SSHServer`) and, behind
/// it, Debian's nginx on this same machine under a prefix of its own, started and reloaded over ssh. Fails when
/// sshd or nginx cannot start.
@Suite(.serialized) struct RemoteNginxTests {
    struct Remote {
        let server: SSHServer
        let prefix: String
        let port: Int
        var nginx: StageNginx {
            StageNginx(host: ["name": "edge-1", "address": "127.0.0.1", "port": String(server.port), "user": server.user,
                              "identity": server.userKey, "known_hosts": "off"],
                       prefix: prefix, listen: "127.0.0.1:\(port)")
        }
        var pid: Int32? {
            (try? String(contentsOfFile: prefix + "/nginx.pid", encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        func get(_ path: String, _ headers: [String: String] = [:]) throws -> LoopbackHTTP.Response {
            try LoopbackHTTP.request(port: port, path: path, host: "edge.shop", headers: headers)
        }
        func stop() {
            try? RemoteNginxDataPlane(nginx).stop()
            server.stop()
        }
    }

    func remote() throws -> Remote {
        let server = try SSHServer.start()
        return Remote(server: server, prefix: NSTemporaryDirectory() + "gw-remote-nginx-\(UUID().uuidString)", port: try freePort())
    }

    func definition(_ r: Remote, backend: EchoBackend, resources: [GatewayResource]) -> GatewayDefinition {
        GatewayDefinition(name: "shop", stages: [
            GatewayStage(name: "edge", envClass: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")], nginx: r.nginx),
            GatewayStage(name: "test", backends: [BackendHost(url: "http://127.0.0.1:\(backend.port)")]),
        ], resources: resources)
    }

    /// Publishing starts the host's nginx and serves the stage there; a second version reloads it; a consumer
    /// change reaches it; this machine's plane serves only the local stage, the host's only its own.
    @Test func aStageIsPublishedToItsNginxOverSSH() throws {
        let r = try remote()
        defer { r.stop() }
        let backend = try EchoBackend()
        defer { backend.stop() }
        let store = try gatewayStore()
        var d = definition(r, backend: backend, resources: [GatewayResource(name: "ping", method: "GET", path: "/ping")])
        try store.put(d)
        #expect(try store.definition("shop").stage("edge")?.nginx == r.nginx)
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        let local = NginxDataPlane(prefix: NSTemporaryDirectory() + "gw-local-\(UUID().uuidString)", port: try freePort())
        try local.start(rendered: NginxRenderer.render([], listen: local.listen))
        defer { try? local.stop() }
        let publisher = GatewayPublisher(store: store, plane: local)

        let first = try publisher.publish(gateway: "shop", version: "1.0.0", stage: "edge")
        #expect(r.pid != nil, "nginx was started on the host under its prefix")
        #expect(try r.get("/__platflow/release").body == "\(first.id) 1.0.0\n")
        #expect(try r.get("/ping").status == 200)
        try publisher.publish(gateway: "shop", version: "1.0.0", stage: "test")
        let localConf = try String(contentsOfFile: local.prefix + "/gateway.conf", encoding: .utf8)
        let remoteConf = try String(contentsOfFile: r.prefix + "/gateway.conf", encoding: .utf8)
        #expect(localConf.contains("server_name test.shop;") && !localConf.contains("server_name edge.shop;"))
        #expect(remoteConf.contains("server_name edge.shop;") && !remoteConf.contains("server_name test.shop;"))
        #expect(!FileManager.default.fileExists(atPath: r.prefix + "/incoming"), "the candidate folder is gone after the swap")

        let pid = r.pid
        d.resources.append(GatewayResource(name: "orders", method: "GET", path: "/orders", auth: .appKey))
        try store.put(d)
        _ = try store.createVersion(gateway: "shop", version: "1.1.0")
        try publisher.publish(gateway: "shop", version: "1.1.0", stage: "edge")
        #expect(r.pid == pid, "reloaded, not restarted")
        #expect(try r.get("/orders").status == 401)
        try publisher.addConsumer("billing")
        try publisher.grant(consumer: "billing", gateway: "shop")
        let key = try publisher.createKey(consumer: "billing").text
        #expect(try r.get("/orders", ["X-Api-Key": key]).status == 200, "the consumer change reached the host's nginx")
    }

    /// A candidate nginx -t refuses on the host changes nothing there; a reload that does not finish in time
    /// (the master is stopped) puts the previous files back; both releases are recorded failed.
    @Test func aFailureOnTheHostKeepsThePreviousReleaseServing() throws {
        let r = try remote()
        defer { r.stop() }
        let backend = try EchoBackend()
        defer { backend.stop() }
        let store = try gatewayStore()
        var d = definition(r, backend: backend, resources: [GatewayResource(name: "ping", method: "GET", path: "/ping")])
        try store.put(d)
        _ = try store.createVersion(gateway: "shop", version: "1.0.0")
        d.resources[0].backends = [BackendHost(url: "http://no-such-host.invalid:80")]
        try store.put(d)
        _ = try store.createVersion(gateway: "shop", version: "1.1.0")
        d.resources[0].backends = []
        d.resources.append(GatewayResource(name: "stats", method: "GET", path: "/stats"))
        try store.put(d)
        _ = try store.createVersion(gateway: "shop", version: "1.2.0")
        var publisher = GatewayPublisher(store: store, plane: nil)
        publisher.remoteWaitSeconds = 2
        let first = try publisher.publish(gateway: "shop", version: "1.0.0", stage: "edge")
        let served = try String(contentsOfFile: r.prefix + "/gateway.conf", encoding: .utf8)

        var message = ""
        do { try publisher.publish(gateway: "shop", version: "1.1.0", stage: "edge") } catch let e as GatewayError { message = e.message }
        #expect(message.contains("nginx on edge-1") && message.contains("nginx -t refused"), "\(message)")
        #expect(try String(contentsOfFile: r.prefix + "/gateway.conf", encoding: .utf8) == served)
        #expect(try r.get("/__platflow/release").body == "\(first.id) 1.0.0\n")

        let master = try #require(r.pid)
        kill(master, SIGSTOP)
        var failure: GatewayError?
        do { try publisher.publish(gateway: "shop", version: "1.2.0", stage: "edge") } catch let e as GatewayError { failure = e }
        kill(master, SIGCONT)
        #expect(failure?.message.contains("gave up waiting 2s for the previous nginx workers") == true, "\(String(describing: failure))")
        #expect(failure?.hint == "the previous configuration was put back")
        #expect(try String(contentsOfFile: r.prefix + "/gateway.conf", encoding: .utf8) == served)
        #expect(try store.history(gateway: "shop").map(\.status) == ["succeeded", "failed", "failed"])
        #expect(try store.current(gateway: "shop", stage: "edge")?.version == "1.0.0")
        // The master reloads what was put back once it runs again.
        let deadline = Date().addingTimeInterval(10)
        while (try? r.get("/__platflow/release").body) != "\(first.id) 1.0.0\n" && Date() < deadline { usleep(100_000) }
        #expect(try r.get("/__platflow/release").body == "\(first.id) 1.0.0\n")
        #expect(try r.get("/stats").status == 404)
    }

    /// The nginx fields are checked when stored and named with the stage; they round-trip through YAML.
    @Test func badNginxFieldsAreRefusedNamingTheStage() throws {
        let good = StageNginx(host: ["address": "10.0.0.5", "user": "deploy", "port": "2222"], prefix: "/srv/gw", listen: "0.0.0.0:8080")
        func refused(_ n: StageNginx) -> String {
            let d = GatewayDefinition(name: "shop", stages: [GatewayStage(name: "prod", backends: [BackendHost(url: "http://127.0.0.1:9")], nginx: n)],
                                      resources: [GatewayResource(name: "ping", method: "GET", path: "/ping")])
            do { try GatewayValidation.check(d); return "valid" } catch let e as GatewayError { return e.message } catch { return "\(error)" }
        }
        #expect(refused(good) == "valid")
        var n = good; n.prefix = "srv/gw"
        #expect(refused(n).contains("stage 'prod'") && refused(n).contains("nginx.prefix"))
        n = good; n.prefix = "/srv/gw; rm -rf /"
        #expect(refused(n).contains("nginx.prefix"))
        n = good; n.listen = "8080"
        #expect(refused(n).contains("nginx.listen"))
        n = good; n.host["address"] = nil
        #expect(refused(n).contains("nginx.host.address"))
        n = good; n.host["adress"] = "x"
        #expect(refused(n).contains("nginx.host.adress"))
        n = good; n.host["address"] = "-oProxyCommand=x"
        #expect(refused(n).contains("nginx.host"))

        let yaml = """
            name: shop
            stages:
              prod:
                backends: ["http://127.0.0.1:9"]
                nginx: {host: {address: 10.0.0.5, user: deploy, port: 2222}, prefix: /srv/gw, listen: "0.0.0.0:8080"}
            resources:
              ping: {path: /ping}
            """
        let d = try GatewayFile.definition(from: DataFile.decode(yaml, format: .yaml, path: "shop.yaml"))
        #expect(d.stage("prod")?.nginx == good)
        #expect(try GatewayFile.definition(from: DataFile.decode(try YAML.encode(GatewayFile.value(d)), format: .yaml, path: "x.yaml")) == d)
    }
}
