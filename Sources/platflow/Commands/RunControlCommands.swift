import Foundation
import PlatEngine
import PlatLang

/// resume, retry, cancel, approve: commands that move a recorded run along.
enum ResumeCommand {
    static let spec = CommandSpec(
        name: "resume",
        summary: "Continue a run that was stopped, killed, or parked: finished effects are not redone.",
        usage: ["platflow resume RUN [--param SECRET=VALUE ...] [--upgrade]"],
        flags: [
            FlagSpec(name: "param", short: "p", value: "NAME=VALUE", repeats: true,
                     help: "secret parameters again (they are never stored)"),
            FlagSpec(name: "upgrade", help: "replay the files on disk now instead of the code the run started with"),
            FlagSpec(name: "worker", help: "run in the background without waiting for timers or approvals (used by --detach)"),
            RunCommand.waitFlag,
            EngineSession.durabilityFlag,
        ],
        examples: ["platflow resume 3f9a2k1m", "platflow resume 3f9a --param token=$TOKEN", "platflow resume 3f9a --upgrade"],
        details: """
            RUN is a run id or any unique prefix of one. The run replays its pinned code from the top: every effect the
            journal holds returns its recorded result at once, and execution continues live from the first effect that
            did not finish. An effect that was in flight when the process died runs again (the log says so).
            A sleeping run wakes at its original time. A run that already succeeded is left alone (exit 0, and says
            so), so a supervisor may resume whatever it was running when it crashed. With --upgrade, if the new code asks for a different effect where
            the journal has one, the run stops with an error naming the step, the journal's entry and the new call.
            """,
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        EngineSession.withRun(args, terminal, missing: "resume needs a run id", hint: "`platflow runs` lists them") { store, run in
            let secrets = try RunCommand.parseParams(args)
            if run.status == .succeeded {
                // A supervisor resuming after a crash may find the run finished just before the kill: that is
                // the outcome it wanted, not an error.
                terminal.err("run \(run.id) already succeeded; nothing to resume\n")
                return ExitCode.ok
            }
            // A background worker prints nothing and parks the run rather than wait for timers or people.
            let worker = args.has("worker")
            let executor = RunExecutor(store: store, output: worker ? SilentRunOutput() : TerminalOutput(terminal: terminal),
                                       waitPolicy: worker ? .park : RunCommand.waitPolicy(args))
            return RunCommand.drive(executor, id: run.id, secrets: secrets, upgrade: args.has("upgrade"), terminal: terminal)
        }
    }
}

enum RetryCommand {
    static let spec = CommandSpec(
        name: "retry",
        summary: "Run a failed (or cancelled) run again from where it failed.",
        usage: ["platflow retry RUN [--param SECRET=VALUE ...] [--upgrade] [--detach]"],
        flags: [
            FlagSpec(name: "param", short: "p", value: "NAME=VALUE", repeats: true, help: "secret parameters again"),
            FlagSpec(name: "upgrade", help: "use the files on disk now (after fixing the plan)"),
            FlagSpec(name: "detach", help: "continue in the background and return at once"),
            RunCommand.waitFlag,
            EngineSession.durabilityFlag,
        ],
        examples: ["platflow retry 3f9a2k1m", "platflow retry 3f9a --upgrade"],
        details: """
            The effects that succeeded stay done; the effect that failed (and everything after it) runs again.
            """,
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        EngineSession.withRun(args, terminal, missing: "retry needs a run id", hint: "`platflow runs --status failed` lists failed runs") { store, run in
            let executor = RunExecutor(store: store, output: TerminalOutput(terminal: terminal), waitPolicy: RunCommand.waitPolicy(args))
            let secrets = try RunCommand.parseParams(args)
            try executor.prepareRetry(run.id, secrets: secrets, detached: args.has("detach"))
            if args.has("detach") {
                try DetachedWorker.spawn(runID: run.id, dbPath: store.db.path)
                terminal.out("\(run.id)\n")
                return ExitCode.ok
            }
            return RunCommand.drive(executor, id: run.id, secrets: secrets, upgrade: args.has("upgrade"), terminal: terminal)
        }
    }
}

