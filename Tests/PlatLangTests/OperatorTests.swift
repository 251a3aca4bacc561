import Testing
@testable import PlatLang

/// Operator semantics: arithmetic, units, comparison, membership and indexing.
@Suite("Operators")
struct OperatorTests {
    func op(_ o: BinaryOp, _ a: Value, _ b: Value) throws -> Value { try Operators.binary(o, a, b) }

    func failure(_ body: () throws -> Any) -> RuntimeError? {
        do {
            _ = try body()
            return nil
        } catch let e as RuntimeError {
            return e
        } catch {
            return RuntimeError("unexpected error type: \(error)")
        }
    }

    @Test("int arithmetic, / always gives a float, int op float gives a float")
    func arithmetic() throws {
        #expect(try op(.add, .int(2), .int(3)) == .int(5))
        #expect(try op(.sub, .int(2), .int(3)) == .int(-1))
        #expect(try op(.mul, .int(4), .int(3)).printed == "12")
        #expect(try op(.div, .int(7), .int(2)).printed == "3.5")
        #expect(try op(.div, .int(6), .int(2)).printed == "3.0")
        #expect(try op(.add, .int(1), .float(0.5)).printed == "1.5")
        #expect(try op(.mul, .float(1.5), .int(2)).printed == "3.0")
        #expect(try op(.add, .float(0.1), .float(0.2)).printed == "0.30000000000000004")
    }

    @Test("// floors and % follows it, for ints and floats",
          arguments: [
              (7, 2, 3, 1), (-7, 2, -4, 1), (7, -2, -4, -1), (-7, -2, 3, -1), (6, 3, 2, 0), (0, 5, 0, 0),
          ])
    func floorDivision(a: Int, b: Int, q: Int, r: Int) throws {
        #expect(try op(.floorDiv, .int(a), .int(b)) == .int(q))
        #expect(try op(.mod, .int(a), .int(b)) == .int(r))
        #expect(try op(.floorDiv, .float(Double(a)), .float(Double(b))) == .float(Double(q)))
        #expect(try op(.mod, .float(Double(a)), .float(Double(b))) == .float(Double(r)))
    }

    @Test("float floor division and modulo keep Python's signs")
    func floatModulo() throws {
        #expect(try op(.mod, .float(-7.5), .int(2)).printed == "0.5")
        #expect(try op(.floorDiv, .float(-7.5), .int(2)).printed == "-4.0")
        #expect(try op(.mod, .float(7.5), .float(-2)).printed == "-0.5")
        #expect(try op(.mod, .float(4), .float(-2)).printed == "-0.0")
    }

