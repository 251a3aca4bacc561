/// List methods. Mutating ones move the array out of the receiver before changing it, so the array's buffer
/// is uniquely referenced and Swift's copy-on-write does not copy it (`append` in a loop stays O(1)).
extension Methods {
    static func callListMethod(_ name: MethodName, on receiver: inout Value, _ args: Arguments) throws -> Value {
        let f = name.rawValue
        switch name {
        case .append:
            let x = try args.one(f, "item")
            guard case .list(var xs) = receiver else { return .null }
            receiver = .null
            ListGrowth.append(x, to: &xs)
            receiver = .list(xs)
            return .null
        case .extend:
            let more = try args.one(f, "items").expectList(f, "items")
            guard case .list(var xs) = receiver else { return .null }
            receiver = .null
            xs.append(contentsOf: more)
            receiver = .list(xs)
            return .null
        case .insert:
            let (i, x) = try args.two(f, "index", "item")
            guard case .list(var xs) = receiver else { return .null }
            let at = try insertionPoint(try i.expectInt(f, "index"), count: xs.count)
            receiver = .null
            xs.insert(x, at: at)
            receiver = .list(xs)
            return .null
        case .pop:
            let b = try args.bind(f, ["index"], required: 0)
            guard case .list(var xs) = receiver else { return .null }
            guard !xs.isEmpty else { throw RuntimeError("pop from an empty list", hint: "check len(xs) > 0 first") }
            let at = try Operators.position(b[0] ?? .int(-1), count: xs.count, of: "list")
            receiver = .null
            let item = xs.remove(at: at)
            receiver = .list(xs)
            return item
        case .remove:
            let x = try args.one(f, "item")
            guard case .list(var xs) = receiver else { return .null }
            guard let at = xs.firstIndex(of: x) else {
                throw RuntimeError("remove(): \(x.repr) is not in the list", hint: "check with xs.contains(x) first")
            }
            receiver = .null
            xs.remove(at: at)
            receiver = .list(xs)
            return .null
        case .clear:
            try args.none(f)
            guard case .list(var xs) = receiver else { return .null }
            receiver = .null
            xs.removeAll(keepingCapacity: true)
            receiver = .list(xs)
            return .null
        case .index:
            let x = try args.one(f, "item")
            guard case .list(let xs) = receiver else { return .null }
            guard let at = xs.firstIndex(of: x) else { return .null }
            return .int(at)
        case .contains:
            let x = try args.one(f, "item")
            guard case .list(let xs) = receiver else { return .null }
            return .bool(xs.contains(x))
        case .count:
            let x = try args.one(f, "item")
            guard case .list(let xs) = receiver else { return .null }
            var n = 0
            for y in xs where y == x { n += 1 }
            return .int(n)
        case .join:
            let sep = try args.one(f, "sep").expectString(f, "sep")
            guard case .list(let xs) = receiver else { return .null }
            return .string(join(xs, separator: sep))
        default:
            throw noMethod(f, on: "list")
        }
    }

    /// Where `insert(i, x)` puts the item: 0...count, negative counting from the end (`-1` is before the last).
    static func insertionPoint(_ i: Int, count: Int) throws -> Int {
        let p = i < 0 ? count &+ i : i
        guard p >= 0 && p <= count else {
            throw RuntimeError("insert() index \(i) out of range (length \(count))",
                               hint: "use append(x) to add at the end")
        }
        return p
    }
}
