import Foundation
import Testing

/// `platflow prune --older-than AGE [--dry-run]`: old finished runs go, runs still going stay.
@Suite("prune command")
struct PruneCommandTests {
    func plans(_ cli: CLI) throws -> [String] {
        let r = try cli.run(["runs", "--json"])
        let list = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
        return list.compactMap { $0["id"] as? String }
    }

    @Test("finished runs older than the age are removed with their logs; a waiting run is kept; --dry-run removes nothing")
    func pruneFinished() throws {
        try CLI.with { cli in
            try cli.write("p.plat", """
                plan ok() { print("fine") }
                plan bad() { fail("broken") }
                plan gate() { approve("go?") }

                """)
            let ok = try cli.run(["run", "p.plat", "ok"])
            expectExit(ok, 0)
            let okID = String(ok.stderr.split(separator: "\n").first?.split(separator: " ").dropFirst().first ?? "")
            #expect(okID.count >= 6, "\(ok)")
            expectExit(try cli.run(["run", "p.plat", "bad"]), 1)
            let gate = try cli.run(["run", "p.plat", "gate", "--detach"])
            let gateID = gate.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try RunLifecycleTests.waitFor(cli, gateID, status: "waiting"))
            #expect(try plans(cli).count == 3)

            let young = try cli.run(["prune", "--older-than", "1h"])
            expectExit(young, 0)
            #expect(young.stdout.isEmpty && young.stderr == "removed 0 finished runs older than 1h\n", "\(young)")

            let dry = try cli.run(["prune", "--older-than", "0s", "--dry-run"])
            expectExit(dry, 0)
            #expect(dry.stdout.contains("succeeded") && dry.stdout.contains("failed") && !dry.stdout.contains(gateID), "\(dry)")
            #expect(dry.stderr == "would remove 2 finished runs older than 0s (dry run: nothing removed)\n", "\(dry)")
            #expect(try plans(cli).count == 3)

            let real = try cli.run(["prune", "--older-than", "0s"])
            expectExit(real, 0)
            #expect(real.stdout.contains(okID) && real.stderr == "removed 2 finished runs older than 0s\n", "\(real)")
            #expect(try plans(cli) == [gateID])
            let logs = try cli.run(["logs", okID])
            #expect(logs.exitCode != 0, "the pruned run's log is still there: \(logs)")
            #expect(try RunLifecycleTests.waitFor(cli, gateID, status: "waiting"), "prune touched the waiting run")
        }
    }

    @Test("a missing or malformed --older-than is a usage error (exit 2)")
    func badAge() throws {
        try CLI.with { cli in
            let missing = try cli.run(["prune"])
            expectExit(missing, 2)
            #expect(missing.stderr.contains("prune needs --older-than AGE"), "\(missing)")
            let bad = try cli.run(["prune", "--older-than", "30days"])
            expectExit(bad, 2)
            #expect(bad.stderr.contains("--older-than takes a duration, got '30days'"), "\(bad)")
        }
    }
}
