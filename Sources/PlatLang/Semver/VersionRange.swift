/// A set of versions written in npm's range grammar (the node-semver README's BNF):
///
///     range-set  ::= range ( logical-or range ) *
///     logical-or ::= ( ' ' ) * '||' ( ' ' ) *
///     range      ::= hyphen | simple ( ' ' simple ) * | ''
///     hyphen     ::= partial ' - ' partial
///     simple     ::= primitive | partial | tilde | caret
///     primitive  ::= ( '<' | '>' | '>=' | '<=' | '=' ) partial
///     partial    ::= xr ( '.' xr ( '.' xr qualifier ? )? )?
///     xr         ::= 'x' | 'X' | '*' | nr
///     tilde      ::= '~' partial
///     caret      ::= '^' partial
///
/// Each simple range becomes plain comparators the way node-semver desugars it (`^1.2.3` is `>=1.2.3
/// <2.0.0-0`, `1.2.x` is `>=1.2.0 <1.3.0-0`, `1.2 - 2` is `>=1.2.0 <3.0.0-0`...), so matching is a list of
/// comparisons. A version satisfies the range when it satisfies every comparator of one `||` alternative, and,
/// if it is a pre-release, when that alternative also has a comparator with a pre-release on the same
/// MAJOR.MINOR.PATCH (npm's rule: `>=1.2.3-beta.1` admits 1.2.3-beta.2 but not 1.2.4-beta.1).
///
/// Where this is stricter than node-semver: versions inside a range follow SemVer's grammar too (no `v` or
/// leading zeros; npm's loose mode is not offered), a pre-release or build on an X-range (`1.x-beta`) is an
/// error rather than silently dropped, and a hyphen range stands alone between `||`. Like node-semver, spaces
/// may follow an operator (`>= 1.2.3`).
public struct VersionRange: Sendable, CustomStringConvertible {
    /// The `||` alternatives, each a list of comparators that must all hold.
    public let alternatives: [[VersionComparator]]
    /// The text it was parsed from.
    public let source: String

    public init(parsing text: String) throws {
        source = text
        var p = RangeParser(text)
        alternatives = try p.rangeSet()
    }

    public func isSatisfied(by version: SemanticVersion) -> Bool {
        alternatives.contains { VersionRange.allHold($0, version) }
    }

    static func allHold(_ comparators: [VersionComparator], _ v: SemanticVersion) -> Bool {
        for c in comparators where !c.matches(v) { return false }
        guard v.isPrerelease else { return true }
        for c in comparators {
            if c.version.isPrerelease && c.version.sameTuple(v) { return true }
        }
        return false
    }

    /// The desugared form, comparators joined by spaces and alternatives by ` || ` (`*` for "any release").
    public var description: String {
        alternatives.map { alt in alt.isEmpty ? "*" : alt.map(\.description).joined(separator: " ") }
            .joined(separator: " || ")
    }
}

/// One comparison of a range: `>=1.2.3`, `<2.0.0-0`, or `=1.2.3` (exact precedence).
public struct VersionComparator: Sendable, CustomStringConvertible {
    public enum Operator: String, Sendable {
        case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "="
    }
    public let op: Operator
    /// The bound. npm's "nothing matches" (`>*`) is `<0.0.0-0`: no version precedes 0.0.0-0.
    public let version: SemanticVersion

    init(_ op: Operator, _ version: SemanticVersion) {
        self.op = op
        self.version = version
    }

    func matches(_ v: SemanticVersion) -> Bool {
        let c = SemanticVersion.compare(v, version)
        switch op {
        case .less: return c < 0
        case .lessOrEqual: return c <= 0
        case .greater: return c > 0
        case .greaterOrEqual: return c >= 0
        case .equal: return c == 0
        }
    }

    public var description: String { "\(op == .equal ? "" : op.rawValue)\(version)" }
}
