import Foundation
import PlatTestKit
import Testing

/// Any bytes given to the binary end in diagnostics and a normal exit, never a crash or a hang; Ctrl-C ends a
/// run with 130.
@Suite("hostile input and signals")
struct HostileInputTests {
    /// Deterministic pseudo-random bytes, so a failure reproduces.
    static func noise(count: Int, seed: UInt64) -> Data {
        var random = SeededRandom(seed: seed)
        return Data(random.bytes(count))
    }

    static let invalidUTF8 = Data("print(\"caf".utf8) + Data([0xC3, 0x28]) + Data("\")\nlet x = ".utf8)
        + Data([0xFF, 0xFE, 0xED, 0xA0, 0x80]) + Data("\nprint(x)\n".utf8)

    /// The exit code must come from the program, not from a signal; stderr must name the file.
    static func expectDiagnosed(_ r: CLIResult, file: String, code: Int32,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        expectExit(r, code, sourceLocation: sourceLocation)
        #expect(!r.stdout.contains(": ok"), "\(r)", sourceLocation: sourceLocation)
        #expect(r.diagnostics.hasPrefix("\(file):"), "\(r)", sourceLocation: sourceLocation)
        #expect(r.diagnostics.contains(": error: "), "\(r)", sourceLocation: sourceLocation)
    }

    @Test("a binary file: run exits 2, check reports problems (exit 1), both with diagnostics")
    func binaryFile() throws {
        try CLI.with { cli in
            // Real binary files contain NUL bytes and runs of every byte value.
            var data = HostileInputTests.noise(count: 4096, seed: 7)
            data.append(contentsOf: [0, 0, 0, 0x7F, 0x45, 0x4C, 0x46])
            try cli.write("blob.plat", data)
            let run = try cli.run(["run", "blob.plat"])
            HostileInputTests.expectDiagnosed(run, file: "blob.plat", code: 2)
            #expect(run.stdout == "")
            let check = try cli.run(["check", "blob.plat"])
            HostileInputTests.expectDiagnosed(check, file: "blob.plat", code: 1)
            #expect(check.stderr.hasSuffix(" found\n"), "\(check)")
            let json = try cli.run(["check", "--json", "blob.plat"])
            expectExit(json, 1)
            #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) is [Any], "\(json)")
        }
    }

    @Test("invalid UTF-8: the diagnostic points at the bad bytes; run exits 2, check exits 1")
    func invalidUTF8() throws {
        try CLI.with { cli in
            try cli.write("latin.plat", HostileInputTests.invalidUTF8)
            let run = try cli.run(["run", "latin.plat"])
            HostileInputTests.expectDiagnosed(run, file: "latin.plat", code: 2)
            #expect(run.stdout == "")
            #expect(run.diagnostics.contains("UTF-8"), "\(run)")
            let check = try cli.run(["check", "latin.plat"])
            HostileInputTests.expectDiagnosed(check, file: "latin.plat", code: 1)
        }
    }

    @Test("invalid UTF-8 inside a string or a comment is reported too: nothing runs with U+FFFD in its place")
    func invalidUTF8InStringsAndComments() throws {
        try CLI.with { cli in
            try cli.write("quoted.plat", Data("print(\"caf".utf8) + Data([0xE9]) + Data("\")\n# na".utf8)
                          + Data([0xEF, 0xF6]) + Data("ve\nprint(\"\u{FFFD} is fine when it is UTF-8\")\n".utf8))
            let run = try cli.run(["run", "quoted.plat"])
            HostileInputTests.expectDiagnosed(run, file: "quoted.plat", code: 2)
            #expect(run.stdout == "")
            #expect(run.diagnostics.contains("quoted.plat:1:11: error: the file is not valid UTF-8 here"), "\(run)")
            #expect(run.diagnostics.contains("quoted.plat:2:5: error: the file is not valid UTF-8 here"), "\(run)")
            #expect(!run.diagnostics.contains("quoted.plat:3:"), "\(run)")
        }
    }

    @Test("empty and whitespace-only files are valid programs that print nothing")
    func emptyFiles() throws {
        try CLI.with { cli in
            try cli.write("empty.plat", "")
            try cli.write("blank.plat", "\n\n   \t\n# only a comment\n")
            for f in ["empty.plat", "blank.plat"] {
                let r = try cli.run(["run", f])
                expectExit(r, 0)
                #expect(r.stdout == "" && r.diagnostics == "", "\(r)")
            }
        }
    }

    @Test("1 MB of '(' gives a nesting diagnostic quickly")
    func deepParens() throws {
        try CLI.with { cli in
            try cli.write("parens.plat", String(repeating: "(", count: 1 << 20))
            for command in ["run", "check"] {
                let r = try cli.run([command, "parens.plat"], timeout: 10)
                HostileInputTests.expectDiagnosed(r, file: "parens.plat", code: command == "run" ? 2 : 1)
                #expect(r.seconds < 5, "took \(r.seconds)s")
                // The excerpt of a one-line megabyte file is long, but the report must stay bounded.
                #expect(r.diagnostics.utf8.count < 8 << 20)
            }
        }
    }

    @Test("deeply nested braces and brackets are refused with a diagnostic, not a stack overflow",
          arguments: ["{", "[", "if true {", "fn() => ", "-", "not "])
    func deepNesting(unit: String) throws {
        try CLI.with { cli in
            try cli.write("deep.plat", "let x = " + String(repeating: unit, count: 50_000) + "1\n")
            let r = try cli.run(["check", "deep.plat"], timeout: 10)
            HostileInputTests.expectDiagnosed(r, file: "deep.plat", code: 1)
        }
    }

    @Test("Ctrl-C during a run ends it with exit code 130")
    func interrupt() throws {
        try CLI.with { cli in
            try cli.write("slow.plat", """
                plan main() {
                    print("started")
                    step "wait" {
                        sleep(30s)
                    }
                    print("not reached")
                }

                """)
            let r = try cli.run(["run", "slow.plat", "--wait"], timeout: 10, interruptAfter: 0.5)
            #expect(!r.timedOut, "SIGINT did not stop the run\n\(r)")
            #expect(!r.signalled, "the process died of the signal instead of exiting 130\n\(r)")
            #expect(r.exitCode == 130, "\(r)")
            #expect(r.seconds < 5)
            #expect(!r.stdout.contains("not reached"))
        }
    }
}
