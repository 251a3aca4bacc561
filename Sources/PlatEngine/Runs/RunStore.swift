import Foundation
import PlatStore

/// The engine's SQL, in one place: runs, their pinned sources, steps, logs.
public final class RunStore {
    public let db: Database
    /// The modules this store's database has the tables of; runs on it use their effects.
    public let modules: ModuleSet

    /// A run's `print` lines not yet written (see `bufferOutput`).
    var bufferedOutput: [BufferedLog] = []
    var bufferedSince = 0.0

    /// Brings `db` up to date with the engine's tables and those of `modules`.
    public init(db: Database, modules: ModuleSet) throws {
        self.db = db
        self.modules = modules
        try db.migrate(modules.migrations)
    }

    deinit {
        try? flushOutput()
    }

    /// Opens the database at `path` (default `.platflow/platflow.db`) and brings its schema up to date with the
    /// engine and `modules`.
    /// `checkpointOnClose: false` suits a short-lived command (`Database.Options.checkpointOnClose`).
    public static func open(path: String, modules: ModuleSet, durability: Database.Durability = .full,
                            checkpointOnClose: Bool = true) throws -> RunStore {
        var options = Database.Options()
        options.durability = durability
        options.checkpointOnClose = checkpointOnClose
        do {
            return try RunStore(db: Database(path: path, options: options), modules: modules)
        } catch let e as DatabaseError where e.isReadOnly && FileManager.default.fileExists(atPath: path) {
            return try openReadOnly(path: path, modules: modules, cause: e)
        }
    }

    /// A database platflow cannot write (read-only media, a snapshot): opened for reading, so `runs`, `logs`
    /// and `cmdb hosts` work; anything that writes fails with SQLite's read-only error. Its schema must be
    /// this build's already, since it cannot be migrated.
    private init(readOnly db: Database, modules: ModuleSet) {
        self.db = db
        self.modules = modules
    }

    static func openReadOnly(path: String, modules: ModuleSet, cause: DatabaseError) throws -> RunStore {
        var options = Database.Options()
        options.readOnly = true
        // A WAL database needs a shared-memory file beside it even to read; on read-only media there is none
        // to create, and nothing can change the file, so it is read as immutable.
        let db: Database
        if let plain = try? Database(path: path, options: options),
           (try? plain.queryOne("SELECT count(*) AS n FROM sqlite_master")) != nil {
            db = plain
        } else {
            options.immutable = true
            db = try Database(path: path, options: options)
        }
        for (module, highest) in Dictionary(modules.migrations.map { ($0.module, $0.version) }, uniquingKeysWith: max) {
            if try db.appliedVersion(module: module) ?? 0 < highest {
                throw DatabaseError(code: cause.code, extendedCode: cause.extendedCode,
                                    message: "\(cause.message); it cannot be read either: its \(module) tables are older than this platflow and a read-only file cannot be brought up to date (open it once where it can be written)")
            }
        }
        return RunStore(readOnly: db, modules: modules)
    }

    public static func now() -> Double { Date().timeIntervalSince1970 }

    // MARK: Secrets

    private let maskLock = NSLock()
    private var masks: [String: SecretMask] = [:]

    /// Hides `mask`'s texts in every log record, step error and run error this store writes for run `id`
    /// (set while a run with secret parameters executes; effects on other threads log through it too).
    public func setSecretMask(_ mask: SecretMask, for id: String) {
        maskLock.lock()
        masks[id] = mask.isEmpty ? nil : mask
        maskLock.unlock()
    }

    public func secretMask(for id: String) -> SecretMask {
        maskLock.lock()
        defer { maskLock.unlock() }
        return masks[id] ?? SecretMask()
    }

    func masked(_ id: String, _ text: String?) -> String? {
        guard let text else { return nil }
        return secretMask(for: id).apply(text)
    }

    // MARK: Runs

