import Foundation
import Testing

/// `run --json` and `run --detach` for scripts: stdout holds what a script reads and nothing else.
@Suite("run --json")
struct RunJSONTests {
    func object(_ r: CLIResult) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]) ?? [:]
    }

    @Test("a finished run: its id, plan, status and exit code as JSON on stdout; prints go to stderr")
    func finished() throws {
        try CLI.with { cli in
            try cli.write("j.plat", """
                plan ok() { print("hello") }
                plan bad() { fail("no target") }

                """)
            let ok = try cli.run(["run", "j.plat", "ok", "--json"])
            expectExit(ok, 0)
            let o = object(ok)
            let id = try #require(o["id"] as? String, "\(ok)")
            #expect(o["status"] as? String == "succeeded" && o["plan"] as? String == "ok" && o["exit_code"] as? Int == 0, "\(ok)")
            #expect(!ok.stdout.contains("hello") && ok.stderr.contains("hello\n"), "\(ok)")
            let status = try cli.run(["status", id, "--json"])
            #expect(status.stdout.contains("\"succeeded\""), "\(status)")
            let bad = try cli.run(["run", "j.plat", "bad", "--json", "-q"])
            expectExit(bad, 1)
            let b = object(bad)
            #expect(b["status"] as? String == "failed" && b["exit_code"] as? Int == 1, "\(bad)")
            #expect((b["error"] as? String)?.contains("no target") == true, "\(bad)")
        }
    }

    @Test("--detach prints the run id on stdout even with -q; with --json as an object")
    func detached() throws {
        try CLI.with { cli in
            try cli.write("d.plat", "plan main() { print(\"bg\") }\n")
            let quiet = try cli.run(["run", "d.plat", "--detach", "-q"])
            expectExit(quiet, 0)
            let id = quiet.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!id.isEmpty && quiet.stdout == "\(id)\n" && quiet.stderr.isEmpty, "\(quiet)")
            #expect(try RunLifecycleTests.waitFor(cli, id, status: "succeeded"))
            let json = try cli.run(["run", "d.plat", "--detach", "--json", "-q"])
            expectExit(json, 0)
            let o = object(json)
            let jid = try #require(o["id"] as? String, "\(json)")
            #expect(o["status"] as? String == "pending", "\(json)")
            #expect(try RunLifecycleTests.waitFor(cli, jid, status: "succeeded"))
        }
    }
}
