import Foundation
import PlatStore
import Testing

/// Steps on hosts through the real binary: rolling batches with their failure policies, retry and approve
/// after a pause, and a crash in the middle of a rolling step.
@Suite(.serialized)
struct FleetFlowTests {
    func write(_ text: String, _ name: String, in dir: URL) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Lines of the marker file by host.
    func counts(_ path: String) -> [String: Int] {
        var c: [String: Int] = [:]
        for l in ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n") { c[String(l), default: 0] += 1 }
        return c
    }

    func waitForStatus(_ id: String, _ status: String, db: String, dir: URL, seconds: Double = 15) throws -> String {
        var last = ""
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            let (_, j, _) = try Binary.run(["status", id, "--json", "--db", db], in: dir)
            last = j
            if j.contains("\"status\" : \"\(status)\"") { return j }
            usleep(150_000)
        }
        return last
    }

    static let plan = """
        plan main(marker: string, fix: string, policy: string = "pause", limit: string = "100%") {
            let hosts = map(fn(i) => "h\\(i)", range(1, 7))
            step "roll" {
                let r = sh(hosts, "echo $PLATFLOW_HOST >> \\"$1\\"; test $PLATFLOW_HOST != h3 || test -f \\"$2\\"",
                           args: [marker, fix], rolling: "2", on_failure: policy, max_fail: limit)
                print("ok", r.ok, "failed", r.failed_hosts)
            }
        }
        """

    @Test("a failed batch pauses the run; retry runs only the failed host, then the later batches")
    func pauseThenRetry() throws {
        let dir = try Binary.tempDir("pause")
        defer { try? FileManager.default.removeItem(at: dir) }
        try write(FleetFlowTests.plan, "roll.plat", in: dir)
        let db = dir.appendingPathComponent("r.db").path, marker = dir.appendingPathComponent("m.txt").path
        let fix = dir.appendingPathComponent("fixed").path
        let (c, out, err) = try Binary.run(["run", "roll.plat", "--detach", "-p", "marker=\(marker)", "-p", "fix=\(fix)", "--db", db], in: dir)
        #expect(c == 0, "\(err)")
        let id = out.trimmingCharacters(in: .whitespacesAndNewlines)
        let waiting = try waitForStatus(id, "waiting", db: db, dir: dir)
        #expect(waiting.contains("\"status\" : \"waiting\""), "not paused: \(waiting.prefix(300))")
        #expect(counts(marker) == ["h1": 1, "h2": 1, "h3": 1, "h4": 1], "later batches ran: \(counts(marker))")
        _ = FileManager.default.createFile(atPath: fix, contents: nil)
        let (rc, rout, rerr) = try Binary.run(["retry", id, "--db", db], in: dir)
        #expect(rc == 0, "retry failed: \(rerr)")
        #expect(rout.contains("ok 6 failed []"))
        #expect(counts(marker) == ["h1": 1, "h2": 1, "h3": 2, "h4": 1, "h5": 1, "h6": 1])
    }

    @Test("approve after a pause accepts the failures and goes on")
    func pauseThenApprove() throws {
        let dir = try Binary.tempDir("accept")
        defer { try? FileManager.default.removeItem(at: dir) }
        try write(FleetFlowTests.plan, "roll.plat", in: dir)
        let db = dir.appendingPathComponent("r.db").path, marker = dir.appendingPathComponent("m.txt").path
        let (_, out, _) = try Binary.run(["run", "roll.plat", "--detach", "-p", "marker=\(marker)", "-p", "fix=/nonexistent", "--db", db], in: dir)
        let id = out.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try waitForStatus(id, "waiting", db: db, dir: dir)
        let (ac, _, aerr) = try Binary.run(["approve", id, "--db", db], in: dir)
        #expect(ac == 0, "\(aerr)")
        let done = try waitForStatus(id, "succeeded", db: db, dir: dir)
        #expect(done.contains("\"status\" : \"succeeded\""), "\(done.prefix(300))")
        #expect(counts(marker) == ["h1": 1, "h2": 1, "h3": 1, "h4": 1, "h5": 1, "h6": 1])
        let (_, logs, _) = try Binary.run(["logs", id, "--db", db], in: dir)
        #expect(logs.contains("ok 5 failed [\"h3\"]"))
        let (_, grouped, _) = try Binary.run(["status", id, "--group", "--db", db], in: dir)
        #expect(grouped.contains("5 ok (exit 0)") && grouped.contains("1 failed (exit 1): h3"), "\(grouped)")
    }

    @Test("ignore goes on; max_fail stops later batches when the failed share is strictly greater")
    func ignoreAndMaxFail() throws {
        let dir = try Binary.tempDir("maxfail")
        defer { try? FileManager.default.removeItem(at: dir) }
        try write(FleetFlowTests.plan, "roll.plat", in: dir)
        let db = dir.appendingPathComponent("r.db").path
        let m1 = dir.appendingPathComponent("a.txt").path, m2 = dir.appendingPathComponent("b.txt").path
        let (c1, o1, _) = try Binary.run(["run", "roll.plat", "-p", "marker=\(m1)", "-p", "fix=/x", "-p", "policy=ignore", "--db", db], in: dir)
        #expect(c1 == 0 && o1.contains("ok 5 failed [\"h3\"]"))
        #expect(counts(m1).count == 6)
        // 1 failed of 6 is 16.7%: more than 10%, so batch 3 never starts.
        let (c2, _, e2) = try Binary.run(["run", "roll.plat", "-p", "marker=\(m2)", "-p", "fix=/x", "-p", "policy=ignore",
                                          "-p", "limit=10%", "--db", db], in: dir)
        #expect(c2 == 1)
        #expect(e2.contains("max_fail exceeded after batch 2/3: 1 of 6 hosts failed"), "\(e2)")
        #expect(counts(m2) == ["h1": 1, "h2": 1, "h3": 1, "h4": 1])
    }

    @Test("a crash in the middle of a rolling step resumes in the batch it was in")
    func crashMidRolling() throws {
        let dir = try Binary.tempDir("rollcrash")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("m.txt").path
        try write("""
            plan main() {
                let hosts = map(fn(i) => "n\\(i)", range(40))
                step "roll" {
                    sh(hosts, "echo $PLATFLOW_HOST >> '\(marker)'; sleep 0.1", rolling: "5")
                }
            }
            """, "c.plat", in: dir)
        let db = dir.appendingPathComponent("c.db").path
        let p = try Binary.start(["run", "c.plat", "--db", db], in: dir, tag: "first")
        // In the middle of the rolling step: once its first batch has run.
        _ = Binary.waitUntil { counts(marker).count >= 5 }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let before = counts(marker)
        #expect(before.count >= 5 && before.count < 40, "the kill came too early or too late: \(before.count) hosts")
        let id = try #require(try Binary.newestRunID(db: db, in: dir))
        let (c, _, e) = try Binary.run(["resume", id, "--db", db], in: dir)
        #expect(c == 0, "\(e)")
        let after = counts(marker)
        #expect(after.count == 40)
        let twice = after.filter { $0.value > 1 }
        // Only hosts of the batch in flight at the kill may run again: at most one batch of 5.
        #expect(twice.count <= 5 && after.values.allSatisfy { $0 <= 2 }, "re-ran: \(twice)")
        for (h, n) in before where n == 1 && twice[h] != nil {
            // a host that ran twice must have been in the last (in-flight) batch
            #expect(Int(h.dropFirst()) ?? 0 >= (before.count - 1) / 5 * 5, "host \(h) of a finished batch ran again")
        }
    }

    @Test("sh judges a script with its args: and env: substituted; what cannot be read is refused unless unchecked: \"warn\"")
    func dangerousArgumentsAndUnchecked() throws {
        let dir = try Binary.tempDir("danger-args")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("m.txt").path
        try write("""
            plan byarg() { step "a" { sh(["a"], "echo ran >> '\(marker)'\\nrm -rf \\"$1\\"", args: ["/"]) } }
            plan byenv() { step "e" { sh(["a"], "echo ran >> '\(marker)'\\nrm -rf \\"$T\\"", env: {T: "/etc"}) } }
            plan safe() { step "s" { sh(["a"], "rm -rf \\"$1\\"", args: ["\(dir.path)/gone"]) } }
            plan unknown(mode: string = "block") {
                step "u" { sh(["a"], "C=echo\\nX=\\"$(echo $C)\\"\\n$X ran >> '\(marker)'", unchecked: mode) }
            }
            """, "d.plat", in: dir)
        let db = dir.appendingPathComponent("d.db").path
        let (c1, _, e1) = try Binary.run(["run", "d.plat", "byarg", "--db", db], in: dir)
        #expect(c1 == 1 && e1.contains("dangerous command refused: line 2") && e1.contains("root folder"), "\(e1)")
        let (c2, _, e2) = try Binary.run(["run", "d.plat", "byenv", "--db", db], in: dir)
        #expect(c2 == 1 && e2.contains("/etc"), "\(e2)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        let (c3, _, e3) = try Binary.run(["run", "d.plat", "safe", "--db", db], in: dir)
        #expect(c3 == 0, "\(e3)")
        let (c4, _, e4) = try Binary.run(["run", "d.plat", "unknown", "--db", db], in: dir)
        #expect(c4 == 1 && e4.contains("unchecked command refused") && e4.contains("$X"), "\(e4)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        let (c5, _, e5) = try Binary.run(["run", "d.plat", "unknown", "-p", "mode=warn", "--db", db], in: dir)
        #expect(c5 == 0 && e5.contains("$X"), "\(e5)")
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    @Test("a dangerous script is refused before anything runs; allow_dangerous lets a flagged script run, logged")
    func dangerous() throws {
        let dir = try Binary.tempDir("danger")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("m.txt").path
        try write("""
            plan main(allow: string = "") {
                step "wipe" {
                    sh(["a", "b"], "echo ran >> '\(marker)'\\nrm -rf /", allow_dangerous: allow)
                }
            }
            plan custom(allow: string = "") {
                let rules = [{id: "no-touch", pattern: "touch-prod", action: "block", message: "touches production"}]
                step "custom" { sh(["a"], "echo touch-prod >> '\(marker)'", rules: rules, allow_dangerous: allow) }
            }
            """, "d.plat", in: dir)
        let db = dir.appendingPathComponent("d.db").path
        let (c1, _, e1) = try Binary.run(["run", "d.plat", "--db", db], in: dir)
        #expect(c1 == 1)
        #expect(e1.contains("dangerous command refused: line 2"), "\(e1)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        let (c2, _, e2) = try Binary.run(["run", "d.plat", "custom", "--db", db], in: dir)
        #expect(c2 == 1 && e2.contains("touches production"), "\(e2)")
        let (c3, _, e3) = try Binary.run(["run", "d.plat", "custom", "-p", "allow=drill approved by ops", "--db", db], in: dir)
        #expect(c3 == 0, "\(e3)")
        #expect(e3.contains("allowed dangerous command") && e3.contains("drill approved by ops"))

        // A policy file: an invalid rule is reported and left out; the valid one still blocks.
        try write("""
            [{"id": "bad", "pattern": "([", "action": "block", "message": "broken"},
             {"id": "no-prod", "pattern": "prod-db", "action": "block", "message": "talks to the production database"}]
            """, "policy.json", in: dir)
        try write("""
            plan main() { step "p" { sh(["a"], "psql prod-db -c 'select 1'", rules: "policy.json") } }
            """, "p.plat", in: dir)
        let (c4, _, e4) = try Binary.run(["run", "p.plat", "--db", db], in: dir)
        #expect(c4 == 1 && e4.contains("talks to the production database"), "\(e4)")
        #expect(e4.contains("ignored an invalid danger rule"), "\(e4)")
    }

    @Test("manual: the run waits for an approval before every batch")
    func manualGates() throws {
        let dir = try Binary.tempDir("manual")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("m.txt").path
        try write("""
            plan main() {
                step "roll" { sh(["m1", "m2", "m3", "m4"], "echo $PLATFLOW_HOST >> '\(marker)'", rolling: "2", on_failure: "manual") }
            }
            """, "man.plat", in: dir)
        let db = dir.appendingPathComponent("m.db").path
        let (_, out, _) = try Binary.run(["run", "man.plat", "--detach", "--db", db], in: dir)
        let id = out.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try waitForStatus(id, "waiting", db: db, dir: dir)
        let w1 = try Binary.run(["status", id, "--db", db], in: dir).1
        #expect(w1.contains("waiting for approval: start batch 1/2 of main/roll on 2 hosts?"), "\(w1)")
        #expect(counts(marker).isEmpty)
        _ = try Binary.run(["approve", id, "--db", db], in: dir)
        var w2 = ""
        for _ in 0..<60 {
            w2 = try Binary.run(["status", id, "--db", db], in: dir).1
            if w2.contains("start batch 2/2") { break }
            usleep(150_000)
        }
        #expect(w2.contains("start batch 2/2"), "\(w2.prefix(400))")
        #expect(counts(marker) == ["m1": 1, "m2": 1])
        _ = try Binary.run(["approve", id, "--db", db], in: dir)
        let done = try waitForStatus(id, "succeeded", db: db, dir: dir)
        #expect(done.contains("\"status\" : \"succeeded\""))
        #expect(counts(marker).count == 4)
    }

    @Test("a fleet larger than the detail limit: the result lists only the failed hosts; every host's output stays in the run")
    func largeFleetResult() throws {
        let dir = try Binary.tempDir("large")
        defer { try? FileManager.default.removeItem(at: dir) }
        // 1,100 hosts: more than the 1,000 whose outcomes a result lists in full.
        try write("""
            plan main() {
                let hosts = map(fn(i) => "n\\(i)", range(1100))
                step "big" {
                    let r = sh(hosts, "echo hello; if [ $PLATFLOW_HOST = n7 ] || [ $PLATFLOW_HOST = n900 ]; then echo bad >&2; exit 3; fi",
                               on_failure: "ignore", throttle: 32)
                    print(r.total, r.ok, r.failed, r.failed_hosts, len(r.hosts), r.hosts_omitted)
                    print(r.hosts[0].host, r.hosts[0].exit_code, r.hosts[0].stdout.trim(), r.hosts[0].stderr.trim())
                }
            }
            """, "big.plat", in: dir)
        let db = dir.appendingPathComponent("b.db").path
        let (c, out, err) = try Binary.run(["run", "big.plat", "--db", db], in: dir)
        #expect(c == 0, "\(err)")
        #expect(out.contains("1100 1098 2 [\"n7\", \"n900\"] 2 1098\nn7 3 hello bad\n"), "\(out)")
        let id = try #require(try Binary.newestRunID(db: db, in: dir))
        let (_, logs, _) = try Binary.run(["logs", id, "--step", "big", "--host", "n512", "--db", db], in: dir)
        #expect(logs.contains("hello"), "\(logs)")
        let (_, grouped, _) = try Binary.run(["status", id, "--group", "--db", db], in: dir)
        #expect(grouped.contains("1098 ok (exit 0)") && grouped.contains("2 failed (exit 3): n7, n900"), "\(grouped)")
    }

    @Test("status --group shows a group's first five lines, each cut at 200 characters, and counts every host")
    func groupedOutputIsShortened() throws {
        let dir = try Binary.tempDir("grouped")
        defer { try? FileManager.default.removeItem(at: dir) }
        try write("""
            plan main() {
                step "talk" {
                    sh(["g1", "g2", "g3"], "printf '%0300d\\n' 7; for i in 2 3 4 5 6 7 8; do echo line $i; done")
                }
            }
            """, "talk.plat", in: dir)
        let db = dir.appendingPathComponent("g.db").path
        let (c, _, err) = try Binary.run(["run", "talk.plat", "--db", db], in: dir)
        #expect(c == 0, "\(err)")
        // The summary table after the run counts the hosts.
        #expect(err.contains("main/talk#1") && err.contains(" 3 "), "\(err)")
        let id = try #require(try Binary.newestRunID(db: db, in: dir))
        let (_, grouped, _) = try Binary.run(["status", id, "--group", "--db", db], in: dir)
        #expect(grouped.contains("main/talk#1: 3 hosts\n  3 ok (exit 0): g1, g2, g3\n"), "\(grouped)")
        #expect(grouped.contains("      | " + String(repeating: "0", count: 197) + "...\n"), "\(grouped)")
        #expect(grouped.contains("      | line 5\n") && !grouped.contains("line 6"), "\(grouped)")
    }

    @Test("script library: drafts, one online version, disabled versions refused, check reports a missing script")
    func scriptLibrary() throws {
        let dir = try Binary.tempDir("library")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.db").path
        try write("echo v1 on $PLATFLOW_HOST\n", "c1.sh", in: dir)
        try write("echo v2 on $PLATFLOW_HOST\n", "c2.sh", in: dir)
        func cli(_ a: [String]) throws -> (Int32, String, String) { try Binary.run(a + ["--db", db], in: dir) }
        var r = try cli(["script", "add", "cleanup", "c1.sh"])
        #expect(r.0 == 0 && r.1.contains("version 1 (bash) saved as a draft"))
        r = try cli(["script", "add", "cleanup", "c2.sh"])           // the newest version is a draft: replaced
        #expect(r.1.contains("version 1"))
        try write("plan main() { step \"s\" { let out = sh([\"x\"], script(\"cleanup\")); print(out.hosts[0].stdout.trim()) } }\n",
                  "use.plat", in: dir)
        r = try cli(["run", "use.plat"])
        #expect(r.0 == 1 && r.2.contains("script cleanup has no online version"), "\(r.2)")
        #expect(try cli(["script", "publish", "cleanup", "1"]).0 == 0)
        r = try cli(["run", "use.plat"])
        #expect(r.0 == 0 && r.1 == "v2 on x\n", "\(r)")
        try write("echo v3\n", "c3.sh", in: dir)
        r = try cli(["script", "add", "cleanup", "c3.sh"])            // version 1 is online, so this is version 2
        #expect(r.1.contains("version 2"))
        #expect(try cli(["script", "publish", "cleanup", "2"]).0 == 0)
        r = try cli(["script", "show", "cleanup", "--json"])
        #expect(r.1.contains("\"status\" : \"offline\"") && r.1.contains("\"status\" : \"online\""))
        #expect(try cli(["script", "disable", "cleanup", "1"]).0 == 0)
        r = try cli(["script", "publish", "cleanup", "1"])
        #expect(r.0 == 2 && r.2.contains("disabled and cannot be published"))
        try write("plan main() { step \"s\" { sh([\"x\"], script(\"cleanup\", version: 1)) } }\n", "old.plat", in: dir)
        r = try cli(["check", "old.plat"])
        #expect(r.0 == 1 && r.2.contains("old.plat:1:") && r.2.contains("script cleanup version 1 is disabled"), "\(r.2)")
        try write("plan main() { step \"s\" { sh([\"x\"], script(\"clenaup\")) } }\n", "typo.plat", in: dir)
        r = try cli(["check", "typo.plat"])
        #expect(r.2.contains("no script 'clenaup'") && r.2.contains("did you mean 'cleanup'?"), "\(r.2)")
    }
}