    @Test("integer overflow is an error in + - * // % and unary -")
    func overflow() throws {
        let cases: [() throws -> Value] = [
            { try self.op(.add, .int(Int.max), .int(1)) },
            { try self.op(.sub, .int(Int.min), .int(1)) },
            { try self.op(.mul, .int(Int.max / 2 + 1), .int(2)) },
            { try self.op(.floorDiv, .int(Int.min), .int(-1)) },
            { try Operators.negate(.int(Int.min)) },
        ]
        for c in cases { #expect(failure(c)?.message == "integer overflow") }
        #expect(try op(.mod, .int(Int.min), .int(-1)) == .int(0))
    }

    @Test("division and modulo by zero are errors, for floats too")
    func divisionByZero() {
        for o in [BinaryOp.div, .floorDiv, .mod] {
            #expect(failure { try self.op(o, .int(1), .int(0)) }?.message == "division by zero")
            #expect(failure { try self.op(o, .float(1), .float(0)) }?.message == "division by zero")
        }
        #expect(failure { try self.op(.div, .duration(1000), .int(0)) }?.message == "division by zero")
        #expect(failure { try self.op(.div, .size(10), .size(0)) }?.message == "division by zero")
    }

    @Test("durations and sizes: own-kind add/sub, scale by numbers, divide")
    func units() throws {
        #expect(try op(.add, .duration(3_600_000), .duration(1_800_000)).printed == "1h30m")
        #expect(try op(.sub, .duration(1000), .duration(6000)).printed == "-5s")
        #expect(try op(.mul, .duration(1000), .int(90)).printed == "1m30s")
        #expect(try op(.mul, .int(3), .duration(1000)).printed == "3s")
        #expect(try op(.mul, .duration(1000), .float(1.5)).printed == "1s500ms")
        #expect(try op(.mul, .duration(1), .float(0.4)).printed == "0s")
        #expect(try op(.div, .duration(3_600_000), .int(4)).printed == "15m")
        #expect(try op(.div, .duration(1000), .int(3)).printed == "333ms")
        #expect(try op(.div, .duration(1000), .float(0.5)).printed == "2s")
        #expect(try op(.div, .duration(90_000), .duration(60_000)).printed == "1.5")
        #expect(try op(.add, .size(1 << 20), .size(1 << 20)).printed == "2MiB")
        #expect(try op(.mul, .size(1_000_000), .int(20)).printed == "20MB")
        #expect(try op(.div, .size(4_000), .size(1_000)).printed == "4.0")
        #expect(try op(.floorDiv, .duration(150_000), .duration(60_000)) == .int(2))
        #expect(try op(.mod, .duration(150_000), .duration(60_000)).printed == "30s")
        #expect(try Operators.negate(.duration(5000)).printed == "-5s")
        #expect(try op(.lt, .duration(500), .duration(1000)) == .bool(true))
        #expect(try op(.ge, .size(1024), .size(1000)) == .bool(true))
    }

    @Test("mixing units, or units with plain numbers, is an error")
    func unitErrors() {
        let e = failure { try self.op(.add, .duration(1000), .size(1)) }
        #expect(e?.message == "cannot add duration and size")
        let n = failure { try self.op(.add, .duration(1000), .int(5)) }
        #expect(n?.message == "cannot add duration and int")
        #expect(n?.hint?.contains("n * 1s") == true)
        #expect(failure { try self.op(.lt, .duration(1), .size(1)) }?.message == "cannot compare duration with size")
        #expect(failure { try self.op(.mul, .duration(1), .float(.nan)) }?.message == "duration out of range")
    }

    @Test("strings: + joins strings only, * repeats")
    func strings() throws {
        #expect(try op(.add, .string("ab"), .string("cd")) == .string("abcd"))
        let e = failure { try self.op(.add, .string("n="), .int(1)) }
        #expect(e?.message == "cannot add string and int")
        #expect(e?.hint == "use str(x) or \"\\(x)\"")
        #expect(try op(.mul, .string("ab"), .int(3)) == .string("ababab"))
        #expect(try op(.mul, .int(2), .string("-")) == .string("--"))
        #expect(try op(.mul, .string("ab"), .int(-1)) == .string(""))
        #expect(failure { try self.op(.mul, .string("ab"), .int(Int.max)) }?.message.contains("too large") == true)
        #expect(failure { try self.op(.sub, .string("ab"), .string("b")) }?.message == "cannot subtract string from string")
    }

    @Test("lists concatenate and repeat; maps merge with the right side winning")
    func containers() throws {
        #expect(try op(.add, .list([.int(1)]), .list([.int(2)])).printed == "[1, 2]")
        #expect(try op(.mul, .list([.int(0)]), .int(3)).printed == "[0, 0, 0]")
        let a = Value.makeMap([("x", .int(1)), ("y", .int(2))])
        let b = Value.makeMap([("y", .int(20)), ("z", .int(3))])
        #expect(try op(.add, a, b).printed == #"{"x": 1, "y": 20, "z": 3}"#)
        #expect(a.printed == #"{"x": 1, "y": 2}"#)
    }

    @Test("equality is structural and never fails")
    func equality() throws {
        #expect(try op(.eq, .int(1), .string("1")) == .bool(false))
        #expect(try op(.ne, .list([.int(1)]), .list([.int(1)])) == .bool(false))
        #expect(try op(.eq, .int(1), .float(1.0)) == .bool(true))
        #expect(try op(.eq, .null, .null) == .bool(true))
    }

    @Test("ordering: numbers, strings by scalars, lists lexicographically")
    func ordering() throws {
        #expect(try op(.lt, .int(1), .float(1.5)) == .bool(true))
        #expect(try op(.gt, .float(2.5), .int(2)) == .bool(true))
        #expect(try op(.le, .int(Int.max), .float(9_223_372_036_854_775_808.0)) == .bool(true))
        #expect(try op(.lt, .int(Int.max), .float(9_223_372_036_854_775_807.0)) == .bool(true))
        #expect(try op(.lt, .string("B"), .string("a")) == .bool(true))
        #expect(try op(.lt, .string("z"), .string("é")) == .bool(true))
        #expect(try op(.lt, .string("ab"), .string("abc")) == .bool(true))
        #expect(try op(.lt, .list([.int(1), .int(2)]), .list([.int(1), .int(3)])) == .bool(true))
        #expect(try op(.lt, .list([.int(1)]), .list([.int(1), .int(0)])) == .bool(true))
        #expect(try op(.lt, .float(.nan), .int(1)) == .bool(false))
        #expect(try op(.ge, .float(.nan), .float(.nan)) == .bool(false))
        #expect(try Operators.compare(.float(.nan), .float(1e308)) == 1)
    }

    @Test("ordering unrelated types is an error naming both")
    func orderingErrors() {
        #expect(failure { try self.op(.lt, .int(1), .string("a")) }?.message == "cannot compare int with string")
        #expect(failure { try self.op(.gt, .bool(true), .bool(false)) }?.message == "cannot compare bool with bool")
        #expect(failure { try self.op(.lt, .null, .int(1)) }?.message == "cannot compare nil with int")
        #expect(failure { try self.op(.lt, .list([.int(1)]), .list([.string("a")])) }?.message
            == "cannot compare int with string")
    }

