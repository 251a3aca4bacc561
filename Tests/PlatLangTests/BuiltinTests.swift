import Testing
@testable import PlatLang

/// A host for builtins under test: collects `print` output and calls builtin function values directly
/// (closures belong to the interpreter, which these tests do not need).
final class BuiltinTestContext: CallContext {
    var output = ""
    func call(_ function: Value, _ args: [Value]) throws -> Value {
        guard case .builtin(let b) = function else { throw RuntimeError("the test context calls builtins only") }
        var a = Arguments(positional: args)
        return try b.body(&a, self)
    }
    func write(_ text: String) { output += text }
}

/// Shorthands for calling builtins and methods from tests.
enum BT {
    static func fn(_ name: String, _ body: @escaping (Value) throws -> Value) -> Value {
        .builtin(BuiltinFunction(name) { args, _ in try body(try args.one(name, "x")) })
    }

    static func call(_ name: String, _ args: [Value], named: [(String, Value)] = [],
                     ctx: BuiltinTestContext = BuiltinTestContext()) throws -> Value {
        var f: Value? = Builtins.globals[name]
        if let dot = name.firstIndex(of: "."), case .module(let m)? = Builtins.globals[String(name[..<dot])] {
            f = m.member(String(name[name.index(after: dot)...]))
        }
        guard case .builtin(let b)? = f else { throw RuntimeError("no builtin \(name)") }
        var a = Arguments(positional: args, named: named.map { (name: $0.0, value: $0.1) })
        return try b.body(&a, ctx)
    }

    static func method(_ receiver: Value, _ name: String, _ args: [Value] = [],
                       named: [(String, Value)] = []) throws -> Value {
        var r = receiver
        return try method(&r, name, args, named: named)
    }

    static func method(_ receiver: inout Value, _ name: String, _ args: [Value] = [],
                       named: [(String, Value)] = []) throws -> Value {
        guard let m = MethodName(rawValue: name) else { throw RuntimeError("no method name \(name)") }
        var a = Arguments(positional: args, named: named.map { (name: $0.0, value: $0.1) })
        return try Methods.call(m, on: &receiver, &a, BuiltinTestContext())
    }

    /// The message of the RuntimeError `body` throws, or nil when it succeeds.
    static func error(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch let e as RuntimeError {
            return e.message
        } catch {
            return "unexpected error type: \(error)"
        }
    }

    static func ints(_ xs: Int...) -> Value { .list(xs.map { .int($0) }) }
    static func strs(_ xs: String...) -> Value { .list(xs.map { .string($0) }) }
}

@Suite("Argument binding")
struct ArgumentBindingTests {
    @Test("positional and named arguments bind by position and name")
    func binding() throws {
        let a = Arguments(positional: [.int(1)], named: [(name: "c", value: .int(3))])
        let b = try a.bind("f", ["a", "b", "c"], required: 1)
        #expect(b[0] == .int(1))
        #expect(b[1] == nil)
        #expect(b[2] == .int(3))
    }

    @Test("clear errors for counts, unknown names, duplicates, missing arguments and types")
    func errors() {
        #expect(BT.error { try BT.call("len", [.int(1), .int(2)]) } == "len() takes 1 argument (2 given)")
        #expect(BT.error { try BT.call("len", []) } == "len() takes 1 argument (0 given)")
        #expect(BT.error { try BT.call("range", [.int(1), .int(2), .int(3), .int(4)]) }
            == "range() takes 1 to 3 arguments (4 given)")
        #expect(BT.error { try BT.call("sorted", [BT.ints(1)], named: [("revers", .bool(true))]) }
            == "sorted() got an unknown named argument 'revers'; did you mean 'reverse'?")
        #expect(BT.error { try BT.call("sorted", [BT.ints(1)], named: [("xs", BT.ints(2))]) }
            == "sorted() got two values for argument 'xs'")
        #expect(BT.error { try BT.call("sorted", [], named: [("reverse", .bool(true))]) }
            == "sorted() is missing the argument 'xs'")
        #expect(BT.error { try BT.method(.string("a b"), "split", [.int(1)]) }
            == "split() expects a string for 'sep', got int")
        #expect(BT.error { try BT.method(.string("a"), "upper", [.int(1)]) } == "upper() takes no arguments (1 given)")
        #expect(BT.error { try BT.call("print", [], named: [("sep", .string(""))]) }
            == "print() got an unknown named argument 'sep'")
    }
}

