import Foundation

/// The global builtins of .plat. Each is a row of a table (name, body); `globals` turns the tables into
/// values once. Effects (now, uuid, random, sleep, env) are not here: the interpreter adds them, because
/// they go through the host's effect handler.
public enum Builtins {
    /// The one signature every builtin has.
    public typealias Body = (inout Arguments, CallContext) throws -> Value

    /// Every global builtin name → its value (.builtin functions, and .module values for `json`, `yaml`, `re` and
    /// `semver`).
    public static let globals: [String: Value] = {
        var g: [String: Value] = [:]
        for (name, body) in core + collections + TemplateBuiltins.pure {
            g[name] = .builtin(BuiltinFunction(name, body))
        }
        g["json"] = .module(JSONModule.make())
        g["re"] = .module(RegexModule.make())
        g["yaml"] = .module(YAMLModule.make())
        g["semver"] = .module(SemverModule.make())
        return g
    }()

    /// Builds a module value whose members are builtins named `module.member` (so errors and printing say
    /// `json.encode`).
    static func module(_ name: String, _ members: [(String, Body)]) -> ModuleObject {
        var values: [String: Value] = [:]
        for (member, body) in members {
            values[member] = .builtin(BuiltinFunction("\(name).\(member)", body))
        }
        return ModuleObject(name: name, members: values)
    }

    // MARK: - Conversions and basics

    static let core: [(String, Body)] = [
        ("print", { args, ctx in
            _ = try args.namedOnly("print", allowed: [])
            var line = ""
            for (i, v) in args.positional.enumerated() {
                if i > 0 { line += " " }
                v.writePrinted(to: &line)
            }
            line += "\n"
            ctx.write(line)
            return .null
        }),
        ("str", { args, ctx in
            let v = try args.one("str", "x")
            if case .string = v { return v }
            // `str(token)` is `***` as text: as suspect in an effect's argument as an interpolated secret.
            if case .secret(let s) = v { (ctx as? VM)?.secretTexts.note(v.printed, secret: s.name) }
            return .string(v.printed)
        }),
        ("int", { args, _ in try toInt(try args.one("int", "x")) }),
        ("float", { args, _ in try toFloat(try args.one("float", "x")) }),
        ("len", { args, _ in
            switch try args.one("len", "x") {
            case .string(let s): return .int(characterCount(s))
            case .list(let xs): return .int(xs.count)
            case .map(let m): return .int(m.count)
            case let other: throw other.expected("a string, list or map", "len", "x")
            }
        }),
        ("type", { args, _ in .string(try args.one("type", "x").typeName) }),
        ("range", { args, _ in try range(try args.bind("range", ["start", "stop", "step"], required: 1)) }),
        ("abs", { args, _ in
            switch try args.one("abs", "x") {
            case .int(let i):
                guard i != Int.min else { throw Operators.overflowError() }
                return .int(Swift.abs(i))
            case .float(let d): return .float(Swift.abs(d))
            case .duration(let d):
                guard d != Int64.min else { throw Operators.overflowError() }
                return .duration(Swift.abs(d))
            case .size(let s):
                guard s != Int64.min else { throw Operators.overflowError() }
                return .size(Swift.abs(s))
            case let other: throw other.expected("a number, duration or size", "abs", "x")
            }
        }),
        ("round", { args, _ in
            let b = try args.bind("round", ["x", "digits"], required: 1)
            return try round(b[0] ?? .null, digits: b[1])
        }),
        ("fail", { args, _ in
            throw RuntimeError(try args.one("fail", "message").printed)
        }),
    ]

    /// `int(x)`: floats truncate toward zero, strings parse as decimal or `0x` hex, bools give 0 or 1.
    static func toInt(_ v: Value) throws -> Value {
        switch v {
        case .int: return v
        case .bool(let b): return .int(b ? 1 : 0)
        case .float(let d):
            let t = d.rounded(.towardZero)
            guard t >= -9_223_372_036_854_775_808.0, t < 9_223_372_036_854_775_808.0 else {  // false for NaN
                throw RuntimeError("int() cannot convert \(Value.formatFloat(d)) to an int",
                                   hint: d.isFinite ? "integers are 64-bit" : nil)
            }
            return .int(Int(t))
        case .string(let s):
            guard let i = parseInt(s) else {
                throw RuntimeError("int() cannot parse \(v.repr) as an int",
                                   hint: "expected decimal digits like \"42\", or hex, octal or binary like \"0xff\", \"0o17\", \"0b101\"")
            }
            return .int(i)
        case .duration, .size:
            throw v.expected("a number, string or bool", "int", "x",
                             hint: v.typeName == "duration" ? "divide by a unit for a number, e.g. d / 1s"
                                 : "divide by a unit for a number, e.g. s / 1MB")
        default:
            throw v.expected("a number, string or bool", "int", "x")
        }
    }

