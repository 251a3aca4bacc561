import Foundation
import PlatLang
import PlatStore

/// A schedule as stored: `schedule "name" { ... }` from a file, applied with `platflow schedule apply`.
public struct ScheduleRecord: Sendable {
    public var name: String
    public var file: String
    public var cron: String
    public var tz: String
    public var plan: String
    /// The plan's arguments as `--param` strings.
    public var args: [String: String]
    public var overlap: OverlapPolicy
    public var catchUp: Double
    public var paused: Bool
    public var nextFire: Double?
    public var lastFire: Double?

    init(row: Row) {
        name = row.string("name") ?? ""
        file = row.string("file") ?? ""
        cron = row.string("cron") ?? ""
        tz = row.string("tz") ?? "UTC"
        plan = row.string("plan") ?? ""
        args = (try? JSONDecoder().decode([String: String].self, from: Data((row.string("args") ?? "{}").utf8))) ?? [:]
        overlap = OverlapPolicy(rawValue: row.string("overlap") ?? "") ?? .skip
        catchUp = Double(row.int("catch_up_ms") ?? 0) / 1000
        paused = (row.int("paused") ?? 0) != 0
        nextFire = row.double("next_fire")
        lastFire = row.double("last_fire")
    }

    public var timing: ScheduleTiming? { try? ScheduleTiming(cron: cron, tz: tz) }
}

/// Reads schedules out of .plat files and keeps the `engine_schedules` table in step with them.
public final class ScheduleStore {
    public let db: Database
    /// Where subscriptions find their events and plans their effects.
    public let modules: ModuleSet
    public init(db: Database, modules: ModuleSet) {
        self.db = db
        self.modules = modules
    }

    /// The default catch-up window: fires missed while no scheduler ran are still started if they are at
    /// most this old; older ones are skipped and logged.
    public static let defaultCatchUp: Double = 3600

    public struct ApplyResult {
        public var added: [String] = []
        public var updated: [String] = []
        public var unchanged: [String] = []
        public var removed: [String] = []
    }

