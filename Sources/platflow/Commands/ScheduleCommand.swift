import Foundation
import PlatEngine
import PlatLang

enum ScheduleCommand {
    static let jsonFlag = FlagSpec(name: "json", help: "JSON output")

    static let spec = CommandSpec(
        name: "schedule",
        summary: "Declare, inspect and control cron schedules (declared in .plat with `schedule \"name\" { ... }`).",
        subcommands: [apply, list, show, pause, resume, remove, trigger, next],
        examples: [
            "platflow schedule apply workflows/schedules.plat",
            "platflow schedule show nightly-cleanup --next 5",
            "platflow schedule next \"0 9 * * MON-FRI\" --tz Asia/Shanghai --from 2026-03-01T00:00:00Z --count 5",
        ],
        details: """
            In a .plat file:
              schedule "nightly-cleanup" { cron: "0 3 * * *", tz: "Asia/Shanghai", run: cleanup(days: 7),
                                           overlap: "skip", catch_up: 1h }
            cron: 5 fields (minute hour day-of-month month day-of-week), names (JAN, MON), ranges, steps, lists,
            @yearly @monthly @weekly @daily @hourly, and @every DURATION (e.g. @every 30s). When both day fields are
            restricted a day matches either. Daylight saving: see docs/cron.md.
            overlap: skip (default) | queue | replace | allow. catch_up (default 1h): of the fires missed while no
            scheduler ran, only the latest starts, if no older than this; the others are recorded as missed, in one log line.
            Schedules fire under `platflow scheduler`.
            """)

    /// The schedules of the database, for the subcommands that read or change them.
    static func openSchedules(_ args: ParsedArguments) throws -> (RunStore, ScheduleStore) {
        let store = try EngineSession.open(args)
        return (store, ScheduleStore(db: store.db, modules: store.modules))
    }

    /// The schedule name a subcommand takes as its first word.
    static func scheduleName(_ args: ParsedArguments, _ verb: String) throws -> String {
        guard let n = args.positional.first else { throw UsageError("schedule \(verb) needs a schedule name") }
        return n
    }

    static let apply = CommandSpec(
        name: "apply",
        summary: "Upsert the file's schedules and remove those it no longer declares.",
        usage: ["platflow schedule apply FILE"],
        flags: [],
        examples: ["platflow schedule apply workflows/schedules.plat"]) { args, terminal in
            guard let file = args.positional.first else { throw UsageError("schedule apply needs a .plat file") }
            let (_, schedules) = try openSchedules(args)
            let r = try schedules.apply(file: file)
            for n in r.added { terminal.out("added \(n)\n") }
            for n in r.updated { terminal.out("updated \(n)\n") }
            for n in r.unchanged { terminal.out("unchanged \(n)\n") }
            for n in r.removed { terminal.out("removed \(n)\n") }
            if r.added.isEmpty && r.updated.isEmpty && r.unchanged.isEmpty && r.removed.isEmpty {
                terminal.out("\(file) declares no schedules\n")
            }
            return ExitCode.ok
        }

    static let list = CommandSpec(
        name: "list",
        summary: "List the schedules (cron, zone, plan, overlap policy, next fire, state) and the subscriptions (event, filter, plan, runs started).",
        usage: ["platflow schedule list [--json]"],
        flags: [jsonFlag],
        examples: ["platflow schedule list", "platflow schedule list --json"]) { args, terminal in
            let (_, schedules) = try openSchedules(args)
            let all = try schedules.list()
            let subscriptions = try schedules.subscriptions()
            if args.has("json") {
                // One list: schedules, then subscriptions, told apart by `kind`.
                terminal.out(jsonText(all.map { json($0).merging(["kind": "schedule"]) { a, _ in a } } + subscriptions.map(json)))
            } else if all.isEmpty && subscriptions.isEmpty {
                terminal.err("no schedules or subscriptions; declare them in a .plat file and run `platflow schedule apply FILE`\n")
            } else {
                var out = ""
                if !all.isEmpty {
                    var t = Table(header: ["NAME", "CRON", "TZ", "PLAN", "OVERLAP", "NEXT", "STATE"])
                    for s in all {
                        t.rows.append([s.name, s.cron, s.tz, s.plan, s.overlap.rawValue, s.paused ? "-" : localTime(s.nextFire),
                                       s.paused ? "paused" : "active"])
                    }
                    out += t.render()
                }
                if !subscriptions.isEmpty {
                    if !out.isEmpty { out += "\n" }
                    var t = Table(header: ["SUBSCRIPTION", "EVENT", "WHERE", "PLAN", "RUNS"])
                    for s in subscriptions {
                        t.rows.append([s.name, s.event, s.filter ?? "-", s.plan, String(s.delivered)])
                    }
                    out += t.render()
                }
                terminal.out(out)
            }
            return ExitCode.ok
        }

