extension SemanticVersion {
    /// The positions of `versions` in precedence order (newest last, or first when `descending`). Stable:
    /// versions of equal precedence (1.0.0+a, 1.0.0+b) keep their input order either way, as Python's
    /// `sorted(..., reverse=True)` and npm's `semver.sort`/`rsort` callers expect of a sort by key.
    public static func precedenceOrder(_ versions: [SemanticVersion], descending: Bool = false) -> [Int] {
        // Most comparisons are settled by MAJOR.MINOR.PATCH and release-or-not: compare those as plain integers
        // from a small array, and touch the full versions (strings, arrays, reference counts) only on ties.
        let keys = versions.map(PrecedenceKey.init)
        var order = Array(versions.indices)
        versions.withUnsafeBufferPointer { full in
            keys.withUnsafeBufferPointer { key in
                order.sort { i, j in
                    var c = PrecedenceKey.compare(key[i], key[j])
                    if c == nil { c = compare(full[i], full[j]) }
                    if c != 0 { return descending ? c! > 0 : c! < 0 }
                    return i < j
                }
            }
        }
        return order
    }
}

/// MAJOR.MINOR.PATCH as integers and whether the version is a release: enough to order two versions unless
/// both are pre-releases of one tuple or a number needs more than 64 bits.
private struct PrecedenceKey {
    var major: UInt64
    var minor: UInt64
    var patch: UInt64
    /// 1 for a release, 0 for a pre-release (a release of the same tuple comes after).
    var release: UInt8
    /// False when a number is beyond 64 bits: then only the full comparison can tell.
    var exact: Bool

    init(_ v: SemanticVersion) {
        major = v.major.small ?? 0
        minor = v.minor.small ?? 0
        patch = v.patch.small ?? 0
        release = v.isPrerelease ? 0 : 1
        exact = v.major.small != nil && v.minor.small != nil && v.patch.small != nil
    }

    /// -1, 0 or 1 when the keys decide; nil when the full versions must be compared.
    static func compare(_ a: PrecedenceKey, _ b: PrecedenceKey) -> Int? {
        guard a.exact && b.exact else { return nil }
        if a.major != b.major { return a.major < b.major ? -1 : 1 }
        if a.minor != b.minor { return a.minor < b.minor ? -1 : 1 }
        if a.patch != b.patch { return a.patch < b.patch ? -1 : 1 }
        if a.release != b.release { return a.release < b.release ? -1 : 1 }
        return a.release == 1 ? 0 : nil
    }
}
