import Foundation
import PlatLang
import PlatStore

/// How a run ended (for now): the CLI turns it into an exit code.
public enum RunOutcome: Sendable {
    case succeeded
    case failed(String)
    case cancelled
    /// Sleeping or waiting; continue with `platflow resume` or the scheduler.
    case parked(RunStatus)
    /// Stopped by a signal at an effect boundary; resumable.
    case interrupted
    /// Another process holds the run's lease.
    case busy(String)
}

/// Starts, resumes and retries durable runs: pins the code, holds the lease, replays the journal, records
/// the outcome.
public final class RunExecutor {
    public let store: RunStore
    public let output: RunOutput
    public let registry: EffectRegistry
    public let waitPolicy: DurableEffects.WaitPolicy
    public let owner = LeaseOwner.make()
    public let stopFlag: StopFlag
    /// Who started or resumes runs (for approvals' separation of duties).
    public let user: String

    public static let leaseSeconds = 30.0
    public static let renewInterval = 5.0

    /// The program `create` compiled for the run it recorded. `execute` of that run (what `platflow run` does
    /// next, in the same process) runs it rather than compiling again the pinned copy of the same files (about
    /// 0.5 M instructions of a one-line run); it is used once, and never after `upgrade` replaced the sources.
    private var compiledAtCreate: (id: String, module: CompiledModule)?

    /// `registry` defaults to the effects of the store's modules.
    public init(store: RunStore, output: RunOutput, registry: EffectRegistry? = nil,
                waitPolicy: DurableEffects.WaitPolicy = .wait, user: String = RunExecutor.currentUser(),
                stopFlag: StopFlag = StopFlag()) {
        self.stopFlag = stopFlag
        self.store = store
        self.output = output
        self.registry = registry ?? store.modules.effects
        self.waitPolicy = waitPolicy
        self.user = user
    }

    /// Who acts, for runs and every module's records: `$PLATFLOW_USER`, `$USER`, `$LOGNAME`, else the account of
    /// the process (so a shell without `$USER`, as under cron or a container, still records who).
    public static func currentUser() -> String {
        EnvironmentVariable.value("PLATFLOW_USER") ?? EnvironmentVariable.value("USER")
            ?? EnvironmentVariable.value("LOGNAME") ?? NSUserName()
    }

    // MARK: Starting

    /// Checks the file and its parameters (throwing DiagnosticList or UsageError: nothing is recorded), then
    /// records a new run pinned to the file's current code. Returns its id. `sources` (path to text), when given,
    /// is the code to pin instead of the disk's: what `schedule apply` captured.
    public func create(file: String, plan planName: String?, params: [String: String], status: RunStatus = .pending,
                       schedule: String? = nil, fireTime: Double? = nil, detached: Bool = false,
                       sources captured: [String: String]? = nil) throws -> (id: String, secrets: [String: String]) {
        let interpreter = Interpreter(effects: NullEffects(), effectSpecs: registry.specs, declarations: registry.declarations,
                                      sources: captured.map { PinnedSources(files: $0) as SourceProvider } ?? DiskSources())
        let module = try interpreter.load(path: file)
        let plan = try interpreter.selectPlan(in: module, named: planName)
        if let plan {
            _ = try interpreter.validateParameters(params, for: plan)
        } else if let k = params.keys.sorted().first {
            throw UsageError("parameter '\(k)' given, but \(file) has no plan to take it")
        }
        let secretNames = Set(plan?.params.filter { $0.type == .secret }.map(\.name) ?? [])
        let stored = params.filter { !secretNames.contains($0.key) }
        let secrets = params.filter { secretNames.contains($0.key) }
        if detached && !secrets.isEmpty {
            // Checked before anything is recorded: a pending run nobody can give its secrets to would be left behind.
            throw UsageError("a run with secret parameters (\(secrets.keys.sorted().joined(separator: ", "))) cannot be detached: secrets are never stored, so the background worker could not have them",
                             hint: "run it in the foreground")
        }
        let sources = module.allFiles.filter { !$0.path.hasPrefix("std/") }.map { (path: $0.path, text: $0.text) }
        let id = try store.createRun(file: file, plan: plan?.name, params: stored, secretParams: Array(secrets.keys).sorted(),
                                     sources: sources, startedBy: user, status: status, schedule: schedule, fireTime: fireTime)
        compiledAtCreate = (id, module)
        return (id, secrets)
    }

