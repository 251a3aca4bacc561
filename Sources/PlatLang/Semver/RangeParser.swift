/// Reads npm's range grammar (see `VersionRange`) and desugars every simple range into comparators the way
/// node-semver does. Errors carry the column in the whole range text.
struct RangeParser {
    private var s: SemverScanner

    init(_ text: String) {
        s = SemverScanner(text, kind: "range")
    }

    /// A run of non-blank bytes, or `||`. `start..<end` are byte offsets.
    private struct Token {
        var start: Int
        var end: Int
        var isOr: Bool
    }

    private static func isBlank(_ b: UInt8) -> Bool { b == 32 || b == 9 }
    private static let bar = UInt8(ascii: "|")

    mutating func rangeSet() throws -> [[VersionComparator]] {
        var alternatives: [[VersionComparator]] = []
        var current: [Token] = []
        for t in try tokens() {
            if t.isOr {
                alternatives.append(try range(current))
                current = []
            } else {
                current.append(t)
            }
        }
        alternatives.append(try range(current))
        return alternatives
    }

    private func tokens() throws -> [Token] {
        let b = s.bytes
        var out: [Token] = []
        var i = 0
        while i < b.count {
            if RangeParser.isBlank(b[i]) {
                i += 1
            } else if b[i] == RangeParser.bar {
                guard i + 1 < b.count, b[i + 1] == RangeParser.bar else {
                    throw s.error("a single '|': alternatives are separated by '||'", at: i, hint: "^1.2 || ^2.0")
                }
                out.append(Token(start: i, end: i + 2, isOr: true))
                i += 2
            } else {
                let start = i
                while i < b.count, !RangeParser.isBlank(b[i]), b[i] != RangeParser.bar {
                    if b[i] < 32 || b[i] == 127 {
                        throw s.error("control character in a range", at: i)
                    }
                    i += 1
                }
                out.append(Token(start: start, end: i, isOr: false))
            }
        }
        return out
    }

    /// One `||` alternative: empty (any release), a hyphen range, or simple ranges separated by spaces.
    private mutating func range(_ tokens: [Token]) throws -> [VersionComparator] {
        let words = tokens.map { String(decoding: s.bytes[$0.start..<$0.end], as: UTF8.self) }
        if let dash = words.firstIndex(of: "-") {
            guard tokens.count == 3, dash == 1 else {
                throw s.error("a hyphen range is 'FROM - TO', alone between '||'", at: tokens[dash].start,
                              hint: "1.2.3 - 2.3.4, or write comparators: >=1.2.3 <=2.3.4")
            }
            let from = try partial(at: tokens[0].start, end: tokens[0].end)
            let to = try partial(at: tokens[2].start, end: tokens[2].end)
            return hyphen(from, to)
        }
        var out: [VersionComparator] = []
        var k = 0
        while k < tokens.count {
            var t = tokens[k]
            var versionStart = t.start + operatorLength(at: t.start, end: t.end)
            if versionStart == t.end {
                // An operator standing alone (`>= 1.2.3`): npm reads it with the next word.
                guard k + 1 < tokens.count else {
                    throw s.error("'\(words[k])' needs a version after it", at: t.end, hint: "e.g. \(words[k])1.2.3")
                }
                k += 1
                versionStart = tokens[k].start
                t.end = tokens[k].end
            }
            out += try simple(opStart: t.start, versionStart: versionStart, end: t.end)
            k += 1
        }
        return out
    }

    /// The byte length of the operator at `at`: `<= >= < > = ~ ^`, or 0.
    private func operatorLength(at i: Int, end: Int) -> Int {
        let b = s.bytes
        switch b[i] {
        case UInt8(ascii: "<"), UInt8(ascii: ">"):
            return i + 1 < end && b[i + 1] == UInt8(ascii: "=") ? 2 : 1
        case UInt8(ascii: "="), UInt8(ascii: "~"), UInt8(ascii: "^"):
            return 1
        default:
            return 0
        }
    }