    /// Checks every schedule of `file` (cron, zone, plan and its parameters) and, only when all are valid,
    /// upserts them and removes the schedules this file declared before but no longer does.
    public func apply(file: String) throws -> ApplyResult {
        let registry = modules.effects
        let interpreter = Interpreter(effects: NullEffects(), effectSpecs: registry.specs, declarations: registry.declarations)
        let module = try interpreter.load(path: file)
        // Runs are started later from another working directory: remember where the file is.
        let file = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        // The code fires and events run: this file as checked now, under the absolute paths runs are pinned with,
        // so a fire while the file is broken or moved still runs what was applied.
        let captured = try captureSources(file: file)
        var problems: [Diagnostic] = []
        var records: [(name: String, cron: String, tz: String, plan: String, args: [String: String], overlap: String,
                       catchUpMs: Int64, next: Double?)] = []
        // The resolver has checked each declaration's keys and their types (`EngineDeclarations`): a schedule
        // has a cron string and a run, overlap is a policy, catch_up a duration. What is left is what only the
        // engine can judge: the cron text, the zone, the event and its filter, the plan's parameters.
        for d in module.declarations where d.kind == EngineDeclarations.schedule.kind {
            guard let (cronValue, cronLoc) = d.entry("cron"), case .string(let cron) = cronValue else { continue }
            var tz = "UTC"
            if case .string(let s)? = d.entry("tz")?.value { tz = s }
            let timing: ScheduleTiming
            do {
                timing = try ScheduleTiming(cron: cron, tz: tz)
            } catch let e as ScheduleError {
                let loc = e.message.hasPrefix("unknown time zone") ? (d.entry("tz")?.loc ?? cronLoc) : cronLoc
                problems.append(Diagnostic(message: e.message, location: loc, hint: e.hint, phase: .resolve))
                continue
            }
            var overlap = OverlapPolicy.skip
            if case .string(let s)? = d.entry("overlap")?.value, let o = OverlapPolicy(rawValue: s) { overlap = o }
            var catchUp = Int64(ScheduleStore.defaultCatchUp * 1000)
            if case .duration(let ms)? = d.entry("catch_up")?.value { catchUp = ms }
            guard let (plan, args) = plannedRun(d, module: module, interpreter: interpreter, problems: &problems) else {
                continue
            }
            records.append((d.label, cron, tz, plan, args, overlap.rawValue, catchUp, timing.next(after: RunStore.now())))
        }
        // Subscriptions: `on EVENT [where FILTER] run PLAN(args)`.
        var subs: [(name: String, event: String, filter: String?, plan: String, args: [String: String])] = []
        for d in module.declarations where d.kind == EngineDeclarations.subscription.kind {
            let event = d.label
            guard let source = modules.eventSource(event) else {
                let names = modules.eventNames
                problems.append(Diagnostic(message: "no event '\(event)' to subscribe to", location: d.labelLoc,
                                           hint: closestName(to: event, in: names).map { "did you mean '\($0)'?" }
                                               ?? (names.isEmpty ? "no module provides events" : "events: \(names.joined(separator: ", "))"),
                                           phase: .resolve))
                continue
            }
            var filter: String? = nil
            if let (v, loc) = d.entry("where"), case .string(let f) = v {
                do { try source.validate(filter: f, db: db) } catch {
                    let hint = (error as? RuntimeError)?.hint
                    problems.append(Diagnostic(message: "where: \(error)", location: loc, hint: hint, phase: .resolve))
                    continue
                }
                filter = f
            }
            guard let (plan, args) = plannedRun(d, module: module, interpreter: interpreter, supplied: ["event": "{}"],
                                                problems: &problems) else { continue }
            var name = "\(plan) on \(event)"
            var n = 2
            while subs.contains(where: { $0.name == name }) { name = "\(plan) on \(event) #\(n)"; n += 1 }
            subs.append((name, event, filter, plan, args))
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        var result = ApplyResult()
        try db.transaction {
            let existing = Dictionary(uniqueKeysWithValues: try db.query("SELECT * FROM engine_schedules WHERE file = ?", file)
                .map { (($0.string("name") ?? ""), ScheduleRecord(row: $0)) })
            for r in records {
                let argsJSON = String(decoding: try JSONEncoder().encode(r.args), as: UTF8.self)
                if let old = try db.queryOne("SELECT * FROM engine_schedules WHERE name = ?", r.name).map(ScheduleRecord.init) {
                    let same = old.file == file && old.cron == r.cron && old.tz == r.tz && old.plan == r.plan && old.args == r.args
                        && old.overlap.rawValue == r.overlap && Int64(old.catchUp * 1000) == r.catchUpMs
                    let sameCode = try capturedSources(owner: "schedule:\(r.name)") == captured
                    if !sameCode { try saveSources(owner: "schedule:\(r.name)", captured) }
                    if same && sameCode {
                        result.unchanged.append(r.name)
                        continue
                    }
                    if same {
                        // Only the code changed: the timing stays as it was.
                        result.updated.append(r.name)
                        continue
                    }
                    try db.execute("""
                        UPDATE engine_schedules SET file = ?, cron = ?, tz = ?, plan = ?, args = ?, overlap = ?, catch_up_ms = ?,
                        next_fire = ?, updated_at = ? WHERE name = ?
                        """, file, r.cron, r.tz, r.plan, argsJSON, r.overlap, r.catchUpMs, r.next, RunStore.now(), r.name)
                    result.updated.append(r.name)
                } else {
                    try db.execute("""
                        INSERT INTO engine_schedules (name, file, cron, tz, plan, args, overlap, catch_up_ms, next_fire, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, r.name, file, r.cron, r.tz, r.plan, argsJSON, r.overlap, r.catchUpMs, r.next, RunStore.now())
                    try saveSources(owner: "schedule:\(r.name)", captured)
                    result.added.append(r.name)
                }
            }
            for name in existing.keys.sorted() where !records.contains(where: { $0.name == name }) {
                try db.execute("DELETE FROM engine_schedules WHERE name = ?", name)
                try saveSources(owner: "schedule:\(name)", [:])
                result.removed.append(name)
            }
            let oldSubs = try db.query("SELECT * FROM engine_subscriptions WHERE file = ?", file)
            for sub in subs {
                let argsJSON = String(decoding: try JSONEncoder().encode(sub.args), as: UTF8.self)
                if let old = oldSubs.first(where: { $0.string("name") == sub.name }) {
                    let sameCode = try capturedSources(owner: "subscription:\(sub.name)") == captured
                    if !sameCode { try saveSources(owner: "subscription:\(sub.name)", captured) }
                    if old.string("event") == sub.event && old.string("filter") == sub.filter && old.string("plan") == sub.plan
                        && old.string("args") == argsJSON && sameCode {
                        result.unchanged.append("on \(sub.event) → \(sub.plan)")
                        continue
                    }
                    try db.execute("UPDATE engine_subscriptions SET event = ?, filter = ?, plan = ?, args = ?, updated_at = ? WHERE name = ?",
                                   sub.event, sub.filter, sub.plan, argsJSON, RunStore.now(), sub.name)
                    result.updated.append("on \(sub.event) → \(sub.plan)")
                } else {
                    // A new subscription hears only what happens from now on.
                    let cursor = try modules.eventSource(sub.event)?.latestCursor(db: db) ?? 0
                    try db.execute("""
                        INSERT INTO engine_subscriptions (name, file, event, filter, plan, args, cursor, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, sub.name, file, sub.event, sub.filter, sub.plan, argsJSON, cursor, RunStore.now())
                    try saveSources(owner: "subscription:\(sub.name)", captured)
                    result.added.append("on \(sub.event) → \(sub.plan)")
                }
            }
            for old in oldSubs where !subs.contains(where: { $0.name == old.string("name") }) {
                try db.execute("DELETE FROM engine_subscriptions WHERE name = ?", old.string("name"))
                try saveSources(owner: "subscription:\(old.string("name") ?? "")", [:])
                result.removed.append("on \(old.string("event") ?? "") → \(old.string("plan") ?? "")")
            }
        }
        return result
    }

    /// The plan and `--param` strings of a `run: plan(args)` entry, checked like a command line would be;
    /// nil after reporting a problem. `supplied` are parameters the engine fills in itself when the plan declares
    /// them (a subscription's `event`). Secret parameters are refused: they are never stored.
    private func plannedRun(_ d: Declaration, module: CompiledModule, interpreter: Interpreter,
                            supplied: [String: String] = [:], problems: inout [Diagnostic]) -> (String, [String: String])? {
        guard let (runValue, runLoc) = d.entry("run"), case .map(let run) = runValue,
              case .string(let plan)? = run.get(.string("plan")), case .map(let argMap)? = run.get(.string("args")) else {
            return nil
        }
        var args: [String: String] = [:]
        for (k, v) in argMap.pairs {
            if case .string(let key) = k { args[key] = ParamText.from(v) }
        }
        guard let info = module.plans.first(where: { $0.name == plan }) else { return (plan, args) }
        var check = args
        for (k, v) in supplied where info.params.contains(where: { $0.name == k }) { check[k] = v }
        do {
            _ = try interpreter.validateParameters(check, for: info)
        } catch let u as UsageError {
            problems.append(Diagnostic(message: "run: \(u.message)", location: runLoc, hint: u.hint, phase: .resolve))
            return nil
        } catch {
            problems.append(Diagnostic(message: "run: \(error)", location: runLoc, phase: .resolve))
            return nil
        }
        if info.params.contains(where: { $0.type == .secret }) {
            problems.append(Diagnostic(message: "a plan started by a \(d.kind) cannot take secret parameters (they are never stored)",
                                       location: runLoc, phase: .resolve))
            return nil
        }
        return (plan, args)
    }

    /// The file and its imports (not the standard library, which is part of the binary) as `path: text`.
    private func captureSources(file: String) throws -> [String: String] {
        // A loader of its own: the first one caches imports under the paths it first saw them by.
        let interpreter = Interpreter(effects: NullEffects(), effectSpecs: modules.effects.specs,
                                      declarations: modules.effects.declarations)
        var files: [String: String] = [:]
        for f in try interpreter.load(path: file).allFiles where !f.path.hasPrefix("std/") { files[f.path] = f.text }
        return files
    }

    /// The code captured for `owner` (`schedule:NAME`, `subscription:NAME`) at its last apply; nil when it has none
    /// (applied by a version that did not capture code: then the file on disk is read).
    public func capturedSources(owner: String) throws -> [String: String]? {
        var files: [String: String] = [:]
        for r in try db.query("SELECT path, text FROM engine_declared_sources WHERE owner = ?", owner) {
            files[r.string("path") ?? ""] = r.string("text") ?? ""
        }
        return files.isEmpty ? nil : files
    }

    private func saveSources(owner: String, _ files: [String: String]) throws {
        try db.execute("DELETE FROM engine_declared_sources WHERE owner = ?", owner)
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            try db.execute("INSERT INTO engine_declared_sources (owner, path, text) VALUES (?, ?, ?)", owner, path, text)
        }
    }

    public func list() throws -> [ScheduleRecord] {
        try db.query("SELECT * FROM engine_schedules ORDER BY name").map(ScheduleRecord.init)
    }

    public func get(_ name: String) throws -> ScheduleRecord {
        if let r = try db.queryOne("SELECT * FROM engine_schedules WHERE name = ?", name).map(ScheduleRecord.init) { return r }
        let names = try list().map(\.name)
        throw EngineError(.usage, "no schedule '\(name)'",
                          hint: closestName(to: name, in: names).map { "did you mean '\($0)'?" } ?? "`platflow schedule list` shows them")
    }

    public func setPaused(_ name: String, _ paused: Bool) throws {
        let s = try get(name)
        // Resuming starts from now: fires missed while paused are not caught up.
        let next = paused ? s.nextFire : s.timing?.next(after: RunStore.now())
        try db.execute("UPDATE engine_schedules SET paused = ?, next_fire = ?, updated_at = ? WHERE name = ?",
                       paused, next, RunStore.now(), name)
    }

    public func remove(_ name: String) throws {
        _ = try get(name)
        try db.transaction {
            try db.execute("DELETE FROM engine_schedules WHERE name = ?", name)
            try saveSources(owner: "schedule:\(name)", [:])
        }
    }

    public func fires(of name: String, limit: Int = 20) throws -> [(fireTime: Double, runID: String?, outcome: String)] {
        try db.query("SELECT * FROM engine_schedule_fires WHERE schedule = ? ORDER BY fire_time DESC LIMIT ?", name, limit)
            .map { ($0.double("fire_time") ?? 0, $0.string("run_id"), $0.string("outcome") ?? "") }
    }
}
