import Foundation
import Testing
import PlatEngine
import PlatStore
@testable import PlatContainers

/// Images made with a real podman from busybox-static, pushed to a real docker-registry on 127.0.0.1.
/// scripts/setup.sh installs podman, runc, busybox-static and docker-registry; a test that cannot start them
/// fails with the reason.
@Suite(.serialized) struct ImageStoreTests {
    /// docker-registry on a free loopback port with platflow's configuration; stopped by the caller.
    static func startRegistry(in dir: String) throws -> (Process, RegistryServer) {
        for attempt in 0..<5 {
            let port = 20_000 + Int.random(in: 0..<20_000) + attempt
            let server = RegistryServer(port: port, directory: dir + "/registry")
            let argv = try server.prepare()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: argv[0])
            p.arguments = Array(argv.dropFirst())
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            for _ in 0..<100 {
                if !p.isRunning { break }
                if loopbackGet(port: port, path: "/v2/") != nil { return (p, server) }
                usleep(50_000)
            }
            if p.isRunning { p.terminate(); p.waitUntilExit() }
        }
        throw PodmanError("docker-registry did not start on 127.0.0.1", hint: "apt-get install docker-registry (scripts/setup.sh)")
    }

    @Test func importBuildPushAndRemove() throws {
        let dir = try PodmanTestKit.scratch("images")
        let storage = NodeStorage(folder: dir + "/image-store")
        try storage.prepare()
        let store = ImageStore(podman: .local(storage, environment: try PodmanTestKit.environment()))
        defer { PodmanTestKit.cleanUp([store.podman], folder: dir) }
        let db = try Database(path: dir + "/p.db")
        try db.migrate(ImageSchema.migrations)

        let base = try store.importRootfs(db: db, tarball: try PodmanTestKit.baseTarball(), tag: "base:1", project: nil, isPublic: true, actor: "ops")
        #expect(base.reference == "localhost/base:1" && base.visibility == .public && base.size > 100_000)
        try FileManager.default.createDirectory(atPath: dir + "/web", withIntermediateDirectories: true)
        try "FROM localhost/base:1\nRUN echo shop > /www/index.html\n".write(toFile: dir + "/web/Containerfile", atomically: true, encoding: .utf8)
        let web = try store.build(db: db, context: dir + "/web", tag: "shop/web:1", project: "shop", isPublic: false, actor: "alice")
        #expect(web.reference == "localhost/shop/web:1" && web.project == "shop" && web.source == .build)
        #expect(try store.podman.imageExists("localhost/shop/web:1"))
        let out = try store.podman.check(["run", "--rm", "localhost/shop/web:1", "cat", "/www/index.html"], timeout: 120)
        #expect(out == "shop\n")

        // Refused before podman runs: the store keeps the owner's image untouched.
        #expect { try store.build(db: db, context: dir + "/web", tag: "shop/web:1", project: "crm", isPublic: false, actor: "bob") }
            throws: { "\($0)".contains("already in the catalogue as project shop's image") }
        #expect { try store.build(db: db, context: dir, tag: "x:1", project: "shop", isPublic: false, actor: "a") }
            throws: { "\($0)".contains("has no Containerfile or Dockerfile") }
        #expect { try store.importRootfs(db: db, tarball: dir + "/none.tar", tag: "x:1", project: nil, isPublic: true, actor: "a") }
            throws: { "\($0)".contains("cannot read") }

        let (registry, server) = try Self.startRegistry(in: dir)
        defer { registry.terminate(); registry.waitUntilExit() }
        let pushed = try store.push(db: db, reference: "shop/web:1", registry: server.address)
        #expect(pushed.pushedTo == "\(server.address)/shop/web:1")
        #expect(pushed.digest?.hasPrefix("sha256:") == true)
        let catalog = loopbackGet(port: server.port, path: "/v2/_catalog")
        #expect(catalog?.contains("\"shop/web\"") == true, "\(catalog ?? "no answer")")
        // A node pulls it back from the registry by the pushed reference.
        try store.podman.removeImage(pushed.pushedTo!)
        try store.podman.pull(pushed.pushedTo!, tlsVerify: false)
        #expect(try store.podman.imageExists(pushed.pushedTo!))
        #expect { try imageAllowed(pushed.pushedTo!, project: "crm", db: db) } throws: { "\($0)".contains("belongs to project shop") }

        _ = try store.remove(db: db, reference: "shop/web:1")
        #expect(try !store.podman.imageExists("localhost/shop/web:1"))
        #expect(try ImageCatalog.get(db: db, reference: "shop/web:1") == nil)
        #expect { try store.push(db: db, reference: "shop/web:1", registry: server.address) } throws: { "\($0)".contains("not in the image catalogue") }
    }
}

/// A plain HTTP/1.0 GET on 127.0.0.1 over a socket (the tests need no HTTP client library): the body, or nil
/// when nothing answers.
func loopbackGet(port: Int, path: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var response = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        response += buffer[0..<n]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard text.hasPrefix("HTTP/"), let split = text.range(of: "\r\n\r\n") else { return nil }
    return String(text[split.upperBound...])
}