    static let show = CommandSpec(
        name: "show",
        summary: "One schedule: its declaration, the next fire times and recent fires.",
        usage: ["platflow schedule show NAME [--next N] [--json]"],
        flags: [
            FlagSpec(name: "next", value: "N", help: "how many upcoming fires to print", defaultText: "5"),
            jsonFlag,
        ],
        examples: ["platflow schedule show nightly-cleanup --next 5"]) { args, terminal in
            let (_, schedules) = try openSchedules(args)
            let s = try schedules.get(try scheduleName(args, "show"))
            let count = Int(args.value("next") ?? "5") ?? 5
            let zone = TimeZone(identifier: s.tz) ?? .current
            var upcoming: [String] = []
            if let timing = s.timing, !s.paused {
                var t = RunStore.now()
                for _ in 0..<max(0, count) {
                    guard let n = timing.next(after: t) else { break }
                    upcoming.append(CronFormat.iso8601(Date(timeIntervalSince1970: n), in: zone))
                    t = n
                }
            }
            let fires = try schedules.fires(of: s.name)
            if args.has("json") {
                var o = json(s)
                o["upcoming"] = upcoming
                o["fires"] = fires.map { ["fire_time": $0.fireTime, "run_id": $0.runID ?? NSNull(), "outcome": $0.outcome] as [String: Any] }
                terminal.out(jsonText(o))
            } else {
                var out = "schedule \(s.name)  \(s.paused ? "paused" : "active")\n"
                out += "  cron      \(s.cron)  (\(s.tz))\n  runs      \(s.plan)(\(s.args.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")))  from \(s.file)\n"
                out += "  overlap   \(s.overlap.rawValue), catch-up \(Int(s.catchUp))s\n"
                if !upcoming.isEmpty { out += "  next fires:\n" + upcoming.map { "    \($0)\n" }.joined() }
                if !fires.isEmpty {
                    out += "  recent fires:\n"
                    for f in fires { out += "    \(CronFormat.iso8601(Date(timeIntervalSince1970: f.fireTime), in: zone))  \(f.outcome)\(f.runID.map { "  run \($0)" } ?? "")\n" }
                }
                terminal.out(out)
            }
            return ExitCode.ok
        }

    static let pause = CommandSpec(
        name: "pause",
        summary: "Stop a schedule from firing until it is resumed.",
        usage: ["platflow schedule pause NAME"],
        flags: [],
        examples: ["platflow schedule pause nightly-cleanup"]) { args, terminal in
            let name = try scheduleName(args, "pause")
            try openSchedules(args).1.setPaused(name, true)
            terminal.out("paused \(name)\n")
            return ExitCode.ok
        }

    static let resume = CommandSpec(
        name: "resume",
        summary: "Let a paused schedule fire again; fires missed while paused are not caught up.",
        usage: ["platflow schedule resume NAME"],
        flags: [],
        examples: ["platflow schedule resume nightly-cleanup"]) { args, terminal in
            let name = try scheduleName(args, "resume")
            try openSchedules(args).1.setPaused(name, false)
            terminal.out("resumed \(name): fires missed while paused are not caught up\n")
            return ExitCode.ok
        }

    static let remove = CommandSpec(
        name: "remove",
        summary: "Remove a schedule (applying a file that declares it adds it again).",
        usage: ["platflow schedule remove NAME"],
        flags: [],
        examples: ["platflow schedule remove nightly-cleanup"]) { args, terminal in
            let name = try scheduleName(args, "remove")
            try openSchedules(args).1.remove(name)
            terminal.out("removed \(name)\n")
            return ExitCode.ok
        }

    static let trigger = CommandSpec(
        name: "trigger",
        summary: "Start a run of a schedule now, in the background; prints the run's id.",
        usage: ["platflow schedule trigger NAME"],
        flags: [],
        examples: ["platflow schedule trigger nightly-cleanup"]) { args, terminal in
            let (store, schedules) = try openSchedules(args)
            let s = try schedules.get(try scheduleName(args, "trigger"))
            let executor = RunExecutor(store: store, output: TerminalOutput(terminal: terminal), waitPolicy: .park)
            let id = try executor.create(file: s.file, plan: s.plan, params: s.args, schedule: s.name).id
            try DetachedWorker.spawn(runID: id, dbPath: store.db.path)
            terminal.out("\(id)\n")
            return ExitCode.ok
        }

    static let next = CommandSpec(
        name: "next",
        summary: "Print the next fire times of a cron expression, one ISO 8601 time with offset per line.",
        usage: ["platflow schedule next EXPR [--tz ZONE] [--from TIME] [--count N]"],
        flags: [
            FlagSpec(name: "tz", value: "ZONE", help: "IANA time zone", defaultText: "UTC"),
            FlagSpec(name: "from", value: "TIME", help: "ISO 8601 start time", defaultText: "now"),
            FlagSpec(name: "count", value: "N", help: "how many fire times to print", defaultText: "5"),
        ],
        examples: ["platflow schedule next \"0 9 * * MON-FRI\" --tz Asia/Shanghai --from 2026-03-01T00:00:00Z --count 5"],
        opensDatabase: false) { args, terminal in
            try nextFires(args.positional, args, terminal)
        }

    static func json(_ s: SubscriptionRecord) -> [String: Any] {
        ["kind": "subscription", "name": s.name, "file": s.file, "event": s.event, "filter": s.filter ?? NSNull(),
         "plan": s.plan, "args": s.args, "cursor": s.cursor, "runs_started": s.delivered]
    }

    static func json(_ s: ScheduleRecord) -> [String: Any] {
        ["name": s.name, "file": s.file, "cron": s.cron, "tz": s.tz, "plan": s.plan, "args": s.args,
         "overlap": s.overlap.rawValue, "catch_up_seconds": s.catchUp, "paused": s.paused,
         "next_fire": s.nextFire ?? NSNull(), "last_fire": s.lastFire ?? NSNull()]
    }

    /// `schedule next EXPR`: one ISO 8601 time with offset per line.
    static func nextFires(_ rest: [String], _ args: ParsedArguments, _ terminal: Terminal) throws -> Int32 {
        guard let expr = rest.first else {
            throw UsageError("schedule next needs a cron expression", hint: "platflow schedule next \"0 9 * * MON-FRI\"")
        }
        if rest.count > 1 {
            throw UsageError("schedule next takes one expression; quote it: \"\(rest.joined(separator: " "))\"")
        }
        let tz = args.value("tz") ?? "UTC"
        let timing = try ScheduleTiming(cron: expr, tz: tz)
        var from = RunStore.now()
        if let f = args.value("from") {
            guard let d = CronFormat.parseISO8601(f) else {
                throw UsageError("--from expects an ISO 8601 time with a zone, got '\(f)'", hint: "2026-03-01T00:00:00Z")
            }
            from = d.timeIntervalSince1970
        }
        guard let count = Int(args.value("count") ?? "5"), count > 0, count <= 10_000 else {
            throw UsageError("--count takes a number from 1 to 10000")
        }
        let zone = TimeZone(identifier: tz) ?? TimeZone(identifier: "UTC")!
        var t = from
        for _ in 0..<count {
            guard let n = timing.next(after: t) else { break }
            terminal.out(CronFormat.iso8601(Date(timeIntervalSince1970: n), in: zone) + "\n")
            t = n
        }
        return ExitCode.ok
    }
}

