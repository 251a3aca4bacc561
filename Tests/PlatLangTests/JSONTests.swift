import Testing
@testable import PlatLang

@Suite("json module")
struct JSONTests {
    func encode(_ v: Value, indent: Int? = nil) throws -> String {
        let named: [(String, Value)] = indent.map { [("indent", .int($0))] } ?? []
        guard case .string(let s) = try BT.call("json.encode", [v], named: named) else { return "" }
        return s
    }

    func decode(_ s: String) throws -> Value { try BT.call("json.decode", [.string(s)]) }

    @Test("encoding is compact by default and keeps key order, ints and floats")
    func encoding() throws {
        let m = Value.makeMap([("z", .int(1)), ("a", .list([.float(2), .bool(true), .null, .string("q\"\n")]))])
        #expect(try encode(m) == #"{"z":1,"a":[2.0,true,null,"q\"\n"]}"#)
        #expect(try encode(.list([])) == "[]")
        #expect(try encode(.makeMap([])) == "{}")
        #expect(try encode(.string("é😀\u{1}")) == "\"é😀\\u0001\"")
        #expect(try encode(.list([.duration(5_400_000), .size(1 << 20)])) == #"["1h30m","1MiB"]"#)
    }

    @Test("indent pretty-prints")
    func indented() throws {
        let m = Value.makeMap([("a", .int(1)), ("b", .list([.int(2), .int(3)])), ("c", .makeMap([]))])
        #expect(try encode(m, indent: 2) == """
            {
              "a": 1,
              "b": [
                2,
                3
              ],
              "c": {}
            }
            """)
    }

    @Test("values JSON cannot hold are errors")
    func encodingErrors() {
        let intKeys = MapStorage()
        intKeys.set(.int(1), .null)
        #expect(BT.error { try encode(.map(intKeys)) } == "json.encode() needs string map keys, got int key 1")
        #expect(BT.error { try encode(.float(.nan)) } == "json.encode() cannot encode nan: JSON has no such number")
        #expect(BT.error { try encode(.list([Builtins.globals["len"] ?? .null])) } == "json.encode() cannot encode a function")
        #expect(BT.error { try encode(.secret(SecretValue(name: "s", text: "x"))) } == "json.encode() cannot encode a secret")
        #expect(BT.error { try encode(.int(1), indent: -1) } == "json.encode() indent must be 0 to 32, got -1")
        #expect(BT.error { try encode(.list([.list([])]), indent: Int.max) } == "json.encode() indent must be 0 to 32, got \(Int.max)")
    }

    @Test("decoding keeps int vs float and key order")
    func decoding() throws {
        let v = try decode(#" {"b": [1, 2.0, -3e2, true, false, null], "a": {"x": "y"}} "#)
        #expect(v.printed == #"{"b": [1, 2.0, -300.0, true, false, nil], "a": {"x": "y"}}"#)
        #expect(try decode("9223372036854775807") == .int(Int.max))
        // Issue 15: an integer beyond 64 bits is an error, as the docs promise ints; a fraction reads a float.
        #expect(BT.error { try decode("9223372036854775808") }?.contains("does not fit in 64 bits") == true)
        #expect(try decode("9223372036854775808.0").printed == "9.223372036854776e+18")
        #expect(try decode(#""\u00e9\ud83d\ude00\n\/""#) == .string("é😀\n/"))
        #expect(try decode(#"{"k": 1, "k": 2}"#).printed == #"{"k": 2}"#)
    }

    @Test("round trips", arguments: [
        #"{"name":"web","ports":[80,443],"ratio":0.25,"on":true,"extra":null}"#,
        #"[[],{},"",-0.0,1e+100,"tab\tquote\"back\\slash"]"#,
        #"{"nested":{"deep":[[[1]]]}}"#,
    ])
    func roundTrip(text: String) throws {
        #expect(try encode(try decode(text)) == text)
    }

    @Test("decode errors give line and column", arguments: [
        ("[1, 2 3]", "invalid JSON at line 1 column 7: expected ','"),
        ("{\"a\": 1 \"b\": 2}", "invalid JSON at line 1 column 9: expected ','"),
        ("{\"a\" 1}", "invalid JSON at line 1 column 6: expected ':'"),
        ("{a: 1}", "invalid JSON at line 1 column 2: expected a string key"),
        ("[1,\n  ]", "invalid JSON at line 2 column 3: expected a value"),
        ("", "invalid JSON at line 1 column 1: expected a value, got the end of the text"),
        ("\"abc", "invalid JSON at line 1 column 1: unterminated string"),
        ("\"é\\x\"", "invalid JSON at line 1 column 3: invalid escape in a string"),
        ("[1] 2", "invalid JSON at line 1 column 5: unexpected text after the value"),
        ("01", "invalid JSON at line 1 column 2: invalid number: leading zeros are not allowed"),
        ("tru", "invalid JSON at line 1 column 1: expected a value"),
        ("\"\\ud800\"", "invalid JSON at line 1 column 2: unpaired surrogate in a \\u escape"),
    ] as [(String, String)])
    func decodeErrors(text: String, message: String) {
        #expect(BT.error { try decode(text) } == message)
    }

    @Test("deep nesting is refused, not a crash")
    func deepNesting() {
        let text = String(repeating: "[", count: 100_000)
        #expect(BT.error { try decode(text) }?.contains("nested more than") == true)
        var v = Value.int(1)
        for _ in 0..<600 { v = .list([v]) }
        #expect(BT.error { try encode(v) }?.contains("nested more than") == true)
    }
}

@Suite("re module")
struct RegexTests {
    @Test("match returns text, groups and character offsets, or nil")
    func match() throws {
        let m = try BT.call("re.match", [.string(#"(\w+)@(\w+)?(x)?"#), .string("héllo bob@host!")])
        #expect(m.printed == #"{"text": "bob@host", "groups": ["bob", "host", nil], "start": 6, "end": 14}"#)
        #expect(try BT.call("re.match", [.string("z+"), .string("abc")]) == .null)
        #expect(try BT.call("re.match", [.string("b"), .string("abc")]).printed
            == #"{"text": "b", "groups": [], "start": 1, "end": 2}"#)
    }

    @Test("find_all returns texts, or group lists when the pattern has groups")
    func findAll() throws {
        #expect(try BT.call("re.find_all", [.string(#"\d+"#), .string("a1 b22 c333")]).printed == #"["1", "22", "333"]"#)
        #expect(try BT.call("re.find_all", [.string(#"(\w)=(\d)"#), .string("a=1, b=2")]).printed
            == #"[["a", "1"], ["b", "2"]]"#)
        #expect(try BT.call("re.find_all", [.string("x"), .string("abc")]).printed == "[]")
    }

    @Test("replace with $1 group references")
    func replace() throws {
        #expect(try BT.call("re.replace", [.string(#"(\w+)@(\w+)"#), .string("bob@host, al@web"), .string("$2:$1")])
            == .string("host:bob, web:al"))
    }

    @Test("invalid patterns and bad arguments are errors naming them")
    func errors() {
        #expect(BT.error { try BT.call("re.match", [.string("(a"), .string("a")]) }
            == #"re.match() got an invalid regular expression "(a""#)
        #expect(BT.error { try BT.call("re.find_all", [.string("a"), .int(1)]) } == "re.find_all() expects a string for 's', got int")
        #expect(BT.error { try BT.call("re.replace", [.string("a"), .string("b")]) } == "re.replace() takes 3 arguments (2 given)")
    }
}