    /// Runs (or continues) a run in this process until it finishes, parks, or is stopped.
    /// `secrets` supplies secret parameters, which are never stored; `upgrade` swaps the pinned code for
    /// the files on disk now.
    public func execute(_ id: String, secrets: [String: String] = [:], upgrade: Bool = false) throws -> RunOutcome {
        guard let run = try store.run(id) else { throw EngineError(.usage, "no run '\(id)'") }
        if run.status.isFinished {
            throw EngineError(.usage, "run \(id) already \(run.status.rawValue)",
                              hint: run.status == .failed ? "platflow retry \(id) runs it again from where it failed" : nil)
        }
        let missing = run.secretParams.filter { secrets[$0] == nil }
        if !missing.isEmpty {
            throw EngineError(.usage, "run \(id) needs its secret parameter\(missing.count > 1 ? "s" : "") \(missing.map { "'\($0)'" }.joined(separator: ", ")) again (secrets are never stored)",
                              hint: "platflow resume \(id) " + missing.map { "--param \($0)=…" }.joined(separator: " "))
        }
        if upgrade {
            compiledAtCreate = nil
            let fresh = try Interpreter(effects: NullEffects(), effectSpecs: registry.specs, declarations: registry.declarations).load(path: run.file)
            try store.replaceSources(of: id, with: fresh.allFiles.filter { !$0.path.hasPrefix("std/") }.map { ($0.path, $0.text) })
        }
        guard try store.acquireLease(id, owner: owner, seconds: RunExecutor.leaseSeconds) else {
            let holder = try store.run(id)?.leaseOwner ?? "another process"
            return .busy(holder)
        }
        let mask = SecretMask(run.secretParams.compactMap { secrets[$0] })
        store.setSecretMask(mask, for: id)
        defer { store.setSecretMask(SecretMask(), for: id) }
        let keeper = LeaseKeeper(store: store, runID: id, owner: owner, stopFlag: stopFlag)
        keeper.start()
        defer {
            keeper.stop()
            try? store.releaseLease(id, owner: owner)
        }
        if !run.status.isParked, let last = try store.db.queryOne("SELECT MAX(at) AS at FROM engine_logs WHERE run_id = ?", id)?.double("at") {
            // The process before died or was stopped: its steps' clocks stopped at its last record.
            try store.pauseStepClocks(id, at: last)
        }
        if run.status == .pending && run.startedAt == nil {
            try store.log(id, step: "", kind: "event", text: "run started by \(run.startedBy)")
        } else {
            try store.log(id, step: "", kind: "event", text: "run resumed by \(user) (was \(run.status.rawValue))")
        }
        return runInterpreter(run, secrets: secrets, mask: mask)
    }

    private func runInterpreter(_ run: RunRecord, secrets: [String: String], mask: SecretMask) -> RunOutcome {
        let id = run.id
        do {
            let journal = try Journal(db: store.db, runID: id)
            journal.mask = mask
            let shown: RunOutput = mask.isEmpty ? output : MaskedRunOutput(output, mask: mask)
            let effects = DurableEffects(store: store, journal: journal, runID: id, output: shown, waitPolicy: waitPolicy,
                                         startedBy: run.startedBy, stopFlag: stopFlag, registry: registry)
            let compiled = compiledAtCreate?.id == id ? compiledAtCreate?.module : nil
            compiledAtCreate = nil
            let pinned = compiled == nil ? PinnedSources(files: try store.sources(of: id)) : PinnedSources(files: [:])
            let interpreter = Interpreter(effects: effects, effectSpecs: registry.specs, declarations: registry.declarations, sources: pinned)
            interpreter.stopRequest = stopFlag.program
            let module = try compiled ?? interpreter.load(path: run.file)
            let plan = try interpreter.selectPlan(in: module, named: run.plan)
            var params = run.params
            for (k, v) in secrets { params[k] = v }
            _ = try interpreter.run(module, plan: plan, params: params)
            // A stop that came after the last boundary the program crossed is still a stop: a run someone
            // interrupted never ends as succeeded (a resume replays it to its end at once).
            if let reason = stopFlag.current { return interrupted(id, reason) }
            // The log line first: the outcome's commit waits for the disk and so takes the line with it.
            try store.log(id, step: "", kind: "event", text: "run succeeded")
            try store.setStatus(id, .succeeded)
            return .succeeded
        } catch let i as RunInterruption {
            return interrupted(id, i.reason)
        } catch is ProgramStopped {
            // The program stopped between effects (a loop, a regular expression) for the flag's reason.
            return interrupted(id, stopFlag.current ?? .stopped)
        } catch let e as DatabaseError where e.isBusy || e.isLocked {
            return stoppedByLock(id, e)
        } catch let d as Diagnostic {
            let text = mask.apply(d.rendered())
            try? store.log(id, step: "", kind: "err", text: text)
            try? store.setStatus(id, .failed, error: text)
            return .failed(text)
        } catch let list as DiagnosticList {
            let text = mask.apply(list.description)
            try? store.setStatus(id, .failed, error: text)
            return .failed(text)
        } catch {
            let text = mask.apply("error: \(error)\n")
            try? store.setStatus(id, .failed, error: text)
            return .failed(text)
        }
    }