enum SchedulerCommand {
    static let spec = CommandSpec(
        name: "scheduler",
        summary: "The long-running process: fires schedules, wakes timers, runs detached and queued runs, takes over orphans.",
        usage: ["platflow scheduler [--workers N]"],
        flags: [
            FlagSpec(name: "workers", value: "N", help: "runs executed at once", defaultText: "4"),
            EngineSession.durabilityFlag,
        ],
        examples: ["platflow scheduler", "platflow scheduler --workers 8 --db /var/lib/platflow/platflow.db"],
        details: """
            Several schedulers may share one database: a schedule's fire is claimed once, and a run executes under a
            lease, so no fire starts twice and no run runs in two processes. SIGTERM or Ctrl-C: stop taking work, let
            running runs reach their next journal boundary (they park and continue on the next start), exit 0.
            """,
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        do {
            guard let workers = Int(args.value("workers") ?? "4"), workers >= 1, workers <= 256 else {
                throw UsageError("--workers takes a number from 1 to 256")
            }
            let path = EngineSession.dbPath(args)
            let scheduler = Scheduler(dbPath: path, workers: workers, modules: EngineSession.modules, durability: try EngineSession.durability(args)) { line in
                terminal.err("\(localTime(Date().timeIntervalSince1970)) \(line)\n")
            }
            var sources: [DispatchSourceSignal] = []
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                src.setEventHandler { scheduler.stop() }
                src.resume()
                sources.append(src)
            }
            try scheduler.run()
            withExtendedLifetime(sources) {}
            return ExitCode.ok
        } catch {
            return EngineSession.report(error, terminal: terminal)
        }
    }
}