    /// MAJOR.MINOR.PATCH where any part may be x, X or * (or left out), with a qualifier only on a full version.
    struct Partial {
        var major: VersionNumber?
        var minor: VersionNumber?
        var patch: VersionNumber?
        var prerelease: [PrereleaseIdentifier] = []
        var build: [String] = []
        var isFull: Bool { patch != nil }
        var version: SemanticVersion {
            SemanticVersion(major: major!, minor: minor!, patch: patch!, prerelease: prerelease, build: build)
        }
    }

    private mutating func partial(at start: Int, end: Int) throws -> Partial {
        s.i = start
        var p = Partial()
        if start < end, let b = s.peek, b == UInt8(ascii: "v") || b == UInt8(ascii: "V") {
            let rest = String(decoding: s.bytes[(start + 1)..<end], as: UTF8.self)
            throw s.error("a 'v' prefix is not part of SemVer: write \(rest)", at: start)
        }
        let names = ["major version", "minor version", "patch version"]
        var parts: [VersionNumber?] = []
        var sawX = false
        while parts.count < 3 {
            guard s.i < end else {
                throw s.error("missing \(names[parts.count]) after '.'", at: s.i, hint: "write \(parts.count == 0 ? "*" : "x") for any")
            }
            let b = s.bytes[s.i]
            if b == UInt8(ascii: "x") || b == UInt8(ascii: "X") || b == UInt8(ascii: "*") {
                s.i += 1
                parts.append(nil)
                sawX = true
            } else {
                let at = s.i
                let n = try s.number(names[parts.count])
                if sawX {
                    throw s.error("a number after a wildcard: once a part is x, the later ones are too", at: at,
                                  hint: "write \(String(decoding: s.bytes[start..<at], as: UTF8.self))x")
                }
                parts.append(n)
            }
            guard parts.count < 3, s.i < end, s.bytes[s.i] == UInt8(ascii: ".") else { break }
            s.i += 1
        }
        while parts.count < 3 { parts.append(nil) }
        p.major = parts[0]
        p.minor = parts[1]
        p.patch = parts[2]
        if s.i < end, s.bytes[s.i] == UInt8(ascii: "-") || s.bytes[s.i] == UInt8(ascii: "+") {
            guard p.patch != nil else {
                throw s.error("a pre-release or build needs a full MAJOR.MINOR.PATCH", at: s.i,
                              hint: "e.g. >=1.2.0-beta.1")
            }
            let stop: (UInt8) -> Bool = { RangeParser.isBlank($0) || $0 == RangeParser.bar }
            if s.bytes[s.i] == UInt8(ascii: "-") {
                s.i += 1
                p.prerelease = SemverScanner.prereleaseIdentifiers(
                    try s.identifiers(prerelease: true, stops: { stop($0) || $0 == UInt8(ascii: "+") }))
            }
            if s.i < end, s.bytes[s.i] == UInt8(ascii: "+") {
                s.i += 1
                p.build = try s.identifiers(prerelease: false, stops: stop)
            }
        }
        if s.i < end {
            let c = s.character(at: s.i)
            if c == "." && p.isFull {
                throw s.error("a version has exactly three numbers: unexpected '.'", at: s.i)
            }
            throw s.error("unexpected '\(c)' in a version", at: s.i,
                          hint: "ranges are like ^1.2.3, ~1.2, >=1.0.0 <2.0.0, 1.2.x, 1.2.3 - 2.3.4, joined by ||")
        }
        return p
    }

    /// A primitive, tilde, caret or bare partial, desugared.
    private mutating func simple(opStart: Int, versionStart: Int, end: Int) throws -> [VersionComparator] {
        let op = String(decoding: s.bytes[opStart..<(opStart + operatorLength(at: opStart, end: end))], as: UTF8.self)
        if op == "~", versionStart < end, s.bytes[versionStart] == UInt8(ascii: ">") {
            throw s.error("'~>' is not npm's range grammar", at: opStart, hint: "write ~ (tilde): ~1.2.3")
        }
        if versionStart < end, operatorLength(at: versionStart, end: end) > 0 {
            throw s.error("two operators in a row", at: versionStart)
        }
        guard versionStart < end else {
            throw s.error("'\(op)' needs a version after it", at: end, hint: "e.g. \(op)1.2.3")
        }
        let p = try partial(at: versionStart, end: end)
        switch op {
        case "~": return tilde(p)
        case "^": return caret(p)
        case "": return xRange(p)
        default: return primitive(op, p)
        }
    }

