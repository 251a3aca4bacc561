import Foundation
import Testing
import PlatStore
@testable import PlatContainers

/// The catalogue's rules, without podman: who may use which image, and references.
@Suite struct ImageCatalogTests {
    func database(_ scratch: ChartScratch) throws -> Database {
        let db = try Database(path: scratch.root.appendingPathComponent("p.db").path)
        try db.migrate(ImageSchema.migrations)
        return db
    }

    @Test func publicImagesForEveryoneOwnImagesForTheirProjectOthersRefused() throws {
        let scratch = try ChartScratch()
        let db = try database(scratch)
        try ImageCatalog.record(db: db, reference: "localhost/base:1", imageID: "b1", size: 10, project: nil, source: .import, origin: "/r.tar", actor: "ops")
        try ImageCatalog.record(db: db, reference: "localhost/shop/web:1", imageID: "w1", size: 20, project: "shop", source: .build, origin: "/web", actor: "alice")
        try ImageCatalog.record(db: db, reference: "localhost/crm/api:2", imageID: "a2", size: 30, project: "crm", source: .build, origin: "/api", actor: "bob")
        try ImageCatalog.recordPush(db: db, reference: "localhost/crm/api:2", destination: "127.0.0.1:5000/crm/api:2", digest: "sha256:ab")

        #expect(try imageAllowed("base:1", project: "shop", db: db) == .publicImage)
        #expect(try imageAllowed("localhost/base:1", project: nil, db: db) == .publicImage)
        #expect(try imageAllowed("shop/web:1", project: "shop", db: db) == .ownImage)
        #expect(try imageAllowed("docker.io/library/nginx:1.25", project: "shop", db: db) == .uncatalogued)
        #expect { try imageAllowed("crm/api:2", project: "shop", db: db) } throws: { e in
            "\(e)".contains("image crm/api:2 belongs to project crm; project shop may not use it")
                && "\(e)".contains("platflow image list --project shop")
        }
        // The reference it was pushed as is the same image.
        #expect { try imageAllowed("127.0.0.1:5000/crm/api:2", project: "shop", db: db) } throws: { "\($0)".contains("belongs to project crm") }
        #expect { try imageAllowed("shop/web:1", project: nil, db: db) } throws: { "\($0)".contains("an app of no project may not use it") }

        #expect(try ImageCatalog.list(db: db, visibleTo: "shop").map(\.reference) == ["localhost/base:1", "localhost/shop/web:1"])
        #expect(try ImageCatalog.list(db: db).count == 3)
        #expect(try ImageCatalog.get(db: db, reference: "crm/api:2")?.digest == "sha256:ab")
    }

    @Test func oneProjectCannotTakeOverAnothersTag() throws {
        let scratch = try ChartScratch()
        let db = try database(scratch)
        try ImageCatalog.record(db: db, reference: "localhost/shop/web:1", imageID: "w1", size: 1, project: "shop", source: .build, origin: "/w", actor: "a")
        #expect { try ImageCatalog.record(db: db, reference: "localhost/shop/web:1", imageID: "x", size: 1, project: "crm", source: .build, origin: "/x", actor: "b") }
            throws: { "\($0)".contains("already in the catalogue as project shop's image") }
        #expect { try ImageCatalog.record(db: db, reference: "localhost/shop/web:1", imageID: "x", size: 1, project: nil, source: .build, origin: "/x", actor: "b") }
            throws: { "\($0)".contains("already in the catalogue") }
        // The owner may rebuild it.
        try ImageCatalog.record(db: db, reference: "localhost/shop/web:1", imageID: "w2", size: 1, project: "shop", source: .build, origin: "/w", actor: "a")
        #expect(try ImageCatalog.get(db: db, reference: "shop/web:1")?.imageID == "w2")
        #expect(try ImageCatalog.remove(db: db, reference: "shop/web:1")?.imageID == "w2")
        #expect(try ImageCatalog.list(db: db).isEmpty)
    }

    @Test("new images need a valid tag and exactly one of --project and --public", arguments: [
        ("web:1", nil, false, "say who may use the image"), ("web:1", "shop", true, "exclude each other"),
        ("Web:1", nil, true, "image tag \"Web:1\""), ("web:1", "Shop", false, "project name \"Shop\""),
    ] as [(String, String?, Bool, String)])
    func newImageChecks(_ tag: String, _ project: String?, _ isPublic: Bool, _ fragment: String) {
        #expect { try ImageCatalog.checkNew(tag: tag, project: project, isPublic: isPublic) } throws: { "\($0)".contains(fragment) }
    }

    @Test func references() {
        #expect(ImageCatalog.normalized("web") == "localhost/web:latest")
        #expect(ImageCatalog.normalized("shop/web:1") == "localhost/shop/web:1")
        #expect(ImageCatalog.normalized("127.0.0.1:5000/shop/web:1") == "127.0.0.1:5000/shop/web:1")
        #expect(ImageCatalog.split("127.0.0.1:5000/web") == ("127.0.0.1:5000/web", "latest"))
        #expect(ImageStore.destination(of: "localhost/shop/web:1", in: "127.0.0.1:5000") == "127.0.0.1:5000/shop/web:1")
        #expect(ImageStore.destination(of: "registry.example/shop/web:1", in: "127.0.0.1:5000") == "127.0.0.1:5000/shop/web:1")
        #expect(ImageStore.isLoopback("127.0.0.1:5000") && ImageStore.isLoopback("localhost:5000") && !ImageStore.isLoopback("registry.example"))
    }

    @Test func theRegistryConfigurationListensOnLoopbackOnly() throws {
        let scratch = try ChartScratch()
        let server = RegistryServer(port: 15000, directory: scratch.root.appendingPathComponent("reg").path, program: "/bin/true")
        #expect(try server.prepare() == ["/bin/true", "serve", server.configPath])
        let config = try String(contentsOfFile: server.configPath, encoding: .utf8)
        #expect(config.contains("  addr: 127.0.0.1:15000\n") && config.contains("rootdirectory: \(server.directory)/data\n"))
        #expect { try RegistryServer(port: 70000, directory: server.directory, program: "/bin/true").prepare() } throws: { "\($0)".contains("port 70000") }
        #expect { try RegistryServer(port: 5000, directory: server.directory, program: "/nonexistent").prepare() } throws: { "\($0)".contains("docker-registry") }
    }
}
