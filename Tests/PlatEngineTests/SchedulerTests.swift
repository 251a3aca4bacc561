import Foundation
import PlatStore
import Testing

/// Two real scheduler processes on one database, a schedule firing every second: no fire is started twice
/// and no run is executed twice (counted in the evidence the runs leave, not in logs).
@Suite(.serialized)
struct SchedulerTests {
    @Test("two schedulers on one database never start a fire twice nor run a run twice")
    func twoSchedulersRace() throws {
        let dir = try Binary.tempDir("race")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("marker.txt").path
        try """
            schedule "tick" { cron: "@every 1s", run: main(marker: "\(marker)"), overlap: "allow", catch_up: 10s }

            plan main(marker: string) {
                step "record" {
                    sh("echo $PLATFLOW_RUN_ID >> '\\(marker)'")
                }
            }
            """.write(to: dir.appendingPathComponent("tick.plat"), atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("race.db").path
        let (code, out, err) = try Binary.run(["schedule", "apply", "tick.plat", "--db", db], in: dir)
        #expect(code == 0, "apply failed: \(err)")
        #expect(out == "added tick\n")

        let a = try Binary.start(["scheduler", "--workers", "2", "--db", db], in: dir, tag: "a")
        let b = try Binary.start(["scheduler", "--workers", "2", "--db", db], in: dir, tag: "b")
        usleep(6_500_000)
        kill(a.processIdentifier, SIGTERM)
        kill(b.processIdentifier, SIGTERM)
        a.waitUntilExit()
        b.waitUntilExit()
        #expect(a.terminationStatus == 0 && b.terminationStatus == 0, "schedulers did not stop cleanly")

        let check = try Database(path: db)
        let fires = try check.query("SELECT fire_time, outcome, run_id FROM engine_schedule_fires WHERE schedule = 'tick'")
        let started = fires.filter { $0.string("outcome") == "started" }
        #expect(started.count >= 4, "only \(started.count) fires started in 6.5 s")
        let runIDs = started.compactMap { $0.string("run_id") }
        #expect(Set(runIDs).count == runIDs.count, "a run was created for two fires")
        let runs = try check.query("SELECT id, status FROM engine_runs WHERE schedule = 'tick'")
        #expect(runs.count == started.count, "\(runs.count) runs for \(started.count) started fires")

        let lines = ((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(Set(lines).count == lines.count, "a run executed twice: \(lines)")
        #expect(lines.allSatisfy { runIDs.contains($0) })
        let succeeded = runs.filter { $0.string("status") == "succeeded" }.count
        #expect(succeeded >= started.count - 2, "\(succeeded) of \(started.count) runs succeeded")
        #expect(try check.integrityCheck() == "ok")
        print("scheduler race: \(started.count) fires, \(lines.count) executions, \(succeeded) succeeded")
    }

    @Test("a CMDB subscription delivers each matching event to exactly one run, across a killed scheduler and two live ones")
    func subscriptionDeliversOnce() throws {
        let dir = try Binary.tempDir("subs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("events.txt").path
        try """
            on cmdb.host.changed where "city == \\"sh\\"" run record(marker: "\(marker)")

            plan record(marker: string, event: map = {}) {
                # A scheduler killed while this sh runs leaves it in flight, and the resumed run runs it again
                # (external effects are at least once): the line is written once whatever the timing.
                step "note" { sh("l=\\(event.kind)-\\(event.host)-$PLATFLOW_RUN_ID; grep -qx $l '\\(marker)' 2>/dev/null || echo $l >> '\\(marker)'") }
            }
            """.write(to: dir.appendingPathComponent("subs.plat"), atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("s.db").path
        let (code, out, err) = try Binary.run(["schedule", "apply", "subs.plat", "--db", db], in: dir)
        #expect(code == 0 && out.contains("added on cmdb.host.changed"), "\(err)")
        for i in 1...12 {
            let city = i % 3 == 0 ? "bj" : "sh"
            let (c, _, e) = try Binary.run(["cmdb", "host", "add", "inner_ip=10.1.0.\(i)", "hostname=h\(i)", "city=\(city)", "--db", db], in: dir)
            #expect(c == 0, "\(e)")
        }
        let first = try Binary.start(["scheduler", "--db", db], in: dir, tag: "first")
        usleep(400_000)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let a = try Binary.start(["scheduler", "--db", db], in: dir, tag: "a")
        let b = try Binary.start(["scheduler", "--db", db], in: dir, tag: "b")
        // Until all eight runs have written their line (a loaded machine may take a while), then a little longer,
        // so that a second delivery of any event would have had time to show.
        func markerLines() -> Int {
            ((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let deadline = Date().addingTimeInterval(60)
        while markerLines() < 8 && Date() < deadline { usleep(100_000) }
        usleep(1_500_000)
        kill(a.processIdentifier, SIGTERM)
        kill(b.processIdentifier, SIGTERM)
        a.waitUntilExit()
        b.waitUntilExit()

        let check = try Database(path: db)
        let started = try check.query("SELECT cursor FROM engine_subscription_deliveries WHERE outcome = 'started'")
        #expect(started.count == 8, "\(started.count) deliveries started for 8 matching events")
        let runs = try check.query("SELECT id FROM engine_runs WHERE plan = 'record'")
        #expect(runs.count == 8)
        let lines = ((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(lines.count == 8 && Set(lines).count == 8, "\(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix("create-") })
    }
}

/// A scheduler that was down: only the latest missed fire starts, and the skipped ones are one log line.
@Suite(.serialized)
struct CatchUpTests {
    @Test("catch-up starts the latest missed fire and summarises the skipped ones in one line")
    func latestMissedFireStarts() throws {
        let dir = try Binary.tempDir("catchup")
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            schedule "tick" { cron: "@every 10s", run: main(), overlap: "allow", catch_up: 1h }

            plan main() {
                sh("true")
            }
            """.write(to: dir.appendingPathComponent("tick.plat"), atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("c.db").path
        let (code, _, err) = try Binary.run(["schedule", "apply", "tick.plat", "--db", db], in: dir)
        #expect(code == 0, "\(err)")
        // The scheduler was down for the last ten minutes: 61 fires were due (62 if a fire time passes while
        // it starts).
        let now = Date().timeIntervalSince1970
        do {
            let setup = try Database(path: db)
            try setup.execute("UPDATE engine_schedules SET next_fire = ? WHERE name = 'tick'", (now / 10).rounded(.down) * 10 - 600)
        }
        let s = try Binary.start(["scheduler", "--db", db], in: dir, tag: "sched")
        usleep(1_500_000)
        kill(s.processIdentifier, SIGTERM)
        s.waitUntilExit()
        let log = (try? String(contentsOf: dir.appendingPathComponent("sched.err"), encoding: .utf8)) ?? ""
        let check = try Database(path: db)
        let started = try check.query("SELECT fire_time FROM engine_schedule_fires WHERE schedule = 'tick' AND outcome = 'started'")
        // Of the fires that were due when the test began, exactly one started: the latest, not the oldest. (A
        // fire time that passes while the scheduler runs on a slow machine is an ordinary fire, not catch-up.)
        let caughtUp = started.compactMap { $0.double("fire_time") }.filter { $0 <= now }
        #expect(caughtUp.count == 1, "\(log)")
        #expect((caughtUp.first ?? 0) > now - 11, "\(log)")
        #expect(started.count - caughtUp.count <= 1, "\(log)")
        let missed = try check.query("SELECT fire_time FROM engine_schedule_fires WHERE schedule = 'tick' AND outcome = 'missed'")
        #expect(missed.count == 60 || missed.count == 61, "\(missed.count) missed\n\(log)")
        let lines = log.split(separator: "\n").filter { $0.contains("missed") || $0.contains("skipped") }
        #expect(lines.count == 1 && lines.first?.contains("tick: \(missed.count) missed fires skipped") == true, "\(log)")
    }
}
