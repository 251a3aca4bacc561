import Foundation
import PlatLang
import PlatStore

/// Where a run's visible output goes (the CLI's terminal, or nowhere for a background worker).
public protocol RunOutput: AnyObject {
    /// The program's own `print` output.
    func program(_ text: String)
    /// Step banners and engine events, one line each.
    func event(_ event: RunEvent)
    /// A live status line for long work (batches, copies), redrawn in place on a terminal; nil clears it.
    func progress(_ line: String?)
}

extension RunOutput {
    public func progress(_ line: String?) {}
}

public enum RunEventKind: Sendable { case stepStarted, stepOK, stepFailed, stepSkipped, info, warning }

/// One step banner or engine event of a run, with its parts kept apart so an output shows them its own way.
public struct RunEvent: Sendable {
    public var kind: RunEventKind
    /// The step it concerns; empty for the run itself.
    public var step: String
    /// What happened, as one line. A succeeded step's line is its path alone: its duration is `duration`.
    public var text: String
    /// Seconds the step took (a succeeded step).
    public var duration: Double?

    public init(kind: RunEventKind, step: String, text: String, duration: Double? = nil) {
        self.kind = kind
        self.step = step
        self.text = text
        self.duration = duration
    }
}

/// Thrown through the interpreter when a run must stop without finishing: parked on a timer or an approval,
/// or cancelled. It is not a .plat runtime error, so `try`/`catch` in the plan cannot swallow it.
public struct RunInterruption: Error {
    public enum Reason: Sendable {
        case parked(RunStatus), cancelled, leaseLost
        /// SIGINT or SIGTERM: stop at the next effect boundary, leave the run resumable.
        case stopped
    }
    public let reason: Reason
    public init(reason: Reason) { self.reason = reason }
}

/// The effect handler of a durable run: every effect is looked up in the journal first, performed only when
/// the journal has no finished entry for its key, and recorded before and after.
public final class DurableEffects: EffectHandler {
    public enum WaitPolicy: Sendable {
        /// A foreground `platflow run`: wait for timers and approvals in this process.
        case wait
        /// A scheduler worker: park the run when it must wait longer than a moment, free the worker.
        case park
    }

    let store: RunStore
    let journal: Journal
    let runID: String
    let output: RunOutput
    let waitPolicy: WaitPolicy
    let startedBy: String
    /// Finished entries not yet replayed: while any remain, the run is re-living its past and prints nothing.
    private var unreplayed: Int
    /// Set from another thread (signal, lease keeper) to stop at the next effect boundary.
    let stopFlag: StopFlag
    private var stepDeadlines: [(path: String, deadline: Double)] = []
    /// The steps running now, innermost last (prints are logged under the innermost).
    private var stepStack: [String] = []
    let registry: EffectRegistry

    init(store: RunStore, journal: Journal, runID: String, output: RunOutput, waitPolicy: WaitPolicy,
         startedBy: String, stopFlag: StopFlag, registry: EffectRegistry) {
        self.store = store
        self.journal = journal
        self.runID = runID
        self.output = output
        self.waitPolicy = waitPolicy
        self.startedBy = startedBy
        self.stopFlag = stopFlag
        self.registry = registry
        unreplayed = journal.finishedCount
    }

    var isReplaying: Bool { unreplayed > 0 }

    // MARK: EffectHandler

    public func perform(_ call: EffectCall) throws -> Value {
        try stopFlag.check()
        // What the program printed before this effect is recorded before the effect is.
        try? store.flushOutput()
        let key = JournalKey(call)
        let argsText = (try? ValueCodec.encode(.map(argsMap(call)))) ?? "{}"
        var resumeInFlight: Journal.Entry? = nil
        if let e = journal.entry(key) {
            guard e.effect == call.name else {
                throw Diagnostic(
                    message: "this run's journal has \(e.effect)(\(shortArgs(e.args))) at step \(call.stepPath.isEmpty ? "<top>" : call.stepPath) (effect #\(call.sequence)), but the code now calls \(call.name)() there",
                    location: call.location,
                    hint: "the plan changed since the run started; resume without --upgrade to replay the code it started with",
                    phase: .runtime)
            }
            switch e.status {
            case .finished, .failed:
                if unreplayed > 0 {
                    unreplayed -= 1
                    // The past is re-lived: the steps open now run live from here, their clocks with them.
                    if unreplayed == 0 { try? store.stepsLive(runID, paths: stepStack) }
                }
                let v = try ValueCodec.decode(e.result ?? "null")
                if e.status == .failed, let msg = e.error { throw RuntimeError(msg) }
                return v
            case .started:
                resumeInFlight = e
                if let group = OrphanedGroup(recordText: e.result) {
                    // The previous process died with this command running: stop it before running it again.
                    let n = group.stop()
                    event(n > 0
                          ? "killed the \(call.name)() left running at \(key.text) by the previous process (process group \(group.processGroup), \(n) process\(n == 1 ? "" : "es")) before running it again"
                          : "the \(call.name)() in flight at \(key.text) (process group \(group.processGroup)) is no longer running",
                          kind: .warning, step: call.stepPath)
                }
                // A sleep, an approval and an effect parked at its own gate (a rolling pause, a manual batch)
                // were waiting by design: going on is no re-run to warn about.
                let parkedAtGate = (try? store.db.queryOne(
                    "SELECT 1 AS one FROM engine_approvals WHERE run_id = ? AND substr(key, 1, ?) = ? LIMIT 1",
                    runID, key.text.count + 1, key.text + "@")) != nil
                if call.name != "sleep" && call.name != "approve" && !parkedAtGate {
                    event("re-running \(call.name)() at \(key.text): it was in flight when the previous process stopped",
                          kind: .warning, step: call.stepPath)
                }
            }
        }
        guard let effect = registry.effects[call.name] else {
            throw RuntimeError("effect \(call.name)() is not available here")
        }
        let ctx = EffectContext(call: call, key: key, argsText: argsText, inFlight: resumeInFlight, handler: self)
        return try perform(effect, ctx)
    }

