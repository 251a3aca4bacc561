import Testing
@testable import PlatLang

/// npm ranges: the node-semver README's grammar and desugaring, and its pre-release rule.
@Suite("semantic version ranges")
struct SemverRangeTests {
    /// (range, version, satisfied), written from node-semver's documented semantics.
    static let table: [(String, String, Bool)] = [
        // Hyphen ranges, build metadata ignored, partial ends.
        ("1.0.0 - 2.0.0", "1.2.3", true), ("1.0.0 - 2.0.0", "2.2.3", false), ("1.0.0 - 2.0.0", "2.0.0-rc.1", false),
        ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3", true), ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3-pre.2", true),
        ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "2.4.3-alpha", true), ("1.2.3+asdf - 2.4.3+asdf", "1.2.3", true),
        ("1.2.3+asdf - 2.4.3+asdf", "1.2.3-pre.2", false), ("1.2.3+asdf - 2.4.3+asdf", "2.4.3-alpha", false),
        ("1.2 - 2.3.4", "1.2.0", true), ("1.2 - 2.3.4", "1.1.9", false), ("1.2.3 - 2.3", "2.3.9", true),
        ("1.2.3 - 2.3", "2.4.0", false), ("1.2.3 - 2", "2.9.9", true), ("1.2.3 - 2", "3.0.0", false),
        ("1.2.3 - 2", "3.0.0-0", false), ("x - 1.0.0", "0.9.7", true), ("x - 1.x", "0.9.7", true),
        ("1.0.0 - x", "1.9.7", true), ("1.x - x", "1.9.7", true), ("1.x - x", "0.9.7", false),
        // Comparators, spaces after an operator, AND and OR.
        ("1.0.0", "1.0.0", true), ("1.0.0", "1.0.1", false), ("=1.2.3", "1.2.3+build", true),
        (">=1.0.0", "1.0.0", true), (">=1.0.0", "1.0.1", true), (">=1.0.0", "0.0.1", false),
        (">1.0.0", "1.0.1", true), (">1.0.0", "1.0.0", false), ("<=2.0.0", "2.0.0", true),
        ("<=2.0.0", "0.2.9", true), ("<=2.0.0", "3.0.0", false), ("<2.0.0", "1.9999.9999", true),
        ("<2.0.0", "2.0.0", false), (">= 1.0.0", "1.0.0", true), (">=   1.0.0", "1.0.1", true),
        ("<=  2.0.0", "2.0.0", true), ("0.1.20 || 1.2.4", "1.2.4", true), ("0.1.20 || 1.2.4", "1.2.3", false),
        (">=0.2.3 || <0.0.1", "0.0.0", true), (">=0.2.3 || <0.0.1", "0.0.3", false), ("1.2.3||2.0.0", "2.0.0", true),
        ("~1.2.1 >=1.2.3", "1.2.3", true), ("~1.2.1 =1.2.3", "1.2.3", true), ("~1.2.1 1.2.3", "1.2.3", true),
        (">=1.2.1 1.2.3", "1.2.3", true), ("1.2.3 >=1.2.1", "1.2.3", true), (">=1.2.3 >=1.2.1", "1.2.3", true),
        (">=1.2.1 >=1.2.3", "1.2.3", true), (">=1.2.3 <1.2.3", "1.2.3", false),
        // X-ranges and partial versions.
        ("", "1.0.0", true), ("*", "1.2.3", true), ("x", "1.2.3", true), (">=*", "0.2.4", true), ("||", "1.3.4", true),
        (">*", "1.0.0", false), ("<*", "1.0.0", false), ("2.x.x", "2.1.3", true), ("2.x.x", "1.1.3", false),
        ("2.x.x", "3.1.3", false), ("1.2.x", "1.2.3", true), ("1.2.x", "1.3.3", false), ("1.2.x || 2.x", "2.1.3", true),
        ("1.2.x || 2.x", "3.1.3", false), ("2.*.*", "2.1.3", true), ("2.*.*", "1.1.3", false), ("2", "2.1.2", true),
        ("2", "1.1.2", false), ("2.3", "2.3.1", true), ("2.3", "2.4.1", false), ("2.x", "2.0.0", true),
        (">=1", "1.0.0", true), ("<1", "1.0.0", false), ("<1.2", "1.1.1", true), (">=1.2", "1.2.8", true),
        (">=1.2", "1.1.1", false), (">1.2", "1.2.8", false), (">1.2", "1.3.0", true), (">1", "1.9.9", false),
        (">1", "2.0.0", true), ("<=1.2", "1.2.9", true), ("<=1.2", "1.3.0", false), ("=0.7.x", "0.7.2", true),
        ("=0.7.x", "0.8.2", false), ("<=0.7.x", "0.7.2", true), ("<=0.7.x", "0.6.2", true), (">=0.7.x", "0.7.2", true),
        (">=0.7.x", "0.6.2", false), ("<0.7.x", "0.7.2", false), ("<0.7.x", "0.6.9", true), ("<=7.x", "7.9.9", true),
        // Tilde.
        ("~0.0.1", "0.0.1", true), ("~0.0.1", "0.1.0", false), ("~2.4", "2.4.5", true), ("~2.4", "2.5.0", false),
        ("~2.4", "2.3.9", false), ("~1", "1.2.3", true), ("~1", "0.2.3", false), ("~1", "2.0.0", false),
        ("~1.0", "1.0.2", true), ("~ 1.0", "1.0.2", true), ("~ 1.0.3", "1.0.12", true), ("~1.2.3", "1.2.9", true),
        ("~1.2.3", "1.3.0", false), ("~1.2.3", "1.2.2", false), ("~0.5.4-pre", "0.5.5", true), ("~0.5.4-pre", "0.5.4", true),
        ("~0.5.4-pre", "0.5.4-alpha", false), ("~0.5.4-pre", "0.5.4-pre.1", true), ("~0.5.4-pre", "0.6.0", false),
        // Caret.
        ("^1.2.3", "1.8.1", true), ("^1.2.3", "2.0.0", false), ("^1.2.3", "1.2.2", false), ("^0.1.2", "0.1.2", true),
        ("^0.1.2", "0.2.0", false), ("^0.1", "0.1.2", true), ("^0.0.1", "0.0.1", true), ("^0.0.1", "0.0.2", false),
        ("^1.2", "1.4.2", true), ("^1.2", "1.1.9", false), ("^1.2 ^1", "1.4.2", true), ("^0.2.3", "0.2.9", true),
        ("^0.2.3", "0.3.0", false), ("^0.0.3", "0.0.4", false), ("^1.2.x", "1.9.0", true), ("^1.2.x", "2.0.0", false),
        ("^0.0.x", "0.0.9", true), ("^0.0.x", "0.1.0", false), ("^0.0", "0.0.9", true), ("^0.x", "0.9.0", true),
        ("^0.x", "1.0.0", false), ("^1.x", "1.9.9", true), ("^x", "1.2.3", true), ("^1.2.3+build", "1.3.0", true),
        ("^1.2.3+build", "1.2.0", false), ("^1.2 || ~2.0.1", "1.4.2", true), ("^1.2 || ~2.0.1", "2.0.9", true),
        ("^1.2 || ~2.0.1", "2.1.0", false), ("^0.1.0 || ~3.0.1 || 5.0.0", "3.2.0", false),
        ("^0.1.0 || ~3.0.1 || >4 <=5.0.0", "5.0.0", true), ("^0.1.0 || ~3.0.1 || >4 <=5.0.0", "4.9.9", false),
        // The pre-release rule: only a comparator on the same MAJOR.MINOR.PATCH with a pre-release admits one.
        ("^1.2.3-alpha", "1.2.3-pre", true), ("^1.2.0-alpha", "1.2.0-pre", true), ("^0.0.1-alpha", "0.0.1-beta", true),
        ("^0.0.1-alpha", "0.0.1", true), ("^0.1.1-alpha", "0.1.1-beta", true), ("^1.2.3-alpha", "1.2.4-alpha", false),
        ("^1.2.3", "1.2.3-pre", false), ("^1.2", "1.2.0-pre", false), (">1.2", "1.3.0-beta", false),
        ("<=1.2.3", "1.2.3-beta", false), ("<1.2.3", "1.2.3-beta", false), ("=1.2.3", "1.2.3-beta", false),
        ("=0.7.x", "0.7.0-asdf", false), (">=0.7.x", "0.7.0-asdf", false), ("<=0.7.x", "0.7.0-asdf", false),
        ("*", "1.2.3-foo", false), ("x", "1.0.0-beta", false), ("", "1.0.0-beta", false),
        ("^1.2.3", "2.0.0-alpha", false), ("^1.0.0", "2.0.0-rc1", false),
        (">1.2.3-alpha.3", "1.2.3-alpha.7", true), (">1.2.3-alpha.3", "3.4.5", true),
        (">1.2.3-alpha.3", "3.4.5-alpha.9", false), (">1.2.3-alpha.3", "1.2.3-alpha.3", false),
        (">=1.2.3-beta.1", "1.2.4-beta.1", false), ("1.2.3-beta.2", "1.2.3-beta.2", true),
        (">=1.0.0-rc.1 <2.0.0", "1.0.0-rc.2", true), (">=1.0.0-rc.1 <2.0.0", "1.5.0-rc.1", false),
        ("1.0.0-rc.1 || 2.0.0-rc.1", "2.0.0-rc.1", true),
        // Every alternative counts, even beside one that admits any release (npm would keep only the `*`).
        ("* || 1.0.0-beta.0", "1.0.0-beta.0", true), ("* || 1.0.0-beta.0", "1.0.0-beta.1", false),
        // Numbers beyond 64 bits.
        ("1.0.0-alpha.18446744073709551616 - 1.0.0-alpha.18446744073709551618", "1.0.0-alpha.18446744073709551617", true),
        (">=99999999999999999999.0.0", "100000000000000000000.0.0", true), ("^99999999999999999999", "99999999999999999999.5.0", true),
        ("^99999999999999999999", "100000000000000000000.0.0", false),
    ]

    @Test("satisfies follows node-semver", arguments: SemverRangeTests.table)
    func satisfies(_ range: String, _ version: String, _ expected: Bool) throws {
        let r = try VersionRange(parsing: range)
        #expect(r.isSatisfied(by: try SemanticVersion(parsing: version)) == expected,
                "\(version) in \(range) (as \(r))")
    }

    @Test("the table is at least 60 rows and both answers are well represented")
    func tableSize() {
        #expect(SemverRangeTests.table.count >= 60)
        #expect(SemverRangeTests.table.filter { $0.2 }.count >= 30)
        #expect(SemverRangeTests.table.filter { !$0.2 }.count >= 30)
    }

    @Test("ranges desugar as node-semver documents", arguments: [
        ("^1.2.3", ">=1.2.3 <2.0.0-0"), ("^0.2.3", ">=0.2.3 <0.3.0-0"), ("^0.0.3", ">=0.0.3 <0.0.4-0"),
        ("^1.2.3-beta.2", ">=1.2.3-beta.2 <2.0.0-0"), ("^0.0.3-beta", ">=0.0.3-beta <0.0.4-0"),
        ("^1.2.x", ">=1.2.0 <2.0.0-0"), ("^0.0.x", ">=0.0.0 <0.1.0-0"), ("^0.0", ">=0.0.0 <0.1.0-0"),
        ("^1.x", ">=1.0.0 <2.0.0-0"), ("^0.x", ">=0.0.0 <1.0.0-0"), ("~1.2.3", ">=1.2.3 <1.3.0-0"),
        ("~1.2", ">=1.2.0 <1.3.0-0"), ("~1", ">=1.0.0 <2.0.0-0"), ("~0.2.3", ">=0.2.3 <0.3.0-0"), ("~0", ">=0.0.0 <1.0.0-0"),
        ("~1.2.3-beta.2", ">=1.2.3-beta.2 <1.3.0-0"), ("1.2.3 - 2.3.4", ">=1.2.3 <=2.3.4"), ("1.2 - 2.3.4", ">=1.2.0 <=2.3.4"),
        ("1.2.3 - 2.3", ">=1.2.3 <2.4.0-0"), ("1.2.3 - 2", ">=1.2.3 <3.0.0-0"), ("*", "*"), ("1.x", ">=1.0.0 <2.0.0-0"),
        ("1.2.x", ">=1.2.0 <1.3.0-0"), ("", "*"), ("1", ">=1.0.0 <2.0.0-0"), ("1.2", ">=1.2.0 <1.3.0-0"),
        (">1", ">=2.0.0"), (">1.2", ">=1.3.0"), ("<1.2", "<1.2.0-0"), ("<=1.2", "<1.3.0-0"), (">=1.2", ">=1.2.0"),
        ("<=1", "<2.0.0-0"), (">*", "<0.0.0-0"), ("=1.2.3", "1.2.3"), ("1.2.3 || >=2 <3", "1.2.3 || >=2.0.0 <3.0.0-0"),
    ])
    func desugaring(_ range: String, _ expected: String) throws {
        #expect(try VersionRange(parsing: range).description == expected)
    }

    @Test("invalid ranges say why and where", arguments: [
        ("^01.2.3", "leading zero in major version '01'", 2),
        (">=1.2.3 <2.0.01", "leading zero in patch version '01'", 14),
        ("v1.2.3", "a 'v' prefix is not part of SemVer: write 1.2.3", 1),
        (">=v1.2.3", "a 'v' prefix is not part of SemVer: write 1.2.3", 3),
        ("1.2.3 -", "a hyphen range is 'FROM - TO', alone between '||'", 7),
        ("1 - 2 - 3", "a hyphen range is 'FROM - TO', alone between '||'", 3),
        ("1 | 2", "a single '|': alternatives are separated by '||'", 3),
        (">=", "'>=' needs a version after it", 3),
        (">=1.2.3 <", "'<' needs a version after it", 10),
        ("~>1.2", "'~>' is not npm's range grammar", 1),
        (">>1", "two operators in a row", 2),
        ("1.x-beta", "a pre-release or build needs a full MAJOR.MINOR.PATCH", 4),
        ("1.x.3", "a number after a wildcard: once a part is x, the later ones are too", 5),
        (">=1.2.3,<2", "unexpected ',' in a version", 8),
        ("1.2.3.4", "a version has exactly three numbers: unexpected '.'", 6),
        ("1.2.", "missing patch version after '.'", 5),
        ("^1.2.3-01", "leading zero in numeric pre-release identifier '01'", 8),
        ("latest", "expected the major version (digits), found 'l'", 1),
    ])
    func invalid(_ range: String, _ reason: String, _ column: Int) {
        do {
            let r = try VersionRange(parsing: range)
            Issue.record("\(range) was accepted as \(r)")
        } catch let e as SemverError {
            #expect(e.reason == reason, "\(range)")
            #expect(e.column == column, "\(range): column \(e.column)")
            #expect(e.kind == "range")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
