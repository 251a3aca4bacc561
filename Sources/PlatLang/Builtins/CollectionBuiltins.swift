/// Builtins over lists and maps: ordering, folding, and the functional helpers that call back into .plat.
extension Builtins {
    static let collections: [(String, Body)] = [
        ("sorted", { args, ctx in
            let b = try args.bind("sorted", ["xs", "key", "reverse"], required: 1)
            let xs = try (b[0] ?? .null).expectList("sorted", "xs")
            let key = try optionalFunction(b[1], "sorted", "key")
            let reverse = try optionalBool(b[2], "sorted", "reverse")
            return .list(try sortedList(xs, key: key, reverse: reverse, ctx))
        }),
        ("reversed", { args, _ in
            switch try args.one("reversed", "xs") {
            case .list(let xs): return .list(xs.reversed())
            case .string(let s): return .string(String(s.reversed()))
            case let other: throw other.expected("a list or string", "reversed", "xs")
            }
        }),
        ("min", { args, ctx in try extreme("min", args, ctx, wantLess: true) }),
        ("max", { args, ctx in try extreme("max", args, ctx, wantLess: false) }),
        ("sum", { args, _ in
            let b = try args.bind("sum", ["xs", "start"], required: 1)
            return try sum(try (b[0] ?? .null).expectList("sum", "xs"), start: b[1])
        }),
        ("any", { args, _ in
            let xs = try args.one("any", "xs").expectList("any", "xs")
            return .bool(try bools("any", xs).contains(true))
        }),
        ("all", { args, _ in
            let xs = try args.one("all", "xs").expectList("all", "xs")
            return .bool(!(try bools("all", xs).contains(false)))
        }),
        ("map", { args, ctx in
            let (f, xs) = try functionAndList("map", args)
            var out: [Value] = []
            out.reserveCapacity(xs.count)
            for x in xs { out.append(try ctx.call(f, with: x)) }
            return .list(out)
        }),
        ("filter", { args, ctx in
            let (f, xs) = try functionAndList("filter", args)
            var out: [Value] = []
            for x in xs {
                guard case .bool(let keep) = try ctx.call(f, with: x) else {
                    throw RuntimeError("filter() function must return a bool for each item",
                                       hint: "conditions are strict: compare explicitly, e.g. fn(x) => x != nil")
                }
                if keep { out.append(x) }
            }
            return .list(out)
        }),
        ("enumerate", { args, _ in
            let b = try args.bind("enumerate", ["xs", "start"], required: 1)
            let xs = try (b[0] ?? .null).expectList("enumerate", "xs")
            let start = try b[1].map { try $0.expectInt("enumerate", "start") } ?? 0
            var out: [Value] = []
            out.reserveCapacity(xs.count)
            for (i, x) in xs.enumerated() {
                // Overflow is an error everywhere: enumerate(xs, start: 9223372036854775807) must not wrap.
                let (n, overflow) = start.addingReportingOverflow(i)
                if overflow { throw RuntimeError("integer overflow", hint: "enumerate()'s start plus the index passes 9223372036854775807") }
                out.append(.list([.int(n), x]))
            }
            return .list(out)
        }),
        ("zip", { args, _ in
            _ = try args.namedOnly("zip", allowed: [])
            var lists: [[Value]] = []
            for (i, v) in args.positional.enumerated() {
                lists.append(try v.expectList("zip", "argument \(i + 1)"))
            }
            let n = lists.map(\.count).min() ?? 0
            var out: [Value] = []
            out.reserveCapacity(n)
            for i in 0..<n { out.append(.list(lists.map { $0[i] })) }
            return .list(out)
        }),
        ("keys", { args, _ in .list(try args.one("keys", "m").expectMap("keys", "m").liveKeys) }),
        ("values", { args, _ in .list(try args.one("values", "m").expectMap("values", "m").liveValues) }),
    ]

    static func optionalFunction(_ v: Value?, _ fname: String, _ param: String) throws -> Value? {
        guard let v, !v.isNil else { return nil }
        return try v.expectFunction(fname, param)
    }

    static func optionalBool(_ v: Value?, _ fname: String, _ param: String) throws -> Bool {
        guard let v, !v.isNil else { return false }
        return try v.expectBool(fname, param)
    }

