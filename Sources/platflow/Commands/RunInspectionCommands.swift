import Foundation
import PlatEngine
import PlatJobs
import PlatLang

/// runs, status, logs: reading what runs did.
enum RunsCommand {
    static let spec = CommandSpec(
        name: "runs",
        summary: "List runs, newest first: id, plan, status, started, duration.",
        usage: ["platflow runs [--plan PLAN] [--status STATUS] [--limit N] [--json]"],
        flags: [
            FlagSpec(name: "plan", value: "PLAN", help: "only runs of this plan (the name `platflow run FILE PLAN` was given)"),
            FlagSpec(name: "status", value: "STATUS", help: "only runs in this state (pending running sleeping waiting succeeded failed cancelled)"),
            FlagSpec(name: "limit", value: "N", help: "at most N runs", defaultText: "50"),
            FlagSpec(name: "json", help: "a JSON array of runs (id, file, plan, status, created_at, started_at, finished_at, duration, error)"),
        ],
        examples: ["platflow runs", "platflow runs --status failed", "platflow runs --plan deploy --status failed",
                   "platflow runs --json --limit 5"],
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        do {
            let store = try EngineSession.open(args)
            var status: RunStatus? = nil
            if let s = args.value("status") {
                guard let st = RunStatus(rawValue: s) else {
                    throw UsageError("unknown status '\(s)'", hint: closestName(to: s, in: RunStatus.allCases.map(\.rawValue)).map { "did you mean '\($0)'?" }
                                        ?? "one of: \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = st
            }
            var limit = 50
            if let l = args.value("limit") {
                guard let n = Int(l), n > 0 else { throw UsageError("--limit takes a positive number, got '\(l)'") }
                limit = n
            }
            var plan: String? = nil
            if let p = args.value("plan") {
                guard !p.isEmpty else { throw UsageError("--plan takes a plan name, got an empty one") }
                plan = p
            }
            let runs = try store.listRuns(limit: limit, status: status, plan: plan)
            if args.has("json") {
                terminal.out(jsonText(runs.map(runJSON)))
                return ExitCode.ok
            }
            if runs.isEmpty {
                let filters = [plan.map { "plan \($0)" }, status.map { "status \($0.rawValue)" }].compactMap { $0 }
                terminal.err("no runs\(filters.isEmpty ? "" : " with " + filters.joined(separator: " and ")) in \(store.db.path)\n")
                return ExitCode.ok
            }
            var t = Table(header: ["ID", "PLAN", "STATUS", "STARTED", "DURATION", "FILE"])
            for r in runs {
                t.rows.append([r.id, r.plan ?? "-", terminal.paint(r.status.rawValue, color(r.status)),
                               localTime(r.startedAt ?? r.createdAt), r.duration().map(humanDuration) ?? "-", r.file])
            }
            terminal.out(t.render())
            return ExitCode.ok
        } catch {
            return EngineSession.report(error, terminal: terminal)
        }
    }

    static func runJSON(_ r: RunRecord) -> [String: Any] {
        var o: [String: Any] = ["id": r.id, "file": r.file, "status": r.status.rawValue, "created_at": r.createdAt,
                                "started_by": r.startedBy, "attempt": r.attempt, "params": r.params]
        o["plan"] = r.plan ?? NSNull()
        o["started_at"] = r.startedAt ?? NSNull()
        o["finished_at"] = r.finishedAt ?? NSNull()
        o["duration"] = r.duration() ?? NSNull()
        o["error"] = r.error ?? NSNull()
        o["wake_at"] = r.wakeAt ?? NSNull()
        o["schedule"] = r.schedule ?? NSNull()
        return o
    }

    static func color(_ s: RunStatus) -> Terminal.Color {
        switch s {
        case .succeeded: return .green
        case .failed, .cancelled: return .red
        case .sleeping, .waiting, .pending: return .yellow
        case .running: return .bold
        }
    }
}

enum StatusCommand {
    static let spec = CommandSpec(
        name: "status",
        summary: "Show one run: its state and the tree of its steps with status and durations.",
        usage: ["platflow status RUN [--group] [--json]"],
        flags: [FlagSpec(name: "json", help: "the run and its steps as JSON"),
                FlagSpec(name: "group", help: "for steps on hosts: hosts grouped by identical status, exit code and output")],
        examples: ["platflow status 3f9a2k1m", "platflow status 3f9a --group", "platflow status 3f9a --json"],
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        EngineSession.withRun(args, terminal, missing: "status needs a run id", hint: "`platflow runs` lists them") { store, run in
            let steps = try store.steps(of: run.id)
            let pending = try ApprovalBook(db: store.db).pending(runID: run.id)
            if args.has("json") {
                var o = RunsCommand.runJSON(run)
                o["steps"] = steps.map { s -> [String: Any] in
                    ["path": s.path, "status": s.status.rawValue, "attempt": s.attempt, "started_at": s.startedAt ?? NSNull(),
                     "finished_at": s.finishedAt ?? NSNull(), "error": s.error ?? NSNull(),
                     "duration": s.duration ?? NSNull()]
                }
                if let p = pending {
                    o["approval"] = ["message": p.message, "approvers": p.approvers, "quorum": p.quorum]
                }
                if args.has("group") {
                    o["host_steps"] = try FleetReport.steps(db: store.db, runID: run.id, grouping: true).map { step -> [String: Any] in
                        ["key": step.key, "step": step.step, "hosts": step.hosts, "ok": step.ok, "failed": step.failed,
                         "not_run": step.notRun, "duration": step.duration ?? NSNull(),
                         "groups": step.groups.map { g -> [String: Any] in
                             ["status": g.status.rawValue, "exit_code": g.exitCode ?? NSNull(), "output": g.output, "hosts": g.hosts]
                         }]
                    }
                }
                terminal.out(jsonText(o))
                return ExitCode.ok
            }
            var s = "run \(run.id)  \(terminal.paint(run.status.rawValue, RunsCommand.color(run.status)))  \(run.file)"
            if let p = run.plan { s += "  plan \(p)" }
            s += "\nstarted \(localTime(run.startedAt ?? run.createdAt)) by \(run.startedBy)"
            if let d = run.duration() { s += ", \(run.status.isFinished ? "took" : "running for") \(humanDuration(d))" }
            if run.attempt > 1 { s += ", attempt \(run.attempt)" }
            s += "\n"
            if let w = run.wakeAt, run.status == .sleeping {
                s += "wakes at \(localTime(w))"
                if !store.hasLiveScheduler() && run.leaseOwner == nil {
                    s += " (no scheduler is running to wake it: start `platflow scheduler`, or `platflow resume \(run.id)` then)"
                }
                s += "\n"
            }
            if let p = pending {
                s += "waiting for approval: \(p.message)"
                if !p.approvers.isEmpty { s += " (approvers: \(p.approvers.joined(separator: ", ")), quorum \(p.quorum))" }
                s += "\n  platflow approve \(run.id)\n"
            }
            if !steps.isEmpty { s += "steps:\n" }
            for st in steps {
                let depth = st.path.split(separator: "/").count - 1
                let name = st.path.split(separator: "/").last.map(String.init) ?? st.path
                let mark: String
                switch st.status {
                case .succeeded: mark = terminal.paint("✓", .green)
                case .failed: mark = terminal.paint("✗", .red)
                case .skipped: mark = terminal.paint("-", .yellow)
                case .running: mark = terminal.paint("▸", .yellow)
                }
                var line = String(repeating: "  ", count: max(0, depth)) + "\(mark) \(name)"
                if let d = st.duration { line += "  " + terminal.paint(humanDuration(d), .dim) }
                if st.status == .running { line += "  running" }
                if st.attempt > 1 { line += "  (attempt \(st.attempt))" }
                if let e = st.error, st.status != .succeeded { line += "  \(e)" }
                s += line + "\n"
            }
            if args.has("group") {
                for step in try FleetReport.steps(db: store.db, runID: run.id, grouping: true) {
                    s += "\n\(step.key): \(step.hosts) host\(step.hosts == 1 ? "" : "s")\n"
                    for g in step.groups {
                        let names = g.hosts.count > 8 ? g.hosts.prefix(8).joined(separator: ", ") + ", ... (\(g.hosts.count - 8) more)" : g.hosts.joined(separator: ", ")
                        s += "  \(g.hosts.count) \(g.status.rawValue)\(g.exitCode.map { " (exit \($0))" } ?? ""): \(names)\n"
                        if !g.output.isEmpty {
                            for line in g.output.split(separator: "\n") { s += "      | \(line)\n" }
                        }
                    }
                }
            }
            if let e = run.error, run.status == .failed { s += "\n" + e }
            terminal.out(s)
            return ExitCode.ok
        }
    }
}

enum LogsCommand {
    static let spec = CommandSpec(
        name: "logs",
        summary: "Print a run's log: the program's output, step events, command output and errors.",
        usage: ["platflow logs RUN [--step PATH] [--host NAME] [--tail N] [--since DURATION] [--follow] [--json]"],
        flags: [
            FlagSpec(name: "step", value: "PATH", help: "only this step and the steps below it (main/deploy, or just deploy)"),
            FlagSpec(name: "host", value: "NAME", help: "only what this host printed (steps on hosts)"),
            FlagSpec(name: "tail", short: "n", value: "N", help: "only the last N lines already logged (then --follow goes on)"),
            FlagSpec(name: "since", value: "DURATION", help: "only lines logged in the last DURATION (10m, 1h30m)"),
            FlagSpec(name: "follow", short: "f", help: "keep printing lines as they are logged (a command's lines as it prints them) until the run finishes or parks"),
            FlagSpec(name: "json", help: "one JSON object per line: at, step, host, kind (out, err, event), text"),
        ],
        examples: ["platflow logs 3f9a2k1m", "platflow logs 3f9a --step main/deploy", "platflow logs 3f9a --step restart --host web-07",
                   "platflow logs 3f9a --follow", "platflow logs 3f9a --tail 20 --since 10m --json"],
        action: execute)

    /// Does a log line of step `path` (printed by `lineHost`, for a fleet effect's hosts) match `--step` (a
    /// full path or its last parts) and `--host`?
    static func matches(_ path: String, lineHost: String?, step: String?, host: String?) -> Bool {
        if let host, lineHost != host { return false }
        guard let step else { return true }
        let parts = path.split(separator: "/").map { String($0.split(separator: "#").first ?? $0) }
        let want = step.split(separator: "/").map(String.init)
        if path == step || path.hasPrefix(step + "/") { return true }
        // `restart` matches main/restart, main/restart#2 and their sub-steps.
        for i in 0..<parts.count where i + want.count <= parts.count {
            if Array(parts[i..<(i + want.count)]) == want { return true }
        }
        return false
    }

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        EngineSession.withRun(args, terminal, missing: "logs needs a run id") { store, run in
            // A step or host the run never had is a typo, not an empty log (a run still going may yet reach it).
            let settled = run.status.isFinished || !args.has("follow")
            if settled, let step = args.value("step") {
                let known = try store.db.query("SELECT DISTINCT step FROM engine_logs WHERE run_id = ? AND step != ''", run.id)
                    .compactMap { $0.string("step") }
                if !known.contains(where: { matches($0, lineHost: nil, step: step, host: nil) }) {
                    let names = known.prefix(12).joined(separator: ", ") + (known.count > 12 ? ", ..." : "")
                    throw UsageError("run \(run.id) has no step '\(step)'",
                                     hint: known.isEmpty ? "it has logged no step yet" : "its steps: \(names)")
                }
            }
            if settled, let host = args.value("host") {
                let known = try store.db.query("""
                    SELECT host FROM engine_logs WHERE run_id = ? AND host IS NOT NULL
                    UNION SELECT host FROM engine_journal_hosts WHERE run_id = ? ORDER BY host
                    """, run.id, run.id)
                    .compactMap { $0.string("host") }
                if !known.contains(host) {
                    let names = known.prefix(12).joined(separator: ", ") + (known.count > 12 ? ", ..." : "")
                    throw UsageError("run \(run.id) ran on no host '\(host)'",
                                     hint: known.isEmpty ? "it ran on no host"
                                        : (closestName(to: host, in: known).map { "did you mean '\($0)'? " } ?? "") + "its hosts: \(names)")
                }
            }
            var tail: Int? = nil
            if let t = args.value("tail") {
                guard let n = Int(t), n >= 0 else { throw UsageError("--tail takes a count of lines, got '\(t)'", hint: "--tail 20") }
                tail = n
            }
            var since: Double? = nil
            if let d = args.value("since") {
                guard let ms = PlanParameters.parseDuration(d), ms >= 0 else {
                    throw UsageError("--since takes a duration, got '\(d)'", hint: "--since 10m, --since 1h30m")
                }
                since = RunStore.now() - Double(ms) / 1000
            }
            let json = args.has("json")
            /// The lines of one record as printed: `TIME STEP text`, or a JSON object each.
            func lines(_ l: LogRecord) -> [String] {
                // A host's lines show as `step@host`, as they always have.
                let shownStep = l.host.map { "\(l.step)@\($0)" } ?? (l.step.isEmpty ? "-" : l.step)
                let prefix = terminal.paint("\(localTime(l.at)) \(shownStep)", .dim)
                let text = l.text.hasSuffix("\n") ? String(l.text.dropLast()) : l.text
                return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                    if json {
                        let o: [String: Any] = ["at": l.at, "step": l.step, "host": l.host ?? NSNull(), "kind": l.kind, "text": String(line)]
                        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
                        return String(decoding: data, as: UTF8.self) + "\n"
                    }
                    let shown = l.kind == "err" ? terminal.paint(String(line), .red) : String(line)
                    return "\(prefix) \(shown)\n"
                }
            }
            var last: Int64 = 0
            var first = true
            while true {
                var batch: [String] = []
                try store.forEachLog(of: run.id, after: last) { l in
                    last = l.id
                    guard matches(l.step, lineHost: l.host, step: args.value("step"), host: args.value("host")) else { return }
                    if let since, l.at < since { return }
                    batch += lines(l)
                }
                // --tail applies to what was logged before the command started; followed lines all show.
                if first, let tail { batch = Array(batch.suffix(tail)) }
                first = false
                terminal.out(batch.joined())
                guard args.has("follow") else { break }
                terminal.flush()
                if let r = try store.run(run.id), r.status.isFinished || r.status.isParked {
                    if try !store.hasLogs(of: run.id, after: last) { break }
                    continue
                }
                usleep(300_000)
            }
            return ExitCode.ok
        }
    }
}
