import Foundation
import Testing
@testable import PlatLang

@Suite("YAML reader")
struct YAMLDecodeTests {
    func read(_ text: String) throws -> Value { try YAML.decode(text) }

    func refusal(_ text: String, file: String? = nil) -> YAMLError? {
        do {
            _ = try YAML.decode(text, file: file)
            return nil
        } catch let e as YAMLError {
            return e
        } catch {
            return nil
        }
    }

    @Test("the 1.2 core schema: what is null, bool, int, float and string", arguments: [
        ("null", Value.null), ("~", .null), ("", .null), ("Null", .null), ("NULL", .null),
        ("true", .bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)), ("false", .bool(false)),
        ("FALSE", .bool(false)), ("tRue", .string("tRue")),
        ("yes", .string("yes")), ("no", .string("no")), ("on", .string("on")), ("off", .string("off")),
        ("y", .string("y")), ("n", .string("n")),
        ("0777", .int(777)), ("0o17", .int(15)), ("0x1F", .int(31)), ("0xff", .int(255)), ("-12", .int(-12)),
        ("+4", .int(4)), ("0", .int(0)), ("-0", .int(0)),
        ("1_000", .string("1_000")), ("0b101", .string("0b101")), ("+0x1F", .string("+0x1F")),
        ("-0o7", .string("-0o7")), ("0o8", .string("0o8")), ("0x", .string("0x")),
        ("1.5", .float(1.5)), (".5", .float(0.5)), ("1.", .float(1)), ("1e3", .float(1000)),
        ("-2.5E-2", .float(-0.025)), ("+.5", .float(0.5)), ("1e", .string("1e")), (".", .string(".")),
        (".e1", .string(".e1")), ("1.2.3", .string("1.2.3")), ("12:30", .string("12:30")),
    ])
    func coreSchema(_ text: String, _ expected: Value) throws {
        let v = try read("v: \(text)\n")
        guard case .map(let m) = v, let got = m.get(.string("v")) else { Issue.record("not a map"); return }
        #expect(YAMLOracle.strictlyEqual(got, expected), "\(text) read as \(got.repr)")
    }

    @Test("infinities and nan")
    func nonFinite() throws {
        guard case .list(let xs) = try read("[.inf, -.inf, +.Inf, .NaN, .NAN]") else { Issue.record(); return }
        #expect(YAMLOracle.strictlyEqual(.list(xs), .list([.float(.infinity), .float(-.infinity), .float(.infinity), .float(.nan), .float(.nan)])))
    }

    @Test("ints beyond 64 bits are refused with the place, and fine when quoted")
    func bigInts() throws {
        let e = refusal("a: 1\nb: 99999999999999999999\n")
        #expect(e?.line == 2 && e?.column == 4)
        #expect(e?.reason.contains("does not fit in 64 bits") == true)
        #expect(refusal("x: 0x1FFFFFFFFFFFFFFFF")?.reason.contains("64 bits") == true)
        #expect(try read("b: \"99999999999999999999\"") == .makeMap([("b", .string("99999999999999999999"))]))
    }

    @Test("mapping keys keep their order and plain keys keep their text")
    func keys() throws {
        let v = try read("z: 1\na: 2\n1: int key\ntrue: bool key\n~: tilde\n0x10: hex\n\"q\": quoted\n")
        guard case .map(let m) = v else { Issue.record(); return }
        #expect(m.liveKeys == ["z", "a", "1", "true", "~", "0x10", "q"].map { Value.string($0) })
        #expect(m.get(.string("1")) == .string("int key"))
    }

    @Test("block collections: nested, compact entries, sequences at the key's indentation")
    func blockCollections() throws {
        let v = try read("""
            a:
              b: [1, 2]
              c:
              - x
              - k: v
                k2: w
              - - n1
                - n2
              -
                deep: 1
            d: end
            """)
        let expected = Value.makeMap([
            ("a", .makeMap([
                ("b", .list([.int(1), .int(2)])),
                ("c", .list([.string("x"), .makeMap([("k", .string("v")), ("k2", .string("w"))]),
                             .list([.string("n1"), .string("n2")]), .makeMap([("deep", .int(1))])])),
            ])),
            ("d", .string("end")),
        ])
        #expect(YAMLOracle.strictlyEqual(v, expected), "\(v.repr)")
    }

    @Test("double-quoted escapes and folding")
    func doubleQuoted() throws {
        let v = try read(#"a: "\x41\u00e9\U0001F600\t\n\\\"\/\N\_\L\P\e\0\ \a\b\v\f\r""#)
        #expect(v == .makeMap([("a", .string("Aé😀\t\n\\\"/\u{85}\u{A0}\u{2028}\u{2029}\u{1B}\u{0} \u{7}\u{8}\u{B}\u{C}\r"))]))
        #expect(try read("a: \"one\n  two  \n\n  three\"") == .makeMap([("a", .string("one two\nthree"))]))
        #expect(try read("a: \"joined\\\n   here\"") == .makeMap([("a", .string("joinedhere"))]))
        #expect(try read("a: 'it''s\n  folded'") == .makeMap([("a", .string("it's folded"))]))
        #expect(refusal("a: \"\\q\"")?.reason.contains("unknown escape") == true)
        #expect(refusal("a: \"\\uD800\"")?.reason.contains("not a Unicode scalar") == true)
    }

    @Test("block scalars: literal, folded, chomping, indentation indicators")
    func blockScalars() throws {
        func one(_ text: String) throws -> Value {
            guard case .map(let m) = try read(text), let v = m.get(.string("a")) else { return .null }
            return v
        }
        #expect(try one("a: |\n  x\n  y\n") == .string("x\ny\n"))
        #expect(try one("a: |-\n  x\n\n") == .string("x"))
        #expect(try one("a: |+\n  x\n\n\nb: 1") == .string("x\n\n\n"))
        #expect(try one("a: |\n  x") == .string("x"))
        #expect(try one("a: >\n  a\n  b\n\n  c\n   d\n  e\n") == .string("a b\nc\n d\ne\n"))
        #expect(try one("a: |2\n    two extra\n  none\n") == .string("  two extra\nnone\n"))
        #expect(try one("a: >-1\n  x\n") == .string(" x"))
        #expect(try one("a: |\n  # not a comment\n# a comment\n") == .string("# not a comment\n"))
        #expect(try one("a: |\nb: 1") == .string(""))
        #expect(refusal("a: |\n     \n  x\n")?.reason.contains("more spaces") == true)
    }

    @Test("anchors and aliases share the value; an unknown or recursive alias is refused")
    func anchors() throws {
        let v = try read("a: &x {k: [1, 2]}\nb: *x\n&key c: *x\nd: *key\n")
        guard case .map(let m) = v else { Issue.record(); return }
        #expect(m.get(.string("b")) == m.get(.string("a")))
        #expect(m.get(.string("d")) == .string("c"))
        #expect(refusal("a: *nope")?.reason.contains("unknown anchor 'nope'") == true)
        #expect(refusal("a: &r [1, *r]")?.reason.contains("recursive") == true)
    }

    @Test("an anchor before a line break names the node; one on a first key's line names the key")
    func anchorPlacement() throws {
        let v = try read("&a a: &b b\n*b : *a\ntop: &m\n  &k key: one\nuse: [*m, *k]\n")
        let m = Value.makeMap([("key", .string("one"))])
        #expect(YAMLOracle.strictlyEqual(v, .makeMap([("a", .string("b")), ("b", .string("a")), ("top", m), ("use", .list([m, .string("key")]))])), "\(v.repr)")
        #expect(refusal("&a - x")?.reason.contains("cannot stand before a '- ' entry") == true)
        #expect(refusal("a: &x &y 1")?.reason.contains("two anchors") == true)
    }

    @Test("YAML corners: a top-level block scalar at column 0, multi-line keys in flow mappings, tabs")
    func corners() throws {
        #expect(try read("--- >\nline1\n# not a comment\nline3\n") == .string("line1 # not a comment line3\n"))
        #expect(try read("- { multi\n  line: value}") == .list([.makeMap([("multi line", .string("value"))])]))
        #expect(refusal("[ key\n  : value ]")?.reason.contains("must fit on one line") == true)
        #expect(refusal("-\t- x")?.reason.contains("a tab before a nested block collection") == true)
        #expect(try read("a:\tb") == .makeMap([("a", .string("b"))]), "a tab may separate, as YAML 1.2 allows")
        #expect(try read("- |+\n   \n") == .list([.string("\n")]))
        #expect(try read("%FUTURE reserved directive\n--- x") == .string("x"))
        #expect(refusal("%YAML 1.2\n%YAML 1.2\n--- x")?.reason.contains("a second %YAML") == true)
    }

    @Test("an alias bomb is refused: aliases may expand to a bounded number of nodes")
    func aliasBomb() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
            text += "a\(i): &a\(i) [\(refs)]\n"
        }
        let e = refusal(text)
        #expect(e?.reason.contains("aliases expand to more than \(YAML.maxAliasNodes) nodes") == true, "\(String(describing: e))")
        // A few levels stay well under the bound.
        #expect((try? read(text.split(separator: "\n").prefix(3).joined(separator: "\n"))) != nil)
    }

    @Test("merge keys: merged keys first, the mapping's own keys win, an earlier source wins")
    func mergeKeys() throws {
        let v = try read("""
            a: &a {x: 1, q: 1}
            b: &b {x: 2, y: 2}
            m:
              w: 0
              <<: [*a, *b]
              q: 9
            s:
              <<: *a
            quoted:
              "<<": not a merge
            """)
        guard case .map(let m) = v else { Issue.record(); return }
        let merged = m.get(.string("m"))!
        #expect(YAMLOracle.strictlyEqual(merged, .makeMap([("x", .int(1)), ("y", .int(2)), ("q", .int(9)), ("w", .int(0))])), "\(merged.repr)")
        #expect(m.get(.string("s")) == .makeMap([("x", .int(1)), ("q", .int(1))]))
        #expect(m.get(.string("quoted")) == .makeMap([("<<", .string("not a merge"))]))
        #expect(refusal("a: {<<: 1}")?.reason.contains("merge key") == true)
    }

    @Test("refusals name the place and the reason", arguments: [
        ("a: !!str 1", 1, 4, "tags are not supported (!!str)"),
        ("a: !custom x", 1, 4, "tags are not supported (!custom)"),
        ("%TAG ! tag:example.com:\n--- a", 1, 1, "%TAG directives are not supported"),
        ("a: 1\n---\nb: 2", 2, 1, "only one document"),
        ("a: 1\n...\nb: 2", 3, 1, "only one document"),
        ("a: 1\nb: 2\na: 3", 3, 1, "duplicate key \"a\" in this mapping (first at 1:1)"),
        ("1: x\n\"1\": y", 2, 1, "duplicate key \"1\""),
        ("{a: 1, a: 2}", 1, 8, "duplicate key"),
        ("key\nwith: lines", 1, 1, "must fit on one line"),
        ("\"two\n line\": 1", 1, 1, "must fit on one line"),
        ("a:\n\tb: 1", 2, 1, "a tab is used for indentation"),
        ("a: \"open", 1, 4, "unterminated double-quoted string"),
        ("a: 'open", 1, 4, "unterminated single-quoted string"),
        ("a: [1, 2", 1, 4, "unterminated flow sequence"),
        ("a: {b: 1", 1, 4, "unterminated flow mapping"),
        ("a:\n  b: 1\n c: 2", 3, 2, "bad indentation"),
        ("- [a]\n - b", 2, 2, "bad indentation"),
        ("a: b: c", 1, 5, "a mapping cannot start here"),
        ("a: - b", 1, 4, "a sequence cannot start on the line of its key"),
        ("[a]: b", 1, 1, "a mapping key must be a scalar"),
        ("? a\n: b", 1, 1, "explicit keys"),
        ("a: @x", 1, 4, "reserved"),
        ("a: x\u{1}", 1, 5, "control character U+0001"),
        ("café: \"ü\\q\"", 1, 9, "unknown escape"),
    ])
    func refusals(_ text: String, _ line: Int, _ column: Int, _ reason: String) {
        let e = refusal(text)
        #expect(e?.line == line && e?.column == column, "\(text.debugDescription): \(String(describing: e))")
        #expect(e?.reason.contains(reason) == true, "\(text.debugDescription): \(String(describing: e))")
    }

    @Test("errors read FILE:LINE:COL with a file, 'invalid YAML at LINE:COL' without")
    func errorText() {
        #expect(refusal("a: 1\na: 2", file: "release.yaml")?.description.hasPrefix("release.yaml:2:1: duplicate key") == true)
        #expect(refusal("a: 1\na: 2")?.description.hasPrefix("invalid YAML at 2:1: duplicate key") == true)
    }

    @Test("documents: markers, an empty text, directives, comments, CRLF, a BOM")
    func documents() throws {
        #expect(try read("") == .null)
        #expect(try read("# only a comment\n") == .null)
        #expect(try read("---\na: 1\n...\n# after\n") == .makeMap([("a", .int(1))]))
        #expect(try read("%YAML 1.2\n--- text") == .string("text"))
        #expect(try read("--- |\n  block\n") == .string("block\n"))
        #expect(try read("a: 1\r\nb:\r\n  - x\r\n") == .makeMap([("a", .int(1)), ("b", .list([.string("x")]))]))
        #expect(try read("\u{FEFF}a: 1") == .makeMap([("a", .int(1))]))
        #expect(try read("a: x#y # c\nb: 'q' # c") == .makeMap([("a", .string("x#y")), ("b", .string("q"))]))
    }

    @Test("nesting deeper than the bound is refused, not a crash")
    func depth() {
        let text = String(repeating: "[", count: YAML.maxDepth + 5) + String(repeating: "]", count: YAML.maxDepth + 5)
        #expect(refusal(text)?.reason.contains("nested more than") == true)
    }

    @Test("a long document reads in time linear in its size")
    func longDocument() throws {
        var text = "items:\n"
        for i in 0..<20_000 { text += "  - {id: \(i), name: \"item \(i)\", tags: [a, b]}\n" }
        text += "long: " + String(repeating: "word ", count: 50_000) + "\n"
        guard case .map(let m) = try read(text), case .list(let items)? = m.get(.string("items")) else { Issue.record(); return }
        #expect(items.count == 20_000)
    }
}