@Suite("Core builtins")
struct CoreBuiltinTests {
    @Test("print joins with one space, prints strings raw, ends with a newline")
    func print() throws {
        let ctx = BuiltinTestContext()
        _ = try BT.call("print", [.string("a"), .int(1), BT.strs("b"), .null], ctx: ctx)
        _ = try BT.call("print", [], ctx: ctx)
        #expect(ctx.output == "a 1 [\"b\"] nil\n\n")
    }

    @Test("str and type")
    func strAndType() throws {
        #expect(try BT.call("str", [.float(2)]) == .string("2.0"))
        #expect(try BT.call("str", [.string("x")]) == .string("x"))
        #expect(try BT.call("str", [.duration(90_000)]) == .string("1m30s"))
        #expect(try BT.call("type", [.size(1)]) == .string("size"))
        #expect(try BT.call("type", [.null]) == .string("nil"))
        #expect(BT.error { try BT.call("str", []) } == "str() takes 1 argument (0 given)")
    }

    @Test("int converts floats toward zero, strings in decimal or hex, bools")
    func int() throws {
        #expect(try BT.call("int", [.float(-2.7)]) == .int(-2))
        #expect(try BT.call("int", [.string(" 42 ")]) == .int(42))
        #expect(try BT.call("int", [.string("-0x1F")]) == .int(-31))
        #expect(try BT.call("int", [.string("1_000")]) == .int(1000))
        #expect(try BT.call("int", [.string("-9223372036854775808")]) == .int(Int.min))
        #expect(try BT.call("int", [.bool(true)]) == .int(1))
        #expect(BT.error { try BT.call("int", [.string("12abc")]) } == "int() cannot parse \"12abc\" as an int")
        #expect(BT.error { try BT.call("int", [.string("9223372036854775808")]) } != nil)
        #expect(BT.error { try BT.call("int", [.float(.nan)]) } == "int() cannot convert nan to an int")
        #expect(BT.error { try BT.call("int", [.float(1e19)]) } != nil)
        #expect(BT.error { try BT.call("int", [.list([])]) } == "int() expects a number, string or bool for 'x', got list")
    }

    @Test("float converts ints, strings and bools")
    func float() throws {
        #expect(try BT.call("float", [.int(3)]).printed == "3.0")
        #expect(try BT.call("float", [.string("2.5e3")]).printed == "2500.0")
        #expect(try BT.call("float", [.string("inf")]).printed == "inf")
        #expect(BT.error { try BT.call("float", [.string("abc")]) } == "float() cannot parse \"abc\" as a float")
        #expect(BT.error { try BT.call("float", [.null]) } != nil)
    }

    @Test("len of strings (characters), lists and maps")
    func len() throws {
        #expect(try BT.call("len", [.string("héllo😀")]) == .int(6))
        #expect(try BT.call("len", [BT.ints(1, 2)]) == .int(2))
        #expect(try BT.call("len", [.makeMap([("a", .int(1))])]) == .int(1))
        #expect(BT.error { try BT.call("len", [.int(5)]) } == "len() expects a string, list or map for 'x', got int")
    }

    @Test("range with 1 to 3 arguments")
    func range() throws {
        #expect(try BT.call("range", [.int(3)]).printed == "[0, 1, 2]")
        #expect(try BT.call("range", [.int(1), .int(4)]).printed == "[1, 2, 3]")
        #expect(try BT.call("range", [.int(10), .int(0), .int(-3)]).printed == "[10, 7, 4, 1]")
        #expect(try BT.call("range", [.int(5), .int(1)]).printed == "[]")
        #expect(try BT.call("range", [.int(Int.max - 1), .int(Int.max)]).printed == "[9223372036854775806]")
        #expect(BT.error { try BT.call("range", [.int(1), .int(5), .int(0)]) } == "range() step must not be zero")
        #expect(BT.error { try BT.call("range", [.int(Int.min), .int(Int.max)]) }?.contains("limit") == true)
        #expect(BT.error { try BT.call("range", [.float(1)]) } == "range() expects an int for 'start', got float")
    }

