import Foundation
import PlatEngine
import PlatLang

/// prune: removing old finished runs so the database does not grow without end.
enum PruneCommand {
    static let spec = CommandSpec(
        name: "prune",
        summary: "Remove finished runs older than an age, with their journal, steps and logs.",
        usage: ["platflow prune --older-than AGE [--dry-run]"],
        flags: [
            FlagSpec(name: "older-than", value: "AGE", help: "remove runs that finished longer ago than this (30d, 12h, 1d12h); required"),
            FlagSpec(name: "dry-run", help: "list what would be removed and remove nothing"),
        ],
        examples: ["platflow prune --older-than 30d --dry-run", "platflow prune --older-than 30d"],
        details: """
            Only succeeded, failed and cancelled runs are removed; a pending, running, sleeping or waiting run is
            never touched, however old. A run's age counts from when it finished. Each removed run is printed on
            stdout (id, plan, status, finished), then a count on stderr.
            """,
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        do {
            if let extra = args.positional.first {
                throw UsageError("prune takes no argument '\(extra)'", hint: "platflow prune --older-than 30d")
            }
            guard let age = args.value("older-than") else {
                throw UsageError("prune needs --older-than AGE", hint: "platflow prune --older-than 30d --dry-run")
            }
            guard let ms = PlanParameters.parseDuration(age) else {
                throw UsageError("--older-than takes a duration, got '\(age)'", hint: "--older-than 30d, --older-than 12h")
            }
            let store = try EngineSession.open(args)
            let cutoff = RunStore.now() - Double(ms) / 1000
            let dryRun = args.has("dry-run")
            let runs = dryRun ? try store.prunable(finishedBefore: cutoff) : try store.prune(finishedBefore: cutoff)
            var t = Table(header: ["ID", "PLAN", "STATUS", "FINISHED", "FILE"])
            for r in runs {
                t.rows.append([r.id, r.plan ?? "-", r.status.rawValue, localTime(r.finishedAt ?? r.createdAt), r.file])
            }
            if !runs.isEmpty { terminal.out(t.render()) }
            let noun = runs.count == 1 ? "run" : "runs"
            terminal.err(dryRun ? "would remove \(runs.count) finished \(noun) older than \(age) (dry run: nothing removed)\n"
                                : "removed \(runs.count) finished \(noun) older than \(age)\n")
            return ExitCode.ok
        } catch {
            return EngineSession.report(error, terminal: terminal)
        }
    }
}