    /// Performs `effect` under the journaling discipline of its kind.
    private func perform(_ effect: DurableEffect, _ ctx: EffectContext) throws -> Value {
        switch effect.kind {
        case .read:
            let v = try effect.perform(ctx)
            try journal.recordFinished(key: ctx.key, effect: ctx.call.name, args: ctx.argsText, result: try ValueCodec.encode(v))
            return v
        case .transactional:
            return try store.db.transaction {
                let v = try effect.perform(ctx)
                try journal.recordFinished(key: ctx.key, effect: ctx.call.name, args: ctx.argsText, result: try ValueCodec.encode(v))
                return v
            }
        case .external:
            if ctx.inFlight == nil {
                try journal.recordStarted(key: ctx.key, effect: ctx.call.name, args: try effect.startedArguments(ctx))
            }
            let v: Value
            do {
                v = try effect.perform(ctx)
            } catch let e as RuntimeError {
                try journal.recordCompleted(key: ctx.key, result: "null", failed: e.message)
                throw e
            }
            // A stop (`RunInterruption`) or an engine error leaves the entry started: a resume runs it again.
            try journal.recordCompleted(key: ctx.key, result: try ValueCodec.encode(v))
            return v
        }
    }

    func argsMap(_ call: EffectCall) -> MapStorage {
        let m = MapStorage()
        for (n, v) in call.args.named { m.set(.string(n), v) }
        return m
    }

    private func shortArgs(_ text: String) -> String {
        guard let v = try? ValueCodec.decode(text), case .map(let m) = v else { return "" }
        let s = m.pairs.map { "\($0.0.printed): \($0.1.repr)" }.joined(separator: ", ")
        return s.count > 60 ? String(s.prefix(57)) + "..." : s
    }

    public func stepStarted(_ step: StepEvent) throws {
        try stopFlag.check()
        if let t = step.options["timeout"], case .duration(let ms) = t {
            stepDeadlines.append((step.path, RunStore.now() + Double(ms) / 1000))
        }
        stepStack.append(step.path)
        if isReplaying { return }
        try store.stepStarted(runID, path: step.path, attempt: step.attempt)
        output.event(RunEvent(kind: .stepStarted, step: step.path,
                              text: step.attempt > 1 ? "\(step.path) (attempt \(step.attempt))" : step.path))
        try? store.log(runID, step: step.path, kind: "event", text: step.attempt > 1 ? "started (attempt \(step.attempt))" : "started")
    }

    public func stepFinished(_ step: StepEvent, outcome: StepOutcome) {
        stepDeadlines.removeAll { $0.path == step.path }
        if stepStack.last == step.path { stepStack.removeLast() }
        if isReplaying { return }
        switch outcome {
        case .succeeded(let measured):
            // The step's own time across processes (a resumed step began before this one did).
            let s = (try? store.stepFinished(runID, path: step.path, status: .succeeded, error: nil)) ?? measured
            output.event(RunEvent(kind: .stepOK, step: step.path, text: step.path, duration: s))
            try? store.log(runID, step: step.path, kind: "event", text: "succeeded in \(String(format: "%.3f", s))s")
        case .failed(let d, _):
            _ = try? store.stepFinished(runID, path: step.path, status: .failed, error: d.message)
            output.event(RunEvent(kind: .stepFailed, step: step.path, text: "\(step.path) failed: \(d.message)"))
            try? store.log(runID, step: step.path, kind: "err", text: "failed: \(d.message)")
        case .skipped(let reason):
            _ = try? store.stepFinished(runID, path: step.path, status: .skipped, error: reason)
            output.event(RunEvent(kind: .stepSkipped, step: step.path, text: "\(step.path) skipped (\(reason))"))
            try? store.log(runID, step: step.path, kind: "event", text: "skipped (\(reason))")
        }
    }

    public func write(_ text: String) {
        if isReplaying { return }
        output.program(text)
        try? store.bufferOutput(runID, step: stepStack.last ?? "", text: text)
    }

    // MARK: Helpers for effects

    func event(_ line: String, kind: RunEventKind, step: String) {
        output.event(RunEvent(kind: kind, step: step, text: line))
        let k: String
        switch kind {
        case .warning, .stepFailed: k = "err"
        default: k = "event"
        }
        try? store.log(runID, step: step, kind: k, text: line)
    }

    /// The earliest deadline of the steps enclosing `path` (from their `timeout:` options).
    func deadline(forStep path: String) -> Double? {
        stepDeadlines.filter { path == $0.path || path.hasPrefix($0.path + "/") }.map(\.deadline).min()
    }
}

/// A flag another thread raises to stop a run at its next effect boundary.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: RunInterruption.Reason?
    /// The interpreter's side of the flag: a program busy between effects (a loop, a long regular
    /// expression) polls it and stops too.
    public let program = StopRequest()
    public init() {}
    public func raise(_ r: RunInterruption.Reason) {
        lock.lock()
        if reason == nil { reason = r }
        lock.unlock()
        program.raise()
    }
    public var current: RunInterruption.Reason? {
        lock.lock()
        defer { lock.unlock() }
        return reason
    }
    func check() throws {
        if let r = current { throw RunInterruption(reason: r) }
    }
}