    @Test("abs and round")
    func absRound() throws {
        #expect(try BT.call("abs", [.int(-3)]) == .int(3))
        #expect(try BT.call("abs", [.float(-2.5)]).printed == "2.5")
        #expect(try BT.call("abs", [.duration(-5000)]).printed == "5s")
        #expect(BT.error { try BT.call("abs", [.int(Int.min)]) } == "integer overflow")
        #expect(try BT.call("round", [.float(2.5)]) == .int(2))
        #expect(try BT.call("round", [.float(3.5)]) == .int(4))
        #expect(try BT.call("round", [.float(-2.5)]) == .int(-2))
        #expect(try BT.call("round", [.int(7)]) == .int(7))
        #expect(try BT.call("round", [.float(2.675), .int(2)]).printed == "2.67")
        #expect(try BT.call("round", [.float(3.14159), .int(3)]).printed == "3.142")
        #expect(try BT.call("round", [.float(1234.5), .int(-2)]).printed == "1200.0")
        #expect(try BT.call("round", [.int(5), .int(1)]).printed == "5.0")
        #expect(BT.error { try BT.call("round", [.float(.infinity)]) } == "round() cannot convert inf to an int")
        #expect(BT.error { try BT.call("round", [.string("1")]) } == "round() expects a number for 'x', got string")
    }

    @Test("fail raises a runtime error with the message")
    func fail() {
        #expect(BT.error { try BT.call("fail", [.string("boom")]) } == "boom")
    }
}

@Suite("Collection builtins")
struct CollectionBuiltinTests {
    let double = BT.fn("double") { try Operators.binary(.mul, $0, .int(2)) }
    let isEven = BT.fn("is_even") { .bool(try Operators.binary(.mod, $0, .int(2)) == .int(0)) }
    let negate = BT.fn("neg") { try Operators.negate($0) }