    /// A short id that is easy to type; `resolveRunID` accepts any unique prefix.
    static func newRunID() -> String {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        return String((0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    public func createRun(file: String, plan: String?, params: [String: String], secretParams: [String],
                          sources: [(path: String, text: String)], startedBy: String, status: RunStatus,
                          schedule: String? = nil, fireTime: Double? = nil) throws -> String {
        let id = RunStore.newRunID()
        let paramsJSON = StringJSON.encode(params)
        let secretsJSON = StringJSON.encode(secretParams)
        try db.transaction {
            try db.execute("""
                INSERT INTO engine_runs (id, file, plan, status, params, secret_params, created_at, started_by, schedule, fire_time)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, id, file, plan, status.rawValue, paramsJSON, secretsJSON, RunStore.now(), startedBy, schedule, fireTime)
            for s in sources {
                try db.execute("INSERT INTO engine_run_sources (run_id, path, text) VALUES (?, ?, ?)", id, s.path, s.text)
            }
        }
        return id
    }

    /// A run that never started because its code could not be loaded (a schedule's fire whose file is gone):
    /// recorded as failed with the reason, so the lost work shows in `platflow runs` and `status`.
    public func recordFailedStart(file: String, plan: String?, params: [String: String], startedBy: String, error: String,
                                  schedule: String? = nil, fireTime: Double? = nil) throws -> String {
        try db.transaction {
            let id = try createRun(file: file, plan: plan, params: params, secretParams: [], sources: [], startedBy: startedBy,
                                   status: .failed, schedule: schedule, fireTime: fireTime)
            try setStatus(id, .failed, error: error)
            try log(id, step: "", kind: "err", text: error)
            return id
        }
    }

    /// Narrows a run's fleet effects to these host names and glob patterns (`run --limit`).
    public func setTargetLimit(_ id: String, _ names: [String]) throws {
        let json = StringJSON.encode(names)
        try db.execute("UPDATE engine_runs SET target_limit = ? WHERE id = ?", json, id)
    }

    public func run(_ id: String) throws -> RunRecord? {
        try db.queryOne("SELECT * FROM engine_runs WHERE id = ?", id).map(RunRecord.init)
    }

    /// The run whose id is `prefix` or starts with it; a clear error when none or several match.
    public func resolveRunID(_ prefix: String) throws -> RunRecord {
        if let r = try run(prefix) { return r }
        let rows = try db.query("SELECT * FROM engine_runs WHERE id LIKE ? || '%' ORDER BY created_at DESC LIMIT 5",
                                prefix.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: ""))
        if rows.count == 1 { return RunRecord(row: rows[0]) }
        if rows.isEmpty {
            throw EngineError(.usage, "no run '\(prefix)' in \(db.path)", hint: "`platflow runs` lists the runs")
        }
        throw EngineError(.usage, "'\(prefix)' matches several runs: \(rows.map { $0.string("id") ?? "" }.joined(separator: ", "))",
                          hint: "type more of the id")
    }

    public func listRuns(limit: Int = 50, status: RunStatus? = nil, plan: String? = nil) throws -> [RunRecord] {
        var conditions: [String] = []
        var values: [SQLBindable?] = []
        if let status { conditions.append("status = ?"); values.append(status.rawValue) }
        if let plan { conditions.append("plan = ?"); values.append(plan) }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try db.query("SELECT * FROM engine_runs\(filter) ORDER BY created_at DESC LIMIT ?", values + [limit])
            .map(RunRecord.init)
    }

    public func sources(of id: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for r in try db.query("SELECT path, text FROM engine_run_sources WHERE run_id = ?", id) {
            out[r.string("path") ?? ""] = r.string("text") ?? ""
        }
        return out
    }

    public func replaceSources(of id: String, with sources: [(path: String, text: String)]) throws {
        try db.transaction {
            try db.execute("DELETE FROM engine_run_sources WHERE run_id = ?", id)
            for s in sources {
                try db.execute("INSERT INTO engine_run_sources (run_id, path, text) VALUES (?, ?, ?)", id, s.path, s.text)
            }
        }
    }

    public func setStatus(_ id: String, _ status: RunStatus, error: String? = nil) throws {
        try flushOutput()
        let now = RunStore.now()
        let error = masked(id, error)
        if status.isFinished {
            try db.execute("""
                UPDATE engine_runs SET status = ?, error = ?, finished_at = ?, lease_owner = NULL, lease_expires = NULL,
                wake_at = NULL WHERE id = ?
                """, status.rawValue, error, now, id)
        } else {
            try db.execute("UPDATE engine_runs SET status = ?, error = ? WHERE id = ?", status.rawValue, error, id)
        }
    }

    /// Ends a run as cancelled: its steps still marked running end failed ("cancelled"), and the approvals it
    /// was waiting for are withdrawn, so nobody can approve a cancelled run and a later retry asks again.
    public func markCancelled(_ id: String) throws {
        try db.transaction {
            try setStatus(id, .cancelled, error: "cancelled")
            try pauseStepClocks(id)
            try db.execute("""
                UPDATE engine_steps SET status = ?, finished_at = ?, error = 'cancelled' WHERE run_id = ? AND status = ?
                """, StepState.failed.rawValue, RunStore.now(), id, StepState.running.rawValue)
            try db.execute("DELETE FROM engine_approvals WHERE run_id = ? AND status = 'pending'", id)
        }
    }

    public func park(_ id: String, as status: RunStatus, wakeAt: Double?) throws {
        try flushOutput()
        try db.execute("""
            UPDATE engine_runs SET status = ?, wake_at = ?, lease_owner = NULL, lease_expires = NULL WHERE id = ?
            """, status.rawValue, wakeAt, id)
    }

    // MARK: Leases

    /// Takes the run for `owner` if nobody holds a live lease (or the holder's process is gone). Returns false
    /// when another live process holds it. Two processes never run one run at once.
    public func acquireLease(_ id: String, owner: String, seconds: Double) throws -> Bool {
        // Bookkeeping: a lease means nothing after a power loss, and the run's next journaled effect makes it
        // durable anyway.
        try db.withoutWaitingForDisk { try db.transaction {
            guard let r = try run(id) else { throw EngineError(.usage, "no run '\(id)'") }
            let now = RunStore.now()
            if let holder = r.leaseOwner, holder != owner, let exp = r.leaseExpires, exp > now,
               LeaseOwner.isAlive(holder) {
                return false
            }
            try db.execute("""
                UPDATE engine_runs SET lease_owner = ?, lease_expires = ?, status = 'running',
                started_at = COALESCE(started_at, ?), wake_at = NULL WHERE id = ?
                """, owner, now + seconds, now, id)
            return true
        } }
    }

    /// Extends the lease; false when it was lost (taken over after expiring).
    public func renewLease(_ id: String, owner: String, seconds: Double) throws -> Bool {
        try db.withoutWaitingForDisk { try db.execute("UPDATE engine_runs SET lease_expires = ? WHERE id = ? AND lease_owner = ?",
                       RunStore.now() + seconds, id, owner) }
        return db.changes == 1
    }

    public func releaseLease(_ id: String, owner: String) throws {
        try db.withoutWaitingForDisk {
            try db.execute("UPDATE engine_runs SET lease_owner = NULL, lease_expires = NULL WHERE id = ? AND lease_owner = ?",
                           id, owner)
        }
    }

    public func requestCancel(_ id: String) throws {
        try db.execute("UPDATE engine_runs SET cancel_requested = 1 WHERE id = ?", id)
    }

    // MARK: Schedulers

    /// Seconds after which a scheduler that has not said it is alive counts as gone.
    public static let schedulerSilence = 20.0

    public func schedulerAlive(_ owner: String) throws {
        try db.execute("INSERT INTO engine_schedulers (owner, seen_at) VALUES (?, ?) ON CONFLICT (owner) DO UPDATE SET seen_at = excluded.seen_at",
                       owner, RunStore.now())
    }

    public func schedulerStopped(_ owner: String) throws {
        try db.execute("DELETE FROM engine_schedulers WHERE owner = ?", owner)
    }

    /// Is a scheduler running on this database (one that said so lately, and whose process on this host lives)?
    public func hasLiveScheduler() -> Bool {
        let rows = (try? db.query("SELECT owner FROM engine_schedulers WHERE seen_at > ?", RunStore.now() - RunStore.schedulerSilence)) ?? []
        return rows.contains { LeaseOwner.isAlive($0.string("owner") ?? "") }
    }

    // MARK: Steps and logs

    public func stepStarted(_ id: String, path: String, attempt: Int) throws {
        try flushOutput()
        let now = RunStore.now()
        // A first attempt starts the clock afresh; a later one adds to what the earlier attempts took; a step
        // still running from an earlier process (a resume) goes on with its clock. Bookkeeping: durable with the
        // step's first journaled effect.
        try db.withoutWaitingForDisk { try db.execute("""
            INSERT INTO engine_steps (run_id, path, status, attempt, started_at, active_seconds, live_since)
            VALUES (?, ?, ?, ?, ?, 0, ?)
            ON CONFLICT (run_id, path) DO UPDATE SET
            started_at = CASE WHEN excluded.attempt > 1 OR (status = 'running' AND attempt = excluded.attempt)
                              THEN COALESCE(started_at, excluded.started_at) ELSE excluded.started_at END,
            active_seconds = CASE WHEN excluded.attempt > 1 OR (status = 'running' AND attempt = excluded.attempt)
                                  THEN active_seconds ELSE 0 END,
            live_since = CASE WHEN status = 'running' AND attempt = excluded.attempt
                              THEN COALESCE(live_since, excluded.live_since) ELSE excluded.live_since END,
            status = excluded.status, attempt = excluded.attempt, finished_at = NULL, error = NULL
            """, id, path, StepState.running.rawValue, attempt, now, now) }
    }

    /// Records the end of a step; returns the seconds its attempts ran.
    @discardableResult
    public func stepFinished(_ id: String, path: String, status: StepState, error: String?) throws -> Double {
        try flushOutput()
        let now = RunStore.now()
        let error = masked(id, error)
        // Bookkeeping: durable with the next journaled effect or the run's outcome.
        try db.withoutWaitingForDisk { try db.execute("""
            INSERT INTO engine_steps (run_id, path, status, started_at, finished_at, error, active_seconds) VALUES (?, ?, ?, ?, ?, ?, 0)
            ON CONFLICT (run_id, path) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at,
            error = excluded.error, active_seconds = active_seconds + MAX(0, excluded.finished_at - COALESCE(live_since, excluded.finished_at)),
            live_since = NULL
            """, id, path, status.rawValue, now, now, error) }
        return try db.queryOne("SELECT active_seconds FROM engine_steps WHERE run_id = ? AND path = ?", id, path)?
            .double("active_seconds") ?? 0
    }

    /// The steps open in this process go live again after a replay: their clock runs from now.
    public func stepsLive(_ id: String, paths: [String]) throws {
        let now = RunStore.now()
        for p in paths {
            try db.execute("UPDATE engine_steps SET live_since = COALESCE(live_since, ?) WHERE run_id = ? AND path = ? AND status = ?",
                           now, id, p, StepState.running.rawValue)
        }
    }

    /// Stops the clock of the run's open steps at `at` (a stop, a cancel, or a process that died, whose last
    /// record is `at`): the time until the run goes on is not the steps' own.
    public func pauseStepClocks(_ id: String, at: Double = RunStore.now()) throws {
        try db.execute("""
            UPDATE engine_steps SET active_seconds = active_seconds + MAX(0, ? - live_since), live_since = NULL
            WHERE run_id = ? AND live_since IS NOT NULL AND status = ?
            """, at, id, StepState.running.rawValue)
    }

    public func steps(of id: String) throws -> [StepRecord] {
        try db.query("SELECT * FROM engine_steps WHERE run_id = ? ORDER BY started_at, rowid", id).map { r in
            StepRecord(path: r.string("path") ?? "", status: StepState(rawValue: r.string("status") ?? "") ?? .running,
                       attempt: Int(r.int("attempt") ?? 1),
                       startedAt: r.double("started_at"), finishedAt: r.double("finished_at"), error: r.string("error"),
                       activeSeconds: r.double("active_seconds"))
        }
    }

    /// One log record; `host` is set for what a host printed during a fleet effect of `step`.
    /// Bookkeeping: each print of a run is a record, so records are not fsynced one by one; they reach the disk
    /// with the next journaled effect or the run's outcome (`Database.withoutWaitingForDisk`).
    public func log(_ id: String, step: String, host: String? = nil, kind: String, text: String) throws {
        try flushOutput()
        try db.withoutWaitingForDisk {
            try db.execute("INSERT INTO engine_logs (run_id, at, step, host, kind, text) VALUES (?, ?, ?, ?, ?, ?)",
                           id, RunStore.now(), step, host, kind, masked(id, text))
        }
    }

    public func logs(of id: String, after: Int64 = 0, step: String? = nil) throws -> [LogRecord] {
        var out: [LogRecord] = []
        try forEachLog(of: id, after: after, step: step) { out.append($0) }
        return out
    }

    /// The run's log records after `after`, in order, one at a time: a run on thousands of hosts can log far
    /// more than is worth holding at once.
    public func forEachLog(of id: String, after: Int64 = 0, step: String? = nil, _ body: (LogRecord) throws -> Void) throws {
        try flushOutput()
        let sql: String, args: [SQLBindable?]
        if let step {
            sql = "SELECT * FROM engine_logs WHERE run_id = ? AND id > ? AND (step = ? OR step LIKE ? || '/%') ORDER BY id"
            args = [id, after, step, step]
        } else {
            sql = "SELECT * FROM engine_logs WHERE run_id = ? AND id > ? ORDER BY id"
            args = [id, after]
        }
        try db.forEach(sql, args) { r in
            try body(LogRecord(id: r.int("id") ?? 0, at: r.double("at") ?? 0, step: r.string("step") ?? "",
                               host: r.string("host"), kind: r.string("kind") ?? "", text: r.string("text") ?? ""))
        }
    }

    /// Is there a log record after `after`?
    public func hasLogs(of id: String, after: Int64) throws -> Bool {
        try flushOutput()
        return try db.queryOne("SELECT 1 AS one FROM engine_logs WHERE run_id = ? AND id > ? LIMIT 1", id, after) != nil
    }
}

/// Identifies the process that holds a lease: `host:pid:nonce`. A lease held by a dead process on this
/// host is free at once; one held elsewhere is trusted until it expires.
public enum LeaseOwner {
    public static func make() -> String {
        "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))"
    }

    public static func isAlive(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]) else { return true }
        let host = parts.dropLast(2).joined(separator: ":")
        guard host == ProcessInfo.processInfo.hostName else { return true }
        if pid == getpid() { return true }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
