import Foundation
import PlatContainers
import PlatEngine
import PlatLang

/// `platflow image build|import|push|list|show|remove` and `platflow registry serve`: the image catalogue
/// (public images and projects' own) on an image store beside the database, and a registry on loopback.
enum ImageCommand {
    static let spec = CommandSpec(
        name: "image",
        summary: "Images: build or import them, push them to a registry; public ones or a project's own.",
        subcommands: [build, importCmd, push, list, show, remove],
        details: """
            Images are built (podman build) or imported (podman import of a root filesystem) into the image
            store beside the database (image-store/), catalogued as public (--public: every project's apps may
            use them) or a project's own (--project NAME: only that project's apps), then pushed to a registry
            nodes pull from (platflow registry serve runs one on 127.0.0.1). An app of one project is refused
            another project's image. Exit codes: 0 ok, 1 podman failed, 2 bad input.
            """)

    static let projectFlag = FlagSpec(name: "project", value: "NAME", help: "the project that owns the image (only its apps may use it)")
    static let publicFlag = FlagSpec(name: "public", help: "every project's apps may use the image")
    static let tagFlag = FlagSpec(name: "tag", short: "t", value: "NAME:TAG", help: "the image's name and tag (shop/web:1.2; localhost/ is added)")
    static let jsonFlag = FlagSpec(name: "json", help: "JSON output")

    static func store(_ args: ParsedArguments) throws -> (RunStore, ImageStore) {
        let engine = try EngineSession.open(args)
        let storage = ImageStore.storage(besideDatabase: EngineSession.dbPath(args))
        try storage.prepare()
        return (engine, ImageStore(podman: .local(storage)))
    }

    static func positional(_ args: ParsedArguments, _ count: Int, _ usage: String) throws -> [String] {
        guard args.positional.count == count else {
            throw UsageError(args.positional.count < count ? "missing arguments" : "too many arguments", hint: "usage: \(usage)")
        }
        return args.positional
    }

    static func json(_ i: CatalogImage) -> [String: Any] {
        ["reference": i.reference, "repository": i.repository, "tag": i.tag, "id": i.imageID, "visibility": i.visibility.rawValue,
         "project": i.project as Any, "source": i.source.rawValue, "origin": i.origin, "size": i.size, "created_by": i.createdBy,
         "created_at": i.createdAt, "pushed_to": i.pushedTo as Any, "digest": i.digest as Any, "pushed_at": i.pushedAt as Any]
    }

    static func sizeText(_ bytes: Int64) -> String {
        bytes >= 1 << 20 ? String(format: "%.1fMB", Double(bytes) / 1_048_576) : String(format: "%.1fKB", Double(bytes) / 1024)
    }

    static let build = CommandSpec(
        name: "build", summary: "Build an image from a folder with a Containerfile (podman build) and catalogue it.",
        usage: ["platflow image build DIR --tag NAME:TAG (--project NAME | --public) [--file FILE]"],
        flags: [tagFlag, projectFlag, publicFlag, FlagSpec(name: "file", short: "f", value: "FILE", help: "the Containerfile", defaultText: "DIR/Containerfile or DIR/Dockerfile")],
        examples: ["platflow image build web/ --tag shop/web:1.2 --project shop", "platflow image build base/ --tag base:1 --public"]) { args, terminal in
        let dir = try positional(args, 1, "platflow image build DIR --tag NAME:TAG --project NAME")[0]
        guard let tag = args.value("tag") else { throw UsageError("image build needs --tag NAME:TAG", hint: "--tag shop/web:1.2") }
        let (engine, store) = try store(args)
        let image = try store.build(db: engine.db, context: dir, file: args.value("file"), tag: tag, project: args.value("project"),
                                    isPublic: args.has("public"), actor: RunExecutor.currentUser())
        terminal.out("built \(image.reference) (\(image.owner), \(sizeText(image.size)))\n")
        return ExitCode.ok
    }

    static let importCmd = CommandSpec(
        name: "import", summary: "Import a root filesystem tarball as an image (podman import) and catalogue it.",
        usage: ["platflow image import ROOTFS.tar --tag NAME:TAG (--project NAME | --public)"],
        flags: [tagFlag, projectFlag, publicFlag],
        examples: ["platflow image import rootfs.tar --tag base:1 --public"],
        details: "Make a tarball of a root folder with tar -C ROOT -cf rootfs.tar . (busybox-static makes a small one).") { args, terminal in
        let tar = try positional(args, 1, "platflow image import ROOTFS.tar --tag NAME:TAG --public")[0]
        guard let tag = args.value("tag") else { throw UsageError("image import needs --tag NAME:TAG", hint: "--tag base:1") }
        let (engine, store) = try store(args)
        let image = try store.importRootfs(db: engine.db, tarball: tar, tag: tag, project: args.value("project"),
                                           isPublic: args.has("public"), actor: RunExecutor.currentUser())
        terminal.out("imported \(image.reference) (\(image.owner), \(sizeText(image.size)))\n")
        return ExitCode.ok
    }

