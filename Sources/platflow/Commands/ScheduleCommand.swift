import Foundation
import PlatEngine
import PlatLang

enum ScheduleCommand {
    static let spec = CommandSpec(
        name: "schedule",
        summary: "Declare, inspect and control cron schedules (declared in .plat with `schedule \"name\" { ... }`).",
        usage: [
            "platflow schedule apply FILE              upsert the file's schedules, remove those it no longer declares",
            "platflow schedule list [--json]",
            "platflow schedule show NAME [--next N]     details, the next N fire times, recent fires",
            "platflow schedule pause NAME | resume NAME | remove NAME",
            "platflow schedule trigger NAME            start a run of it now",
            "platflow schedule next EXPR [--tz ZONE] [--from TIME] [--count N]",
        ],
        flags: [
            FlagSpec(name: "tz", value: "ZONE", help: "IANA time zone for `next`", defaultText: "UTC"),
            FlagSpec(name: "from", value: "TIME", help: "ISO 8601 start time for `next`", defaultText: "now"),
            FlagSpec(name: "count", value: "N", help: "how many fire times `next` prints", defaultText: "5"),
            FlagSpec(name: "next", value: "N", help: "how many upcoming fires `show` prints", defaultText: "5"),
            FlagSpec(name: "json", help: "JSON output for list and show"),
        ],
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
            overlap: skip (default) | queue | replace | allow. catch_up (default 1h): fires missed while no scheduler
            ran are started if no older than this; older ones are skipped and logged.
            Schedules fire under `platflow scheduler`.
            """)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        let subs = ["apply", "list", "show", "pause", "resume", "remove", "trigger", "next"]
        guard let sub = args.positional.first else {
            terminal.out(HelpCommand.render(spec))
            return ExitCode.usage
        }
        guard subs.contains(sub) else {
            terminal.error("unknown schedule command '\(sub)'",
                           hint: closestName(to: sub, in: subs).map { "did you mean '\($0)'?" } ?? "one of: \(subs.joined(separator: ", "))")
            return ExitCode.usage
        }
        let rest = Array(args.positional.dropFirst())
        do {
            if sub == "next" { return try next(rest, args, terminal) }
            let store = try EngineSession.open(args)
            let schedules = ScheduleStore(db: store.db, modules: store.modules)
            func name() throws -> String {
                guard let n = rest.first else { throw UsageError("schedule \(sub) needs a schedule name") }
                return n
            }
            switch sub {
            case "apply":
                guard let file = rest.first else { throw UsageError("schedule apply needs a .plat file") }
                let r = try schedules.apply(file: file)
                for n in r.added { terminal.out("added \(n)\n") }
                for n in r.updated { terminal.out("updated \(n)\n") }
                for n in r.unchanged { terminal.out("unchanged \(n)\n") }
                for n in r.removed { terminal.out("removed \(n)\n") }
                if r.added.isEmpty && r.updated.isEmpty && r.unchanged.isEmpty && r.removed.isEmpty {
                    terminal.out("\(file) declares no schedules\n")
                }
            case "list":
                let all = try schedules.list()
                if args.has("json") {
                    terminal.out(jsonText(all.map(json)))
                } else if all.isEmpty {
                    terminal.err("no schedules; declare them in a .plat file and run `platflow schedule apply FILE`\n")
                } else {
                    var t = Table(header: ["NAME", "CRON", "TZ", "PLAN", "OVERLAP", "NEXT", "STATE"])
                    for s in all {
                        t.rows.append([s.name, s.cron, s.tz, s.plan, s.overlap.rawValue, s.paused ? "-" : localTime(s.nextFire),
                                       s.paused ? "paused" : "active"])
                    }
                    terminal.out(t.render())
                }
            case "show":
                let s = try schedules.get(try name())
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
            case "pause":
                try schedules.setPaused(try name(), true)
                terminal.out("paused \(try name())\n")
            case "resume":
                try schedules.setPaused(try name(), false)
                terminal.out("resumed \(try name()): fires missed while paused are not caught up\n")
            case "remove":
                try schedules.remove(try name())
                terminal.out("removed \(try name())\n")
            case "trigger":
                let s = try schedules.get(try name())
                let executor = RunExecutor(store: store, output: TerminalOutput(terminal: terminal), waitPolicy: .park)
                let id = try executor.create(file: s.file, plan: s.plan, params: s.args, schedule: s.name).id
                try DetachedWorker.spawn(runID: id, dbPath: store.db.path)
                terminal.out("\(id)\n")
            default:
                break
            }
            return ExitCode.ok
        } catch let e as ScheduleError {
            terminal.error(e.message, hint: e.hint)
            return ExitCode.usage
        } catch {
            return EngineSession.report(error, terminal: terminal)
        }
    }

    static func json(_ s: ScheduleRecord) -> [String: Any] {
        ["name": s.name, "file": s.file, "cron": s.cron, "tz": s.tz, "plan": s.plan, "args": s.args,
         "overlap": s.overlap.rawValue, "catch_up_seconds": s.catchUp, "paused": s.paused,
         "next_fire": s.nextFire ?? NSNull(), "last_fire": s.lastFire ?? NSNull()]
    }

    /// `schedule next EXPR`: one ISO 8601 time with offset per line.
    static func next(_ rest: [String], _ args: ParsedArguments, _ terminal: Terminal) throws -> Int32 {
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
            """)

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
