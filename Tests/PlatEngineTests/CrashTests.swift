import Foundation
import PlatStore
import PlatTestKit
import Testing

/// The durability promise, tested by really killing the process: a run killed with SIGKILL at random moments
/// and resumed each time finishes, and every step that finished ran exactly once.
@Suite(.serialized)
struct CrashTests {
    static let steps = 120

    @Test("SIGKILL at 30+ random moments, resume each time: each finished step ran once, the run succeeds")
    func killAndResume() throws {
        let dir = try Binary.tempDir("crash")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("marker.txt").path
        let plan = """
            plan main(marker: string) {
                for i in range(\(CrashTests.steps)) {
                    step "work" {
                        sh("echo step-\\(i) >> '\\(marker)'; sleep 0.02")
                    }
                }
            }
            """
        try plan.write(to: dir.appendingPathComponent("crash.plat"), atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("crash.db").path
        var rng = SeededRandom(seed: 20261127)
        var kills = 0
        var runID: String? = nil
        var finished = false
        var attempt = 0
        while kills < 30 && attempt < 200 {
            attempt += 1
            let args = runID.map { ["resume", $0, "--db", db] }
                ?? ["run", "crash.plat", "--param", "marker=\(marker)", "--db", db]
            let p = try Binary.start(args, in: dir, tag: "attempt-\(attempt)")
            usleep(useconds_t(rng.int(in: 20...160) * 1000))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                kills += 1
            } else {
                p.waitUntilExit()
                if p.terminationStatus == 0 { finished = true }
            }
            if runID == nil { runID = try Binary.newestRunID(db: db, in: dir) }
            if finished { break }
        }
        let id = try #require(runID, "the first attempt created no run")
        if !finished {
            let (code, _, err) = try Binary.run(["resume", id, "--db", db], in: dir)
            #expect(code == 0, "final resume failed: \(err)")
        }
        #expect(kills >= 30 || finished, "only \(kills) kills happened")

        let lines = try String(contentsOfFile: marker, encoding: .utf8).split(separator: "\n").map(String.init)
        var counts: [String: Int] = [:]
        for l in lines { counts[l, default: 0] += 1 }
        // At least once: every step ran; a step runs again only when a kill caught it in flight (a step in
        // flight at two consecutive kills runs three times), so the extra runs never exceed the kills, and
        // the log names every re-run.
        var extra = 0
        for i in 0..<CrashTests.steps {
            let n = counts["step-\(i)"] ?? 0
            #expect(n >= 1, "step-\(i) never ran")
            extra += max(0, n - 1)
        }
        let duplicates = extra
        #expect(extra <= kills, "\(extra) extra step runs but only \(kills) kills happened")

        let (_, logs, _) = try Binary.run(["logs", id, "--db", db], in: dir)
        let reruns = logs.components(separatedBy: "re-running sh()").count - 1
        #expect(reruns >= extra, "\(extra) extra step runs but the log names \(reruns) re-runs")

        let (_, statusJSON, _) = try Binary.run(["status", id, "--json", "--db", db], in: dir)
        #expect(statusJSON.contains("\"status\" : \"succeeded\""), "run did not succeed: \(statusJSON.prefix(400))")

        let check = try Database(path: db)
        #expect(try check.integrityCheck() == "ok")
        print("crash test: \(kills) kills, \(duplicates) in-flight steps re-run, \(lines.count) marker lines")
    }

    @Test("a sleeping run killed and resumed wakes at its original time")
    func sleepSurvivesKill() throws {
        let dir = try Binary.tempDir("sleep")
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            plan main() {
                step "nap" { sleep(3s) }
                step "after" { print("woke") }
            }
            """.write(to: dir.appendingPathComponent("nap.plat"), atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("nap.db").path
        let p = try Binary.start(["run", "nap.plat", "--db", db], in: dir, tag: "first")
        // Killed during the sleep: once the step has begun and a moment more, for the sleep to record its wake time.
        #expect(try Binary.waitForStep("main/nap", db: db, in: dir))
        usleep(1_000_000)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let status = try #require(try Binary.newestRunStatus(db: db, in: dir))
        let id = try #require(status["id"] as? String)
        let steps = status["steps"] as? [[String: Any]] ?? []
        let napStarted = try #require(steps.first { $0["path"] as? String == "main/nap" }?["started_at"] as? Double)
        let (code, out, err) = try Binary.run(["resume", id, "--db", db], in: dir)
        let elapsed = Date().timeIntervalSince1970 - napStarted
        #expect(code == 0, "resume failed: \(err)")
        #expect(out == "woke\n")
        // Woke about 3s after the sleep first began, not 3s after the resume (which began at least 1s in).
        #expect(elapsed >= 2.9 && elapsed < 3.9, "woke \(elapsed)s after the sleep began")
    }
}