    static let push = CommandSpec(
        name: "push", summary: "Push a catalogued image to a registry (nodes pull it from there).",
        usage: ["platflow image push NAME:TAG [--registry HOST:PORT] [--tls-verify true|false]"],
        flags: [FlagSpec(name: "registry", value: "HOST:PORT", help: "the registry", defaultText: "127.0.0.1:5000"),
                FlagSpec(name: "tls-verify", value: "BOOL", help: "verify the registry's TLS certificate", defaultText: "false on loopback, else true")],
        examples: ["platflow image push shop/web:1.2", "platflow image push shop/web:1.2 --registry registry.example:443"]) { args, terminal in
        let ref = try positional(args, 1, "platflow image push NAME:TAG")[0]
        var verify: Bool? = nil
        if let v = args.value("tls-verify") {
            guard let b = Bool(v) else { throw UsageError("--tls-verify takes true or false, got '\(v)'") }
            verify = b
        }
        let (engine, store) = try store(args)
        let image = try store.push(db: engine.db, reference: ref, registry: args.value("registry") ?? "127.0.0.1:\(RegistryServer.defaultPort)",
                                   tlsVerify: verify)
        terminal.out("pushed \(image.reference) as \(image.pushedTo ?? "?")\(image.digest.map { " (\($0))" } ?? "")\n")
        return ExitCode.ok
    }

    static let list = CommandSpec(
        name: "list", summary: "List the catalogue (with --project: what that project's apps may use).",
        usage: ["platflow image list [--project NAME] [--json]"],
        flags: [FlagSpec(name: "project", value: "NAME", help: "only public images and this project's own"), jsonFlag],
        examples: ["platflow image list", "platflow image list --project shop"]) { args, terminal in
        _ = try positional(args, 0, "platflow image list [--project NAME]")
        let engine = try EngineSession.open(args)
        let images = try ImageCatalog.list(db: engine.db, visibleTo: args.value("project"))
        if args.has("json") {
            terminal.out(jsonText(images.map(json)))
        } else {
            var t = Table(header: ["REFERENCE", "OWNER", "SOURCE", "SIZE", "PUSHED TO", "CREATED"])
            for i in images {
                t.rows.append([i.reference, i.owner, i.source.rawValue, sizeText(i.size), i.pushedTo ?? "-", localTime(i.createdAt)])
            }
            terminal.out(t.render())
        }
        return ExitCode.ok
    }

    static let show = CommandSpec(
        name: "show", summary: "Show one catalogued image.",
        usage: ["platflow image show NAME:TAG [--json]"], flags: [jsonFlag],
        examples: ["platflow image show shop/web:1.2"]) { args, terminal in
        let ref = try positional(args, 1, "platflow image show NAME:TAG")[0]
        let engine = try EngineSession.open(args)
        guard let i = try ImageCatalog.get(db: engine.db, reference: ref) else {
            throw UsageError("\(ref) is not in the image catalogue", hint: "platflow image list shows it")
        }
        if args.has("json") {
            terminal.out(jsonText(json(i)))
        } else {
            terminal.out("""
                reference:  \(i.reference)
                id:         \(i.imageID)
                owner:      \(i.owner)
                source:     \(i.source.rawValue) from \(i.origin)
                size:       \(sizeText(i.size))
                created:    \(localTime(i.createdAt)) by \(i.createdBy)
                pushed to:  \(i.pushedTo.map { "\($0) at \(localTime(i.pushedAt))" } ?? "-")
                digest:     \(i.digest ?? "-")

                """)
        }
        return ExitCode.ok
    }

    static let remove = CommandSpec(
        name: "remove", summary: "Remove an image from the catalogue and the image store (a registry keeps its copy).",
        usage: ["platflow image remove NAME:TAG"], flags: [],
        examples: ["platflow image remove shop/web:1.1"]) { args, terminal in
        let ref = try positional(args, 1, "platflow image remove NAME:TAG")[0]
        let (engine, store) = try store(args)
        let image = try store.remove(db: engine.db, reference: ref)
        terminal.out("removed \(image.reference)\n")
        return ExitCode.ok
    }
}

/// `platflow registry serve`: Debian's docker-registry on 127.0.0.1.
enum RegistryCommand {
    static let spec = CommandSpec(
        name: "registry",
        summary: "A registry on 127.0.0.1 for images (Debian's docker-registry).",
        subcommands: [serve],
        opensDatabase: false)

    static let serve = CommandSpec(
        name: "serve", summary: "Run docker-registry on 127.0.0.1 in the foreground, with a configuration platflow writes.",
        usage: ["platflow registry serve [--port PORT] [--dir DIR] [--program PATH]"],
        flags: [FlagSpec(name: "port", value: "PORT", help: "the port on 127.0.0.1", defaultText: "5000"),
                FlagSpec(name: "dir", value: "DIR", help: "config.yml and the registry's data", defaultText: ".platflow/registry"),
                FlagSpec(name: "program", value: "PATH", help: "the registry program", defaultText: RegistryServer.defaultProgram)],
        examples: ["platflow registry serve --port 5000", "platflow registry serve --port 5001 --dir /srv/registry"],
        details: """
            platflow writes DIR/config.yml (loopback only, storage in DIR/data, deletes enabled) and becomes the
            registry process (same process id): stop it with Ctrl-C or a signal. It speaks plain HTTP, so pushes to
            it use --tls-verify=false (image push does so for loopback registries).
            """,
        opensDatabase: false) { args, terminal in
        guard args.positional.isEmpty else { throw UsageError("registry serve takes no arguments", hint: "platflow registry serve --port 5000") }
        var port = RegistryServer.defaultPort
        if let p = args.value("port") {
            guard let n = Int(p) else { throw UsageError("--port takes a number, got '\(p)'") }
            port = n
        }
        let server = RegistryServer(port: port, directory: args.value("dir") ?? ".platflow/registry",
                                    program: args.value("program") ?? RegistryServer.defaultProgram)
        _ = try server.prepare()
        terminal.err("registry on \(server.address), storage \(server.directory)/data\n")
        terminal.flush()
        try server.exec()
    }
}
