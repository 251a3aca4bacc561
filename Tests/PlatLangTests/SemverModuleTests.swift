import Testing
@testable import PlatLang

/// The `semver` module's arguments and results as .plat sees them.
@Suite("semver module")
struct SemverModuleTests {
    func strings(_ xs: [String]) -> Value { .list(xs.map(Value.string)) }

    @Test("parse gives ints, and digit strings for numbers beyond 64 bits")
    func parse() throws {
        let v = try BT.call("semver.parse", [.string("9223372036854775807.9223372036854775808.0-rc.01a.7+001")])
        guard case .map(let m) = v else { Issue.record("not a map: \(v)"); return }
        #expect(m.get(.string("major")) == .int(Int.max))
        #expect(m.get(.string("minor")) == .string("9223372036854775808"))
        #expect(m.get(.string("prerelease")) == .list([.string("rc"), .string("01a"), .int(7)]))
        #expect(m.get(.string("build")) == .list([.string("001")]))
    }

    @Test("sort and max_satisfying return the caller's strings; reverse must be a bool")
    func sortAndMax() throws {
        let xs = strings(["1.0.0+b", "2.0.0-rc.1", "1.0.0+a", "0.1.0"])
        #expect(try BT.call("semver.sort", [xs]) == strings(["0.1.0", "1.0.0+b", "1.0.0+a", "2.0.0-rc.1"]))
        #expect(try BT.call("semver.sort", [xs], named: [("reverse", .bool(true))])
                == strings(["2.0.0-rc.1", "1.0.0+b", "1.0.0+a", "0.1.0"]))
        #expect(BT.error { try BT.call("semver.sort", [xs], named: [("reverse", .int(1))]) }
                == "semver.sort() expects a bool for 'reverse', got int")
        #expect(BT.error { try BT.call("semver.sort", [.list([.string("1.0.0"), .int(2)])]) }
                == "semver.sort() expects a list of version strings; item 1 is an int")
        #expect(try BT.call("semver.max_satisfying", [xs, .string("^1")]) == .string("1.0.0+b"))
        #expect(try BT.call("semver.max_satisfying", [xs, .string(">=2.0.0-rc.0")]) == .string("2.0.0-rc.1"))
        #expect(try BT.call("semver.max_satisfying", [xs, .string("^3")]) == .null)
        #expect(try BT.call("semver.sort", [.list([])]) == .list([]))
    }

    @Test("valid never fails on a string; compare and satisfies name the bad argument")
    func errors() throws {
        #expect(try BT.call("semver.valid", [.string("")]) == .bool(false))
        #expect(try BT.call("semver.valid", [.string("1.0.0-x.7.z.92")]) == .bool(true))
        #expect(BT.error { try BT.call("semver.valid", [.int(1)]) } == "semver.valid() expects a string for 'v', got int")
        #expect(BT.error { try BT.call("semver.satisfies", [.string("1.2.3"), .string("^1 |")]) }
                == "semver.satisfies(): invalid range '^1 |': a single '|': alternatives are separated by '||' (column 4)")
        #expect(BT.error { try BT.call("semver.bump", [.string("1.2.3"), .string("pre")], named: [("pre", .string("a.b"))]) }
                == "semver.bump(): invalid pre-release identifier 'a.b': one identifier expected, without dots (column 2)")
        #expect(try BT.call("semver.bump", [.string("1.2.3"), .string("pre"), .null]) == .string("1.2.4-0"))
    }

    @Test("very long numbers parse, compare and sort without trouble")
    func hostileLengths() throws {
        let long = "1" + String(repeating: "0", count: 200_000)
        let longer = "1" + String(repeating: "0", count: 200_001)
        #expect(try BT.call("semver.compare", [.string("1.0.0-\(longer)"), .string("1.0.0-\(long)")]) == .int(1))
        #expect(try BT.call("semver.compare", [.string("\(long).0.0"), .string("\(long).0.0+x")]) == .int(0))
        #expect(try BT.call("semver.bump", [.string("1.2.\(long)"), .string("patch")]) == .string("1.2.\(long.dropLast())1"))
        let deep = "1.0.0-" + Array(repeating: "a", count: 50_000).joined(separator: ".")
        #expect(try BT.call("semver.valid", [.string(deep)]) == .bool(true))
    }
}
