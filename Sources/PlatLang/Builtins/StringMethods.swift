/// String methods. Strings are immutable, so every method returns a new value. Positions and lengths count
/// characters (what a reader sees), like `len` and indexing.
extension Methods {
    static func callStringMethod(_ name: MethodName, on s: String, _ args: Arguments) throws -> Value {
        let p = args.positional
        if args.named.isEmpty, p.count <= 2,
           let r = try fastStringMethod(name, on: s, p.count, p.count > 0 ? p[0] : .null, p.count > 1 ? p[1] : .null) {
            return r
        }
        let f = name.rawValue
        switch name {
        case .split:
            let b = try args.bind(f, ["sep"], required: 0)
            guard let sepValue = b[0], !sepValue.isNil else {
                return .list(s.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
            }
            let sep = try sepValue.expectString(f, "sep")
            guard !sep.isEmpty else {
                throw RuntimeError("split() separator must not be empty", hint: "use s.chars() for the characters")
            }
            return .list(split(s, by: sep).map { .string($0) })
        case .join:
            let items = try args.one(f, "items").expectList(f, "items")
            return .string(join(items, separator: s))
        case .upper:
            try args.none(f)
            return .string(s.uppercased())
        case .lower:
            try args.none(f)
            return .string(s.lowercased())
        case .trim:
            try args.none(f)
            return .string(s.trimmingWhitespace())
        case .trimStart:
            try args.none(f)
            return .string(String(s.drop(while: { $0.isWhitespace })))
        case .trimEnd:
            try args.none(f)
            guard let last = s.lastIndex(where: { !$0.isWhitespace }) else { return .string("") }
            return .string(String(s[...last]))
        case .startsWith:
            return .bool(s.hasPrefix(try args.one(f, "prefix").expectString(f, "prefix")))
        case .endsWith:
            return .bool(s.hasSuffix(try args.one(f, "suffix").expectString(f, "suffix")))
        case .contains:
            let sub = try args.one(f, "sub").expectString(f, "sub")
            return .bool(sub.isEmpty || s.contains(sub))
        case .replace:
            let (o, n) = try args.two(f, "old", "new")
            let old = try o.expectString(f, "old"), new = try n.expectString(f, "new")
            guard !old.isEmpty else { throw RuntimeError("replace() needs a non-empty string to replace") }
            return .string(split(s, by: old).joined(separator: new))
        case .lines:
            try args.none(f)
            return .list(lines(s).map { .string($0) })
        case .find:
            let sub = try args.one(f, "sub").expectString(f, "sub")
            guard let r = s.firstRange(of: sub) else { return .int(sub.isEmpty ? 0 : -1) }
            return .int(s.distance(from: s.startIndex, to: r.lowerBound))
        case .count:
            let sub = try args.one(f, "sub").expectString(f, "sub")
            guard !sub.isEmpty else { throw RuntimeError("count() needs a non-empty string to count") }
            return .int(split(s, by: sub).count - 1)
        case .chars:
            try args.none(f)
            var out: [Value] = []
            out.reserveCapacity(s.utf8.count)
            for c in s { out.append(.string(String(c))) }
            return .list(out)
        default:
            throw noMethod(f, on: "string")
        }
    }

    /// Splits on every occurrence of a non-empty separator, keeping empty pieces (`"a,,b"` → a, "", b).
    static func split(_ s: String, by sep: String) -> [String] {
        var out: [String] = []
        var rest = s[...]
        while let r = rest.firstRange(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }

    /// The lines of `s` without their terminators (`\n`, `\r\n`, `\r`); a final terminator does not make an
    /// extra empty line.
    static func lines(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        for c in s {
            if c.isNewline {
                out.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
