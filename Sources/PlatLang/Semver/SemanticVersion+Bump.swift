/// The next version, as npm's `semver.inc` makes it, so a team moving between npm and platflow gets the same
/// answers. Build metadata is dropped: a bumped version is a new build.
public enum VersionBump: String, CaseIterable, Sendable {
    case major, minor, patch
    /// npm's `prerelease`: the next pre-release of this version, or of the next patch when this is a release.
    case pre
    /// npm's `premajor`, `preminor`, `prepatch`: the next major/minor/patch, as its first pre-release.
    case premajor, preminor, prepatch
    /// The release a pre-release leads to: 1.5.0-beta.2 → 1.5.0 (an error for a release).
    case release

    /// Whether a pre-release identifier (`--pre beta`) means something for this part.
    public var takesPrereleaseIdentifier: Bool {
        switch self {
        case .pre, .premajor, .preminor, .prepatch: return true
        case .major, .minor, .patch, .release: return false
        }
    }
}

extension SemanticVersion {
    /// The version after a bump, npm's rules:
    /// - `major`: 1.4.2 → 2.0.0; a pre-release of a major (2.0.0-rc.1) → 2.0.0.
    /// - `minor`: 1.4.2 → 1.5.0; a pre-release of a minor (1.5.0-beta.1) → 1.5.0.
    /// - `patch`: 1.4.2 → 1.4.3; any pre-release (1.5.0-beta.1) → its release, 1.5.0.
    /// - `pre`: a release goes to the next patch's first pre-release (1.4.2 → 1.4.3-0, or 1.4.3-beta.0 with
    ///   `id` beta); a pre-release increments its last numeric identifier (1.5.0-beta.1 → 1.5.0-beta.2), or
    ///   gains `.0` when it has none (1.5.0-beta → 1.5.0-beta.0); with an `id` the pre-release does not start
    ///   with, it restarts as `id.0` (1.5.0-alpha.3 with beta → 1.5.0-beta.0).
    /// - `premajor`, `preminor`, `prepatch`: the next major, minor or patch as `-0`, or `-id.0` with an id.
    /// - `release`: the pre-release removed (1.5.0-beta.2 → 1.5.0).
    /// `id` must be one pre-release identifier (letters, digits, '-'; numeric without leading zeros).
    public func bumped(_ part: VersionBump, prereleaseIdentifier id: String? = nil) throws -> SemanticVersion {
        if let id {
            guard part.takesPrereleaseIdentifier else {
                throw SemverError("a pre-release identifier applies only to pre, premajor, preminor and prepatch",
                                  input: id, column: 1, hint: "bump \(self) \(part.rawValue) without it", kind: "bump")
            }
            try SemanticVersion.checkIdentifier(id)
        }
        var next = SemanticVersion(major: major, minor: minor, patch: patch, prerelease: prerelease)
        switch part {
        case .major:
            if !(isPrerelease && minor.isZero && patch.isZero) {
                next = SemanticVersion(major: major.incremented(), minor: .zero, patch: .zero)
            }
            next.prerelease = []
        case .minor:
            if !(isPrerelease && patch.isZero) {
                next = SemanticVersion(major: major, minor: minor.incremented(), patch: .zero)
            }
            next.prerelease = []
        case .patch:
            if !isPrerelease { next.patch = patch.incremented() }
            next.prerelease = []
        case .release:
            guard isPrerelease else {
                throw SemverError("\(self) is already a release: only a pre-release has a release to bump to",
                                  input: description, column: 1, hint: "use patch, minor or major", kind: "bump")
            }
            next.prerelease = []
        case .premajor:
            next = SemanticVersion(major: major.incremented(), minor: .zero, patch: .zero,
                                   prerelease: SemanticVersion.firstPrerelease(id))
        case .preminor:
            next = SemanticVersion(major: major, minor: minor.incremented(), patch: .zero,
                                   prerelease: SemanticVersion.firstPrerelease(id))
        case .prepatch:
            next = SemanticVersion(major: major, minor: minor, patch: patch.incremented(),
                                   prerelease: SemanticVersion.firstPrerelease(id))
        case .pre:
            if !isPrerelease {
                next.patch = patch.incremented()
                next.prerelease = SemanticVersion.firstPrerelease(id)
            } else {
                var ids = prerelease
                if let last = ids.lastIndex(where: { if case .numeric = $0 { return true } else { return false } }),
                   case .numeric(let n) = ids[last] {
                    ids[last] = .numeric(n.incremented())
                } else {
                    ids.append(.numeric(.zero))
                }
                if let id {
                    let head = SemanticVersion.firstPrerelease(id)[0]
                    if ids[0] != head {
                        ids = SemanticVersion.firstPrerelease(id)
                    } else if ids.count < 2 || !{ if case .numeric = ids[1] { return true } else { return false } }() {
                        ids = SemanticVersion.firstPrerelease(id)
                    }
                }
                next.prerelease = ids
            }
        }
        return next
    }

    /// `-0`, or `-id.0`.
    private static func firstPrerelease(_ id: String?) -> [PrereleaseIdentifier] {
        guard let id else { return [.numeric(.zero)] }
        return SemverScanner.prereleaseIdentifiers([id]) + [.numeric(.zero)]
    }

    private static func checkIdentifier(_ id: String) throws {
        var s = SemverScanner(id, kind: "pre-release identifier")
        let ids = try s.identifiers(prerelease: true, stops: { _ in false })
        if ids.count != 1 {
            throw SemverError("one identifier expected, without dots", input: id, column: ids[0].count + 1,
                              hint: "e.g. beta or rc", kind: "pre-release identifier")
        }
    }
}