    private func interrupted(_ id: String, _ reason: RunInterruption.Reason) -> RunOutcome {
        switch reason {
        case .parked(let s):
            return .parked(s)
        case .cancelled:
            try? store.markCancelled(id)
            try? store.log(id, step: "", kind: "event", text: "run cancelled")
            return .cancelled
        case .leaseLost:
            return .interrupted
        case .stopped:
            markInterrupted(id)
            return .interrupted
        }
    }

    /// The journal could not be written because another process held the database's write lock past the busy
    /// timeout. Nothing the run did is lost or wrong: it stops as resumable (never failed), and says why.
    private func stoppedByLock(_ id: String, _ e: DatabaseError) -> RunOutcome {
        let cause = "the database stayed locked by another process for more than \(store.db.options.busyTimeoutMilliseconds / 1000) s (\(e.message))"
        output.event(RunEvent(kind: .warning, step: "", text: "run \(id) stopped: \(cause); nothing is lost, resume it when the lock is released"))
        // The lock may still be held: these writes wait again, and if they fail too the run keeps its
        // `running` row with a lease that dies with this process, which a resume takes over.
        if (try? store.setStatus(id, .pending)) != nil {
            try? store.pauseStepClocks(id)
            try? store.log(id, step: "", kind: "err", text: "run stopped: \(cause); resume with `platflow resume \(id)`")
        }
        return .interrupted
    }

    /// After a signal: a run stopped between effects goes back to pending, resumable by anyone.
    public func markInterrupted(_ id: String) {
        if let r = try? store.run(id), r.status == .running {
            try? store.pauseStepClocks(id)
            try? store.setStatus(id, .pending)
            try? store.log(id, step: "", kind: "event", text: "run interrupted; resume with `platflow resume \(id)`")
        }
    }