    // MARK: - Desugaring, after node-semver's replaceTilde, replaceCaret, replaceXRange and hyphenReplace

    private static func v(_ M: VersionNumber, _ m: VersionNumber, _ p: VersionNumber) -> SemanticVersion {
        SemanticVersion(major: M, minor: m, patch: p)
    }

    /// `M.m.p-0`: the lowest version of that tuple, used as an exclusive upper bound so that the bound's own
    /// pre-releases stay out.
    private static func floor(_ M: VersionNumber, _ m: VersionNumber, _ p: VersionNumber) -> SemanticVersion {
        SemanticVersion(major: M, minor: m, patch: p, prerelease: [.numeric(.zero)])
    }

    private func xRange(_ p: Partial) -> [VersionComparator] {
        guard let M = p.major else { return [] }
        guard let m = p.minor else {
            return [.init(.greaterOrEqual, Self.v(M, .zero, .zero)), .init(.less, Self.floor(M.incremented(), .zero, .zero))]
        }
        guard p.patch != nil else {
            return [.init(.greaterOrEqual, Self.v(M, m, .zero)), .init(.less, Self.floor(M, m.incremented(), .zero))]
        }
        return [.init(.equal, p.version)]
    }

    private func primitive(_ op: String, _ p: Partial) -> [VersionComparator] {
        if op == "=" { return xRange(p) }
        let kind: VersionComparator.Operator = op == "<" ? .less : op == "<=" ? .lessOrEqual : op == ">" ? .greater : .greaterOrEqual
        if p.isFull { return [.init(kind, p.version)] }
        guard let M = p.major else {
            // `>*` and `<*` match nothing; `>=*` and `<=*` anything.
            return kind == .less || kind == .greater ? [.init(.less, Self.floor(.zero, .zero, .zero))] : []
        }
        let minorIsX = p.minor == nil
        let m = p.minor ?? .zero
        switch kind {
        case .greater:
            return [.init(.greaterOrEqual, minorIsX ? Self.v(M.incremented(), .zero, .zero) : Self.v(M, m.incremented(), .zero))]
        case .lessOrEqual:
            return [.init(.less, minorIsX ? Self.floor(M.incremented(), .zero, .zero) : Self.floor(M, m.incremented(), .zero))]
        case .less:
            return [.init(.less, Self.floor(M, m, .zero))]
        default:
            return [.init(.greaterOrEqual, Self.v(M, m, .zero))]
        }
    }

    private func tilde(_ p: Partial) -> [VersionComparator] {
        guard let M = p.major else { return [] }
        guard let m = p.minor else { return xRange(p) }
        let low = p.isFull ? p.version : Self.v(M, m, .zero)
        return [.init(.greaterOrEqual, low), .init(.less, Self.floor(M, m.incremented(), .zero))]
    }

    private func caret(_ p: Partial) -> [VersionComparator] {
        guard let M = p.major else { return [] }
        guard let m = p.minor else { return xRange(p) }
        let low = p.isFull ? p.version : Self.v(M, m, .zero)
        let high: SemanticVersion
        if !M.isZero {
            high = Self.floor(M.incremented(), .zero, .zero)
        } else if !m.isZero || p.patch == nil {
            high = Self.floor(M, m.incremented(), .zero)
        } else {
            high = Self.floor(M, m, p.patch!.incremented())
        }
        return [.init(.greaterOrEqual, low), .init(.less, high)]
    }

    private func hyphen(_ from: Partial, _ to: Partial) -> [VersionComparator] {
        var out: [VersionComparator] = []
        if let M = from.major {
            out.append(.init(.greaterOrEqual, from.isFull ? from.version : Self.v(M, from.minor ?? .zero, .zero)))
        }
        if let M = to.major {
            if let m = to.minor {
                out.append(to.isFull ? .init(.lessOrEqual, to.version) : .init(.less, Self.floor(M, m.incremented(), .zero)))
            } else {
                out.append(.init(.less, Self.floor(M.incremented(), .zero, .zero)))
            }
        }
        return out
    }
}
