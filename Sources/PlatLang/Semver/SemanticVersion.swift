/// A version by Semantic Versioning 2.0.0 (semver.org), exactly: MAJOR.MINOR.PATCH, an optional pre-release
/// after `-` and optional build metadata after `+`. No `v` prefix, no leading zeros, no surrounding spaces;
/// numbers of any length. Two values are `==` when they are the same text; precedence (which is newer) is
/// `compare`, which ignores build metadata, so this type is deliberately not `Comparable`.
public struct SemanticVersion: Hashable, Sendable, CustomStringConvertible {
    public var major: VersionNumber
    public var minor: VersionNumber
    public var patch: VersionNumber
    public var prerelease: [PrereleaseIdentifier]
    public var build: [String]

    public init(major: VersionNumber, minor: VersionNumber, patch: VersionNumber,
                prerelease: [PrereleaseIdentifier] = [], build: [String] = []) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.build = build
    }

    public init(_ major: Int, _ minor: Int, _ patch: Int, prerelease: [PrereleaseIdentifier] = [], build: [String] = []) {
        self.init(major: VersionNumber(major), minor: VersionNumber(minor), patch: VersionNumber(patch),
                  prerelease: prerelease, build: build)
    }

    /// Parses the whole text as one version; anything else is a `SemverError` naming the fault and its column.
    /// Throws only `SemverError`.
    public init(parsing text: String) throws {
        var s = SemverScanner(text, kind: "version")
        self = try SemanticVersion.read(&s)
    }

    /// nil for anything that is not a valid version.
    public static func valid(_ text: String) -> SemanticVersion? { try? SemanticVersion(parsing: text) }

    private static func read(_ s: inout SemverScanner) throws -> SemanticVersion {
        guard let first = s.peek else {
            throw s.error("empty version: expected MAJOR.MINOR.PATCH", at: 0, hint: "e.g. 1.0.0")
        }
        if first == UInt8(ascii: "v") || first == UInt8(ascii: "V") || first == UInt8(ascii: "=") {
            let rest = String(decoding: s.bytes.dropFirst(), as: UTF8.self)
            let fix = SemanticVersion.valid(rest).map { "write \($0)" } ?? "leave it out"
            throw s.error("a '\(Character(UnicodeScalar(first)))' prefix is not part of SemVer: \(fix)", at: 0)
        }
        if first == 32 || first == 9 || first == 10 || first == 13 {
            throw s.error("a version does not start with whitespace", at: 0, hint: "trim the text first")
        }
        let major = try s.number("major version")
        try expectDot(&s, after: "major", example: "\(major).0.0")
        let minor = try s.number("minor version")
        try expectDot(&s, after: "minor", example: "\(major).\(minor).0")
        let patch = try s.number("patch version")
        var prerelease: [PrereleaseIdentifier] = []
        var build: [String] = []
        if s.peek == UInt8(ascii: "-") {
            s.i += 1
            prerelease = SemverScanner.prereleaseIdentifiers(
                try s.identifiers(prerelease: true, stops: { $0 == UInt8(ascii: "+") }))
        }
        if s.peek == UInt8(ascii: "+") {
            s.i += 1
            build = try s.identifiers(prerelease: false, stops: { _ in false })
        }
        if let b = s.peek {
            let c = s.character(at: s.i)
            if b == 32 || b == 9 || b == 10 || b == 13 {
                throw s.error("unexpected whitespace after the version", at: s.i, hint: "trim the text first")
            }
            if b == UInt8(ascii: ".") && prerelease.isEmpty && build.isEmpty {
                throw s.error("a version has exactly three numbers: unexpected '.' after the patch version", at: s.i,
                              hint: "a pre-release starts with '-' (1.0.0-rc.1), build metadata with '+' (1.0.0+build.1)")
            }
            throw s.error("unexpected '\(c)' after the patch version", at: s.i,
                          hint: "a pre-release starts with '-' (1.0.0-rc.1), build metadata with '+' (1.0.0+build.1)")
        }
        return SemanticVersion(major: major, minor: minor, patch: patch, prerelease: prerelease, build: build)
    }

    private static func expectDot(_ s: inout SemverScanner, after part: String, example: String) throws {
        if s.atEnd {
            throw s.error("the version ends after the \(part) version: SemVer needs MAJOR.MINOR.PATCH", at: s.i,
                          hint: "write \(example)")
        }
        guard s.peek == UInt8(ascii: ".") else {
            if SemverScanner.isDigit(s.peek!) == false {
                throw s.error("expected '.' after the \(part) version, found '\(s.character(at: s.i))'", at: s.i)
            }
            throw s.error("expected '.' after the \(part) version", at: s.i)
        }
        s.i += 1
    }

    public var isPrerelease: Bool { !prerelease.isEmpty }

    /// The canonical text; for a parsed version, exactly the text it was parsed from.
    public var description: String {
        var s = "\(major.digits).\(minor.digits).\(patch.digits)"
        if !prerelease.isEmpty {
            s += "-"
            for (n, id) in prerelease.enumerated() {
                if n > 0 { s += "." }
                s += id.description
            }
        }
        if !build.isEmpty { s += "+" + build.joined(separator: ".") }
        return s
    }

    /// The version without build metadata, what precedence looks at.
    public var withoutBuild: SemanticVersion {
        SemanticVersion(major: major, minor: minor, patch: patch, prerelease: prerelease)
    }

    /// Precedence by SemVer section 11: -1, 0 or 1. Numbers compare numerically; a version with a pre-release
    /// is lower than the same version without; pre-releases compare identifier by identifier, and a longer one
    /// wins when all before are equal. Build metadata is ignored: 1.0.0+a and 1.0.0+b compare 0.
    public static func compare(_ a: SemanticVersion, _ b: SemanticVersion) -> Int {
        var c = VersionNumber.compare(a.major, b.major)
        if c != 0 { return c }
        c = VersionNumber.compare(a.minor, b.minor)
        if c != 0 { return c }
        c = VersionNumber.compare(a.patch, b.patch)
        if c != 0 { return c }
        return comparePrerelease(a.prerelease, b.prerelease)
    }

    static func comparePrerelease(_ a: [PrereleaseIdentifier], _ b: [PrereleaseIdentifier]) -> Int {
        if a.isEmpty || b.isEmpty { return a.isEmpty == b.isEmpty ? 0 : (a.isEmpty ? 1 : -1) }
        for (x, y) in zip(a, b) {
            let c = PrereleaseIdentifier.compare(x, y)
            if c != 0 { return c }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Whether the two have the same MAJOR.MINOR.PATCH (npm's pre-release rule for ranges looks at this).
    func sameTuple(_ other: SemanticVersion) -> Bool {
        major == other.major && minor == other.minor && patch == other.patch
    }
}
