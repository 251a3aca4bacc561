import Foundation
import PlatStore
import Testing

/// End-to-end behaviour of durable runs through the binary: approvals, retry, cancel, pinned code.
@Suite(.serialized)
struct EngineFlowTests {
    func write(_ text: String, _ name: String, in dir: URL) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    @Test("an approval survives a restart: kill the waiting run, approve, resume")
    func approvalSurvivesRestart() throws {
        let dir = try Binary.tempDir("approve")
        defer { try? FileManager.default.removeItem(at: dir) }
        try write("""
            plan main() {
                step "ask" {
                    let d = approve("ship it?", approvers: ["alice", "bob"], quorum: 1)
                    print("approved by", d.by)
                }
            }
            """, "ask.plat", in: dir)
        let db = dir.appendingPathComponent("a.db").path
        let p = try Binary.start(["run", "ask.plat", "--db", db], in: dir, tag: "first")
        #expect(try Binary.waitUntil { try Binary.newestRunStatus(db: db, in: dir)?["status"] as? String == "waiting" })
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let id = try #require(try Binary.newestRunID(db: db, in: dir))
        let (sc, status, _) = try Binary.run(["status", id, "--db", db], in: dir)
        #expect(sc == 0)
        #expect(status.contains("waiting for approval: ship it?"))

        // Deciding for someone else needs the database owner's leave (the test runs as that owner).
        #expect(try Binary.run(["config", "set", "approvals.delegation", "on", "--db", db], in: dir).0 == 0)
        let (c1, _, e1) = try Binary.run(["approve", id, "--as", "mallory", "--db", db], in: dir)
        #expect(c1 == 2 && e1.contains("not an approver"))
        let (c2, o2, _) = try Binary.run(["approve", id, "--as", "alice", "--comment", "looks good", "--db", db], in: dir)
        #expect(c2 == 0 && o2.contains("approved"))
        // The approve command starts a background worker; resume too, in case it has not finished: one wins the lease.
        var finalStatus = ""
        for _ in 0..<50 {
            let (_, j, _) = try Binary.run(["status", id, "--json", "--db", db], in: dir)
            finalStatus = j
            if j.contains("\"status\" : \"succeeded\"") { break }
            usleep(200_000)
        }
        #expect(finalStatus.contains("\"status\" : \"succeeded\""), "run did not finish: \(finalStatus.prefix(300))")
        let (_, logs, _) = try Binary.run(["logs", id, "--db", db], in: dir)
        #expect(logs.contains("approved by [\"alice\"]"))
    }

    @Test("a failed command fails the run; retry after the fix runs only what failed")
    func rejectThenRetry() throws {
        let dir = try Binary.tempDir("reject")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("m.txt").path
        try write("""
            plan main(marker: string) {
                step "before" { sh("echo before >> '\\(marker)'") }
                step "gate" { sh("test -f '\\(marker).ok'") }
                step "after" { sh("echo after >> '\\(marker)'") }
            }
            """, "gate.plat", in: dir)
        let db = dir.appendingPathComponent("g.db").path
        let (c1, _, e1) = try Binary.run(["run", "gate.plat", "--param", "marker=\(marker)", "--db", db], in: dir)
        #expect(c1 == 1)
        #expect(e1.contains("command exited with 1"))
        let id = try #require(try Binary.newestRunID(db: db, in: dir))
        _ = FileManager.default.createFile(atPath: marker + ".ok", contents: nil)
        let (c2, _, e2) = try Binary.run(["retry", id, "--db", db], in: dir)
        #expect(c2 == 0, "retry failed: \(e2)")
        let lines = try String(contentsOfFile: marker, encoding: .utf8)
        #expect(lines == "before\nafter\n", "before ran again or after did not run: \(lines)")
    }

    @Test("resume replays the pinned code even after the file changed; --upgrade with a different effect stops clearly")
    func pinnedSource() throws {
        let dir = try Binary.tempDir("pinned")
        defer { try? FileManager.default.removeItem(at: dir) }
        try write("""
            plan main() {
                step "one" { print("one", uuid() != "") }
                step "nap" { sleep(2s) }
                step "two" { print("two") }
            }
            """, "p.plat", in: dir)
        let db = dir.appendingPathComponent("p.db").path
        let p = try Binary.start(["run", "p.plat", "--db", db], in: dir, tag: "first")
        #expect(try Binary.waitForStep("main/nap", db: db, in: dir))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let id = try #require(try Binary.newestRunID(db: db, in: dir))
        try write("""
            plan main() {
                step "one" { print("one", now() > 0.0) }
                step "nap" { sleep(2s) }
                step "two" { print("two changed") }
            }
            """, "p.plat", in: dir)
        let (c1, o1, e1) = try Binary.run(["resume", id, "--upgrade", "--db", db], in: dir)
        #expect(c1 == 1)
        #expect(e1.contains("journal has uuid()") && e1.contains("now()"), "no clear mismatch error: \(e1)")
        #expect(o1.isEmpty, "replayed output was printed again: \(o1)")
    }

    @Test("cancel stops a running run at its next effect and kills its command")
    func cancelRunning() throws {
        let dir = try Binary.tempDir("cancel")
        defer { try? FileManager.default.removeItem(at: dir) }
        try write("""
            plan main() {
                step "long" { sh("sleep 30") }
                step "never" { print("should not run") }
            }
            """, "c.plat", in: dir)
        let db = dir.appendingPathComponent("c.db").path
        let p = try Binary.start(["run", "c.plat", "--db", db], in: dir, tag: "run")
        #expect(try Binary.waitForStep("main/long", db: db, in: dir))
        let id = try #require(try Binary.newestRunID(db: db, in: dir))
        let (c, o, _) = try Binary.run(["cancel", id, "--db", db], in: dir)
        #expect(c == 0 && o.contains("cancelling"))
        let started = Date()
        p.waitUntilExit()
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(p.terminationStatus == 1)
        let (_, j, _) = try Binary.run(["status", id, "--json", "--db", db], in: dir)
        #expect(j.contains("\"status\" : \"cancelled\""))
    }

    @Test("step retry runs a failed command again (a new journal key per attempt), and a resume replays it in order")
    func stepRetryRunsAgain() throws {
        let dir = try Binary.tempDir("stepretry")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("tries.txt").path
        try write("""
            plan main() {
                step "flaky", retry: 3, backoff: 100ms {
                    # Fails on the first two attempts, succeeds on the third.
                    sh("echo try >> '\(marker)'; test $(wc -l < '\(marker)') -ge 3")
                }
                step "after" { print("done after", sh("wc -l < '\(marker)'").stdout.trim(), "tries") }
            }
            """, "f.plat", in: dir)
        let db = dir.appendingPathComponent("f.db").path
        let (c, out, err) = try Binary.run(["run", "f.plat", "--db", db], in: dir)
        #expect(c == 0, "\(err)")
        #expect(out == "done after 3 tries\n")
        #expect(err.contains("main/flaky (attempt 3)"))
        let id = try #require(try Binary.newestRunID(db: db, in: dir))
        let check = try Database(path: db)
        let keys = try check.query("SELECT key FROM engine_journal WHERE run_id = ? ORDER BY started_at", id).compactMap { $0.string("key") }
        // three commands and two backoff sleeps, each under its own key
        #expect(keys.filter { $0.hasPrefix("main/flaky#") }.count == 5, "\(keys)")
    }
}
