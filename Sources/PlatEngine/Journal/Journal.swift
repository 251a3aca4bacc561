import Foundation
import PlatStore

/// The effects a run has performed, by `JournalKey`. Loaded once when a run (re)starts, so a replay of
/// thousands of finished effects answers each from memory; every change is written through.
///
/// An effect's own entry is a row of `engine_journal`; a fleet effect's entry for one host is a row of
/// `engine_journal_hosts` under the effect's key and the host. Host entries are the effect's bookkeeping:
/// written through and never kept here, so memory does not grow with the fleet; the effect reads them back
/// with `forEachHostEntry` when a run resumes.
public final class Journal {
    public struct Entry: Sendable {
        public var key: JournalKey
        public var effect: String
        public var args: String
        public var status: JournalStatus
        public var result: String?
        public var error: String?
    }

    let db: Database
    public let runID: String
    private var entries: [JournalKey: Entry] = [:]
    /// Hides the run's secret values in what is written (a command's output that echoed a token).
    public var mask = SecretMask()

    public init(db: Database, runID: String) throws {
        self.db = db
        self.runID = runID
        try db.forEach("SELECT key, effect, args, status, result, error FROM engine_journal WHERE run_id = ?", [runID]) { r in
            guard let key = JournalKey(text: r.string("key") ?? "") else { return }
            let e = Entry(key: key, effect: r.string("effect") ?? "", args: r.string("args") ?? "",
                          status: JournalStatus(rawValue: r.string("status") ?? "") ?? .started,
                          result: r.string("result"), error: r.string("error"))
            entries[key] = e
        }
    }

    public var count: Int { entries.count }
    /// Finished entries, which a resumed run replays. Per-host entries are not among them: the interpreter
    /// never asks for them.
    public var finishedCount: Int { entries.values.filter { $0.status.isDone }.count }

    /// The entry under `key`; nil for per-host keys, which only the database holds.
    public func entry(_ key: JournalKey) -> Entry? { entries[key] }

    /// The per-host entries of the fleet effect under `key`, streamed from the database one row at a time.
    public func forEachHostEntry(of key: JournalKey,
                                 _ body: (_ host: String, _ status: JournalStatus, _ result: String?) throws -> Void) throws {
        try db.forEach("SELECT host, status, result FROM engine_journal_hosts WHERE run_id = ? AND key = ?",
                       [runID, key.text]) { r in
            guard let host = r.string("host"), let status = r.string("status").flatMap(JournalStatus.init) else { return }
            try body(host, status, r.string("result"))
        }
    }

    /// An effect with no outside consequence (now, uuid, random, env), or one whose change commits in the same
    /// transaction: recorded finished in one commit.
    public func recordFinished(key: JournalKey, effect: String, args: String, result: String) throws {
        let args = mask.apply(args), result = mask.apply(result)
        let now = Date().timeIntervalSince1970
        if let host = key.host {
            try db.execute("""
                INSERT INTO engine_journal_hosts (run_id, key, host, effect, args, status, result, started_at, finished_at)
                VALUES (?, ?, ?, ?, ?, 'finished', ?, ?, ?)
                ON CONFLICT (run_id, key, host) DO UPDATE SET status = 'finished', result = excluded.result,
                finished_at = excluded.finished_at
                """, runID, key.text, host, effect, args, result, now, now)
            return
        }
        try db.execute("""
            INSERT INTO engine_journal (run_id, key, effect, args, status, result, started_at, finished_at)
            VALUES (?, ?, ?, ?, 'finished', ?, ?, ?)
            ON CONFLICT (run_id, key) DO UPDATE SET status = 'finished', result = excluded.result,
            finished_at = excluded.finished_at
            """, runID, key.text, effect, args, result, now, now)
        entries[key] = Entry(key: key, effect: effect, args: args, status: .finished, result: result, error: nil)
    }

    /// Before an effect on the outside world: if the process dies now, the next run knows it was in flight.
    public func recordStarted(key: JournalKey, effect: String, args: String) throws {
        let args = mask.apply(args)
        let now = Date().timeIntervalSince1970
        if let host = key.host {
            try db.execute("""
                INSERT INTO engine_journal_hosts (run_id, key, host, effect, args, status, started_at)
                VALUES (?, ?, ?, ?, ?, 'started', ?)
                ON CONFLICT (run_id, key, host) DO UPDATE SET status = 'started', args = excluded.args,
                started_at = excluded.started_at
                """, runID, key.text, host, effect, args, now)
            return
        }
        try db.execute("""
            INSERT INTO engine_journal (run_id, key, effect, args, status, started_at) VALUES (?, ?, ?, ?, 'started', ?)
            ON CONFLICT (run_id, key) DO UPDATE SET status = 'started', args = excluded.args,
            started_at = excluded.started_at
            """, runID, key.text, effect, args, now)
        entries[key] = Entry(key: key, effect: effect, args: args, status: .started, result: nil, error: nil)
    }

    /// The process group an effect in flight runs, kept in its entry's result until it completes (a started
    /// entry has no result), so a resume after a crash can find the command it left behind.
    public func recordProcessGroup(key: JournalKey, _ group: OrphanedGroup) throws {
        if key.host != nil { return }
        try db.execute("UPDATE engine_journal SET result = ? WHERE run_id = ? AND key = ? AND status = 'started'",
                       group.recordText, runID, key.text)
        entries[key]?.result = group.recordText
    }

    /// The end of an effect recorded started: finished with its result, or failed with the message the plan saw.
    public func recordCompleted(key: JournalKey, result: String, failed: String? = nil) throws {
        let result = mask.apply(result), failed = mask.apply(failed)
        let status: JournalStatus = failed == nil ? .finished : .failed
        let now = Date().timeIntervalSince1970
        if let host = key.host {
            try db.execute("""
                UPDATE engine_journal_hosts SET status = ?, result = ?, error = ?, finished_at = ?
                WHERE run_id = ? AND key = ? AND host = ?
                """, status.rawValue, result, failed, now, runID, key.text, host)
            return
        }
        try db.execute("""
            UPDATE engine_journal SET status = ?, result = ?, error = ?, finished_at = ? WHERE run_id = ? AND key = ?
            """, status.rawValue, result, failed, now, runID, key.text)
        entries[key]?.status = status
        entries[key]?.result = result
        entries[key]?.error = failed
    }

    /// `retry`: failed effects, and failed hosts of fleet effects, run again.
    public static func forgetFailures(db: Database, runID: String) throws {
        try db.execute("DELETE FROM engine_journal WHERE run_id = ? AND status = ?", runID, JournalStatus.failed.rawValue)
        try db.execute("DELETE FROM engine_journal_hosts WHERE run_id = ? AND status = ?", runID, JournalStatus.failed.rawValue)
    }
}
