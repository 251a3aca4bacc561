import Testing
@testable import PlatLang

/// The printing rules are part of the language contract: scripts and their expected outputs depend on them.
@Suite("Value printing")
struct ValuePrintingTests {
    @Test("strings print raw at top level and quoted inside containers")
    func strings() {
        #expect(Value.string("hi \"you\"").printed == "hi \"you\"")
        #expect(Value.string("hi").repr == "\"hi\"")
        #expect(Value.list([.string("a\"b\\c")]).printed == #"["a\"b\\c"]"#)
        #expect(Value.list([.string("line\nnext\ttab")]).printed == #"["line\nnext\ttab"]"#)
        #expect(Value.list([.string("\u{1}\u{1f}\r")]).printed == #"["\u0001\u001f\u000d"]"#)
        #expect(Value.list([.string("héllo 😀")]).printed == "[\"héllo 😀\"]")
        #expect(Value.string("").repr == "\"\"")
    }

    @Test("ints print in decimal")
    func ints() {
        #expect(Value.int(0).printed == "0")
        #expect(Value.int(-42).printed == "-42")
        #expect(Value.int(Int.max).printed == "9223372036854775807")
        #expect(Value.int(Int.min).printed == "-9223372036854775808")
    }

    @Test("floats print in the shortest form that reads back, always with '.' or an exponent",
          arguments: [
              (2.0, "2.0"), (0.1, "0.1"), (0.1 + 0.2, "0.30000000000000004"), (1e100, "1e+100"),
              (-0.0, "-0.0"), (1e16, "1e+16"), (1e15, "1000000000000000.0"), (1e-5, "1e-05"),
              (0.0001, "0.0001"), (Double.leastNonzeroMagnitude, "5e-324"), (-1.5, "-1.5"), (100.0, "100.0"),
              (Double.infinity, "inf"), (-Double.infinity, "-inf"), (Double.nan, "nan"), (-Double.nan, "nan"),
          ] as [(Double, String)])
    func floats(value: Double, text: String) {
        #expect(Value.float(value).printed == text)
        if value.isFinite { #expect(Double(text) == value) }
    }

    @Test("bools and nil")
    func scalars() {
        #expect(Value.bool(true).printed == "true")
        #expect(Value.bool(false).printed == "false")
        #expect(Value.null.printed == "nil")
    }

    @Test("lists and maps, nested, maps in insertion order")
    func containers() {
        #expect(Value.list([.int(1), .string("a"), .list([.int(2)])]).printed == #"[1, "a", [2]]"#)
        #expect(Value.list([]).printed == "[]")
        let m = Value.makeMap([("k", .int(1)), ("b", .list([.bool(true)]))])
        #expect(m.printed == #"{"k": 1, "b": [true]}"#)
        #expect(Value.makeMap([]).printed == "{}")
        let storage = MapStorage()
        storage.set(.int(1), .null)
        storage.set(.string("z"), .float(1.5))
        storage.set(.string("a"), .duration(1500))
        #expect(Value.map(storage).printed == #"{1: nil, "z": 1.5, "a": 1s500ms}"#)
        storage.remove(.string("z"))
        #expect(Value.map(storage).printed == #"{1: nil, "a": 1s500ms}"#)
    }

    @Test("durations print canonically, largest unit first, zero parts left out",
          arguments: [
              (0, "0s"), (5_400_000, "1h30m"), (1_500, "1s500ms"), (90_061_001, "1d1h1m1s1ms"),
              (-5_000, "-5s"), (1, "1ms"), (60_000, "1m"), (86_400_000 * 3, "3d"), (3_600_000 + 2, "1h2ms"),
          ] as [(Int64, String)])
    func durations(ms: Int64, text: String) {
        #expect(Value.duration(ms).printed == text)
    }

    @Test("extreme durations and sizes do not trap")
    func extremes() {
        #expect(Value.duration(Int64.min).printed.hasPrefix("-"))
        #expect(Value.size(Int64.min).printed.hasPrefix("-"))
        #expect(Value.size(Int64.max).printed == "9223372036854775807B")
    }

    @Test("sizes print in their largest exact unit",
          arguments: [
              (20_000_000, "20MB"), (1024, "1KiB"), (1500, "1500B"), (0, "0B"), (1_024_000, "1000KiB"),
              (1 << 40, "1TiB"), (1_000_000_000_000, "1TB"), (3 << 30, "3GiB"), (2_000_000_000, "2GB"),
              (5 << 20, "5MiB"), (4000, "4KB"), (512, "512B"), (-2048, "-2KiB"),
          ] as [(Int64, String)])
    func sizes(bytes: Int64, text: String) {
        #expect(Value.size(bytes).printed == text)
    }

    @Test("functions, builtins, modules and secrets")
    func opaque() throws {
        let len = try #require(Builtins.globals["len"])
        #expect(len.printed == "<builtin len>")
        #expect(try #require(Builtins.globals["json"]).printed == "<module json>")
        if case .module(let json)? = Builtins.globals["json"] {
            #expect(json.member("encode")?.printed == "<builtin json.encode>")
        }
        let secret = Value.secret(SecretValue(name: "token", text: "hunter2"))
        #expect(secret.printed == "***")
        #expect(Value.list([secret]).printed == "[***]")
    }

    @Test("pathologically deep nesting prints without exhausting the stack")
    func deepNesting() {
        var v = Value.int(1)
        for _ in 0..<2000 { v = .list([v]) }
        let text = v.printed
        #expect(text.hasPrefix("[[[["))
        #expect(text.contains("[...]"))
    }
}
