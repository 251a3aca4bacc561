import Foundation
import PlatStore

/// An image in the catalogue: what it is (reference, podman's id, size), where it came from (built from a
/// folder, imported from a root filesystem), who may use it (everyone, or one project), and where it was
/// pushed.
public struct CatalogImage: Equatable {
    public enum Visibility: String { case `public`, project }
    public enum Source: String { case build, `import`, pull }

    public var reference: String
    public var repository: String
    public var tag: String
    public var imageID: String
    public var visibility: Visibility
    /// The owning project; nil exactly for public images.
    public var project: String?
    public var source: Source
    /// The folder it was built from or the tarball it was imported from.
    public var origin: String
    public var size: Int64
    public var createdBy: String
    public var createdAt: Double
    /// The reference it was last pushed as (`127.0.0.1:5000/shop/web:1.2`) and the manifest digest.
    public var pushedTo: String?
    public var digest: String?
    public var pushedAt: Double?

    /// "public" or "project shop".
    public var owner: String { project.map { "project \($0)" } ?? "public" }
}

/// How an image may be used by a project's app (see `ImageCatalog.imageAllowed`).
public enum ImageAccess: Equatable {
    /// A public image of the catalogue: every project may use it.
    case publicImage
    /// The project's own image.
    case ownImage
    /// Not in the catalogue (an image from elsewhere): platflow has no say over it.
    case uncatalogued
}

/// The image catalogue (table `containers_images`): which images platflow built or imported, and which are
/// public or owned by a project. A project's apps may use public images and their own; another project's
/// image is refused with a clear error.
public enum ImageCatalog {
    /// Splits `registry/path/name:tag` into repository and tag (`latest` when none is written).
    public static func split(_ reference: String) -> (repository: String, tag: String) {
        var ref = Substring(reference)
        if let at = ref.firstIndex(of: "@") { ref = ref[..<at] }
        if let colon = ref.lastIndex(of: ":"), !ref[ref.index(after: colon)...].contains("/") {
            return (String(ref[..<colon]), String(ref[ref.index(after: colon)...]))
        }
        return (String(ref), "latest")
    }

    /// `web:1` → `localhost/web:1`, as podman names an image without a registry.
    public static func normalized(_ reference: String) -> String {
        let (repo, tag) = split(reference)
        let first = repo.split(separator: "/").first.map(String.init) ?? repo
        let hasRegistry = repo.contains("/") && (first.contains(".") || first.contains(":") || first == "localhost")
        return (hasRegistry ? repo : "localhost/" + repo) + ":" + tag
    }

    /// Checks a tag and who may use the image (`project` xor `isPublic`) before anything is built.
    public static func checkNew(tag: String, project: String?, isPublic: Bool) throws -> String {
        if let p = KubernetesNames.imageReference(tag) {
            throw ContainerInputError("image tag \"\(tag)\" \(p)", hint: "e.g. --tag shop/web:1.2")
        }
        switch (project, isPublic) {
        case (nil, false):
            throw ContainerInputError("say who may use the image: --project NAME (that project's apps) or --public (every project)")
        case (.some, true):
            throw ContainerInputError("--project and --public exclude each other: a public image belongs to no project")
        case (.some(let p), false):
            if let problem = KubernetesNames.dns1123Label(p) {
                throw ContainerInputError("project name \"\(p)\" \(problem)", hint: "e.g. --project shop")
            }
        default: break
        }
        return normalized(tag)
    }

