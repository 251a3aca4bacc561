import Testing
import PlatTestKit
@testable import PlatLang

/// SemVer 2.0.0 versions: the grammar, precedence (section 11), numbers of any length, bumps.
@Suite("semantic versions")
struct SemverTests {
    func v(_ text: String) throws -> SemanticVersion { try SemanticVersion(parsing: text) }

    func failure(_ text: String) -> SemverError? {
        do {
            _ = try SemanticVersion(parsing: text)
            return nil
        } catch {
            return error as? SemverError
        }
    }

    @Test("the spec's precedence example, section 11")
    func specOrder() throws {
        let chain = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                     "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]
        for i in chain.indices {
            for j in chain.indices {
                let c = SemanticVersion.compare(try v(chain[i]), try v(chain[j]))
                #expect(c == (i < j ? -1 : i == j ? 0 : 1), "\(chain[i]) vs \(chain[j])")
            }
        }
        // Numbers compare numerically, part by part: 1.0.0 < 2.0.0 < 2.1.0 < 2.1.1.
        let numeric = ["1.0.0", "2.0.0", "2.1.0", "2.1.1", "2.10.0", "10.0.0"]
        for (a, b) in zip(numeric, numeric.dropFirst()) { #expect(SemanticVersion.compare(try v(a), try v(b)) == -1) }
        var shuffled = chain.reversed().map { try! v($0) }
        shuffled.swapAt(0, 3)
        #expect(SemanticVersion.precedenceOrder(shuffled).map { shuffled[$0].description } == chain)
    }

    @Test("build metadata is kept and printed but ignored for precedence")
    func buildMetadata() throws {
        let a = try v("1.0.0+20130313144700"), b = try v("1.0.0+exp.sha.5114f85"), c = try v("1.0.0-beta+exp.sha.5114f85")
        #expect(SemanticVersion.compare(a, b) == 0)
        #expect(a != b)
        #expect(b.build == ["exp", "sha", "5114f85"])
        #expect(b.description == "1.0.0+exp.sha.5114f85")
        #expect(SemanticVersion.compare(c, a) == -1)
        // A sort keeps equal-precedence versions in input order, ascending and descending.
        let xs = [b, a, try v("0.9.0"), try v("1.0.0")]
        #expect(SemanticVersion.precedenceOrder(xs) == [2, 0, 1, 3])
        #expect(SemanticVersion.precedenceOrder(xs, descending: true) == [0, 1, 3, 2])
    }

    /// The valid strings of the semver.org FAQ's regular-expression examples.
    static let validCorpus = [
        "0.0.4", "1.2.3", "10.20.30", "1.1.2-prerelease+meta", "1.1.2+meta", "1.1.2+meta-valid", "1.0.0-alpha",
        "1.0.0-beta", "1.0.0-alpha.beta", "1.0.0-alpha.beta.1", "1.0.0-alpha.1", "1.0.0-alpha0.valid",
        "1.0.0-alpha.0valid", "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay", "1.0.0-rc.1+build.1",
        "2.0.0-rc.1+build.123", "1.2.3-beta", "10.2.3-DEV-SNAPSHOT", "1.2.3-SNAPSHOT-123", "1.0.0", "2.0.0",
        "1.1.7", "2.0.0+build.1848", "2.0.1-alpha.1227", "1.0.0-alpha+beta", "1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
        "1.2.3----R-S.12.9.1--.12+meta", "1.2.3----RC-SNAPSHOT.12.9.1--.12", "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
        "99999999999999999999999.999999999999999999.99999999999999999", "1.0.0-0A.is.legal",
    ]

    /// The invalid strings of the same examples.
    static let invalidCorpus = [
        "1", "1.2", "1.2.3-0123", "1.2.3-0123.0123", "1.1.2+.123", "+invalid", "-invalid", "-invalid+invalid",
        "-invalid.01", "alpha", "alpha.beta", "alpha.beta.1", "alpha.1", "alpha+beta", "alpha_beta", "alpha.",
        "alpha..", "beta", "1.0.0-alpha_beta", "-alpha.", "1.0.0-alpha..", "1.0.0-alpha..1", "1.0.0-alpha...1",
        "1.0.0-alpha....1", "1.0.0-alpha.....1", "1.0.0-alpha......1", "1.0.0-alpha.......1", "01.1.1", "1.01.1",
        "1.1.01", "1.2.3.DEV", "1.2-SNAPSHOT", "1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788", "1.2-RC-SNAPSHOT",
        "-1.0.3-gamma+b7718", "+justmeta", "9.8.7+meta+meta", "9.8.7-whatever+meta+meta",
        "99999999999999999999999.999999999999999999.99999999999999999----RC-SNAPSHOT.12.09.1--------------------------------..12",
    ]

    @Test("valid versions of the semver.org corpus parse and print back unchanged", arguments: SemverTests.validCorpus)
    func validCorpus(_ text: String) throws {
        #expect(try v(text).description == text)
    }

    @Test("invalid versions of the semver.org corpus are refused", arguments: SemverTests.invalidCorpus)
    func invalidCorpus(_ text: String) {
        #expect(failure(text) != nil, "\(text) was accepted")
    }

    @Test("more that is not SemVer: prefixes, spaces, empty parts, non-ASCII", arguments: [
        "", "v1.2.3", "V1.2.3", "=1.2.3", " 1.2.3", "1.2.3 ", "1.2.3\n", "1.2.3-", "1.2.3+", "1.2.3-a+", "1.2.3-é",
        "1.2.3+b_1", "1..3", "1.2.", ".1.2.3", "1.2.3-01", "1.2.3-00", "-1.2.3", "1.2.-3", "１.2.3", "1.2.3-a b",
    ])
    func moreInvalid(_ text: String) {
        #expect(failure(text) != nil, "\(text) was accepted")
    }

    @Test("errors say why and where", arguments: [
        ("1.01.0", "leading zero in minor version '01'", 3),
        ("01.1.0", "leading zero in major version '01'", 1),
        ("1.1.007", "leading zero in patch version '007'", 5),
        ("v1.2.3", "a 'v' prefix is not part of SemVer: write 1.2.3", 1),
        ("1.2.3-0123", "leading zero in numeric pre-release identifier '0123'", 7),
        ("1.2.3-alpha..1", "empty pre-release identifier", 13),
        ("1.2.3-alpha_beta", "invalid character '_' in pre-release identifier", 12),
        ("1.2.3+meta+meta", "invalid character '+' in build identifier", 11),
        ("1.2", "the version ends after the minor version: SemVer needs MAJOR.MINOR.PATCH", 4),
        ("1.2.3.4", "a version has exactly three numbers: unexpected '.' after the patch version", 6),
        ("1.2.x", "expected the patch version (digits), found 'x'", 5),
        ("", "empty version: expected MAJOR.MINOR.PATCH", 1),
        ("1.2.3-é.1", "invalid character 'é' in pre-release identifier", 7),
        ("1.2.3-é.01", "invalid character 'é' in pre-release identifier", 7),
        ("1.2.3 ", "unexpected whitespace after the version", 6),
    ])
    func errors(_ text: String, _ reason: String, _ column: Int) {
        let e = failure(text)
        #expect(e?.reason == reason, "\(text): \(e?.reason ?? "accepted")")
        #expect(e?.column == column, "\(text): column \(e?.column ?? 0)")
        #expect(e?.input == text)
    }

    @Test("the leading-zero error hints the number without the zero")
    func leadingZeroHint() {
        #expect(failure("1.01.0")?.hint?.contains("1, not 01") == true)
        #expect(failure("1.2.3-00")?.reason == "leading zero in numeric pre-release identifier '00'")
        // Leading zeros are fine in build metadata and in alphanumeric identifiers.
        #expect(failure("1.2.3+001") == nil)
        #expect(failure("1.2.3-01a") == nil)
    }

    @Test("numeric parts and identifiers of any length compare as numbers")
    func hugeNumbers() throws {
        let max64 = "18446744073709551615", over = "18446744073709551616", much = "99999999999999999999999999999"
        #expect(SemanticVersion.compare(try v("1.0.0-alpha.\(max64)"), try v("1.0.0-alpha.\(over)")) == -1)
        #expect(SemanticVersion.compare(try v("1.0.0-alpha.\(over)"), try v("1.0.0-alpha.\(much)")) == -1)
        #expect(SemanticVersion.compare(try v("1.0.0-alpha.\(much)"), try v("1.0.0-alpha.\(much)")) == 0)
        #expect(SemanticVersion.compare(try v("1.0.0-alpha.9"), try v("1.0.0-alpha.\(over)")) == -1)
        // Still lower than any alphanumeric identifier.
        #expect(SemanticVersion.compare(try v("1.0.0-\(much)"), try v("1.0.0-a")) == -1)
        #expect(SemanticVersion.compare(try v("\(over).0.0"), try v("\(max64).99.99")) == 1)
        #expect(SemanticVersion.compare(try v("1.\(over).0"), try v("1.\(over)1.0")) == -1)
        #expect(SemanticVersion.compare(try v("1.2.\(much)"), try v("1.2.\(much.dropLast())8")) == 1)
        // Equal length, beyond 64 bits: digit by digit.
        #expect(SemanticVersion.compare(try v("1.0.0-20000000000000000000"), try v("1.0.0-19999999999999999999")) == 1)
        #expect(VersionNumber(trustedDigits: "99999999999999999999").incremented().digits == "100000000000000000000")
        #expect(VersionNumber(trustedDigits: "999999999999999999").incremented().digits == "1000000000000000000")
        #expect(VersionNumber(trustedDigits: "9223372036854775807").intValue == Int.max)
        #expect(VersionNumber(trustedDigits: "9223372036854775808").intValue == nil)
    }

    @Test("bumps follow npm's semver inc", arguments: [
        ("1.4.2", "major", nil, "2.0.0"), ("1.4.2", "minor", nil, "1.5.0"), ("1.4.2", "patch", nil, "1.4.3"),
        ("1.4.2", "pre", nil, "1.4.3-0"), ("1.4.2", "pre", "beta", "1.4.3-beta.0"),
        ("1.5.0-beta.1", "pre", nil, "1.5.0-beta.2"), ("1.5.0-beta.1", "patch", nil, "1.5.0"),
        ("1.5.0-beta.1", "minor", nil, "1.5.0"), ("1.5.1-beta.1", "minor", nil, "1.6.0"),
        ("2.0.0-rc.1", "major", nil, "2.0.0"), ("2.1.0-rc.1", "major", nil, "3.0.0"), ("2.0.1-rc.1", "major", nil, "3.0.0"),
        ("1.2.3-beta", "pre", nil, "1.2.3-beta.0"), ("1.2.3-beta", "pre", "beta", "1.2.3-beta.0"),
        ("1.2.3-alpha.3", "pre", "beta", "1.2.3-beta.0"), ("1.2.3-beta.1", "pre", "beta", "1.2.3-beta.2"),
        ("1.2.3-alpha.1.beta", "pre", nil, "1.2.3-alpha.2.beta"), ("1.2.3-1", "pre", nil, "1.2.3-2"),
        ("1.2.3-0", "pre", "beta", "1.2.3-beta.0"), ("1.2.3-beta.x", "pre", "beta", "1.2.3-beta.0"),
        ("1.2.3", "premajor", nil, "2.0.0-0"), ("1.2.3", "preminor", "beta", "1.3.0-beta.0"),
        ("1.2.3", "prepatch", "rc", "1.2.4-rc.0"), ("1.2.3-beta.4", "prepatch", nil, "1.2.4-0"),
        ("1.2.3-beta.4", "premajor", "alpha", "2.0.0-alpha.0"),
        ("1.5.0-beta.2", "release", nil, "1.5.0"), ("1.2.3+build.5", "patch", nil, "1.2.4"),
        ("1.2.3-beta.1+build.5", "pre", nil, "1.2.3-beta.2"),
        ("1.2.3-beta.99999999999999999999", "pre", nil, "1.2.3-beta.100000000000000000000"),
        ("1.2.99999999999999999999", "patch", nil, "1.2.100000000000000000000"),
        ("9223372036854775807.0.0", "major", nil, "9223372036854775808.0.0"),
    ] as [(String, String, String?, String)])
    func bumps(_ from: String, _ part: String, _ pre: String?, _ expected: String) throws {
        let bump = try #require(VersionBump(rawValue: part))
        #expect(try v(from).bumped(bump, prereleaseIdentifier: pre).description == expected)
    }

    @Test("bumps that cannot be made are errors", arguments: [
        ("1.2.3", "release", nil), ("1.2.3", "pre", "be.ta"), ("1.2.3", "pre", "01"), ("1.2.3", "pre", ""),
        ("1.2.3", "major", "beta"), ("1.2.3", "pre", "b_1"),
    ] as [(String, String, String?)])
    func badBumps(_ from: String, _ part: String, _ pre: String?) throws {
        let bump = try #require(VersionBump(rawValue: part))
        #expect(throws: SemverError.self) { try v(from).bumped(bump, prereleaseIdentifier: pre) }
    }

    /// A random valid version: small and huge numbers, alphanumeric and numeric identifiers, builds.
    static func randomVersion(_ r: inout SeededRandom) -> String {
        func number() -> String {
            switch r.below(10) {
            case 0: return "0"
            case 1: return String(r.next())  // up to 20 digits
            case 2: return String(r.int(in: 1...9)) + String(repeating: String(r.below(10)), count: r.int(in: 18...30))
            default: return String(r.below(4))
            }
        }
        func identifier(numericAllowed: Bool) -> String {
            if numericAllowed && r.chance(50) { return number() }
            let alphabet = Array("0123456789abcxyzABCXYZ-")
            var s = ""
            for _ in 0..<r.int(in: 1...4) { s.append(alphabet[r.below(alphabet.count)]) }
            if s.allSatisfy(\.isNumber) { s += "x" }  // keep it alphanumeric (a numeric text could have a leading zero)
            return s
        }
        var s = "\(number()).\(number()).\(number())"
        if r.chance(60) { s += "-" + (0..<r.int(in: 1...4)).map { _ in identifier(numericAllowed: true) }.joined(separator: ".") }
        if r.chance(30) { s += "+" + (0..<r.int(in: 1...3)).map { _ in identifier(numericAllowed: false) }.joined(separator: ".") }
        return s
    }

    @Test("random versions: parse(print(v)) == v, compare is a total order, and sort agrees with it")
    func properties() throws {
        var r = SeededRandom(seed: 20261206)
        let texts = (0..<600).map { _ in SemverTests.randomVersion(&r) }
        let versions = try texts.map { try v($0) }
        for (t, x) in zip(texts, versions) {
            #expect(x.description == t)
            #expect(try v(x.description) == x)
        }
        // Antisymmetry, reflexivity and build-blindness on all pairs of a sample; transitivity on triples.
        let sample = Array(versions.prefix(150))
        for a in sample {
            #expect(SemanticVersion.compare(a, a) == 0)
            for b in sample {
                let ab = SemanticVersion.compare(a, b), ba = SemanticVersion.compare(b, a)
                #expect(ab == -ba)
                #expect((ab == 0) == (a.withoutBuild == b.withoutBuild), "\(a) vs \(b)")
            }
        }
        for _ in 0..<3000 {
            let a = sample[r.below(sample.count)], b = sample[r.below(sample.count)], c = sample[r.below(sample.count)]
            if SemanticVersion.compare(a, b) <= 0 && SemanticVersion.compare(b, c) <= 0 {
                #expect(SemanticVersion.compare(a, c) <= 0, "\(a) <= \(b) <= \(c)")
            }
        }
        let order = SemanticVersion.precedenceOrder(versions)
        #expect(Set(order).count == versions.count)
        for (i, j) in zip(order, order.dropFirst()) {
            let c = SemanticVersion.compare(versions[i], versions[j])
            #expect(c < 0 || (c == 0 && i < j))
        }
        let descending = SemanticVersion.precedenceOrder(versions, descending: true)
        for (i, j) in zip(descending, descending.dropFirst()) {
            let c = SemanticVersion.compare(versions[i], versions[j])
            #expect(c > 0 || (c == 0 && i < j))
        }
    }
}
