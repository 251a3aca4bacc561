import Foundation
import PlatStore

/// The effects a run has performed, keyed by `step path#sequence`. Loaded once when a run (re)starts, so a
/// replay of thousands of finished effects answers each from memory; every change is written through.
public final class Journal {
    public struct Entry: Sendable {
        public var key: String
        public var effect: String
        public var args: String
        /// `started` (in flight when a process stopped), `finished`, or `failed` (finished, and the plan was
        /// told it failed; `retry` forgets these so they run again).
        public var status: String
        public var result: String?
        public var error: String?
    }

    let db: Database
    public let runID: String
    private var entries: [String: Entry] = [:]

    public init(db: Database, runID: String) throws {
        self.db = db
        self.runID = runID
        try db.forEach("SELECT key, effect, args, status, result, error FROM engine_journal WHERE run_id = ?", [runID]) { r in
            let e = Entry(key: r.string("key") ?? "", effect: r.string("effect") ?? "", args: r.string("args") ?? "",
                          status: r.string("status") ?? "", result: r.string("result"), error: r.string("error"))
            entries[e.key] = e
        }
    }

    public var count: Int { entries.count }
    /// Finished top-level entries. Per-host entries of a fleet effect (keys with `@`) are the effect's own
    /// bookkeeping: the interpreter never asks for them, so they do not count towards replay.
    public var finishedCount: Int { entries.values.filter { $0.status != "started" && !$0.key.contains("@") }.count }

    public func entry(_ key: String) -> Entry? { entries[key] }

    /// An effect with no outside consequence (now, uuid, random, env): recorded finished in one commit.
    public func recordFinished(key: String, effect: String, args: String, result: String) throws {
        let now = Date().timeIntervalSince1970
        try db.execute("""
            INSERT INTO engine_journal (run_id, key, effect, args, status, result, started_at, finished_at)
            VALUES (?, ?, ?, ?, 'finished', ?, ?, ?)
            ON CONFLICT (run_id, key) DO UPDATE SET status = 'finished', result = excluded.result,
            finished_at = excluded.finished_at
            """, runID, key, effect, args, result, now, now)
        entries[key] = Entry(key: key, effect: effect, args: args, status: "finished", result: result, error: nil)
    }

    /// Before an effect on the outside world: if the process dies now, the next run knows it was in flight.
    public func recordStarted(key: String, effect: String, args: String) throws {
        try db.execute("""
            INSERT INTO engine_journal (run_id, key, effect, args, status, started_at) VALUES (?, ?, ?, ?, 'started', ?)
            ON CONFLICT (run_id, key) DO UPDATE SET status = 'started', args = excluded.args,
            started_at = excluded.started_at
            """, runID, key, effect, args, Date().timeIntervalSince1970)
        entries[key] = Entry(key: key, effect: effect, args: key.contains("@") ? "" : args, status: "started", result: nil, error: nil)
    }

    public func recordCompleted(key: String, result: String, failed: String? = nil) throws {
        try db.execute("""
            UPDATE engine_journal SET status = ?, result = ?, error = ?, finished_at = ? WHERE run_id = ? AND key = ?
            """, failed == nil ? "finished" : "failed", result, failed, Date().timeIntervalSince1970, runID, key)
        entries[key]?.status = failed == nil ? "finished" : "failed"
        // A fleet effect's per-host results (`KEY@host`) are read back only when a run resumes, from the
        // database; keeping thousands of them here would make memory grow with the fleet.
        entries[key]?.result = key.contains("@") ? nil : result
        entries[key]?.error = failed
    }

    /// `retry`: failed effects run again.
    public static func forgetFailures(db: Database, runID: String) throws {
        try db.execute("DELETE FROM engine_journal WHERE run_id = ? AND status = 'failed'", runID)
    }
}