    /// Records an image podman now holds (after a build or import). Replaces an earlier entry of the same
    /// reference only when it has the same owner: one project can never take over another's tag.
    @discardableResult
    public static func record(db: Database, reference: String, imageID: String, size: Int64, project: String?,
                              source: CatalogImage.Source, origin: String, actor: String,
                              now: Double = Date().timeIntervalSince1970) throws -> CatalogImage {
        let (repo, tag) = split(reference)
        let image = CatalogImage(reference: reference, repository: repo, tag: tag, imageID: imageID,
                                 visibility: project == nil ? .public : .project, project: project, source: source,
                                 origin: origin, size: size, createdBy: actor, createdAt: now, pushedTo: nil, digest: nil, pushedAt: nil)
        try db.transaction {
            if let existing = try get(db: db, reference: reference), existing.project != project {
                throw ContainerInputError("\(reference) is already in the catalogue as \(existing.owner)'s image",
                                          hint: "choose another tag, or remove it first (platflow image remove \(reference))")
            }
            try db.execute("DELETE FROM containers_images WHERE reference = ?", reference)
            try db.execute("""
                INSERT INTO containers_images (reference, repository, tag, image_id, visibility, project, source, origin, size,
                                               created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, reference, repo, tag, imageID, image.visibility.rawValue, project, source.rawValue, origin, size, actor, now)
        }
        return image
    }

    /// Notes where an image was pushed and the registry's digest of it.
    public static func recordPush(db: Database, reference: String, destination: String, digest: String?,
                                  now: Double = Date().timeIntervalSince1970) throws {
        try db.execute("UPDATE containers_images SET pushed_to = ?, digest = ?, pushed_at = ? WHERE reference = ?",
                       destination, digest, now, reference)
    }

    public static func get(db: Database, reference: String) throws -> CatalogImage? {
        try db.queryOne("SELECT * FROM containers_images WHERE reference = ?", normalized(reference)).map(image)
            ?? db.queryOne("SELECT * FROM containers_images WHERE reference = ?", reference).map(image)
    }

    /// The catalogue; with `project`, only what that project's apps may use (public images and its own).
    public static func list(db: Database, visibleTo project: String? = nil) throws -> [CatalogImage] {
        if let project {
            return try db.query("SELECT * FROM containers_images WHERE project IS NULL OR project = ? ORDER BY reference", project).map(image)
        }
        return try db.query("SELECT * FROM containers_images ORDER BY reference").map(image)
    }

    @discardableResult
    public static func remove(db: Database, reference: String) throws -> CatalogImage? {
        guard let found = try get(db: db, reference: reference) else { return nil }
        try db.execute("DELETE FROM containers_images WHERE reference = ?", found.reference)
        return found
    }

    /// May an app of `project` (nil: an app of no project) run `image`? Public images and the project's own
    /// are allowed, as are images the catalogue does not hold; another project's image (by its reference or
    /// the reference it was pushed as) is refused with an error that names the owner.
    @discardableResult
    public static func imageAllowed(db: Database, image: String, project: String?) throws -> ImageAccess {
        let normal = normalized(image)
        let found = try db.queryOne("SELECT * FROM containers_images WHERE reference IN (?, ?) OR pushed_to IN (?, ?) LIMIT 1",
                                    image, normal, image, normal).map(Self.image)
        guard let found else { return .uncatalogued }
        guard let owner = found.project else { return .publicImage }
        if owner == project { return .ownImage }
        throw ContainerInputError(
            "image \(image) belongs to project \(owner); \(project.map { "project \($0)" } ?? "an app of no project") may not use it",
            hint: "use a public image or one of \(project.map { "project \($0)'s" } ?? "your project's") own (platflow image list --project \(project ?? "NAME")), "
                + "or rebuild it with --public")
    }

    private static func image(_ r: Row) -> CatalogImage {
        CatalogImage(reference: r.string("reference") ?? "", repository: r.string("repository") ?? "", tag: r.string("tag") ?? "",
                     imageID: r.string("image_id") ?? "", visibility: CatalogImage.Visibility(rawValue: r.string("visibility") ?? "") ?? .project,
                     project: r.string("project"), source: CatalogImage.Source(rawValue: r.string("source") ?? "") ?? .build,
                     origin: r.string("origin") ?? "", size: r.int("size") ?? 0, createdBy: r.string("created_by") ?? "",
                     createdAt: r.double("created_at") ?? 0, pushedTo: r.string("pushed_to"), digest: r.string("digest"),
                     pushedAt: r.double("pushed_at"))
    }
}

/// The check an install makes before it runs an image: `ImageCatalog.imageAllowed`.
@discardableResult
public func imageAllowed(_ image: String, project: String?, db: Database) throws -> ImageAccess {
    try ImageCatalog.imageAllowed(db: db, image: image, project: project)
}
