extension SemanticVersion {
    /// The positions of `versions` in precedence order (newest last, or first when `descending`). Stable:
    /// versions of equal precedence (1.0.0+a, 1.0.0+b) keep their input order either way, as Python's
    /// `sorted(..., reverse=True)` and npm's `semver.sort`/`rsort` callers expect of a sort by key.
    public static func precedenceOrder(_ versions: [SemanticVersion], descending: Bool = false) -> [Int] {
        var order = Array(versions.indices)
        order.sort { i, j in
            let c = compare(versions[i], versions[j])
            if c != 0 { return descending ? c > 0 : c < 0 }
            return i < j
        }
        return order
    }
}
