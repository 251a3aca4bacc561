/// Equality is structural and never fails across types; an int equals a float of the same numeric value
/// (so `1 == 1.0`), and hashing agrees with that so either can find the other as a map key.
extension Value: Equatable, Hashable {
    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.float(x), .float(y)): return x == y
        case let (.int(x), .float(y)): return Double(x) == y && Double(exactly: x) != nil
        case let (.float(x), .int(y)): return x == Double(y) && Double(exactly: y) != nil
        case let (.string(x), .string(y)): return x == y
        case let (.duration(x), .duration(y)): return x == y
        case let (.size(x), .size(y)): return x == y
        case let (.list(x), .list(y)): return x == y
        case let (.map(x), .map(y)):
            if x === y { return true }
            if x.count != y.count { return false }
            for (k, v) in x.pairs {
                guard let w = y.get(k), w == v else { return false }
            }
            return true
        case let (.closure(x), .closure(y)): return x === y
        case let (.builtin(x), .builtin(y)): return x === y
        case let (.module(x), .module(y)): return x === y
        case let (.secret(x), .secret(y)): return x === y
        default: return false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .null: h.combine(0)
        case .bool(let b): h.combine(b)
        case .int(let i): h.combine(i)
        case .float(let d):
            if let i = Int(exactly: d) { h.combine(i) } else { h.combine(d) }
        case .string(let s): h.combine(s)
        case .duration(let d): h.combine(1); h.combine(d)
        case .size(let s): h.combine(2); h.combine(s)
        case .list(let xs): h.combine(xs)
        case .map(let m):
            h.combine(m.count)
            for (k, _) in m.pairs { h.combine(k) }
        case .closure(let c): h.combine(ObjectIdentifier(c))
        case .builtin(let b): h.combine(ObjectIdentifier(b))
        case .module(let m): h.combine(ObjectIdentifier(m))
        case .secret(let s): h.combine(ObjectIdentifier(s))
        }
    }
}