    /// A stable sort: ties keep their original order, whatever `reverse` says (as in Python).
    static func sortedList(_ xs: [Value], key: Value?, reverse: Bool, _ ctx: CallContext) throws -> [Value] {
        if key == nil {
            // All ints: equal ints are indistinguishable, so an unstable sort of plain Ints is fine and fast.
            var ints: [Int] = []
            ints.reserveCapacity(xs.count)
            for x in xs {
                guard case .int(let i) = x else { break }
                ints.append(i)
            }
            if ints.count == xs.count {
                ints.sort()
                if reverse { ints.reverse() }
                return ints.map { .int($0) }
            }
        }
        var keys = xs
        if let key {
            keys = []
            keys.reserveCapacity(xs.count)
            for x in xs { keys.append(try ctx.call(key, with: x)) }
        }
        if let order = sortedStringOrder(keys, reverse: reverse) { return order.map { xs[$0] } }
        var order = Array(0..<xs.count)
        try order.sort { i, j in
            let c = try Operators.compare(keys[i], keys[j])
            if c != 0 { return reverse ? c > 0 : c < 0 }
            return i < j
        }
        return order.map { xs[$0] }
    }

    /// `min`/`max` of a list or of several arguments, optionally by `key:`; the first of equal items wins.
    static func extreme(_ fname: String, _ args: Arguments, _ ctx: CallContext, wantLess: Bool) throws -> Value {
        let named = try args.namedOnly(fname, allowed: ["key"])
        let key = try optionalFunction(named[0], fname, "key")
        let items: [Value]
        switch args.positional.count {
        case 0:
            throw RuntimeError("\(fname)() needs a list or at least two values", hint: "\(fname)([3, 1, 2]) or \(fname)(a, b)")
        case 1:
            guard case .list(let xs) = args.positional[0] else {
                throw args.positional[0].expected("a list", fname, "xs", hint: "or pass several values: \(fname)(a, b)")
            }
            items = xs
        default:
            items = args.positional
        }
        guard let first = items.first else {
            throw RuntimeError("\(fname)() of an empty list", hint: "check len(xs) > 0 first")
        }
        var best = first
        var bestKey = try key.map { try ctx.call($0, with: first) } ?? first
        for x in items.dropFirst() {
            let k = try key.map { try ctx.call($0, with: x) } ?? x
            let c = try Operators.compare(k, bestKey)
            if wantLess ? c < 0 : c > 0 {
                best = x
                bestKey = k
            }
        }
        return best
    }

    /// `sum(xs, start)`: ints in a tight overflow-checked loop; floats, durations and sizes through `+`.
    static func sum(_ xs: [Value], start: Value?) throws -> Value {
        var acc: Value
        if let start, !start.isNil {
            acc = start
        } else {
            switch xs.first {
            case .duration?: acc = .duration(0)
            case .size?: acc = .size(0)
            default: acc = .int(0)
            }
        }
        var i = 0
        if case .int(var total) = acc {
            while i < xs.count, case .int(let v) = xs[i] {
                let (r, overflow) = total.addingReportingOverflow(v)
                if overflow { throw Operators.overflowError() }
                total = r
                i += 1
            }
            acc = .int(total)
        }
        while i < xs.count {
            let x = xs[i]
            switch x {
            case .int, .float, .duration, .size:
                acc = try Operators.binary(.add, acc, x)
            case .string:
                throw RuntimeError("sum() expects numbers, durations or sizes, got string at index \(i)",
                                   hint: "to concatenate strings use xs.join(\"\")")
            default:
                throw RuntimeError("sum() expects numbers, durations or sizes, got \(x.typeName) at index \(i)")
            }
            i += 1
        }
        return acc
    }

    /// The items of a list that must hold only bools (conditions are strict everywhere).
    static func bools(_ fname: String, _ xs: [Value]) throws -> [Bool] {
        var out: [Bool] = []
        out.reserveCapacity(xs.count)
        for (i, x) in xs.enumerated() {
            guard case .bool(let b) = x else {
                throw RuntimeError("\(fname)() expects a list of bools, got \(x.typeName) at index \(i)",
                                   hint: "map the items to bools first, e.g. \(fname)(map(fn(x) => x > 0, xs))")
            }
            out.append(b)
        }
        return out
    }

    /// The `(f, xs)` arguments of `map` and `filter`, with a hint when they come in the wrong order.
    static func functionAndList(_ fname: String, _ args: Arguments) throws -> (Value, [Value]) {
        let (f, xs) = try args.two(fname, "f", "xs")
        if case .list = f, case .closure = xs {
            throw RuntimeError("\(fname)() takes the function first", hint: "\(fname)(f, xs)")
        }
        if case .list = f, case .builtin = xs {
            throw RuntimeError("\(fname)() takes the function first", hint: "\(fname)(f, xs)")
        }
        return (try f.expectFunction(fname, "f"), try xs.expectList(fname, "xs"))
    }
}
