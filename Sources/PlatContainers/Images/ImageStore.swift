import Foundation
import PlatStore

/// Where `platflow image` builds and imports images: a podman storage of its own beside the database
/// (`image-store/`, set up like a node's), from which images are pushed to a registry that nodes pull from.
public struct ImageStore {
    public let podman: Podman

    public init(podman: Podman) {
        self.podman = podman
    }

    /// The image store of the database at `databasePath`: `DIR/image-store` for `DIR/platflow.db`.
    public static func storage(besideDatabase databasePath: String) -> NodeStorage {
        let dir = (databasePath as NSString).deletingLastPathComponent
        let base = URL(fileURLWithPath: dir.isEmpty ? "." : dir).standardizedFileURL.path
        return NodeStorage(folder: base + "/image-store")
    }

    private struct Inspected: Decodable {
        let Id: String
        let Size: Int64?
    }

    private func inspect(_ reference: String) throws -> (id: String, size: Int64) {
        guard let first = try podman.json(["image", "inspect", reference], as: [Inspected].self).first else {
            throw PodmanError("podman has no image \(reference) after making it")
        }
        return (first.Id, first.Size ?? 0)
    }

    /// `podman build` of a folder with a Containerfile (or Dockerfile, or `file`), catalogued as the project's
    /// image or a public one. Nothing is catalogued when the build fails.
    public func build(db: Database, context: String, file: String? = nil, tag: String, project: String?, isPublic: Bool,
                      actor: String) throws -> CatalogImage {
        let reference = try ImageCatalog.checkNew(tag: tag, project: project, isPublic: isPublic)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: context, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ContainerInputError("'\(context)' is not a folder to build from", hint: "platflow image build DIR --tag NAME:TAG")
        }
        if let file {
            guard FileManager.default.fileExists(atPath: file) else { throw ContainerInputError("no build file '\(file)'") }
        } else if !["Containerfile", "Dockerfile"].contains(where: { FileManager.default.fileExists(atPath: context + "/" + $0) }) {
            throw ContainerInputError("'\(context)' has no Containerfile or Dockerfile", hint: "write one, or name it with --file")
        }
        try ensureNotOwnedElsewhere(db: db, reference: reference, project: project)
        try podman.build(context: context, file: file, tag: reference)
        let (id, size) = try inspect(reference)
        let origin = URL(fileURLWithPath: context).standardizedFileURL.path
        return try ImageCatalog.record(db: db, reference: reference, imageID: id, size: size, project: project,
                                       source: .build, origin: origin, actor: actor)
    }

    /// `podman import` of a root filesystem tarball as an image.
    public func importRootfs(db: Database, tarball: String, tag: String, project: String?, isPublic: Bool,
                             actor: String) throws -> CatalogImage {
        let reference = try ImageCatalog.checkNew(tag: tag, project: project, isPublic: isPublic)
        guard FileManager.default.isReadableFile(atPath: tarball) else {
            throw ContainerInputError("cannot read '\(tarball)'", hint: "import takes a root filesystem as a tar archive (tar -C ROOT -cf r.tar .)")
        }
        try ensureNotOwnedElsewhere(db: db, reference: reference, project: project)
        try podman.importImage(tarball: tarball, reference: reference)
        let (id, size) = try inspect(reference)
        return try ImageCatalog.record(db: db, reference: reference, imageID: id, size: size, project: project,
                                       source: .import, origin: URL(fileURLWithPath: tarball).standardizedFileURL.path, actor: actor)
    }

    /// Refuses before podman runs, so a refused build never retags another project's image in the store.
    private func ensureNotOwnedElsewhere(db: Database, reference: String, project: String?) throws {
        if let existing = try ImageCatalog.get(db: db, reference: reference), existing.project != project {
            throw ContainerInputError("\(reference) is already in the catalogue as \(existing.owner)'s image",
                                      hint: "choose another tag, or remove it first (platflow image remove \(reference))")
        }
    }

    /// The reference an image gets in `registry` (`127.0.0.1:5000` + `localhost/shop/web:1` →
    /// `127.0.0.1:5000/shop/web:1`).
    public static func destination(of reference: String, in registry: String) -> String {
        let (repo, tag) = ImageCatalog.split(reference)
        var path = repo
        if let slash = repo.firstIndex(of: "/") {
            let first = repo[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" { path = String(repo[repo.index(after: slash)...]) }
        }
        return "\(registry)/\(path):\(tag)"
    }

    /// A registry on loopback speaks plain HTTP (`registry serve`); others are reached over TLS.
    public static func isLoopback(_ registry: String) -> Bool {
        let host = registry.split(separator: ":").first.map(String.init) ?? registry
        return host == "127.0.0.1" || host == "localhost" || host == "[::1]"
    }

    /// Pushes a catalogued image to `registry` and records where and its digest.
    public func push(db: Database, reference: String, registry: String, tlsVerify: Bool? = nil) throws -> CatalogImage {
        guard let image = try ImageCatalog.get(db: db, reference: reference) else {
            throw ContainerInputError("\(reference) is not in the image catalogue", hint: "platflow image list shows it")
        }
        let destination = Self.destination(of: image.reference, in: registry)
        let digestFile = NSTemporaryDirectory() + "platflow-digest-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: digestFile) }
        let verify = tlsVerify ?? !Self.isLoopback(registry)
        try podman.check(["push", "--quiet", "--tls-verify=\(verify)", "--digestfile", digestFile, image.reference, destination],
                         timeout: 1800)
        let digest = (try? String(contentsOfFile: digestFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        try ImageCatalog.recordPush(db: db, reference: image.reference, destination: destination, digest: digest)
        return try ImageCatalog.get(db: db, reference: image.reference) ?? image
    }

    /// Forgets a catalogued image and removes it from the store.
    public func remove(db: Database, reference: String) throws -> CatalogImage {
        guard let image = try ImageCatalog.get(db: db, reference: reference) else {
            throw ContainerInputError("\(reference) is not in the image catalogue", hint: "platflow image list shows it")
        }
        try podman.removeImage(image.reference)
        try ImageCatalog.remove(db: db, reference: image.reference)
        return image
    }
}
