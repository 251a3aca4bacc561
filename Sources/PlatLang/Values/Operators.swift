/// The meaning of every operator on every pair of values. The interpreter calls these for anything its
/// specialised fast paths do not cover, so the common int cases come first in each function.
public enum Operators {
    /// Lists and strings built by `*` (and ranges) may not exceed this many elements: a typo such as
    /// `"-" * 10000000000` must be an error, not an out-of-memory kill of the whole engine.
    public static let maxElements = 100_000_000

    /// Every binary operator except `and`/`or` (the interpreter short-circuits those) on any two values.
    /// `and`/`or` are still answered here, strictly on booleans, for callers without short-circuiting.
    public static func binary(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value {
        // The common int cases first; an overflow falls through to the general rules, which report it.
        if case .int(let x) = a, case .int(let y) = b, let r = intOperation(op, x, y) { return r }
        switch op {
        case .add: return try add(a, b)
        case .sub: return try subtract(a, b)
        case .mul: return try multiply(a, b)
        case .div: return try divide(a, b)
        case .floorDiv: return try floorDivide(a, b)
        case .mod: return try modulo(a, b)
        case .eq: return .bool(a == b)
        case .ne: return .bool(a != b)
        case .lt: return .bool(try ordered(a, b) { $0 < 0 })
        case .le: return .bool(try ordered(a, b) { $0 <= 0 })
        case .gt: return .bool(try ordered(a, b) { $0 > 0 })
        case .ge: return .bool(try ordered(a, b) { $0 >= 0 })
        case .inOp: return .bool(try contains(b, a))
        case .notIn: return .bool(!(try contains(b, a)))
        case .and, .or:
            guard case .bool(let x) = a, case .bool(let y) = b else {
                let bad = a.isBool ? b : a
                throw RuntimeError("'\(op.rawValue)' expects bools, got \(bad.typeName)",
                                   hint: "conditions are strict: compare explicitly, e.g. x != nil or len(xs) > 0")
            }
            return .bool(op == .and ? (x && y) : (x || y))
        }
    }

    /// `a += b` and friends with the target moved in: strings and lists grow in place when `a` holds the only
    /// reference, so a loop of appends is linear instead of quadratic. Other operators fall back to `binary`.
    public static func binaryInPlace(_ op: BinaryOp, _ a: inout Value, _ b: Value) throws {
        if op == .add {
            if case .string(var s) = a, case .string(let t) = b {
                a = .null  // drop the enum's reference so `s` is unique and appends without copying
                s += t
                a = .string(s)
                return
            }
            if case .list(var xs) = a, case .list(let ys) = b {
                a = .null
                xs.append(contentsOf: ys)
                a = .list(xs)
                return
            }
        }
        a = try binary(op, a, b)
    }

    public static func negate(_ v: Value) throws -> Value {
        switch v {
        case .int(let x):
            return .int(try checked(Int(0).subtractingReportingOverflow(x)))
        case .float(let x): return .float(-x)
        case .duration(let x): return .duration(try checked64(Int64(0).subtractingReportingOverflow(x)))
        case .size(let x): return .size(try checked64(Int64(0).subtractingReportingOverflow(x)))
        default:
            throw RuntimeError("cannot negate \(v.typeName)", hint: "unary '-' works on ints, floats, durations and sizes")
        }
    }

    // MARK: - Arithmetic

    static func add(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)): return .int(try checked(x.addingReportingOverflow(y)))
        case let (.float(x), .float(y)): return .float(x + y)
        case let (.int(x), .float(y)): return .float(Double(x) + y)
        case let (.float(x), .int(y)): return .float(x + Double(y))
        case let (.string(x), .string(y)):
            // The cap `*` has: doubling a large string in a loop would otherwise exhaust memory and abort.
            guard x.utf8.count + y.utf8.count <= maxElements else { throw tooLarge("string") }
            return .string(x + y)
        case let (.list(x), .list(y)):
            guard x.count + y.count <= maxElements else { throw tooLarge("list") }
            return .list(x + y)
        case let (.map(x), .map(y)):
            let merged = MapStorage(copying: x)
            for (k, v) in y.pairs { merged.set(k, v) }
            return .map(merged)
        case let (.duration(x), .duration(y)): return .duration(try checked64(x.addingReportingOverflow(y)))
        case let (.size(x), .size(y)): return .size(try checked64(x.addingReportingOverflow(y)))
        default:
            throw mismatch("cannot add \(a.typeName) and \(b.typeName)", a, b)
        }
    }

    static func subtract(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)): return .int(try checked(x.subtractingReportingOverflow(y)))
        case let (.float(x), .float(y)): return .float(x - y)
        case let (.int(x), .float(y)): return .float(Double(x) - y)
        case let (.float(x), .int(y)): return .float(x - Double(y))
        case let (.duration(x), .duration(y)): return .duration(try checked64(x.subtractingReportingOverflow(y)))
        case let (.size(x), .size(y)): return .size(try checked64(x.subtractingReportingOverflow(y)))
        default:
            throw mismatch("cannot subtract \(b.typeName) from \(a.typeName)", a, b)
        }
    }

    static func multiply(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)): return .int(try checked(x.multipliedReportingOverflow(by: y)))
        case let (.float(x), .float(y)): return .float(x * y)
        case let (.int(x), .float(y)): return .float(Double(x) * y)
        case let (.float(x), .int(y)): return .float(x * Double(y))
        case let (.string(s), .int(n)), let (.int(n), .string(s)): return .string(try repeated(s, n))
        case let (.list(xs), .int(n)), let (.int(n), .list(xs)): return .list(try repeated(xs, n))
        case let (.duration(d), .int(n)), let (.int(n), .duration(d)):
            return .duration(try checked64(d.multipliedReportingOverflow(by: Int64(n))))
        case let (.duration(d), .float(f)), let (.float(f), .duration(d)):
            return .duration(try scaled(d, by: f, kind: "duration"))
        case let (.size(s), .int(n)), let (.int(n), .size(s)):
            return .size(try checked64(s.multipliedReportingOverflow(by: Int64(n))))
        case let (.size(s), .float(f)), let (.float(f), .size(s)):
            return .size(try scaled(s, by: f, kind: "size"))
        default:
            throw mismatch("cannot multiply \(a.typeName) by \(b.typeName)", a, b)
        }
    }

    static func divide(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case let (.duration(x), .duration(y)):
            guard y != 0 else { throw divisionByZero() }
            return .float(Double(x) / Double(y))
        case let (.size(x), .size(y)):
            guard y != 0 else { throw divisionByZero() }
            return .float(Double(x) / Double(y))
        case let (.duration(x), .int(n)): return .duration(try quotient(x, n, kind: "duration"))
        case let (.size(x), .int(n)): return .size(try quotient(x, n, kind: "size"))
        case let (.duration(x), .float(f)):
            guard f != 0 else { throw divisionByZero() }
            return .duration(try rounded(Double(x) / f, kind: "duration"))
        case let (.size(x), .float(f)):
            guard f != 0 else { throw divisionByZero() }
            return .size(try rounded(Double(x) / f, kind: "size"))
        default:
            guard let x = a.asDouble, let y = b.asDouble else {
                throw mismatch("cannot divide \(a.typeName) by \(b.typeName)", a, b)
            }
            guard y != 0 else { throw divisionByZero() }
            return .float(x / y)
        }
    }

    static func floorDivide(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)): return .int(try floorDiv(x, y))
        case let (.duration(x), .duration(y)), let (.size(x), .size(y)): return .int(try floorDiv(Int(x), Int(y)))
        case (.duration, .int), (.duration, .float), (.size, .int), (.size, .float):
            throw RuntimeError("cannot floor-divide \(a.typeName) by \(b.typeName)",
                               hint: "'/' divides a \(a.typeName) by a number; '//' takes two \(a.typeName)s and gives an int")
        default:
            guard let x = a.asDouble, let y = b.asDouble else {
                throw mismatch("cannot divide \(a.typeName) by \(b.typeName)", a, b)
            }
            guard y != 0 else { throw divisionByZero() }
            return .float(floatDivMod(x, y).div)
        }
    }

    static func modulo(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case let (.int(x), .int(y)): return .int(try floorMod(x, y))
        case let (.duration(x), .duration(y)): return .duration(Int64(try floorMod(Int(x), Int(y))))
        case let (.size(x), .size(y)): return .size(Int64(try floorMod(Int(x), Int(y))))
        default:
            guard let x = a.asDouble, let y = b.asDouble else {
                throw mismatch("cannot compute \(a.typeName) % \(b.typeName)", a, b)
            }
            guard y != 0 else { throw divisionByZero() }
            return .float(floatDivMod(x, y).mod)
        }
    }

    /// `x // y`, rounding toward negative infinity (`-7 // 2 == -4`).
    public static func floorDiv(_ x: Int, _ y: Int) throws -> Int {
        guard y != 0 else { throw divisionByZero() }
        let (q, overflow) = x.dividedReportingOverflow(by: y)  // only Int.min / -1 overflows
        if overflow { throw overflowError() }
        if x % y != 0 && ((x < 0) != (y < 0)) { return q - 1 }
        return q
    }

    /// `x % y` with the sign of `y`, so that `(x // y) * y + x % y == x` (`-7 % 2 == 1`).
    public static func floorMod(_ x: Int, _ y: Int) throws -> Int {
        guard y != 0 else { throw divisionByZero() }
        if y == -1 { return 0 }  // Int.min % -1 traps in Swift; mathematically it is 0
        let r = x % y
        if r != 0 && ((r < 0) != (y < 0)) { return r + y }
        return r
    }

    /// Floor division and modulo of floats with Python's rules (the remainder takes the divisor's sign;
    /// the quotient is corrected so that it is exactly the floor, even when `x - mod` rounds).
    static func floatDivMod(_ x: Double, _ y: Double) -> (div: Double, mod: Double) {
        var mod = x.truncatingRemainder(dividingBy: y)
        var div = (x - mod) / y
        if mod != 0 {
            if (y < 0) != (mod < 0) {
                mod += y
                div -= 1
            }
        } else {
            mod = Double(signOf: y, magnitudeOf: 0)
        }
        var floorDiv: Double
        if div != 0 {
            floorDiv = div.rounded(.down)
            if div - floorDiv > 0.5 { floorDiv += 1 }
        } else {
            floorDiv = Double(signOf: x / y, magnitudeOf: 0)
        }
        return (floorDiv, mod)
    }

    // MARK: - Comparison

    /// Ordering for <, sorted, min, max: -1, 0, 1; throws for unrelated types ("cannot compare int with string").
    /// NaN sorts after every other number (and equal to itself) so that sorting stays a total order.
    public static func compare(_ a: Value, _ b: Value) throws -> Int {
        switch (a, b) {
        case let (.int(x), .int(y)): return x < y ? -1 : (x == y ? 0 : 1)
        case let (.float(x), .float(y)): return compareDoubles(x, y)
        case let (.int(x), .float(y)): return compareIntDouble(x, y) ?? -1
        case let (.float(x), .int(y)): return -(compareIntDouble(y, x) ?? -1)
        case let (.string(x), .string(y)): return compareStrings(x, y)
        case let (.duration(x), .duration(y)), let (.size(x), .size(y)): return x < y ? -1 : (x == y ? 0 : 1)
        case let (.list(xs), .list(ys)):
            for i in 0..<min(xs.count, ys.count) {
                let c = try compare(xs[i], ys[i])
                if c != 0 { return c }
            }
            return xs.count < ys.count ? -1 : (xs.count == ys.count ? 0 : 1)
        default:
            throw RuntimeError("cannot compare \(a.typeName) with \(b.typeName)", hint: compareHint(a, b))
        }
    }

    /// Applies an ordering operator. Number pairs use IEEE rules (any comparison with NaN is false);
    /// everything else goes through `compare`.
    static func ordered(_ a: Value, _ b: Value, _ test: (Int) -> Bool) throws -> Bool {
        switch (a, b) {
        case let (.float(x), .float(y)):
            if x.isNaN || y.isNaN { return false }
            return test(x < y ? -1 : (x == y ? 0 : 1))
        case let (.int(x), .float(y)):
            guard let c = compareIntDouble(x, y) else { return false }
            return test(c)
        case let (.float(x), .int(y)):
            guard let c = compareIntDouble(y, x) else { return false }
            return test(-c)
        default:
            return test(try compare(a, b))
        }
    }

    static func compareDoubles(_ x: Double, _ y: Double) -> Int {
        if x < y { return -1 }
        if x > y { return 1 }
        if x == y { return 0 }
        // At least one NaN: NaN is the largest.
        if x.isNaN && y.isNaN { return 0 }
        return x.isNaN ? 1 : -1
    }

    /// Exact comparison of an int with a float (no rounding of large ints); nil when `d` is NaN.
    static func compareIntDouble(_ i: Int, _ d: Double) -> Int? {
        if d.isNaN { return nil }
        if d >= 9_223_372_036_854_775_808.0 { return -1 }
        if d < -9_223_372_036_854_775_808.0 { return 1 }
        let t = d.rounded(.towardZero)
        let ti = Int(t)  // in range: checked above
        if i < ti { return -1 }
        if i > ti { return 1 }
        if d > t { return -1 }
        if d < t { return 1 }
        return 0
    }

    /// Strings order by unicode scalar values; UTF-8 byte order is exactly that order.
    static func compareStrings(_ x: String, _ y: String) -> Int {
        if let c = TextBytes.compare(x, y) { return c }
        var i = x.utf8.makeIterator(), j = y.utf8.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (p?, q?): if p != q { return p < q ? -1 : 1 }
            }
        }
    }

    private static func compareHint(_ a: Value, _ b: Value) -> String? {
        let types = Set([a.typeName, b.typeName])
        if types.contains("string") && (types.contains("int") || types.contains("float")) {
            return "convert one side first, e.g. int(s) or str(n)"
        }
        if types.contains("duration") || types.contains("size") {
            return "durations and sizes compare only with their own kind, e.g. d > 5s"
        }
        return nil
    }

    // MARK: - Containers

    /// `item in container`.
    public static func contains(_ container: Value, _ item: Value) throws -> Bool {
        switch container {
        case .list(let xs): return xs.contains(item)
        case .map(let m): return m.contains(item)
        case .string(let s):
            guard case .string(let sub) = item else {
                throw RuntimeError("'in <string>' needs a string on the left, got \(item.typeName)",
                                   hint: "use str(x) in s to look for its text")
            }
            return sub.isEmpty || s.contains(sub)
        default:
            throw RuntimeError("'in' needs a list, map or string on the right, got \(container.typeName)")
        }
    }

    /// `container[index]`: lists (negative from the end), strings (character), maps (key; missing key is an error
    /// naming the key with did-you-mean and hint "use m.get(key, default)").
    public static func index(_ container: Value, _ index: Value) throws -> Value {
        switch container {
        case .list(let xs):
            return xs[try position(index, count: xs.count, of: "list")]
        case .map(let m):
            if let v = m.get(index) { return v }
            throw missingKey(index, in: m)
        case .string(let s):
            guard case .int(let i) = index else {
                throw RuntimeError("string index must be an int, got \(index.typeName)")
            }
            if let c = try TextBytes.withCharacterBytes(s, { bytes -> Value in
                let p = try position(index, count: bytes.count, of: "string")
                return .string(TextBuilder.string(UnsafeBufferPointer(rebasing: bytes[p ..< p + 1])))
            }) { return c }
            if i >= 0, let at = s.index(s.startIndex, offsetBy: i, limitedBy: s.endIndex), at != s.endIndex {
                return .string(String(s[at]))
            }
            let n = s.count
            let p = try position(index, count: n, of: "string")
            guard let at = s.index(s.startIndex, offsetBy: p, limitedBy: s.endIndex), at != s.endIndex else {
                throw RuntimeError("string index \(i) out of range (length \(n))")
            }
            return .string(String(s[at]))
        default:
            throw RuntimeError("cannot index \(container.typeName)", hint: "indexing works on lists, strings and maps")
        }
    }

    /// `container[index] = value` for lists (in range, negative allowed) and maps (insert or replace).
    /// When `container` holds the only reference, it is mutated in place.
    public static func setIndex(_ container: inout Value, _ index: Value, _ value: Value) throws {
        // A list or map is changed where it lies (`InPlace`): binding it out of `container` retained it and
        // released it again, two atomic operations per assignment.
        let done = try withUnsafeMutablePointer(to: &container) { p -> Bool in
            if let n = InPlace.list(at: p)?.count {
                let i = try position(index, count: n, of: "list")
                InPlace.modifyList(at: p) { $0[i] = value }
                return true
            }
            if InPlace.tag(at: p) == InPlace.mapTag {
                InPlace.uniqueMap(at: p)._withUnsafeGuaranteedRef { $0.set(index, value) }
                return true
            }
            return false
        }
        if done { return }
        // Tag tests rather than `switch container`: a switch would keep a second reference to the payload
        // alive, and the array or map storage could then never be mutated in place.
        if case .list(var items) = container {
            let i = try position(index, count: items.count, of: "list")
            container = .null  // leave `items` as the only reference so the store below does not copy
            items[i] = value
            container = .list(items)
            return
        }
        if case .map(var storage) = container {
            container = .null
            if !isKnownUniquelyReferenced(&storage) { storage = MapStorage(copying: storage) }
            storage.set(index, value)
            container = .map(storage)
            return
        }
        if case .string = container {
            throw RuntimeError("cannot assign to a character of a string: strings are immutable",
                               hint: "build a new string instead, e.g. with replace(), + or join")
        }
        throw RuntimeError("cannot assign to an index of \(container.typeName)",
                           hint: "index assignment works on lists and maps")
    }

    /// Resolves a possibly negative index into `0..<count`, or throws an out-of-range error.
    static func position(_ index: Value, count: Int, of kind: String) throws -> Int {
        guard case .int(let i) = index else {
            throw RuntimeError("\(kind) index must be an int, got \(index.typeName)")
        }
        let p = i < 0 ? count &+ i : i
        guard p >= 0 && p < count else {
            throw RuntimeError("\(kind) index \(i) out of range (length \(count))",
                               hint: count == 0 ? "the \(kind) is empty" : "valid indexes are 0 to \(count - 1), or -\(count) to -1")
        }
        return p
    }

    static func missingKey(_ key: Value, in m: MapStorage) -> RuntimeError {
        var message = "key \(key.repr) not found in map"
        if case .string(let name) = key {
            var names: [String] = []
            for case .string(let k)? in m.keys { names.append(k) }
            if let near = closestName(to: name, in: names) {
                message += "; did you mean \(Value.string(near).repr)?"
            }
        }
        return RuntimeError(message, hint: "use m.get(key, default)")
    }

    // MARK: - Helpers

    @inline(__always)
    static func checked(_ r: (partialValue: Int, overflow: Bool)) throws -> Int {
        if r.overflow { throw overflowError() }
        return r.partialValue
    }

    @inline(__always)
    static func checked64(_ r: (partialValue: Int64, overflow: Bool)) throws -> Int64 {
        if r.overflow { throw overflowError() }
        return r.partialValue
    }

    static func overflowError() -> RuntimeError {
        RuntimeError("integer overflow", hint: "integers are 64-bit; use floats for larger magnitudes")
    }

    static func divisionByZero() -> RuntimeError { RuntimeError("division by zero") }

    /// A duration or size times a float, rounded to the nearest millisecond or byte.
    private static func scaled(_ x: Int64, by f: Double, kind: String) throws -> Int64 {
        try rounded(Double(x) * f, kind: kind)
    }

    /// A duration or size divided by an int: exact when it divides evenly, else rounded to the nearest unit.
    private static func quotient(_ x: Int64, _ n: Int, kind: String) throws -> Int64 {
        guard n != 0 else { throw divisionByZero() }
        let (q, overflow) = x.dividedReportingOverflow(by: Int64(n))
        if overflow { throw RuntimeError("\(kind) out of range") }
        if x % Int64(n) == 0 { return q }
        return try rounded(Double(x) / Double(n), kind: kind)
    }

    private static func rounded(_ d: Double, kind: String) throws -> Int64 {
        let r = d.rounded(.toNearestOrAwayFromZero)
        guard r >= -9_223_372_036_854_775_808.0, r < 9_223_372_036_854_775_808.0 else {  // false for NaN too
            throw RuntimeError("\(kind) out of range", hint: r.isNaN ? "the factor is nan" : nil)
        }
        return Int64(r)
    }

    private static func repeated(_ s: String, _ n: Int) throws -> String {
        if n <= 0 || s.isEmpty { return "" }
        let (total, overflow) = s.utf8.count.multipliedReportingOverflow(by: n)
        guard !overflow, total <= maxElements else { throw tooLarge("string") }
        return String(repeating: s, count: n)
    }

    private static func repeated(_ xs: [Value], _ n: Int) throws -> [Value] {
        if n <= 0 || xs.isEmpty { return [] }
        let (total, overflow) = xs.count.multipliedReportingOverflow(by: n)
        guard !overflow, total <= maxElements else { throw tooLarge("list") }
        var out: [Value] = []
        out.reserveCapacity(total)
        for _ in 0..<n { out.append(contentsOf: xs) }
        return out
    }

    static func tooLarge(_ kind: String) -> RuntimeError {
        RuntimeError("\(kind) would be too large (more than 100,000,000 elements)")
    }

    /// A type-mismatch error with the hint that most often fixes it.
    private static func mismatch(_ message: String, _ a: Value, _ b: Value) -> RuntimeError {
        var hint: String? = nil
        if a.isString || b.isString {
            hint = "use str(x) or \"\\(x)\""
        } else if (a.isDurationOrSize && b.isNumber) || (b.isDurationOrSize && a.isNumber) {
            hint = "a plain number has no unit: write 5s or 5MB, or multiply, e.g. n * 1s"
        } else if a.isDurationOrSize && b.isDurationOrSize {
            hint = "durations and sizes do not mix"
        }
        return RuntimeError(message, hint: hint)
    }
}

