import PlatLang

/// Where an artifact is in its life, read from its version's pre-release: `1.4.0-alpha.3` is alpha,
/// `1.4.0-beta.1` beta, `1.4.0-rc.2` a release candidate, `1.4.0` a release. Stages only go forward; a
/// promotion gives the same bits the next stage's name.
///
/// The pre-release must be exactly `alpha`, `beta` or `rc`, optionally followed by one number (`alpha`,
/// `alpha.3`). Anything else (`1.4.0-SNAPSHOT`, `1.4.0-beta.x`, `1.4.0-0`) is refused rather than guessed:
/// treating an unknown tag as alpha would let a typo (`1.4.0-rc1`) pass as the least trusted stage silently,
/// and a version is named once and kept forever. Build metadata (`+sha.5114f85`) is allowed and kept.
public enum Stage: Int, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    case alpha = 0, beta, rc, release

    public static func < (a: Stage, b: Stage) -> Bool { a.rawValue < b.rawValue }

    /// The word used in versions, on the command line and in policies.
    public var name: String {
        switch self {
        case .alpha: return "alpha"
        case .beta: return "beta"
        case .rc: return "rc"
        case .release: return "release"
        }
    }

    public var description: String { name }

    /// `alpha`, `beta`, `rc` or `release`; nil for anything else.
    public init?(name: String) {
        guard let s = Stage.allCases.first(where: { $0.name == name }) else { return nil }
        self = s
    }

    /// The stage a version names, or a `ReleaseError.invalidInput` saying why the version names none.
    public init(of version: SemanticVersion) throws {
        let pre = version.prerelease
        if pre.isEmpty { self = .release; return }
        guard case .alphanumeric(let tag) = pre[0], let stage = Stage(name: tag), stage != .release else {
            throw ReleaseError.invalidInput(
                "\(version) has the pre-release '\(pre.map(\.description).joined(separator: "."))', which names no stage",
                hint: "name pre-releases alpha.N, beta.N or rc.N (\(version.major).\(version.minor).\(version.patch)-alpha.1), or none for a release")
        }
        if pre.count > 2 {
            throw ReleaseError.invalidInput("\(version): a stage's pre-release is \(tag) or \(tag).N, not '\(pre.map(\.description).joined(separator: "."))'",
                                            hint: "write \(version.major).\(version.minor).\(version.patch)-\(tag).1")
        }
        if pre.count == 2, case .alphanumeric = pre[1] {
            throw ReleaseError.invalidInput("\(version): the part after '\(tag).' must be a number, not '\(pre[1])'",
                                            hint: "write \(version.major).\(version.minor).\(version.patch)-\(tag).1")
        }
        self = stage
    }

    /// Parses `text` as a SemVer 2.0 version that names a stage; invalid text is a `ReleaseError.invalidInput`.
    public static func parse(_ text: String) throws -> (version: SemanticVersion, stage: Stage) {
        let v: SemanticVersion
        do {
            v = try SemanticVersion(parsing: text)
        } catch let e as SemverError {
            throw ReleaseError.invalidInput(e.description, hint: e.hint)
        }
        return (v, try Stage(of: v))
    }

    /// The pre-release number of a staged version (`1.4.0-beta.3` → 3; `1.4.0-beta` → 0), nil for a release.
    public static func number(of version: SemanticVersion) -> Int? {
        guard !version.prerelease.isEmpty else { return nil }
        if version.prerelease.count == 2, case .numeric(let n) = version.prerelease[1] { return n.intValue ?? Int.max }
        return 0
    }
}