    @Test("sorted: stable, key, reverse")
    func sorted() throws {
        #expect(try BT.call("sorted", [BT.ints(3, 1, 2)]).printed == "[1, 2, 3]")
        #expect(try BT.call("sorted", [BT.ints(3, 1, 2)], named: [("reverse", .bool(true))]).printed == "[3, 2, 1]")
        #expect(try BT.call("sorted", [BT.strs("b", "C", "a")]).printed == #"["C", "a", "b"]"#)
        let len = try #require(Builtins.globals["len"])
        let words = BT.strs("ccc", "a", "bb", "d", "ee")
        #expect(try BT.call("sorted", [words], named: [("key", len)]).printed == #"["a", "d", "bb", "ee", "ccc"]"#)
        #expect(try BT.call("sorted", [words], named: [("key", len), ("reverse", .bool(true))]).printed
            == #"["ccc", "bb", "ee", "a", "d"]"#)
        #expect(try BT.call("sorted", [.list([.float(2.5), .int(1), .float(.nan), .int(3)])]).printed
            == "[1, 2.5, 3, nan]")
        #expect(BT.error { try BT.call("sorted", [.list([.int(1), .string("a")])]) } == "cannot compare string with int")
        #expect(BT.error { try BT.call("sorted", [.string("abc")]) } == "sorted() expects a list for 'xs', got string")
    }

    @Test("reversed lists and strings")
    func reversed() throws {
        #expect(try BT.call("reversed", [BT.ints(1, 2, 3)]).printed == "[3, 2, 1]")
        #expect(try BT.call("reversed", [.string("abc")]) == .string("cba"))
        #expect(BT.error { try BT.call("reversed", [.int(1)]) } != nil)
    }

    @Test("min and max of a list or of several values, with key")
    func minMax() throws {
        #expect(try BT.call("min", [BT.ints(3, 1, 2)]) == .int(1))
        #expect(try BT.call("max", [.int(3), .int(7), .int(2)]) == .int(7))
        #expect(try BT.call("max", [.list([.duration(1000), .duration(60_000)])]).printed == "1m")
        #expect(try BT.call("min", [BT.ints(3, -4, 2)], named: [("key", negate)]) == .int(3))
        #expect(try BT.call("max", [BT.strs("bb", "aa")], named: [("key", Builtins.globals["len"] ?? .null)])
            == .string("bb"))
        #expect(BT.error { try BT.call("min", [.list([])]) } == "min() of an empty list")
        #expect(BT.error { try BT.call("max", []) } == "max() needs a list or at least two values")
        #expect(BT.error { try BT.call("max", [.int(1)]) } == "max() expects a list for 'xs', got int")
    }

    @Test("sum of ints, floats, durations and sizes")
    func sum() throws {
        #expect(try BT.call("sum", [BT.ints(1, 2, 3)]) == .int(6))
        #expect(try BT.call("sum", [.list([])]) == .int(0))
        #expect(try BT.call("sum", [.list([.int(1), .float(0.5)])]).printed == "1.5")
        #expect(try BT.call("sum", [BT.ints(1, 2), .int(10)]) == .int(13))
        #expect(try BT.call("sum", [.list([.duration(1000), .duration(500)])]).printed == "1s500ms")
        #expect(try BT.call("sum", [.list([.size(1024), .size(1024)])]).printed == "2KiB")
        #expect(BT.error { try BT.call("sum", [BT.ints(Int.max, 1)]) } == "integer overflow")
        #expect(BT.error { try BT.call("sum", [BT.strs("a")]) }
            == "sum() expects numbers, durations or sizes, got string at index 0")
    }

    @Test("any and all take lists of bools only")
    func anyAll() throws {
        #expect(try BT.call("any", [.list([.bool(false), .bool(true)])]) == .bool(true))
        #expect(try BT.call("any", [.list([])]) == .bool(false))
        #expect(try BT.call("all", [.list([.bool(true), .bool(false)])]) == .bool(false))
        #expect(try BT.call("all", [.list([])]) == .bool(true))
        #expect(BT.error { try BT.call("any", [.list([.bool(true), .int(1)])]) }
            == "any() expects a list of bools, got int at index 1")
    }

    @Test("map and filter call back into functions")
    func mapFilter() throws {
        #expect(try BT.call("map", [double, BT.ints(1, 2)]).printed == "[2, 4]")
        #expect(try BT.call("filter", [isEven, BT.ints(1, 2, 3, 4)]).printed == "[2, 4]")
        #expect(BT.error { try BT.call("filter", [double, BT.ints(1)]) } == "filter() function must return a bool for each item")
        #expect(BT.error { try BT.call("map", [BT.ints(1), double]) } == "map() takes the function first")
        #expect(BT.error { try BT.call("map", [.int(1), BT.ints(1)]) } == "map() expects a function for 'f', got int")
    }

    @Test("enumerate, zip, keys, values")
    func enumerateZip() throws {
        #expect(try BT.call("enumerate", [BT.strs("a", "b")]).printed == #"[[0, "a"], [1, "b"]]"#)
        #expect(try BT.call("enumerate", [BT.strs("a")], named: [("start", .int(1))]).printed == #"[[1, "a"]]"#)
        #expect(try BT.call("zip", [BT.ints(1, 2, 3), BT.strs("a", "b")]).printed == #"[[1, "a"], [2, "b"]]"#)
        #expect(try BT.call("zip", []).printed == "[]")
        let m = Value.makeMap([("x", .int(1)), ("y", .int(2))])
        #expect(try BT.call("keys", [m]).printed == #"["x", "y"]"#)
        #expect(try BT.call("values", [m]).printed == "[1, 2]")
        #expect(BT.error { try BT.call("enumerate", [.int(3)]) } == "enumerate() expects a list for 'xs', got int")
        #expect(BT.error { try BT.call("zip", [BT.ints(1), .int(2)]) } == "zip() expects a list for 'argument 2', got int")
        #expect(BT.error { try BT.call("keys", [BT.ints(1)]) } == "keys() expects a map for 'm', got list")
    }

    @Test("globals hold every builtin and the two modules, and no effects")
    func globals() {
        let names = ["print", "str", "int", "float", "len", "type", "range", "sorted", "reversed", "min", "max",
                     "sum", "any", "all", "map", "filter", "enumerate", "zip", "keys", "values", "abs", "round",
                     "fail", "json", "re"]
        for n in names { #expect(Builtins.globals[n] != nil, "missing \(n)") }
        for n in ["now", "uuid", "random", "sleep", "env"] { #expect(Builtins.globals[n] == nil) }
    }
}

@Suite("String methods")
struct StringMethodTests {
    @Test("split, join, lines, chars")
    func splitting() throws {
        #expect(try BT.method(.string("  a b\t\nc  "), "split").printed == #"["a", "b", "c"]"#)
        #expect(try BT.method(.string("a,,b"), "split", [.string(",")]).printed == #"["a", "", "b"]"#)
        #expect(try BT.method(.string("a::b"), "split", [.string("::")]).printed == #"["a", "b"]"#)
        #expect(try BT.method(.string(""), "split", [.string(",")]).printed == #"[""]"#)
        #expect(BT.error { try BT.method(.string("a"), "split", [.string("")]) } == "split() separator must not be empty")
        #expect(try BT.method(.string(", "), "join", [.list([.string("a"), .int(1)])]) == .string("a, 1"))
        #expect(BT.error { try BT.method(.string(","), "join", [.string("ab")]) } == "join() expects a list for 'items', got string")
        #expect(try BT.method(.string("a\nb\r\nc\n"), "lines").printed == #"["a", "b", "c"]"#)
        #expect(try BT.method(.string("a\n\nb"), "lines").printed == #"["a", "", "b"]"#)
        #expect(try BT.method(.string("hé"), "chars").printed == #"["h", "é"]"#)
    }

    @Test("case and trimming")
    func caseTrim() throws {
        #expect(try BT.method(.string("Straße"), "upper") == .string("STRASSE"))
        #expect(try BT.method(.string("ABC"), "lower") == .string("abc"))
        #expect(try BT.method(.string(" \t x y \n"), "trim") == .string("x y"))
        #expect(try BT.method(.string("  x "), "trim_start") == .string("x "))
        #expect(try BT.method(.string("  x "), "trim_end") == .string("  x"))
        #expect(try BT.method(.string("   "), "trim_end") == .string(""))
    }

    @Test("searching: starts_with, ends_with, contains, find, count, replace")
    func searching() throws {
        let s = Value.string("hello world")
        #expect(try BT.method(s, "starts_with", [.string("he")]) == .bool(true))
        #expect(try BT.method(s, "ends_with", [.string("ld")]) == .bool(true))
        #expect(try BT.method(s, "contains", [.string("o w")]) == .bool(true))
        #expect(try BT.method(s, "find", [.string("o")]) == .int(4))
        #expect(try BT.method(.string("héllo"), "find", [.string("l")]) == .int(2))
        #expect(try BT.method(s, "find", [.string("z")]) == .int(-1))
        #expect(try BT.method(s, "count", [.string("o")]) == .int(2))
        #expect(try BT.method(.string("aaaa"), "count", [.string("aa")]) == .int(2))
        #expect(try BT.method(s, "replace", [.string("o"), .string("0")]) == .string("hell0 w0rld"))
        #expect(BT.error { try BT.method(s, "starts_with", [.int(1)]) } == "starts_with() expects a string for 'prefix', got int")
        #expect(BT.error { try BT.method(s, "replace", [.string("o")]) } == "replace() takes 2 arguments (1 given)")
    }

    @Test("a method of another type is an error with a hint")
    func unknownMethod() {
        #expect(BT.error { try BT.method(.string("a"), "append", [.int(1)]) } == "string has no method 'append'")
        #expect(BT.error { try BT.method(.int(1), "upper") } == "int has no method 'upper'")
        let e = Methods.noMethod("uper", on: "string")
        #expect(e.hint == "did you mean 'upper'?")
        #expect(Methods.noMethod("len", on: "list").hint == "len is a function: len(x)")
    }
}

@Suite("List methods")
struct ListMethodTests {
    @Test("append, extend, insert, pop, remove, clear change the receiver")
    func mutating() throws {
        var xs = BT.ints(1)
        let original = xs
        _ = try BT.method(&xs, "append", [.int(2)])
        _ = try BT.method(&xs, "extend", [BT.ints(3, 4)])
        _ = try BT.method(&xs, "insert", [.int(0), .int(0)])
        _ = try BT.method(&xs, "insert", [.int(-1), .int(9)])
        #expect(xs.printed == "[0, 1, 2, 3, 9, 4]")
        #expect(try BT.method(&xs, "pop") == .int(4))
        #expect(try BT.method(&xs, "pop", [.int(0)]) == .int(0))
        _ = try BT.method(&xs, "remove", [.int(9)])
        #expect(xs.printed == "[1, 2, 3]")
        #expect(original.printed == "[1]")
        _ = try BT.method(&xs, "clear")
        #expect(xs.printed == "[]")
        #expect(BT.error { try BT.method(&xs, "pop") } == "pop from an empty list")
        #expect(BT.error { try BT.method(BT.ints(1), "remove", [.int(5)]) } == "remove(): 5 is not in the list")
        #expect(BT.error { try BT.method(BT.ints(1), "insert", [.int(5), .int(0)]) } == "insert() index 5 out of range (length 1)")
        #expect(BT.error { try BT.method(BT.ints(1), "pop", [.int(3)]) } == "list index 3 out of range (length 1)")
    }

    @Test("index, contains, count, join")
    func reading() throws {
        let xs = Value.list([.string("a"), .int(1), .string("a")])
        #expect(try BT.method(xs, "index", [.string("a")]) == .int(0))
        #expect(try BT.method(xs, "index", [.string("z")]) == .null)
        #expect(try BT.method(xs, "contains", [.int(1)]) == .bool(true))
        #expect(try BT.method(xs, "count", [.string("a")]) == .int(2))
        #expect(try BT.method(xs, "join", [.string(", ")]) == .string("a, 1, a"))
        #expect(try BT.method(.list([BT.strs("x")]), "join", [.string("")]) == .string(#"["x"]"#))
        #expect(BT.error { try BT.method(xs, "join", [.int(1)]) } == "join() expects a string for 'sep', got int")
        #expect(BT.error { try BT.method(xs, "upper") } == "list has no method 'upper'")
    }

    @Test("mutating methods are reported as such per receiver type")
    func mutatingTable() {
        #expect(Methods.isMutating(.append, receiverType: "list"))
        #expect(Methods.isMutating(.remove, receiverType: "map"))
        #expect(Methods.isMutating(.clear, receiverType: "map"))
        #expect(!Methods.isMutating(.contains, receiverType: "list"))
        #expect(!Methods.isMutating(.replace, receiverType: "string"))
        #expect(!Methods.isMutating(.get, receiverType: "map"))
    }
}

@Suite("Map methods")
struct MapMethodTests {
    @Test("get, keys, values, items, contains")
    func reading() throws {
        let m = Value.makeMap([("a", .int(1)), ("b", .int(2))])
        #expect(try BT.method(m, "get", [.string("a")]) == .int(1))
        #expect(try BT.method(m, "get", [.string("z")]) == .null)
        #expect(try BT.method(m, "get", [.string("z"), .int(0)]) == .int(0))
        #expect(try BT.method(m, "get", [.string("z")], named: [("default", .int(5))]) == .int(5))
        #expect(try BT.method(m, "keys").printed == #"["a", "b"]"#)
        #expect(try BT.method(m, "values").printed == "[1, 2]")
        #expect(try BT.method(m, "items").printed == #"[["a", 1], ["b", 2]]"#)
        #expect(try BT.method(m, "contains", [.string("b")]) == .bool(true))
        #expect(BT.error { try BT.method(m, "get") } == "get() takes 1 to 2 arguments (0 given)")
        #expect(BT.error { try BT.method(m, "append", [.int(1)]) } == "map has no method 'append'")
    }

    @Test("remove and clear change the receiver, not other holders")
    func mutating() throws {
        var m = Value.makeMap([("a", .int(1)), ("b", .int(2))])
        let alias = m
        #expect(try BT.method(&m, "remove", [.string("a")]) == .int(1))
        #expect(try BT.method(&m, "remove", [.string("zz")]) == .null)
        #expect(m.printed == #"{"b": 2}"#)
        #expect(alias.printed == #"{"a": 1, "b": 2}"#)
        _ = try BT.method(&m, "clear")
        #expect(m.printed == "{}")
        #expect(alias.printed == #"{"a": 1, "b": 2}"#)
        #expect(BT.error { try BT.method(&m, "clear", [.int(1)]) } == "clear() takes no arguments (1 given)")
    }
}
