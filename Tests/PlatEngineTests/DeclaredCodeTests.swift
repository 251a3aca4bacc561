import Foundation
import PlatStore
import Testing

/// Schedules and subscriptions run the code `schedule apply` checked, so a file broken or moved after the apply
/// loses no fire and no event; what cannot start is a failed run (schedules) or stays pending (events).
@Suite(.serialized)
struct DeclaredCodeTests {
    func write(_ text: String, _ name: String, in dir: URL) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Runs a scheduler until `condition` holds (or 30 s), then a little longer, and stops it; returns its log.
    func schedule(db: String, in dir: URL, tag: String, until condition: () throws -> Bool) throws -> String {
        let s = try Binary.start(["scheduler", "--db", db], in: dir, tag: tag)
        _ = try Binary.waitUntil(seconds: 30, condition)
        usleep(300_000)
        kill(s.processIdentifier, SIGTERM)
        s.waitUntilExit()
        return (try? String(contentsOf: dir.appendingPathComponent("\(tag).err"), encoding: .utf8)) ?? ""
    }

    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test("a schedule fires the applied code while its file is broken, and after the file was moved away")
    func scheduleRunsAppliedCode() throws {
        let dir = try Binary.tempDir("applied")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("fires.txt").path
        try write("""
            import "./lib.plat" as lib
            schedule "tick" { cron: "@every 1s", run: main(marker: "\(marker)"), overlap: "allow", catch_up: 10s }

            plan main(marker: string) {
                sh("echo \\(lib.word()) >> '\\(marker)'")
            }
            """, "tick.plat", in: dir)
        try write("fn word() { return \"applied\" }\n", "lib.plat", in: dir)
        let db = dir.appendingPathComponent("t.db").path
        let (code, _, err) = try Binary.run(["schedule", "apply", "tick.plat", "--db", db], in: dir)
        #expect(code == 0, "\(err)")
        // Broken after the apply, and its import moved away.
        try write("plan main(marker: string) { sh(\"echo broken >> '\\\\(marker)'\") ", "tick.plat", in: dir)
        try FileManager.default.moveItem(at: dir.appendingPathComponent("lib.plat"), to: dir.appendingPathComponent("moved.plat"))

        let log = try schedule(db: db, in: dir, tag: "sched") { lines(marker).count >= 2 }
        #expect(lines(marker).count >= 2 && lines(marker).allSatisfy { $0 == "applied" }, "\(lines(marker))\n\(log)")
        let check = try Database(path: db)
        let errors = try check.query("SELECT outcome FROM engine_schedule_fires WHERE schedule = 'tick' AND outcome LIKE 'error%'")
        #expect(errors.isEmpty, "\(errors.map { $0.string("outcome") ?? "" })")
    }

    @Test("a fire whose code cannot load is a failed run with the reason, not a lost fire")
    func unloadableFireIsAFailedRun() throws {
        let dir = try Binary.tempDir("unloadable")
        defer { try? FileManager.default.removeItem(at: dir) }
        try write("""
            schedule "tick" { cron: "@every 1s", run: main(), overlap: "allow", catch_up: 10s }
            plan main() { print("hi") }
            """, "tick.plat", in: dir)
        let db = dir.appendingPathComponent("u.db").path
        let (code, _, err) = try Binary.run(["schedule", "apply", "tick.plat", "--db", db], in: dir)
        #expect(code == 0, "\(err)")
        // A schedule applied before code was captured, whose file is now gone: nothing can run.
        do {
            let setup = try Database(path: db)
            try setup.execute("DELETE FROM engine_declared_sources")
        }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("tick.plat"))
        let check = try Database(path: db)
        let log = try schedule(db: db, in: dir, tag: "sched") {
            try check.queryOne("SELECT COUNT(*) AS n FROM engine_runs WHERE schedule = 'tick'")?.int("n") ?? 0 > 0
        }
        let runs = try check.query("SELECT id, status, error FROM engine_runs WHERE schedule = 'tick'")
        #expect(!runs.isEmpty && runs.allSatisfy { $0.string("status") == "failed" }, "\(log)")
        #expect(runs.first?.string("error")?.contains("could not start") == true, "\(runs.first?.string("error") ?? "")")
        #expect(runs.first?.string("error")?.contains("tick.plat") == true, "\(runs.first?.string("error") ?? "")")
        let fire = try check.queryOne("SELECT run_id FROM engine_schedule_fires WHERE schedule = 'tick' AND outcome LIKE 'error%'")
        #expect(fire?.string("run_id") == runs.first?.string("id") || runs.count > 1)
    }

    @Test("an event while the subscribed file is broken runs the applied code")
    func subscriptionRunsAppliedCode() throws {
        let dir = try Binary.tempDir("subcode")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("events.txt").path
        try write("""
            on cmdb.host.changed run record(marker: "\(marker)")
            plan record(marker: string, event: map = {}) {
                sh("echo \\(event.kind) >> '\\(marker)'")
            }
            """, "subs.plat", in: dir)
        let db = dir.appendingPathComponent("s.db").path
        let (code, _, err) = try Binary.run(["schedule", "apply", "subs.plat", "--db", db], in: dir)
        #expect(code == 0, "\(err)")
        try write("plan record( {", "subs.plat", in: dir)
        let (c, _, e) = try Binary.run(["cmdb", "host", "add", "inner_ip=10.9.0.1", "hostname=h1", "--db", db], in: dir)
        #expect(c == 0, "\(e)")
        let log = try schedule(db: db, in: dir, tag: "sched") { lines(marker).count >= 1 }
        #expect(lines(marker) == ["create"], "\(lines(marker))\n\(log)")
    }

    @Test("an event whose run cannot be created stays pending and is delivered once the file is fixed")
    func eventStaysPending() throws {
        let dir = try Binary.tempDir("pending")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("events.txt").path
        let good = """
            on cmdb.host.changed run record(marker: "\(marker)")
            plan record(marker: string, event: map = {}) {
                sh("echo \\(event.kind) >> '\\(marker)'")
            }
            """
        try write(good, "subs.plat", in: dir)
        let db = dir.appendingPathComponent("p.db").path
        let (code, _, err) = try Binary.run(["schedule", "apply", "subs.plat", "--db", db], in: dir)
        #expect(code == 0, "\(err)")
        // No captured code (applied by an older version) and a broken file: the run cannot be created.
        do {
            let setup = try Database(path: db)
            try setup.execute("DELETE FROM engine_declared_sources")
        }
        try write("plan record( {", "subs.plat", in: dir)
        let (c, _, e) = try Binary.run(["cmdb", "host", "add", "inner_ip=10.9.0.2", "hostname=h2", "--db", db], in: dir)
        #expect(c == 0, "\(e)")
        let check = try Database(path: db)
        let log1 = try schedule(db: db, in: dir, tag: "broken") {
            ((try? String(contentsOf: dir.appendingPathComponent("broken.err"), encoding: .utf8)) ?? "").contains("stays pending")
        }
        #expect(log1.contains("stays pending"), "\(log1)")
        #expect(try check.query("SELECT * FROM engine_subscription_deliveries").isEmpty, "the event was claimed: \(log1)")
        #expect(lines(marker).isEmpty)

        try write(good, "subs.plat", in: dir)
        let log2 = try schedule(db: db, in: dir, tag: "fixed") { lines(marker).count >= 1 }
        #expect(lines(marker) == ["create"], "\(log2)")
        let delivered = try check.query("SELECT outcome FROM engine_subscription_deliveries")
        #expect(delivered.map { $0.string("outcome") ?? "" } == ["started"])
    }
}