enum CancelCommand {
    static let spec = CommandSpec(
        name: "cancel",
        summary: "Cancel a run: a running one stops at its next effect (its commands are killed); a parked one at once.",
        usage: ["platflow cancel RUN"],
        flags: [],
        examples: ["platflow cancel 3f9a2k1m"],
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        EngineSession.withRun(args, terminal, missing: "cancel needs a run id") { store, run in
            if run.status.isFinished {
                throw UsageError("run \(run.id) already \(run.status.rawValue)")
            }
            let live = run.leaseOwner.map { LeaseOwner.isAlive($0) && (run.leaseExpires ?? 0) > RunStore.now() } ?? false
            if live {
                try store.requestCancel(run.id)
                terminal.out("cancelling run \(run.id): it stops at its next effect\n")
            } else {
                try store.markCancelled(run.id)
                try store.log(run.id, step: "", kind: "event", text: "run cancelled by \(RunExecutor.currentUser())")
                terminal.out("cancelled run \(run.id)\n")
            }
            return ExitCode.ok
        }
    }
}

enum ApproveCommand {
    static let spec = CommandSpec(
        name: "approve",
        summary: "Approve (or reject) the approval a run is waiting for.",
        usage: ["platflow approve RUN [--reject] [--comment TEXT] [--as NAME]"],
        flags: [
            FlagSpec(name: "reject", help: "reject instead of approving: the waiting step fails"),
            FlagSpec(name: "comment", value: "TEXT", help: "a comment kept with the decision"),
            FlagSpec(name: "as", value: "NAME", help: "decide as this person", defaultText: "$PLATFLOW_USER or $USER"),
        ],
        examples: ["platflow approve 3f9a2k1m", "platflow approve 3f9a --reject --comment \"error rate too high\"",
                   "platflow approve 3f9a --as alice"],
        details: """
            When the decision settles the request (the quorum is reached, or anyone rejects) and no process is waiting
            on the run, a background worker continues it.
            """,
        action: execute)

    static func execute(_ args: ParsedArguments, terminal: Terminal) -> Int32 {
        EngineSession.withRun(args, terminal, missing: "approve needs a run id", hint: "`platflow runs --status waiting` lists waiting runs") { store, run in
            if run.status.isFinished {
                throw UsageError("run \(run.id) is \(run.status.rawValue); there is nothing to approve",
                                 hint: run.status == .succeeded ? nil : "`platflow retry \(run.id)` runs it again; its approvals are asked again")
            }
            let book = ApprovalBook(db: store.db)
            guard let req = try book.pending(runID: run.id) else {
                throw UsageError("run \(run.id) is not waiting for an approval (it is \(run.status.rawValue))")
            }
            let who = args.value("as") ?? RunExecutor.currentUser()
            let approve = !args.has("reject")
            try book.decide(req, who: who, approve: approve, comment: args.value("comment") ?? "", startedBy: run.startedBy)
            try store.log(run.id, step: "", kind: "event", text: "\(who) \(approve ? "approved" : "rejected"): \(req.message)")
            terminal.out("\(approve ? "approved" : "rejected") \"\(req.message)\" of run \(run.id) as \(who)\n")
            if case .pending = try book.state(runID: run.id, key: req.key) { return ExitCode.ok }
            let fresh = try store.run(run.id)
            let live = fresh?.leaseOwner.map { LeaseOwner.isAlive($0) } ?? false
            if !live && fresh?.status == .waiting && (fresh?.secretParams.isEmpty ?? true) {
                try DetachedWorker.spawn(runID: run.id, dbPath: store.db.path)
            }
            return ExitCode.ok
        }
    }
}
