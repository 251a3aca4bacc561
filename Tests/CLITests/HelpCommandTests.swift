import Foundation
import Testing

/// Help, version, and the "did you mean" of unknown commands and flags.
@Suite("help, version and usage errors")
struct HelpCommandTests {
    static let commands = ["run", "check", "version", "help"]

    /// What every command's help must show: its usage line, its flags (with the global ones) and examples.
    static func expectCommandHelp(_ r: CLIResult, _ command: String,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        expectExit(r, 0, sourceLocation: sourceLocation)
        #expect(r.stderr == "", sourceLocation: sourceLocation)
        #expect(r.stdout.contains("Usage:\n  platflow \(command)"), "\(r)", sourceLocation: sourceLocation)
        #expect(r.stdout.contains("\nFlags:\n"), "\(r)", sourceLocation: sourceLocation)
        #expect(r.stdout.contains("-h, --help"), "\(r)", sourceLocation: sourceLocation)
        #expect(r.stdout.contains("--no-color"), "\(r)", sourceLocation: sourceLocation)
        #expect(r.stdout.contains("\nExamples:\n  platflow \(command)"), "\(r)", sourceLocation: sourceLocation)
    }

    @Test("COMMAND --help, COMMAND -h and help COMMAND print the same usage, flags and examples",
          arguments: HelpCommandTests.commands)
    func commandHelp(command: String) throws {
        try CLI.with { cli in
            let long = try cli.run([command, "--help"])
            HelpCommandTests.expectCommandHelp(long, command)
            let short = try cli.run([command, "-h"])
            let viaHelp = try cli.run(["help", command])
            HelpCommandTests.expectCommandHelp(viaHelp, command)
            #expect(short.stdout == long.stdout)
            #expect(viaHelp.stdout == long.stdout)
        }
    }

    @Test("each command's help names its own flags")
    func commandFlags() throws {
        try CLI.with { cli in
            let run = try cli.run(["run", "--help"])
            #expect(run.stdout.contains("-p, --param NAME=VALUE"), "\(run)")
            #expect(run.stdout.contains("platflow run FILE [PLAN] [--param NAME=VALUE ...]"))
            let check = try cli.run(["check", "--help"])
            #expect(check.stdout.contains("--json"), "\(check)")
            #expect(check.stdout.contains("platflow check FILE..."))
        }
    }

    @Test("platflow alone, --help and help print the overview with every command")
    func overview() throws {
        try CLI.with { cli in
            let bare = try cli.run([])
            expectExit(bare, 0)
            #expect(bare.stderr == "")
            #expect(bare.stdout.hasPrefix("platflow 0.1.0: "))
            for c in HelpCommandTests.commands {
                #expect(bare.stdout.contains("\n  \(c) "), "overview lacks \(c)")
            }
            #expect(bare.stdout.contains("language"))
            #expect(bare.stdout.contains("exit-codes"))
            #expect(bare.stdout.contains("Examples:\n"))
            for args in [["help"], ["--help"], ["-h"]] {
                let r = try cli.run(args)
                expectExit(r, 0)
                #expect(r.stdout == bare.stdout, "platflow \(args.joined(separator: " "))")
            }
        }
    }

    @Test("help language shows the language tour")
    func helpLanguage() throws {
        try CLI.with { cli in
            let r = try cli.run(["help", "language"])
            expectExit(r, 0)
            #expect(r.stderr == "")
            for snippet in ["let ", "var ", "fn ", "plan ", "step ", "try ", "import \"std/", "\\(", "1h30m"] {
                #expect(r.stdout.contains(snippet), "help language lacks \(snippet)")
            }
        }
    }

    @Test("the code of help language is a program that checks cleanly, so a newcomer can paste it")
    func helpLanguageRuns() throws {
        try CLI.with { cli in
            let r = try cli.run(["help", "language"])
            let code = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { $0.hasPrefix("  ") }.map { $0.dropFirst(2) }.joined(separator: "\n")
            #expect(code.contains("plan deploy"), "\(r.stdout)")
            try cli.write("tour.plat", code + "\n")
            let check = try cli.run(["check", "tour.plat"])
            expectExit(check, 0)
        }
    }

    @Test("help exit-codes lists 0, 1, 2 and 130")
    func helpExitCodes() throws {
        try CLI.with { cli in
            let r = try cli.run(["help", "exit-codes"])
            expectExit(r, 0)
            for line in ["  0 ", "  1 ", "  2 ", "  130 "] {
                #expect(r.stdout.contains(line), "help exit-codes lacks '\(line)'")
            }
        }
    }

    @Test("version and --version print the version")
    func version() throws {
        try CLI.with { cli in
            for args in [["version"], ["--version"]] {
                let r = try cli.run(args)
                expectExit(r, 0)
                #expect(r.stdout == "platflow 0.1.0\n")
                #expect(r.stderr == "")
            }
        }
    }

    @Test("an unknown command exits 2 with did you mean")
    func unknownCommand() throws {
        try CLI.with { cli in
            let r = try cli.run(["chek", "x.plat"])
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.stderr == "error: unknown command 'chek'\nhint: did you mean 'check'?\n")
            let far = try cli.run(["frobnicate"])
            expectExit(far, 2)
            #expect(far.stderr.hasPrefix("error: unknown command 'frobnicate'\nhint: "), "\(far)")
        }
    }

    @Test("an unknown flag exits 2 with did you mean", arguments: [
        (["run", "x.plat", "--parm", "a=1"], "error: unknown flag '--parm' for 'run'\nhint: did you mean '--param'?\n"),
        (["check", "--jsn", "x.plat"], "error: unknown flag '--jsn' for 'check'\nhint: did you mean '--json'?\n"),
        (["version", "--quite"], "error: unknown flag '--quite' for 'version'\nhint: did you mean '--quiet'?\n"),
    ])
    func unknownFlag(args: [String], stderr: String) throws {
        try CLI.with { cli in
            let r = try cli.run(args)
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.stderr == stderr)
        }
    }

    @Test("help on an unknown topic exits 2 with did you mean")
    func unknownTopic() throws {
        try CLI.with { cli in
            let r = try cli.run(["help", "langauge"])
            expectExit(r, 2)
            #expect(r.stderr == "error: no command or topic 'langauge'\nhint: did you mean 'language'?\n")
        }
    }
}
