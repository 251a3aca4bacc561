import Foundation
import Testing

/// Commands with subcommands (`cmdb`, `schedule`, `script`): each subcommand parses only its own flags and the
/// global ones, unknown words and flags are named with the closest, and every level has a complete --help.
@Suite("subcommands, their flags and their help")
struct SubcommandTests {
    @Test("a flag of another subcommand is an unknown flag: exit 2, nothing printed on stdout, the command that takes it named")
    func flagOfAnotherSubcommand() throws {
        try CLI.with { cli in
            let r = try cli.run(["cmdb", "hosts", "--mapping", "1:1"])
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.stderr == """
                error: unknown flag '--mapping' for 'cmdb hosts'
                hint: --mapping is a flag of `platflow cmdb assoc add`; see `platflow cmdb hosts --help`

                """)
        }
    }

    @Test("a mistyped flag of a subcommand exits 2 with did you mean, among that subcommand's flags", arguments: [
        (["cmdb", "hosts", "--were", "sla > 1"], "error: unknown flag '--were' for 'cmdb hosts'\nhint: did you mean '--where'?\n"),
        (["cmdb", "host", "delete", "web-1", "--forse"], "error: unknown flag '--forse' for 'cmdb host delete'\nhint: did you mean '--force'?\n"),
        (["cmdb", "assoc", "add", "x", "--maping", "1:1"], "error: unknown flag '--maping' for 'cmdb assoc add'\nhint: did you mean '--mapping'?\n"),
        (["schedule", "next", "@daily", "--cont", "2"], "error: unknown flag '--cont' for 'schedule next'\nhint: did you mean '--count'?\n"),
    ])
    func mistypedFlag(args: [String], stderr: String) throws {
        try CLI.with { cli in
            let r = try cli.run(args)
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.stderr == stderr)
        }
    }

    @Test("a flag one subcommand takes is refused by its sibling", arguments: [
        (["cmdb", "host", "delete", "web-1", "--force"], ["cmdb", "host", "add", "inner_ip=10.0.0.9", "--force"], "cmdb host add", "--force"),
        (["cmdb", "transfer", "web-1", "--to", "shop/web/nginx"], ["cmdb", "hosts", "--to", "shop/web/nginx"], "cmdb hosts", "--to"),
        (["cmdb", "set", "add", "shop/web", "--template", "t"], ["cmdb", "set", "rename", "shop/web", "w", "--template", "t"], "cmdb set rename", "--template"),
        (["cmdb", "import", "hosts.csv", "--update"], ["cmdb", "export", "--update"], "cmdb export", "--update"),
        (["cmdb", "model", "add", "sw", "--attr", "name:string"], ["cmdb", "inst", "add", "sw", "name=a", "--attr", "x:int"], "cmdb inst add", "--attr"),
        (["cmdb", "group", "add", "g", "--where", "sla > 1", "--replace"], ["cmdb", "group", "hosts", "g", "--replace"], "cmdb group hosts", "--replace"),
        (["schedule", "show", "nightly", "--next", "3"], ["schedule", "next", "@daily", "--next", "3"], "schedule next", "--next"),
        (["schedule", "next", "@daily", "--tz", "UTC"], ["schedule", "show", "nightly", "--tz", "UTC"], "schedule show", "--tz"),
        (["script", "add", "c", "c.sh", "--lang", "bash"], ["script", "publish", "c", "1", "--lang", "bash"], "script publish", "--lang"),
        (["script", "show", "c", "--version", "1"], ["script", "list", "--version", "1"], "script list", "--version"),
    ])
    func siblingRefusesFlag(accepted: [String], refused: [String], refusedCommand: String, flag: String) throws {
        try CLI.with { cli in
            // The accepting command may fail for want of data, but never on its flags.
            let ok = try cli.run(accepted)
            #expect(!ok.stderr.contains("unknown flag"), "\(ok)")
            let r = try cli.run(refused)
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.stderr.hasPrefix("error: unknown flag '\(flag)' for '\(refusedCommand)'\n"), "\(r)")
        }
    }

    @Test("--db is taken only by commands that open the database", arguments: [
        ["version", "--db", "x.db"], ["batches", "5", "--hosts", "10", "--db", "x.db"],
        ["schedule", "next", "@daily", "--db", "x.db"], ["help", "--db", "x.db"],
    ])
    func dbOnlyWhereItApplies(args: [String]) throws {
        try CLI.with { cli in
            let r = try cli.run(args)
            expectExit(r, 2)
            #expect(r.stderr.hasPrefix("error: unknown flag '--db' for "), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("x.db").path))
        }
    }

    @Test("global flags may come before the subcommand")
    func globalFlagsFirst() throws {
        try CLI.with { cli in
            try cli.write("hosts.csv", "inner_ip,hostname\n10.0.0.1,web-1\n")
            expectExit(try cli.run(["cmdb", "--db", "c.db", "import", "hosts.csv"]), 0)
            let r = try cli.run(["cmdb", "--db", "c.db", "--quiet", "hosts", "--fields", "hostname"])
            expectExit(r, 0)
            #expect(r.stdout == "HOSTNAME\nweb-1\n")
            #expect(try cli.run(["cmdb", "hosts", "--db", "other.db", "--json"]).stdout.contains("web-1") == false)
        }
    }

    @Test("an unknown subcommand exits 2 naming the closest, or listing them all", arguments: [
        (["cmdb", "hots"], "error: unknown cmdb command 'hots'\nhint: did you mean 'hosts'?\n"),
        (["cmdb", "host", "ad", "inner_ip=10.0.0.1"], "error: unknown cmdb host command 'ad'\nhint: did you mean 'add'?\n"),
        (["cmdb", "model", "attr", "remvoe", "host", "x"], "error: unknown cmdb model attr command 'remvoe'\nhint: did you mean 'remove'?\n"),
        (["schedule", "nxt", "@daily"], "error: unknown schedule command 'nxt'\nhint: did you mean 'next'?\n"),
        (["script", "frobnicate"], "error: unknown script command 'frobnicate'\nhint: one of: add, publish, disable, list, show, lint\n"),
        (["help", "cmdb", "hots"], "error: unknown cmdb command 'hots'\nhint: did you mean 'hosts'?\n"),
    ])
    func unknownSubcommand(args: [String], stderr: String) throws {
        try CLI.with { cli in
            let r = try cli.run(args)
            expectExit(r, 2)
            #expect(r.stdout == "")
            #expect(r.stderr == stderr)
        }
    }

    @Test("a family without its subcommand prints its help and exits 2", arguments: [["cmdb"], ["cmdb", "host"], ["schedule"], ["cmdb", "sync"]])
    func familyAlone(args: [String]) throws {
        try CLI.with { cli in
            let r = try cli.run(args)
            expectExit(r, 2)
            #expect(r.stdout.contains("Usage:\n  platflow \(args.joined(separator: " ")) COMMAND"), "\(r)")
            #expect(r.stdout.contains("\nCommands:\n"), "\(r)")
        }
    }

    @Test("SUB --help, SUB -h and help COMMAND SUB print the same page", arguments: [
        ["cmdb", "hosts"], ["cmdb", "host", "add"], ["cmdb", "model", "attr"], ["schedule", "next"], ["script"],
    ])
    func nestedHelpForms(path: [String]) throws {
        try CLI.with { cli in
            let long = try cli.run(path + ["--help"])
            expectExit(long, 0)
            #expect(long.stderr == "")
            #expect(long.stdout.contains("Usage:\n  platflow \(path.joined(separator: " "))"), "\(long)")
            #expect(try cli.run(path + ["-h"]).stdout == long.stdout)
            #expect(try cli.run(["help"] + path).stdout == long.stdout)
            // --help anywhere among the flags, even before the subcommand's name, shows the deepest command named.
            if path.count > 1 {
                #expect(try cli.run([path[0], "--help"] + path.dropFirst()).stdout == long.stdout)
            }
        }
    }

    @Test("a subcommand's help shows its own flags and not its siblings'")
    func nestedHelpFlags() throws {
        try CLI.with { cli in
            let hosts = try cli.run(["cmdb", "hosts", "--help"])
            #expect(hosts.stdout.contains("--where FILTER") && hosts.stdout.contains("--fields a,b,c"), "\(hosts)")
            #expect(!hosts.stdout.contains("--mapping") && !hosts.stdout.contains("--to-pool"), "\(hosts)")
            let assoc = try cli.run(["cmdb", "assoc", "add", "--help"])
            #expect(assoc.stdout.contains("--mapping 1:1|1:n|n:n") && assoc.stdout.contains("(default: n:n)"), "\(assoc)")
            #expect(!assoc.stdout.contains("--where"), "\(assoc)")
            let next = try cli.run(["schedule", "next", "--help"])
            #expect(next.stdout.contains("--tz ZONE") && !next.stdout.contains("--db"), "\(next)")
            let family = try cli.run(["cmdb", "host", "--help"])
            #expect(family.stdout.contains("\nCommands:\n  add "), "\(family)")
            for verb in ["add", "show", "edit", "copy", "delete"] { #expect(family.stdout.contains("\n  \(verb) "), "\(family)") }
            #expect(family.stdout.contains("Run `platflow cmdb host COMMAND --help`"), "\(family)")
        }
    }

    @Test("every command and subcommand reached from the overview has usage, flags and examples of its own path")
    func everyHelpPageComplete() throws {
        try CLI.with { cli in
            let overview = try cli.run(["help"])
            let top = SubcommandTests.commandNames(overview.stdout)
            #expect(top.contains("cmdb") && top.contains("run") && top.contains("help"), "\(overview)")
            var pending = top.map { [$0] }
            var leaves = 0
            while let path = pending.popLast() {
                let name = path.joined(separator: " ")
                let r = try cli.run(path + ["--help"])
                expectExit(r, 0)
                #expect(r.stdout.contains("Usage:\n  platflow \(name)"), "\(name): \(r)")
                #expect(SubcommandTests.section("Flags", of: r.stdout).contains { $0.hasPrefix("-h, --help ") }, "\(name): \(r)")
                let examples = SubcommandTests.section("Examples", of: r.stdout)
                #expect(!examples.isEmpty, "\(name): \(r)")
                for e in examples {
                    #expect(e == "platflow \(name)" || e.hasPrefix("platflow \(name) "), "\(name): example '\(e)'")
                }
                let subs = SubcommandTests.commandNames(r.stdout)
                if subs.isEmpty { leaves += 1 }
                pending += subs.map { path + [$0] }
            }
            #expect(leaves > 60, "only \(leaves) leaf commands found")
        }
    }

    /// The names in the `Commands:` section of a help page.
    static func commandNames(_ page: String) -> [String] {
        section("Commands", of: page).compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// The indented lines of a section of a help page (`Examples:`), without their indentation.
    static func section(_ title: String, of page: String) -> [String] {
        guard let start = page.range(of: "\n\(title):\n") else { return [] }
        var lines: [String] = []
        for line in page[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("  ") else { break }
            lines.append(String(line.dropFirst(2)))
        }
        return lines
    }
}