    @Test("in / not in: list element, map key, substring")
    func membership() throws {
        #expect(try op(.inOp, .int(2), .list([.int(1), .int(2)])) == .bool(true))
        #expect(try op(.notIn, .int(3), .list([.int(1), .int(2)])) == .bool(true))
        #expect(try op(.inOp, .string("k"), .makeMap([("k", .null)])) == .bool(true))
        #expect(try op(.inOp, .string("ell"), .string("hello")) == .bool(true))
        #expect(try op(.inOp, .string(""), .string("x")) == .bool(true))
        #expect(failure { try self.op(.inOp, .int(1), .string("1")) }?.message
            == "'in <string>' needs a string on the left, got int")
        #expect(failure { try self.op(.inOp, .int(1), .int(1)) }?.message
            == "'in' needs a list, map or string on the right, got int")
    }

    @Test("and/or are strict on bools")
    func logic() throws {
        #expect(try op(.and, .bool(true), .bool(false)) == .bool(false))
        #expect(try op(.or, .bool(true), .bool(false)) == .bool(true))
        #expect(failure { try self.op(.and, .int(1), .bool(true)) }?.message == "'and' expects bools, got int")
    }

    @Test("negation")
    func negation() throws {
        #expect(try Operators.negate(.int(3)) == .int(-3))
        #expect(try Operators.negate(.float(0)).printed == "-0.0")
        #expect(failure { try Operators.negate(.string("a")) }?.message == "cannot negate string")
    }

    @Test("indexing lists, strings and maps")
    func indexing() throws {
        let xs = Value.list([.int(10), .int(20), .int(30)])
        #expect(try Operators.index(xs, .int(0)) == .int(10))
        #expect(try Operators.index(xs, .int(-1)) == .int(30))
        #expect(failure { try Operators.index(xs, .int(3)) }?.message == "list index 3 out of range (length 3)")
        #expect(failure { try Operators.index(xs, .int(-4)) }?.message == "list index -4 out of range (length 3)")
        #expect(failure { try Operators.index(xs, .string("a")) }?.message == "list index must be an int, got string")
        #expect(try Operators.index(.string("héllo"), .int(1)) == .string("é"))
        #expect(try Operators.index(.string("héllo"), .int(-1)) == .string("o"))
        #expect(failure { try Operators.index(.string("ab"), .int(2)) }?.message == "string index 2 out of range (length 2)")
        let m = Value.makeMap([("name", .string("web")), ("port", .int(80))])
        #expect(try Operators.index(m, .string("port")) == .int(80))
        let e = failure { try Operators.index(m, .string("nmae")) }
        #expect(e?.message == #"key "nmae" not found in map; did you mean "name"?"#)
        #expect(e?.hint == "use m.get(key, default)")
        #expect(failure { try Operators.index(.int(1), .int(0)) }?.message == "cannot index int")
    }

    @Test("index assignment mutates lists and maps, with value semantics for other holders")
    func setIndex() throws {
        var xs = Value.list([.int(1), .int(2)])
        let alias = xs
        try Operators.setIndex(&xs, .int(-1), .int(9))
        #expect(xs.printed == "[1, 9]")
        #expect(alias.printed == "[1, 2]")
        #expect(failure { try Operators.setIndex(&xs, .int(2), .int(0)) }?.message == "list index 2 out of range (length 2)")

        var m = Value.makeMap([("a", .int(1))])
        let before = m
        try Operators.setIndex(&m, .string("a"), .int(2))
        try Operators.setIndex(&m, .string("b"), .int(3))
        #expect(m.printed == #"{"a": 2, "b": 3}"#)
        #expect(before.printed == #"{"a": 1}"#)

        var s = Value.string("abc")
        #expect(failure { try Operators.setIndex(&s, .int(0), .string("x")) } != nil)
    }

    func storageIdentity(_ v: Value) -> ObjectIdentifier? {
        if case .map(let m) = v { return ObjectIdentifier(m) }
        return nil
    }

    @Test("map index assignment reuses a uniquely held storage and copies a shared one")
    func setIndexInPlace() throws {
        var m = Value.makeMap([("a", .int(1))])
        let id = storageIdentity(m)
        try Operators.setIndex(&m, .string("k"), .int(1))
        #expect(storageIdentity(m) == id)

        let shared = MapStorage()
        var n = Value.map(shared)
        try Operators.setIndex(&n, .string("k"), .int(1))
        #expect(storageIdentity(n) != ObjectIdentifier(shared))
        #expect(shared.count == 0)
    }

    @Test("in-place += grows strings and lists and leaves other holders alone")
    func inPlaceAdd() throws {
        var s = Value.string("a")
        let alias = s
        try Operators.binaryInPlace(.add, &s, .string("b"))
        #expect(s == .string("ab"))
        #expect(alias == .string("a"))
        var xs = Value.list([.int(1)])
        try Operators.binaryInPlace(.add, &xs, .list([.int(2)]))
        #expect(xs.printed == "[1, 2]")
        var n = Value.int(1)
        try Operators.binaryInPlace(.mul, &n, .int(5))
        #expect(n == .int(5))
    }
}
