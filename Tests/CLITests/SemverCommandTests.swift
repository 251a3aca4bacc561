import Foundation
import Testing

/// `platflow semver`: the examples, exit codes, errors with columns, sorting from a file and stdin.
struct SemverCommandTests {
    func run(_ args: [String]) throws -> CLIResult {
        try CLI.with { cli in try cli.run(["semver"] + args) }
    }

    @Test("parse prints the parts; --json as an object")
    func parse() throws {
        let r = try run(["parse", "1.0.0-alpha.1+sha.5114f85"])
        expectExit(r, 0)
        #expect(r.stdout == """
            version     1.0.0-alpha.1+sha.5114f85
            major       1
            minor       0
            patch       0
            prerelease  alpha.1
            build       sha.5114f85

            """)
        let j = try run(["parse", "1.0.0-alpha.1+sha.5114f85", "--json"])
        expectExit(j, 0)
        let object = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any]
        #expect(object?["major"] as? Int == 1)
        #expect(object?["prerelease"] as? [AnyHashable] == ["alpha", 1])
        #expect(object?["build"] as? [String] == ["sha", "5114f85"])
        #expect(object?["version"] as? String == "1.0.0-alpha.1+sha.5114f85")
    }

    @Test("invalid versions exit 2 with the reason and a caret under the column", arguments: [
        ("1.01.0", "leading zero in minor version '01' (column 3)", "    ^"),
        ("v1.2.3", "a 'v' prefix is not part of SemVer: write 1.2.3 (column 1)", "  ^"),
        ("1.2.3-beta..1", "empty pre-release identifier (column 12)", "             ^"),
    ])
    func invalid(_ text: String, _ reason: String, _ caret: String) throws {
        let r = try run(["parse", text])
        expectExit(r, 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("error: invalid version '\(text)': \(reason)\n  \(text)\n\(caret)\n"), "\(r.stderr)")
    }

    @Test("compare prints -1, 0 or 1", arguments: [
        ("1.0.0-alpha", "1.0.0-alpha.1", "-1"), ("1.0.0+a", "1.0.0+b", "0"), ("1.10.0", "1.9.0", "1"),
        ("1.0.0-beta.11", "1.0.0-beta.2", "1"), ("1.0.0-18446744073709551616", "1.0.0-18446744073709551615", "1"),
    ])
    func compare(_ a: String, _ b: String, _ expected: String) throws {
        let r = try run(["compare", a, b])
        expectExit(r, 0)
        #expect(r.stdout == expected + "\n")
    }

    @Test("sort orders by precedence, one a line; --reverse puts the newest first")
    func sortArguments() throws {
        let r = try run(["sort", "1.0.0", "1.0.0-rc.1", "1.0.0-beta.11", "1.0.0-beta.2", "1.0.0-alpha", "0.9.0+build.7"])
        expectExit(r, 0)
        #expect(r.stdout == "0.9.0+build.7\n1.0.0-alpha\n1.0.0-beta.2\n1.0.0-beta.11\n1.0.0-rc.1\n1.0.0\n")
        let d = try run(["sort", "--reverse", "2.0.0", "10.0.0", "2.0.0-rc.1"])
        expectExit(d, 0)
        #expect(d.stdout == "10.0.0\n2.0.0\n2.0.0-rc.1\n")
    }

    @Test("sort --file reads one version a line (CRLF and blank lines allowed); a bad line names its number")
    func sortFile() throws {
        try CLI.with { cli in
            try cli.write("versions.txt", "1.2.0\r\n\n1.10.0\n1.9.0-beta\n1.9.0\n")
            let r = try cli.run(["semver", "sort", "--file", "versions.txt"])
            expectExit(r, 0)
            #expect(r.stdout == "1.2.0\n1.9.0-beta\n1.9.0\n1.10.0\n")
            try cli.write("bad.txt", "1.2.0\n1.2\n")
            let bad = try cli.run(["semver", "sort", "--file", "bad.txt"])
            expectExit(bad, 2)
            #expect(bad.stderr.hasPrefix("error: line 2: invalid version '1.2'"))
            let missing = try cli.run(["semver", "sort", "--file", "nope.txt"])
            expectExit(missing, 2)
            #expect(missing.stderr.contains("cannot read 'nope.txt'"))
        }
    }

    @Test("sort - reads standard input")
    func sortStdin() throws {
        try CLI.with { cli in
            let binary = try #require(CLI.binary)
            try cli.write("in.txt", "2.0.0\n1.0.0-rc.1\n1.0.0\n")
            let process = Process()
            process.executableURL = binary
            process.arguments = ["semver", "sort", "-"]
            process.standardInput = try FileHandle(forReadingFrom: cli.directory.appendingPathComponent("in.txt"))
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(String(decoding: data, as: UTF8.self) == "1.0.0-rc.1\n1.0.0\n2.0.0\n")
        }
    }

    @Test("bump: the issue's examples and npm's rules", arguments: [
        (["1.4.2", "minor"], "1.5.0"), (["1.4.2", "major"], "2.0.0"), (["1.4.2", "patch"], "1.4.3"),
        (["1.4.2", "pre", "--pre", "beta"], "1.4.3-beta.0"), (["1.5.0-beta.1", "pre"], "1.5.0-beta.2"),
        (["1.5.0-beta.1", "patch"], "1.5.0"), (["1.5.0-beta.1", "release"], "1.5.0"),
        (["1.2.3", "premajor", "--pre=rc"], "2.0.0-rc.0"),
    ])
    func bump(_ args: [String], _ expected: String) throws {
        let r = try run(["bump"] + args)
        expectExit(r, 0)
        #expect(r.stdout == expected + "\n")
    }

    @Test("satisfies prints true or false and exits 0 or 1", arguments: [
        ("1.4.2", "^1.2 || ~2.0.1", true), ("2.0.5", "^1.2 || ~2.0.1", true), ("2.1.0", "^1.2 || ~2.0.1", false),
        ("1.2.3-beta.1", ">=1.2.3-beta.0 <1.3", true), ("1.2.4-beta.1", ">=1.2.3-beta.0 <1.3", false),
    ])
    func satisfies(_ version: String, _ range: String, _ expected: Bool) throws {
        let r = try run(["satisfies", version, range])
        expectExit(r, expected ? 0 : 1)
        #expect(r.stdout == (expected ? "true\n" : "false\n"))
        #expect(r.stderr.isEmpty)
    }

    @Test("bad ranges, parts and usage exit 2 and say why", arguments: [
        (["satisfies", "1.2.3", "^1.2 | ~2"], "a single '|'"),
        (["satisfies", "1.2.3", ">=01.2"], "leading zero in major version '01' (column 3)"),
        (["satisfies", "1.2.3"], "semver satisfies needs a version and a range"),
        (["bump", "1.2.3", "minr"], "unknown part 'minr'"),
        (["bump", "1.2.3", "major", "--pre", "beta"], "applies only to pre"),
        (["bump", "1.2.3", "release"], "already a release"),
        (["compare", "1.2.3"], "semver compare needs A and B"),
        (["frobnicate"], "unknown semver command 'frobnicate'"),
        (["parse", "1.2.3", "--reverse"], "unknown flag '--reverse' for 'semver parse'"),
        (["sort", "--jsn"], "unknown flag '--jsn'"),
        (["sort"], "semver sort needs versions, - to read them from stdin, or --file PATH"),
        (["sort", "1.0.0", "--file", "x.txt"], "semver sort takes versions or --file, not both"),
    ])
    func badInput(_ args: [String], _ message: String) throws {
        let r = try run(args)
        expectExit(r, 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test("semver alone lists its subcommands and exits 2; each has its own --help; the overview lists semver")
    func help() throws {
        let alone = try run([])
        expectExit(alone, 2)
        #expect((alone.stdout + alone.stderr).contains("satisfies"))
        let r = try run(["satisfies", "--help"])
        expectExit(r, 0)
        #expect(r.stdout.contains("platflow semver satisfies VERSION RANGE"))
        let overview = try CLI.with { cli in try cli.run(["help"]) }
        #expect(overview.stdout.contains("semver"))
    }
}