    /// Parses `[+-]digits` or `[+-]0x hexdigits` (also `0o` octal and `0b` binary), surrounding whitespace allowed, `_` between digits allowed
    /// (as in literals). Nil when malformed or out of range.
    static func parseInt(_ text: String) -> Int? {
        var bytes = Substring(text).utf8.drop(while: { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) })
        while let last = bytes.last, last == 0x20 || (last >= 0x09 && last <= 0x0D) { bytes = bytes.dropLast() }
        var negative = false
        if let f = bytes.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
            negative = f == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var radix = 10
        // The prefixes of int literals: 0x, 0o, 0b (either case).
        if bytes.count > 2, bytes.first == UInt8(ascii: "0"), let x = bytes.dropFirst().first {
            switch x | 0x20 {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: break
            }
            if radix != 10 { bytes = bytes.dropFirst(2) }
        }
        guard !bytes.isEmpty, bytes.first != UInt8(ascii: "_"), bytes.last != UInt8(ascii: "_") else { return nil }
        // Accumulate negatively so that Int.min parses.
        var acc = 0
        var previousUnderscore = false
        for b in bytes {
            if b == UInt8(ascii: "_") {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            let digit: Int
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9") where Int(b - UInt8(ascii: "0")) < radix: digit = Int(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = Int(b - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: digit = Int(b - UInt8(ascii: "A")) + 10
            default: return nil
            }
            let (m, o1) = acc.multipliedReportingOverflow(by: radix)
            let (s, o2) = m.subtractingReportingOverflow(digit)
            if o1 || o2 { return nil }
            acc = s
        }
        if negative { return acc }
        return acc == Int.min ? nil : -acc
    }

    /// `float(x)`: ints, bools and strings (decimal, exponent, `inf`, `nan`).
    static func toFloat(_ v: Value) throws -> Value {
        switch v {
        case .float: return v
        case .int(let i): return .float(Double(i))
        case .bool(let b): return .float(b ? 1 : 0)
        case .string(let s):
            var t = s.trimmingWhitespace()
            // `_` between digits, as in float literals (`1_000.5`).
            if t.contains("_") {
                let u = Array(t.unicodeScalars)
                let between = u.indices.allSatisfy { i in
                    u[i] != "_" || (i > 0 && i + 1 < u.count && ("0"..."9").contains(u[i - 1]) && ("0"..."9").contains(u[i + 1]))
                }
                if between { t = t.replacingOccurrences(of: "_", with: "") }
            }
            guard !t.isEmpty, let d = Double(t) else {
                throw RuntimeError("float() cannot parse \(v.repr) as a float", hint: "expected a number like \"1.5\" or \"2e-3\"")
            }
            return .float(d)
        default:
            throw v.expected("a number, string or bool", "float", "x")
        }
    }

    /// `range(stop)`, `range(start, stop)`, `range(start, stop, step)` as a list of ints.
    static func range(_ b: [Value?]) throws -> Value {
        let first = try (b[0] ?? .null).expectInt("range", "start")
        var start = 0, stop = first, step = 1
        if let s = b[1] {
            start = first
            stop = try s.expectInt("range", "stop")
        }
        if let s = b[2] { step = try s.expectInt("range", "step") }
        guard step != 0 else { throw RuntimeError("range() step must not be zero") }
        // Count in unsigned arithmetic: stop - start can exceed Int.max.
        var count: UInt64 = 0
        if step > 0 && start < stop {
            count = (UInt64(bitPattern: Int64(stop &- start)) - 1) / UInt64(step.magnitude) + 1
        } else if step < 0 && start > stop {
            count = (UInt64(bitPattern: Int64(start &- stop)) - 1) / UInt64(step.magnitude) + 1
        }
        guard count <= UInt64(Operators.maxElements) else {
            throw RuntimeError("range() would make \(count) elements; the limit is 100,000,000",
                               hint: "loop with while instead of building the whole list")
        }
        var out: [Value] = []
        out.reserveCapacity(Int(count))
        var v = start
        for _ in 0..<Int(count) {
            out.append(.int(v))
            v &+= step  // wraps only after the last element
        }
        return .list(out)
    }

    /// `round(x)` → int, half to even; `round(x, n)` → float rounded to n decimal digits.
    static func round(_ x: Value, digits: Value?) throws -> Value {
        let d: Double
        switch x {
        case .int(let i):
            guard let digits, !digits.isNil else { return x }
            d = Double(i)
        case .float(let f): d = f
        default: throw x.expected("a number", "round", "x")
        }
        guard let digits, !digits.isNil else {
            let r = d.rounded(.toNearestOrEven)
            guard r >= -9_223_372_036_854_775_808.0, r < 9_223_372_036_854_775_808.0 else {
                throw RuntimeError("round() cannot convert \(Value.formatFloat(d)) to an int",
                                   hint: "use round(x, 0) to keep a float")
            }
            return .int(Int(r))
        }
        let n = try digits.expectInt("round", "digits")
        if !d.isFinite || n > 340 { return .float(d) }
        if n >= 0 {
            // printf rounds the exact binary value correctly (ties to even), which is what makes
            // round(2.675, 2) give 2.67 like every other careful language.
            return .float(Double(formatFixed(d, digits: n)) ?? d)
        }
        if n < -340 { return .float(Double(signOf: d, magnitudeOf: 0)) }
        var p = 1.0
        for _ in 0..<(-n) { p *= 10 }
        return .float((d / p).rounded(.toNearestOrEven) * p)
    }

    /// `d` with exactly `digits` decimals, correctly rounded by the C library.
    static func formatFixed(_ d: Double, digits: Int) -> String {
        String(format: "%.\(digits)f", d)
    }
}

extension String {
    /// The string without leading and trailing whitespace (spaces, tabs, newlines, unicode spaces).
    func trimmingWhitespace() -> String {
        guard let start = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        guard let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[start...last])
    }
}
