/// One dot-separated part of a pre-release: `alpha`, `1`, `x-7`. SemVer section 11.4: numeric identifiers
/// compare as numbers, alphanumeric ones in ASCII order, and a numeric one is lower than an alphanumeric one.
public enum PrereleaseIdentifier: Hashable, Sendable, CustomStringConvertible {
    case numeric(VersionNumber)
    case alphanumeric(String)

    public var description: String {
        switch self {
        case .numeric(let n): return n.digits
        case .alphanumeric(let s): return s
        }
    }

    public static func compare(_ a: PrereleaseIdentifier, _ b: PrereleaseIdentifier) -> Int {
        switch (a, b) {
        case (.numeric(let x), .numeric(let y)): return VersionNumber.compare(x, y)
        case (.numeric, .alphanumeric): return -1
        case (.alphanumeric, .numeric): return 1
        case (.alphanumeric(let x), .alphanumeric(let y)):
            // ASCII order is byte order; Swift's String < would use Unicode rules, which agree here but cost more.
            if x == y { return 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        }
    }
}