@Suite("YAML writer")
struct YAMLEncodeTests {
    @Test("block style, 2 spaces, compact entries in sequences, empty collections in flow")
    func layout() throws {
        let v = Value.makeMap([
            ("name", .string("web")),
            ("ports", .list([.int(80), .int(443)])),
            ("env", .makeMap([("LOG", .string("info"))])),
            ("containers", .list([.makeMap([("image", .string("a:1")), ("args", .list([]))]), .list([.string("x"), .string("y")])])),
            ("none", .null), ("empty", .makeMap([])), ("ratio", .float(0.5)), ("on", .bool(true)),
        ])
        #expect(try YAML.encode(v) == """
            name: web
            ports:
              - 80
              - 443
            env:
              LOG: info
            containers:
              - image: a:1
                args: []
              - - x
                - y
            none: null
            empty: {}
            ratio: 0.5
            on: true

            """)
        #expect(try YAML.encode(.list([.makeMap([("a", .int(1))])]), indent: 4) == "-   a: 1\n")
    }

    @Test("strings are quoted exactly when plain text would read back as something else", arguments: [
        ("web", "web"), ("no", "no"), ("on", "on"), ("hello world", "hello world"), ("a:b", "a:b"), ("x#y", "x#y"),
        ("-x", "-x"), ("ünï", "ünï"), ("true", "\"true\""), ("null", "\"null\""), ("~", "\"~\""), ("1.0", "\"1.0\""),
        ("12", "\"12\""), ("0777", "\"0777\""), ("1_000", "\"1_000\""), ("0b1", "\"0b1\""), ("1.2.3", "\"1.2.3\""),
        ("", "\"\""), (" lead", "\" lead\""), ("trail ", "\"trail \""), ("a: b", "\"a: b\""), ("a #b", "\"a #b\""),
        ("- x", "\"- x\""), ("[a]", "\"[a]\""), ("&a", "\"&a\""), ("*a", "\"*a\""), ("!t", "\"!t\""), ("'q'", "\"'q'\""),
        ("%x", "\"%x\""), ("---", "\"---\""), ("<<", "\"<<\""), ("end:", "\"end:\""), ("tab\tx", "\"tab\\tx\""),
        ("nul\u{0}", "\"nul\\0\""), ("c1\u{9B}", "\"c1\\x9B\""), ("ls\u{2028}", "\"ls\\L\""), ("bom\u{FEFF}", "\"bom\\uFEFF\""),
    ])
    func quoting(_ s: String, _ written: String) throws {
        #expect(try YAML.encode(.makeMap([("k", .string(s))])) == "k: \(written)\n")
    }

    @Test("multi-line strings are | block scalars when that keeps them exactly")
    func blockStrings() throws {
        #expect(try YAML.encode(.makeMap([("s", .string("a\nb\n"))])) == "s: |\n  a\n  b\n")
        #expect(try YAML.encode(.makeMap([("s", .string("a\n\nb"))])) == "s: |-\n  a\n\n  b\n")
        #expect(try YAML.encode(.makeMap([("s", .string("a\n\n"))])) == "s: |+\n  a\n\n")
        #expect(try YAML.encode(.list([.string("x\n  y\n")])) == "- |\n  x\n    y\n")
        #expect(try YAML.encode(.string("top\nlevel")) == "|-\n  top\n  level\n")
        // Kept as quoted: a first line starting with a blank, a carriage return, a line of only blanks.
        #expect(try YAML.encode(.makeMap([("s", .string(" a\nb"))])) == "s: \" a\\nb\"\n")
        #expect(try YAML.encode(.makeMap([("s", .string("a\r\nb"))])) == "s: \"a\\r\\nb\"\n")
        #expect(try YAML.encode(.makeMap([("s", .string("a\n  \nb"))])) == "s: \"a\\n  \\nb\"\n")
    }

    @Test("what cannot be written is an error")
    func errors() {
        #expect(throws: RuntimeError.self) { try YAML.encode(.makeMap([]).mapSet(.int(1), .null)) }
        #expect(throws: RuntimeError.self) { try YAML.encode(.secret(SecretValue(name: "p", text: "x"))) }
        #expect(throws: RuntimeError.self) { try YAML.encode(.null, indent: 1) }
    }

    @Test("round trip: decode(encode(v)) is v for random values, unicode and control characters included")
    func roundTrip() throws {
        for seed in 0..<2000 {
            var g = ValueGenerator(rng: SplitMix64(seed: UInt64(seed)))
            let v = g.value()
            let text = try YAML.encode(v)
            let back = try YAML.decode(text)
            #expect(YAMLOracle.strictlyEqual(back, v), "seed \(seed): \(v.repr)\n\(text)")
            if !YAMLOracle.strictlyEqual(back, v) { break }
        }
    }
}

private extension Value {
    func mapSet(_ k: Value, _ v: Value) -> Value {
        if case .map(let m) = self { m.set(k, v) }
        return self
    }
}
