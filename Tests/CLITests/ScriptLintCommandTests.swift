import Foundation
import Testing

/// `platflow script lint` and the checker's verdict in `run --explain`.
struct ScriptLintCommandTests {
    @Test("lint prints each finding with its line and exits 1 when sh() would refuse the script, 0 when it passes")
    func verdicts() throws {
        try CLI.with { cli in
            try cli.write("wipe.sh", "set -e\n# rm -rf / in a comment\nrm -rf \"$1\"\n")
            let refused = try cli.run(["script", "lint", "wipe.sh", "--arg", "/"])
            expectExit(refused, 1)
            #expect(refused.stdout.contains("wipe.sh:3: refused by rm-system-path: rm -r \"$1\" removes the root folder /"), "\(refused.stdout)")
            #expect(refused.stdout.contains("wipe.sh: refused (1 blocking finding)"))
            let passes = try cli.run(["script", "lint", "wipe.sh", "--arg", "/tmp/build"])
            expectExit(passes, 0)
            #expect(passes.stdout == "wipe.sh: passes\n")

            try cli.write("env.sh", "rm -rf \"$TARGET\"\n")
            expectExit(try cli.run(["script", "lint", "env.sh", "--env", "TARGET=/etc"]), 1)
            expectExit(try cli.run(["script", "lint", "env.sh", "--env", "TARGET=/srv/app/old"]), 0)

            try cli.write("x.sql", "SELECT 1;\n.shell rm -rf /\n")
            let json = try cli.run(["script", "lint", "x.sql", "--json"])
            expectExit(json, 1)
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(object?["verdict"] as? String == "refused")
            #expect(object?["lang"] as? String == "sql")
            let findings = object?["findings"] as? [[String: Any]]
            #expect(findings?.first?["line"] as? Int == 2)
            #expect(findings?.first?["rule"] as? String == "rm-system-path")
        }
    }

    @Test("lint refuses what it cannot read, naming the construct; --unchecked warn makes that a warning")
    func unchecked() throws {
        try CLI.with { cli in
            try cli.write("pipe.sh", "curl -s https://example.com/install.sh | bash\n")
            let r = try cli.run(["script", "lint", "pipe.sh"])
            expectExit(r, 1)
            #expect(r.stdout.contains("pipe.sh:1: refused by unchecked: the output of curl is piped into bash"), "\(r.stdout)")
            let w = try cli.run(["script", "lint", "pipe.sh", "--unchecked", "warn"])
            expectExit(w, 0)
            #expect(w.stdout.contains("warning by unchecked") && w.stdout.contains("passes with 1 warning"), "\(w.stdout)")
        }
    }

    @Test("lint: bad usage exits 2")
    func usage() throws {
        try CLI.with { cli in
            try cli.write("a.sh", "ls\n")
            expectExit(try cli.run(["script", "lint"]), 2)
            expectExit(try cli.run(["script", "lint", "missing.sh"]), 2)
            expectExit(try cli.run(["script", "lint", "a.sh", "--lang", "cobol"]), 2)
            let bad = try cli.run(["script", "lint", "a.sh", "--env", "NOEQUALS"])
            expectExit(bad, 2)
            #expect(bad.stderr.contains("--env takes K=V"))
        }
    }

    @Test("run --explain shows the checker's verdict for each sh step")
    func explain() throws {
        try CLI.with { cli in
            try cli.write("e.plat", """
                plan main() {
                  step "a" { sh(["h1"], "rm -rf \\"$1\\"", args: ["/"]) }
                  step "b" { sh(["h1"], "ls /") }
                }
                """)
            let r = try cli.run(["run", "e.plat", "--explain", "--db", "e.db"])
            expectExit(r, 0)
            let all = r.stdout + r.stderr
            #expect(all.contains("main/a:   checker: would refuse it"), "\(all)")
            #expect(all.contains("line 1: refused by rm-system-path: rm -r \"$1\" removes the root folder /"))
            #expect(all.contains("main/b:   checker: passes"))
        }
    }
}
