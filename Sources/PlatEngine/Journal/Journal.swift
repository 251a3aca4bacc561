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
        // Per-host entries stay in the database (see `isHostKey`).
        try db.forEach("""
            SELECT key, effect, args, status, result, error FROM engine_journal WHERE run_id = ? AND instr(key, '@') = 0
            """, [runID]) { r in
            let e = Entry(key: r.string("key") ?? "", effect: r.string("effect") ?? "", args: r.string("args") ?? "",
                          status: r.string("status") ?? "", result: r.string("result"), error: r.string("error"))
            entries[e.key] = e
        }
    }

    public var count: Int { entries.count }
    /// Finished entries, which a resumed run replays. Per-host entries are not among them: the interpreter
    /// never asks for them.
    public var finishedCount: Int { entries.values.filter { $0.status != "started" }.count }

    /// A fleet effect's per-host entry (`KEY@host`): the effect's own bookkeeping, written through to the
    /// database and never kept here, so memory does not grow with the fleet. The effect reads them back with
    /// `forEachHostEntry` when a run resumes.
    public static func isHostKey(_ key: String) -> Bool { key.contains("@") }

    /// The entry under `key`; nil for per-host keys, which only the database holds.
    public func entry(_ key: String) -> Entry? { entries[key] }

    /// The per-host entries of the fleet effect under `key`, streamed from the database one row at a time.
    public func forEachHostEntry(of key: String,
                                 _ body: (_ host: String, _ status: String, _ result: String?) throws -> Void) throws {
        // Keys from `KEY@` up to `KEYA` ('A' follows '@') are exactly those starting with `KEY@`: a range
        // on the (run_id, key) primary key rather than a scan of the run.
        let prefix = key + "@"
        try db.forEach("SELECT key, status, result FROM engine_journal WHERE run_id = ? AND key >= ? AND key < ?",
                       [runID, prefix, key + "A"]) { r in
            guard let k = r.string("key"), let status = r.string("status") else { return }
            try body(String(k.dropFirst(prefix.count)), status, r.string("result"))
        }
    }

    /// An effect with no outside consequence (now, uuid, random, env): recorded finished in one commit.
    public func recordFinished(key: String, effect: String, args: String, result: String) throws {
        let now = Date().timeIntervalSince1970
        try db.execute("""
            INSERT INTO engine_journal (run_id, key, effect, args, status, result, started_at, finished_at)
            VALUES (?, ?, ?, ?, 'finished', ?, ?, ?)
            ON CONFLICT (run_id, key) DO UPDATE SET status = 'finished', result = excluded.result,
            finished_at = excluded.finished_at
            """, runID, key, effect, args, result, now, now)
        if Journal.isHostKey(key) { return }
        entries[key] = Entry(key: key, effect: effect, args: args, status: "finished", result: result, error: nil)
    }

    /// Before an effect on the outside world: if the process dies now, the next run knows it was in flight.
    public func recordStarted(key: String, effect: String, args: String) throws {
        try db.execute("""
            INSERT INTO engine_journal (run_id, key, effect, args, status, started_at) VALUES (?, ?, ?, ?, 'started', ?)
            ON CONFLICT (run_id, key) DO UPDATE SET status = 'started', args = excluded.args,
            started_at = excluded.started_at
            """, runID, key, effect, args, Date().timeIntervalSince1970)
        if Journal.isHostKey(key) { return }
        entries[key] = Entry(key: key, effect: effect, args: args, status: "started", result: nil, error: nil)
    }

    public func recordCompleted(key: String, result: String, failed: String? = nil) throws {
        try db.execute("""
            UPDATE engine_journal SET status = ?, result = ?, error = ?, finished_at = ? WHERE run_id = ? AND key = ?
            """, failed == nil ? "finished" : "failed", result, failed, Date().timeIntervalSince1970, runID, key)
        entries[key]?.status = failed == nil ? "finished" : "failed"
        entries[key]?.result = result
        entries[key]?.error = failed
    }

    /// `retry`: failed effects run again.
    public static func forgetFailures(db: Database, runID: String) throws {
        try db.execute("DELETE FROM engine_journal WHERE run_id = ? AND status = 'failed'", runID)
    }
}