extension Value {
    /// Ints and floats as a Double, nil for everything else.
    var asDouble: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }

    var isNumber: Bool {
        switch self {
        case .int, .float: return true
        default: return false
        }
    }

    var isString: Bool {
        if case .string = self { return true }
        return false
    }

    var isBool: Bool {
        if case .bool = self { return true }
        return false
    }

    var isDurationOrSize: Bool {
        switch self {
        case .duration, .size: return true
        default: return false
        }
    }
}

/// Integer arithmetic and comparison done inline, or nil when the operator needs the general rules
/// (division, modulo, membership) or the result overflowed (`Operators` then reports it).
@inline(__always)
func intOperation(_ op: BinaryOp, _ x: Int, _ y: Int) -> Value? {
    switch op {
    case .add:
        let (r, o) = x.addingReportingOverflow(y)
        return o ? nil : .int(r)
    case .sub:
        let (r, o) = x.subtractingReportingOverflow(y)
        return o ? nil : .int(r)
    case .mul:
        let (r, o) = x.multipliedReportingOverflow(by: y)
        return o ? nil : .int(r)
    case .mod:
        // Zero and -1 divisors take the general rules (the error, and Int.min % -1, which traps in Swift).
        guard y != 0 && y != -1 else { return nil }
        let r = x % y
        return .int(r != 0 && ((r < 0) != (y < 0)) ? r + y : r)
    case .floorDiv:
        guard y != 0 && y != -1 else { return nil }
        let q = x / y
        return .int(x % y != 0 && ((x < 0) != (y < 0)) ? q - 1 : q)
    case .lt: return .bool(x < y)
    case .le: return .bool(x <= y)
    case .gt: return .bool(x > y)
    case .ge: return .bool(x >= y)
    case .eq: return .bool(x == y)
    case .ne: return .bool(x != y)
    default: return nil
    }
}
