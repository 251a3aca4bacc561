import PlatLang

/// One stored app version: its bits' digest and size, its stage, who pushed (or promoted) it and when, and
/// the version it was promoted from.
public struct Artifact: Sendable, Equatable {
    public let id: Int64
    public let app: String
    public let version: SemanticVersion
    public let stage: Stage
    /// `sha256:<hex>`: of the file, or of a directory's manifest.
    public let digest: String
    /// Bytes of the file, or of a directory's files together.
    public let size: Int64
    public let kind: ArtifactKind
    /// The pushed file's or directory's own name (`web.tar.gz`): what `pull` names it inside a folder.
    public let name: String
    public let pushedBy: String
    /// Seconds since 1970.
    public let pushedAt: Double
    /// The version this one was promoted from (nil for a push).
    public let promotedFrom: String?

    /// The artifact as a .plat map (what `release.push` and `release.promote` return).
    public var value: Value {
        .makeMap([
            ("app", .string(app)), ("version", .string(version.description)), ("stage", .string(stage.name)),
            ("digest", .string(digest)), ("size", .int(Int(size))), ("kind", .string(kind.rawValue)),
            ("name", .string(name)), ("pushed_by", .string(pushedBy)), ("pushed_at", .float(pushedAt)),
            ("promoted_from", promotedFrom.map { .string($0) } ?? .null),
        ])
    }
}

/// App names: what `artifact push` and `app "NAME"` accept.
public enum AppName {
    /// A letter or digit, then letters, digits, `.`, `_` or `-`; at most 100 characters.
    public static func check(_ name: String) throws {
        let bytes = Array(name.utf8)
        func ok(_ b: UInt8, first: Bool) -> Bool {
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (!first && (b == 46 || b == 95 || b == 45))
        }
        guard !bytes.isEmpty, bytes.count <= 100, ok(bytes[0], first: true), bytes.dropFirst().allSatisfy({ ok($0, first: false) }) else {
            throw ReleaseError.invalidInput("'\(name)' is not an app name",
                                            hint: "a letter or digit, then letters, digits, '.', '_' or '-' (at most 100): shop-web")
        }
    }
}
