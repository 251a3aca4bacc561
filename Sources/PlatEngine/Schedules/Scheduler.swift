import Foundation
import PlatLang
import PlatStore

/// The long-running process: fires due schedules, wakes due timers, continues decided approvals, runs
/// pending (detached, queued) runs, and takes over runs whose process died. Several schedulers may share one
/// database: a fire is a row with a unique key, and a run executes only under its lease.
public final class Scheduler: @unchecked Sendable {
    public let dbPath: String
    public let workers: Int
    /// The modules of the stores it opens; their effects run its runs, their events feed its subscriptions.
    public let modules: ModuleSet
    public var registry: EffectRegistry { modules.effects }
    let log: (String) -> Void
    public let owner = LeaseOwner.make()
    public static let tick = 0.25

    private let lock = NSLock()
    private var active: [String: StopFlag] = [:]
    private var stopping = false
    /// Runs that need secret parameters (never stored, so a scheduler cannot supply them): told once, then left.
    private var needSecrets: Set<String> = []
    private let idle = DispatchGroup()
    private let durability: Database.Durability
    /// Modules' periodic work: when each last started, and which are running now.
    private var periodicStarted: [String: Double] = [:]
    private var periodicRunning: Set<String> = []

    public init(dbPath: String, workers: Int, modules: ModuleSet,
                durability: Database.Durability = .full, log: @escaping (String) -> Void) {
        self.dbPath = dbPath
        self.workers = max(1, workers)
        self.modules = modules
        self.durability = durability
        self.log = log
    }

    /// Runs until `stop()`; then waits for running runs to reach an effect boundary and park.
    public func run() throws {
        let store = try RunStore.open(path: dbPath, modules: modules, durability: durability)
        log("scheduler \(owner) on \(dbPath) with \(workers) worker\(workers == 1 ? "" : "s")")
        var lastBeat = 0.0
        while !isStopping {
            do {
                if RunStore.now() - lastBeat > 5 {
                    try store.schedulerAlive(owner)
                    lastBeat = RunStore.now()
                }
                try fireDueSchedules(store)
                try deliverEvents(store)
                try startRunnableRuns(store)
                startPeriodicWork()
            } catch let e as DatabaseError where e.isBusy {
                // Another scheduler holds the write lock: try again next tick.
            }
            usleep(useconds_t(Scheduler.tick * 1_000_000))
        }
        log("stopping: \(activeCount) run\(activeCount == 1 ? "" : "s") reaching a journal boundary")
        idle.wait()
        try? store.schedulerStopped(owner)
        log("scheduler stopped")
    }

    /// Starts each module's due periodic work on a thread of its own (never two of one module at once).
    func startPeriodicWork() {
        let now = RunStore.now()
        for module in modules.modules {
            guard let interval = module.periodicInterval else { continue }
            let name = module.name
            lock.lock()
            let due = !periodicRunning.contains(name) && now - (periodicStarted[name] ?? 0) >= interval
            if due {
                periodicRunning.insert(name)
                periodicStarted[name] = now
            }
            lock.unlock()
            guard due else { continue }
            let path = dbPath, log = self.log
            DispatchQueue.global().async { [weak self] in
                module.periodicWork(databasePath: path, log: log)
                guard let self else { return }
                self.lock.lock()
                self.periodicRunning.remove(name)
                self.lock.unlock()
            }
        }
    }

    public func stop() {
        lock.lock()
        stopping = true
        let flags = Array(active.values)
        lock.unlock()
        for f in flags { f.raise(.stopped) }
    }