    /// A failed run again from where it failed: the failed effects are forgotten and the code replays.
    /// `secrets` are the secret parameters the retry will run with, and `detached` says the retry goes to a
    /// background worker: both are checked before anything changes, so a refused retry leaves the run as it was.
    public func prepareRetry(_ id: String, secrets: [String: String] = [:], detached: Bool = false) throws {
        guard let run = try store.run(id) else { throw EngineError(.usage, "no run '\(id)'") }
        if !run.secretParams.isEmpty {
            let names = run.secretParams.map { "'\($0)'" }.joined(separator: ", ")
            if detached {
                throw EngineError(.usage, "run \(id) has secret parameters (\(names)), which are never stored, so a background worker could not have them; retry changed nothing",
                                  hint: "retry it in the foreground: platflow retry \(id) " + run.secretParams.map { "--param \($0)=…" }.joined(separator: " "))
            }
            let missing = run.secretParams.filter { secrets[$0] == nil }
            if !missing.isEmpty {
                throw EngineError(.usage, "run \(id) needs its secret parameter\(missing.count > 1 ? "s" : "") \(missing.map { "'\($0)'" }.joined(separator: ", ")) again (secrets are never stored); retry changed nothing",
                                  hint: "platflow retry \(id) " + missing.map { "--param \($0)=…" }.joined(separator: " "))
            }
        }
        // A process that holds the run (a foreground run waiting on a paused batch) keeps it: forgetting its
        // failures under it would fail that run and lose its failed hosts. Refuse and change nothing.
        if let holder = run.leaseOwner, holder != owner, (run.leaseExpires ?? 0) > RunStore.now(), LeaseOwner.isAlive(holder) {
            let waits = run.status == .waiting ? " and waits for a decision" : ""
            throw EngineError(.conflict, "run \(id) is held by another process (\(holder))\(waits); retry changed nothing",
                              hint: run.status == .waiting
                                ? "`platflow approve \(id)` accepts the failures and goes on, `--reject` stops; or stop that process (Ctrl-C parks the run) and retry"
                                : "wait for it, or `platflow cancel \(id)`")
        }
        if run.status == .waiting, try ApprovalBook(db: store.db).pending(runID: id) != nil {
            // A rolling step paused after failed hosts: run the failed hosts again, then go on.
            try store.db.transaction {
                try Journal.forgetFailures(db: store.db, runID: id)
                try ApprovalGate.forget(db: store.db, runID: id)
                try store.db.execute("UPDATE engine_runs SET status = 'pending', wake_at = NULL WHERE id = ?", id)
            }
            try store.log(id, step: "", kind: "event", text: "retry of the failed hosts requested by \(user)")
            return
        }
        guard run.status == .failed || run.status == .cancelled else {
            throw EngineError(.usage, "run \(id) is \(run.status.rawValue); only failed or cancelled runs can be retried",
                              hint: run.status.isParked || run.status == .pending ? "platflow resume \(id) continues it" : nil)
        }
        try store.db.transaction {
            try Journal.forgetFailures(db: store.db, runID: id)
            try store.db.execute("""
                UPDATE engine_runs SET status = 'pending', error = NULL, finished_at = NULL, cancel_requested = 0,
                attempt = attempt + 1 WHERE id = ?
                """, id)
            try store.db.execute("DELETE FROM engine_steps WHERE run_id = ? AND status = 'failed'", id)
        }
        try store.log(id, step: "", kind: "event", text: "retry requested by \(user)")
    }
}

/// Serves a run's pinned files instead of the disk.
final class PinnedSources: SourceProvider {
    let files: [String: String]
    init(files: [String: String]) { self.files = files }
    func read(path: String) throws -> SourceFile {
        guard let text = files[path] else {
            throw Diagnostic(message: "'\(path)' is not among the files this run started with", location: nil,
                             hint: "resume with --upgrade to use the files on disk now", phase: .usage)
        }
        return SourceFile(path: path, text: text)
    }
}

/// For loading and checking without running.
public final class NullEffects: EffectHandler {
    public init() {}
    public func perform(_ call: EffectCall) throws -> Value { .null }
    public func stepStarted(_ step: StepEvent) throws {}
    public func stepFinished(_ step: StepEvent, outcome: StepOutcome) {}
    public func write(_ text: String) {}
}

/// Renews a run's lease in the background and watches for `platflow cancel`.
final class LeaseKeeper: @unchecked Sendable {
    let dbPath: String
    let modules: ModuleSet
    let runID: String
    let owner: String
    let stopFlag: StopFlag
    private let done = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(store: RunStore, runID: String, owner: String, stopFlag: StopFlag) {
        dbPath = store.db.path
        modules = store.modules
        self.runID = runID
        self.owner = owner
        self.stopFlag = stopFlag
    }

    func start() {
        let t = Thread { [self] in
            defer { finished.signal() }
            // A connection of its own (connections are not shared across threads), opened at the first tick: a
            // run that ends within half a second never pays for a second connection reading the schema.
            var opened: RunStore? = nil
            var sinceRenew = 0.0
            while done.wait(timeout: .now() + 0.5) == .timedOut {
                if opened == nil { opened = try? RunStore.open(path: dbPath, modules: modules) }
                guard let store = opened else { return }
                sinceRenew += 0.5
                if let r = try? store.run(runID), r.cancelRequested {
                    stopFlag.raise(.cancelled)
                    modules.stopWork(of: runID)
                }
                if sinceRenew >= RunExecutor.renewInterval {
                    sinceRenew = 0
                    if (try? store.renewLease(runID, owner: owner, seconds: RunExecutor.leaseSeconds)) == false {
                        stopFlag.raise(.leaseLost)
                        modules.stopWork(of: runID)
                    }
                }
            }
        }
        t.start()
    }

    func stop() {
        done.signal()
        finished.wait()
    }
}
