import Foundation
import PlatEngine
import PlatStore
import Testing

/// Engine migration 3: per-host journal entries and host log lines, once told apart by an `@` inside a string,
/// move to a place of their own; a step whose name holds `@` stays a step.
@Suite("journal host entries by structure")
struct JournalMigrationTests {
    /// A database as the build before migration 3 left it.
    func legacyDatabase() throws -> (Database, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("journal-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = try Database(path: dir.appendingPathComponent("old.db").path)
        try db.migrate(EngineSchema.migrations.filter { $0.version < 3 })
        for run in ["r1", "r2"] {
            try db.execute("""
                INSERT INTO engine_runs (id, file, status, params, created_at) VALUES (?, 'f.plat', 'failed', '{}', 0)
                """, run)
        }
        let entries: [(run: String, key: String, effect: String)] = [
            // A step named deploy@prod: no entry `main/deploy#...` owns it.
            ("r1", "main/deploy@prod#1", "sh"),
            // A fleet effect and its hosts, one host name holding `@` and another that is its prefix.
            ("r1", "main/roll#1", "sh"),
            ("r1", "main/roll#1@h1", "sh.host"),
            ("r1", "main/roll#1@admin", "sh.host"),
            ("r1", "main/roll#1@admin@h2", "sh.host"),
            // A fleet effect in a step whose name holds `@`.
            ("r1", "main/x@y#1", "sh"),
            ("r1", "main/x@y#1@h1", "sh.host"),
            // Another run with a step named roll@h1, whose log lines read like r1's host lines.
            ("r2", "main/roll@h1#1", "sh"),
        ]
        for (i, e) in entries.enumerated() {
            try db.execute("""
                INSERT INTO engine_journal (run_id, key, effect, args, status, result, started_at, finished_at)
                VALUES (?, ?, ?, '{}', 'finished', ?, ?, ?)
                """, e.run, e.key, e.effect, "\"\(e.key)\"", Double(i), Double(i) + 0.5)
        }
        let logs: [(run: String, step: String)] = [
            ("r1", "main/deploy@prod"), ("r1", "main/roll"), ("r1", "main/roll@h1"), ("r1", "main/roll@admin@h2"),
            ("r1", "main/x@y"), ("r1", "main/x@y@h1"), ("r2", "main/roll@h1"),
        ]
        for (i, l) in logs.enumerated() {
            try db.execute("INSERT INTO engine_logs (run_id, at, step, kind, text) VALUES (?, ?, ?, 'out', ?)",
                           l.run, Double(i), l.step, "line \(i)")
        }
        return (db, dir)
    }

    func hosts(_ journal: Journal, _ key: String) throws -> [String: String] {
        var out: [String: String] = [:]
        try journal.forEachHostEntry(of: JournalKey(text: key)!) { host, status, result in
            out[host] = "\(status.rawValue) \(result ?? "-")"
        }
        return out
    }

    @Test("an old database migrates: host entries and host log lines by structure, steps with @ stay steps")
    func migratesLegacyKeys() throws {
        let (db, dir) = try legacyDatabase()
        defer { try? FileManager.default.removeItem(at: dir) }
        try db.migrate(EngineSchema.migrations)
        #expect(try db.appliedVersion(module: "engine") == 5)

        let r1 = try Journal(db: db, runID: "r1")
        #expect(r1.count == 3)
        #expect(r1.entry(JournalKey(step: "main/deploy@prod", counter: 1))?.effect == "sh")
        #expect(r1.entry(JournalKey(step: "main/roll", counter: 1))?.status == .finished)
        #expect(r1.entry(JournalKey(step: "main/x@y", counter: 1)) != nil)
        #expect(try hosts(r1, "main/roll#1") == ["h1": "finished \"main/roll#1@h1\"",
                                                   "admin": "finished \"main/roll#1@admin\"",
                                                   "admin@h2": "finished \"main/roll#1@admin@h2\""])
        #expect(try hosts(r1, "main/x@y#1") == ["h1": "finished \"main/x@y#1@h1\""])
        #expect(try hosts(r1, "main/deploy@prod#1").isEmpty)
        let moved = try db.queryOne("SELECT effect, started_at, finished_at FROM engine_journal_hosts WHERE run_id = 'r1' AND host = 'admin@h2'")
        #expect(moved?.string("effect") == "sh.host" && moved?.double("started_at") == 4 && moved?.double("finished_at") == 4.5)

        // r2 has no fleet effect: its step and its log lines are left as they were.
        let r2 = try Journal(db: db, runID: "r2")
        #expect(r2.count == 1)
        #expect(r2.entry(JournalKey(step: "main/roll@h1", counter: 1)) != nil)
        #expect(try db.queryOne("SELECT count(*) AS n FROM engine_journal_hosts WHERE run_id = 'r2'")?.int("n") == 0)

        let logs = try db.query("SELECT run_id, step, host FROM engine_logs ORDER BY id").map {
            "\($0.string("run_id")!) \($0.string("step")!) \($0.string("host") ?? "-")"
        }
        #expect(logs == ["r1 main/deploy@prod -", "r1 main/roll -", "r1 main/roll h1", "r1 main/roll admin@h2",
                         "r1 main/x@y -", "r1 main/x@y h1", "r2 main/roll@h1 -"])
    }

    @Test("a new host entry goes to its own table and never into the step entries")
    func hostEntriesApart() throws {
        let (db, dir) = try legacyDatabase()
        defer { try? FileManager.default.removeItem(at: dir) }
        try db.migrate(EngineSchema.migrations)
        let journal = try Journal(db: db, runID: "r1")
        let key = JournalKey(step: "main/deploy@prod", counter: 2)
        try journal.recordStarted(key: key, effect: "sh", args: "{}")
        try journal.recordStarted(key: key.on(host: "web@1"), effect: "sh.host", args: "{}")
        try journal.recordCompleted(key: key.on(host: "web@1"), result: "1", failed: "failed on web@1")
        #expect(journal.entry(key)?.status == .started)
        #expect(journal.entry(key.on(host: "web@1")) == nil)
        #expect(try hosts(journal, key.text) == ["web@1": "failed 1"])
        try Journal.forgetFailures(db: db, runID: "r1")
        #expect(try hosts(journal, key.text).isEmpty)
        #expect(try Journal(db: db, runID: "r1").count == 4)
    }

    @Test("a key's text is path#N; the counter follows the last #")
    func keyText() {
        #expect(JournalKey(step: "main/a#2", counter: 3).text == "main/a#2#3")
        #expect(JournalKey(text: "main/a#2#3") == JournalKey(step: "main/a#2", counter: 3))
        #expect(JournalKey(text: "#1") == JournalKey(step: "", counter: 1))
        #expect(JournalKey(text: "main/a") == nil)
        #expect(JournalKey(text: "main/a#x") == nil)
        #expect(JournalKey(step: "s", counter: 1).on(host: "h").text == "s#1")
    }
}