    var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    var activeCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return active.count
    }

    // MARK: Schedules

    func fireDueSchedules(_ store: RunStore) throws {
        let now = RunStore.now()
        let schedules = ScheduleStore(db: store.db, modules: modules)
        for s in try schedules.list() where !s.paused {
            guard let next = s.nextFire, next <= now, let timing = s.timing else { continue }
            // Of the fire times from the stored next one up to now, only the latest starts (if it is within the
            // catch-up window), as cron, systemd's Persistent= and Kubernetes CronJobs do; the earlier ones were
            // missed, and the log says so in one line. The most recent 1000 of them are recorded one by one (a
            // scheduler down for months does not write millions of rows).
            var latest = next, count = 0, first: Double? = nil
            var recent: [Double] = []
            recent.reserveCapacity(1000)
            while let n = timing.next(after: latest), n <= now, count < 50_000_000 {
                if first == nil { first = latest }
                if recent.count == 1000 { recent[count % 1000] = latest } else { recent.append(latest) }
                count += 1
                latest = n
            }
            var recorded = 0
            for fire in recent.sorted() where try recordMissed(store, s, at: fire) { recorded += 1 }
            if recorded > 0, let first {
                let zone = TimeZone(identifier: s.tz) ?? .current
                let from = CronFormat.iso8601(Date(timeIntervalSince1970: first), in: zone)
                let to = CronFormat.iso8601(Date(timeIntervalSince1970: recent.max() ?? first), in: zone)
                log("\(s.name): \(count) missed fire\(count == 1 ? "" : "s") skipped (\(count == 1 ? from : "\(from) … \(to)")); "
                    + (now - latest > s.catchUp ? "the latest is older than the catch-up window too" : "only the latest starts"))
            }
            try fireOnce(store, s, at: latest, missed: now - latest > s.catchUp)
            try store.db.execute("UPDATE engine_schedules SET next_fire = ?, last_fire = ? WHERE name = ? AND next_fire = ?",
                                 timing.next(after: latest), latest, s.name, next)
        }
    }

    /// Records a fire that was missed (a later one superseded it); false when another scheduler claimed it.
    private func recordMissed(_ store: RunStore, _ s: ScheduleRecord, at fire: Double) throws -> Bool {
        try store.db.execute("""
            INSERT OR IGNORE INTO engine_schedule_fires (schedule, fire_time, outcome, at) VALUES (?, ?, 'missed', ?)
            """, s.name, fire, RunStore.now())
        return store.db.changes == 1
    }

    private func fireOnce(_ store: RunStore, _ s: ScheduleRecord, at fire: Double, missed: Bool) throws {
        let when = CronFormat.iso8601(Date(timeIntervalSince1970: fire), in: TimeZone(identifier: s.tz) ?? .current)
        try store.db.transaction {
            // The fire's row is the claim: a second scheduler inserting the same (schedule, time) gets nothing.
            try store.db.execute("""
                INSERT OR IGNORE INTO engine_schedule_fires (schedule, fire_time, outcome, at) VALUES (?, ?, 'claimed', ?)
                """, s.name, fire, RunStore.now())
            guard store.db.changes == 1 else { return }
            if missed {
                try store.db.execute("UPDATE engine_schedule_fires SET outcome = 'missed' WHERE schedule = ? AND fire_time = ?",
                                     s.name, fire)
                log("\(s.name): fire at \(when) missed (older than the catch-up window of \(Int(s.catchUp))s), skipped")
                return
            }
            let activeRuns = try store.db.query("""
                SELECT id, status FROM engine_runs WHERE schedule = ? AND status IN ('pending', 'running', 'sleeping', 'waiting')
                """, s.name)
            if !activeRuns.isEmpty && s.overlap == .skip {
                try store.db.execute("UPDATE engine_schedule_fires SET outcome = 'skipped' WHERE schedule = ? AND fire_time = ?",
                                     s.name, fire)
                log("\(s.name): fire at \(when) skipped: run \(activeRuns[0].string("id") ?? "") is still going (overlap: skip)")
                return
            }
            if s.overlap == .replace {
                for r in activeRuns {
                    let id = r.string("id") ?? ""
                    try store.requestCancel(id)
                    if r.string("status") != "running" { try store.setStatus(id, .cancelled, error: "replaced by a newer fire") }
                }
            }
            let executor = RunExecutor(store: store, output: SilentRunOutput(), registry: registry, waitPolicy: .park,
                                       user: "scheduler")
            let id: String
            do {
                id = try executor.create(file: s.file, plan: s.plan, params: s.args, schedule: s.name, fireTime: fire).id
            } catch {
                try store.db.execute("UPDATE engine_schedule_fires SET outcome = ? WHERE schedule = ? AND fire_time = ?",
                                     "error: \(error)", s.name, fire)
                log("\(s.name): fire at \(when) could not start: \(error)")
                return
            }
            try store.db.execute("UPDATE engine_schedule_fires SET outcome = 'started', run_id = ? WHERE schedule = ? AND fire_time = ?",
                                 id, s.name, fire)
            log("\(s.name): fired at \(when) → run \(id)")
        }
    }

    // MARK: Subscriptions

    /// Each new event goes to every subscription whose filter it matches, as exactly one run: the delivery's
    /// row (subscription, cursor) is the claim, written in the same transaction as the run and the cursor.
    func deliverEvents(_ store: RunStore) throws {
        for sub in try store.db.query("SELECT * FROM engine_subscriptions ORDER BY name") {
            guard let name = sub.string("name"), let event = sub.string("event"), let source = modules.eventSource(event),
                  let plan = sub.string("plan"), let file = sub.string("file") else { continue }
            let cursor = sub.int("cursor") ?? 0
            let events = try source.events(db: store.db, after: cursor, limit: 100)
            guard !events.isEmpty else { continue }
            let matches = try source.matching(db: store.db, filter: sub.string("filter"), events: events)
            let args = (try? JSONDecoder().decode([String: String].self, from: Data((sub.string("args") ?? "{}").utf8))) ?? [:]
            for (c, value) in events {
                try store.db.transaction {
                    try store.db.execute("""
                        INSERT OR IGNORE INTO engine_subscription_deliveries (subscription, cursor, outcome, at) VALUES (?, ?, 'claimed', ?)
                        """, name, c, RunStore.now())
                    guard store.db.changes == 1 else { return }
                    var outcome = "no match"
                    var runID: String? = nil
                    if matches.contains(c) {
                        var params = args
                        let executor = RunExecutor(store: store, output: SilentRunOutput(), registry: registry, waitPolicy: .park,
                                                   user: "scheduler")
                        // A plan with an `event` parameter gets the event as a map.
                        if let info = try? Interpreter(effects: NullEffects(), effectSpecs: registry.specs, declarations: registry.declarations).load(path: file)
                            .plans.first(where: { $0.name == plan }), info.params.contains(where: { $0.name == "event" }) {
                            params["event"] = (try? JSON.encode(value)) ?? "{}"
                        }
                        do {
                            runID = try executor.create(file: file, plan: plan, params: params).id
                            outcome = "started"
                            log("\(name): event \(c) → run \(runID!)")
                        } catch {
                            outcome = "error: \(error)"
                            log("\(name): event \(c) could not start a run: \(error)")
                        }
                    }
                    try store.db.execute("UPDATE engine_subscription_deliveries SET outcome = ?, run_id = ? WHERE subscription = ? AND cursor = ?",
                                         outcome, runID, name, c)
                    try store.db.execute("UPDATE engine_subscriptions SET cursor = MAX(cursor, ?) WHERE name = ?", c, name)
                }
            }
        }
    }

    // MARK: Runs

    /// Runs that can go on now, oldest first.
    func runnableRuns(_ store: RunStore) throws -> [String] {
        let now = RunStore.now()
        var ids: [String] = []
        // Pending runs; a queued fire waits for the schedule's earlier runs to finish.
        for r in try store.db.query("""
            SELECT r.id FROM engine_runs r WHERE r.status = 'pending' AND r.cancel_requested = 0
            AND NOT EXISTS (SELECT 1 FROM engine_runs o WHERE r.schedule IS NOT NULL AND o.schedule = r.schedule
                            AND o.created_at < r.created_at AND o.status IN ('pending', 'running', 'sleeping', 'waiting'))
            ORDER BY r.created_at
            """) { ids.append(r.string("id") ?? "") }
        for r in try store.db.query("SELECT id FROM engine_runs WHERE status = 'sleeping' AND wake_at <= ? ORDER BY wake_at", now) {
            ids.append(r.string("id") ?? "")
        }
        let book = ApprovalBook(db: store.db)
        for r in try store.db.query("SELECT id FROM engine_runs WHERE status = 'waiting' AND lease_owner IS NULL") {
            let id = r.string("id") ?? ""
            if let p = try book.pending(runID: id) {
                if case .pending = try book.state(runID: id, key: p.key) { continue }
            }
            ids.append(id)
        }
        // Orphans: a lease that expired, or whose process on this host is gone.
        for r in try store.db.query("SELECT id, lease_owner, lease_expires FROM engine_runs WHERE status = 'running'") {
            let owner = r.string("lease_owner")
            if owner == nil || (r.double("lease_expires") ?? 0) < now || !LeaseOwner.isAlive(owner!) {
                ids.append(r.string("id") ?? "")
            }
        }
        return ids
    }

    func startRunnableRuns(_ store: RunStore) throws {
        for id in try runnableRuns(store) {
            if needSecrets.contains(id) { continue }
            if let r = try store.run(id), !r.secretParams.isEmpty {
                needSecrets.insert(id)
                let names = r.secretParams.map { "'\($0)'" }.joined(separator: ", ")
                log("run \(id) needs its secret parameter\(r.secretParams.count > 1 ? "s" : "") \(names), which are never stored; "
                    + "it stays \(r.status.rawValue) until `platflow resume \(id) "
                    + r.secretParams.map { "--param \($0)=…" }.joined(separator: " ") + "`")
                continue
            }
            lock.lock()
            let busy = active[id] != nil || active.count >= workers || stopping
            let full = active.count >= workers || stopping
            let flag = StopFlag()
            if !busy { active[id] = flag }
            lock.unlock()
            if full { return }
            if busy { continue }
            idle.enter()
            let t = Thread { [self] in
                defer {
                    lock.lock()
                    active[id] = nil
                    lock.unlock()
                    idle.leave()
                }
                execute(id, flag: flag)
            }
            t.start()
        }
    }

    private func execute(_ id: String, flag: StopFlag) {
        do {
            let store = try RunStore.open(path: dbPath, modules: modules, durability: durability)
            let executor = RunExecutor(store: store, output: SilentRunOutput(), registry: registry, waitPolicy: .park,
                                       user: "scheduler", stopFlag: flag)
            let outcome = try executor.execute(id)
            switch outcome {
            case .succeeded: log("run \(id) succeeded")
            case .failed(let text): log("run \(id) failed: \(text.split(separator: "\n").first ?? "")")
            case .cancelled: log("run \(id) cancelled")
            case .parked(let s): log("run \(id) \(s.rawValue)")
            case .interrupted: log("run \(id) stopped; it continues on the next start")
            case .busy: break
            }
        } catch {
            log("run \(id): \(error)")
        }
    }
}

/// Output that goes only to the run's log: scheduler workers and background runs.
public final class SilentRunOutput: RunOutput {
    public init() {}
    public func program(_ text: String) {}
    public func event(_ event: RunEvent) {}
}
