import Foundation
import Testing

/// `platflow completion bash|zsh|fish`: scripts made from the command tree.
@Suite("completion command")
struct CompletionCommandTests {
    /// What the bash script offers after `words` (the last one being completed), run in a real bash.
    func bashOffers(_ cli: CLI, _ words: [String]) throws -> [String] {
        let script = try cli.run(["completion", "bash"])
        expectExit(script, 0)
        try cli.write("c.bash", script.stdout)
        let quoted = words.map { "'\($0)'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.currentDirectoryURL = cli.directory
        p.arguments = ["-c", "source c.bash; COMP_WORDS=(platflow \(quoted)); COMP_CWORD=\(words.count); _platflow; printf '%s\\n' \"${COMPREPLY[@]}\""]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test("the bash script completes commands, subcommands and flags at every level")
    func bashCompletes() throws {
        try CLI.with { cli in
            #expect(try bashOffers(cli, ["appr"]) == ["approve", "approvals"])
            #expect(try bashOffers(cli, ["runs", "--st"]) == ["--status"])
            let host = try bashOffers(cli, ["cmdb", "host", ""])
            #expect(host.contains("add") && host.contains("delete") && !host.contains("hosts") && host.contains("--help"), "\(host)")
            #expect(try bashOffers(cli, ["--db", "x.db", "prune", "--dr"]) == ["--dry-run"])
        }
    }

    @Test("zsh and fish scripts hold every command path of the tree, as bash's does")
    func everyShell() throws {
        try CLI.with { cli in
            for shell in ["bash", "zsh", "fish"] {
                let r = try cli.run(["completion", shell])
                expectExit(r, 0)
                let quote = shell == "fish" ? "'" : "\""
                for path in ["run", "cmdb host add", "gateway consumer", "completion"] {
                    #expect(r.stdout.contains("\(quote)\(path)\(quote)"), "\(shell) lacks \(path)")
                }
                #expect(r.stdout.contains("--older-than"), "\(shell) lacks prune's flag")
            }
        }
    }

    @Test("an unknown or missing shell is a usage error (exit 2) with the choices")
    func badShell() throws {
        try CLI.with { cli in
            let typo = try cli.run(["completion", "zhs"])
            expectExit(typo, 2)
            #expect(typo.stderr.contains("unknown shell 'zhs'") && typo.stderr.contains("did you mean 'zsh'?"), "\(typo)")
            let none = try cli.run(["completion"])
            expectExit(none, 2)
            #expect(none.stderr.contains("one of: bash, zsh, fish"), "\(none)")
        }
    }
}
