/// `xs[start:end:step]` on lists and strings, with Python's rules: bounds count from the end when negative,
/// bounds past either end are clamped (a slice never fails for being out of range, it is just shorter), an
/// omitted bound (or `nil`) means "from the edge", and a negative step walks backwards. Strings are sliced by
/// characters, the unit `len`, indexing and `for` use, so `s[:3]` never splits an accented letter or an emoji.
extension Operators {
    public static func slice(_ container: Value, start: Value, end: Value, step: Value) throws -> Value {
        let stride = try sliceStep(step)
        switch container {
        case .list(let xs):
            if stride == 1 {
                let (lo, hi) = try forwardBounds(start, end, count: xs.count)
                return .list(lo < hi ? Array(xs[lo..<hi]) : [])
            }
            return .list(try positions(start, end, stride, count: xs.count).map { xs[$0] })
        case .string(let s):
            if stride == 1, let sliced = try TextBytes.withCharacterBytes(s, { bytes -> Value in
                let (lo, hi) = try forwardBounds(start, end, count: bytes.count)
                guard lo < hi else { return .string("") }
                return .string(TextBuilder.string(UnsafeBufferPointer(rebasing: bytes[lo..<hi])))
            }) { return sliced }
            let count = s.count
            if stride == 1 {
                let (lo, hi) = try forwardBounds(start, end, count: count)
                guard lo < hi else { return .string("") }
                let from = s.index(s.startIndex, offsetBy: lo)
                let to = s.index(from, offsetBy: hi - lo)
                return .string(String(s[from..<to]))
            }
            let chars = Array(s)
            var out = ""
            for p in try positions(start, end, stride, count: count) { out.append(chars[p]) }
            return .string(out)
        case .map:
            throw RuntimeError("cannot slice a map", hint: "slices work on lists and strings; take keys(m)[a:b] for a part of its keys")
        default:
            throw RuntimeError("cannot slice \(container.typeName)", hint: "slices work on lists and strings")
        }
    }

    /// The step: an int other than 0, 1 when omitted.
    static func sliceStep(_ v: Value) throws -> Int {
        switch v {
        case .null: return 1
        case .int(0): throw RuntimeError("slice step cannot be 0", hint: "use 1 to take every item, -1 to reverse")
        case .int(let i): return i
        default:
            throw RuntimeError("slice step must be an int, got \(v.typeName)", hint: "write xs[start:end:step] with ints, e.g. xs[::2]")
        }
    }

    /// A bound as given: nil when omitted, else an int.
    static func sliceBound(_ v: Value, _ which: String) throws -> Int? {
        switch v {
        case .null: return nil
        case .int(let i): return i
        default:
            throw RuntimeError("slice \(which) must be an int or nil, got \(v.typeName)",
                               hint: v.typeName == "string" ? "convert it first: xs[int(s):]" : "slice bounds are positions: xs[1:3], xs[:-1]")
        }
    }

    /// A bound counted from the end when negative, then clamped into `lower...upper`.
    static func clamp(_ i: Int, count: Int, lower: Int, upper: Int) -> Int {
        let p = i < 0 ? i + count : i  // a negative i plus a count cannot overflow
        return min(max(p, lower), upper)
    }

    /// `lo..<hi` of a forward slice with step 1; `lo >= hi` means empty.
    static func forwardBounds(_ start: Value, _ end: Value, count: Int) throws -> (Int, Int) {
        let lo = try sliceBound(start, "start").map { clamp($0, count: count, lower: 0, upper: count) } ?? 0
        let hi = try sliceBound(end, "end").map { clamp($0, count: count, lower: 0, upper: count) } ?? count
        return (lo, hi)
    }

    /// The positions a slice with any step takes, in order.
    static func positions(_ start: Value, _ end: Value, _ step: Int, count: Int) throws -> [Int] {
        let s = try sliceBound(start, "start")
        let e = try sliceBound(end, "end")
        var out: [Int] = []
        if step > 0 {
            var i = s.map { clamp($0, count: count, lower: 0, upper: count) } ?? 0
            let stop = e.map { clamp($0, count: count, lower: 0, upper: count) } ?? count
            while i < stop {
                out.append(i)
                let (next, overflow) = i.addingReportingOverflow(step)
                if overflow { break }
                i = next
            }
        } else {
            // Walking backwards, -1 stands for "before the first item".
            var i = s.map { clamp($0, count: count, lower: -1, upper: count - 1) } ?? count - 1
            let stop = e.map { clamp($0, count: count, lower: -1, upper: count - 1) } ?? -1
            while i > stop {
                out.append(i)
                let (next, overflow) = i.addingReportingOverflow(step)
                if overflow { break }
                i = next
            }
        }
        return out
    }
}
