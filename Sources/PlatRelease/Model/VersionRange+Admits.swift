import PlatLang

extension VersionRange {
    /// Whether `version` is inside the range by precedence alone: every comparator of one `||` alternative
    /// holds, pre-release or not (npm's `includePrerelease`). Release gates use this so that `2.2.0-beta.1`
    /// satisfies `^2.1` in a staging environment.
    public func admits(_ version: SemanticVersion) -> Bool {
        alternatives.contains { alternative in
            alternative.allSatisfy { c in
                let r = SemanticVersion.compare(version, c.version)
                switch c.op {
                case .less: return r < 0
                case .lessOrEqual: return r <= 0
                case .greater: return r > 0
                case .greaterOrEqual: return r >= 0
                case .equal: return r == 0
                }
            }
        }
    }
}
