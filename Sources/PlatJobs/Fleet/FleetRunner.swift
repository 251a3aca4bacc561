import Foundation
import PlatEngine
import PlatLang

/// What to do when hosts of a batch fail.
public enum FailurePolicy: String, Sendable, CaseIterable {
    /// Later batches do not start; the run waits: `platflow approve` accepts the failures and goes on,
    /// `platflow retry` runs the failed hosts again and then goes on. The default.
    case pause
    /// Record the failures and go on.
    case ignore
    /// Wait for an approval before every batch (and pause on failures).
    case manual
}

public struct FleetOptions: Sendable {
    public var rolling: RollingPlan?
    public var onFailure: FailurePolicy = .pause
    public var maxFail: FailureLimit?
    /// At most this many hosts at once (default: the whole batch, up to 256).
    public var throttle: Int?
    /// Seconds to wait between two batches (`batch_interval: 30s`), before the `between_batches` hook.
    public var batchInterval: Double?
    public init() {}
}

/// Runs one piece of work on many hosts in rolling batches, journaling each host's outcome, so a run killed
/// in batch 7 of 20 resumes in batch 7 without touching the hosts that finished. Host results are journaled
/// under the effect's key with the host (`JournalKey.on(host:)`); batch gates are approvals under `KEY@gate-N`
/// and `KEY@pause-N`.
/// Memory does not grow with the hosts' output: each outcome is journaled and logged as it arrives, then only
/// its status (one byte a host) and what the `FleetTally` keeps remain.
public final class FleetRunner {
    /// "1 host", "3 hosts".
    static func hosts(_ n: Int) -> String { "\(n) host\(n == 1 ? "" : "s")" }

    let ctx: EffectContext
    let targets: FleetTargets
    let options: FleetOptions
    let verb: String
    let work: @Sendable (Host) -> HostOutcome

    public static let maxConcurrency = 256

    /// Each host's status by its position in the target list; nil until it has one.
    private var statuses: [HostOutcome.Status?]
    private var tally: FleetTally
    /// Hosts the previous process started and did not finish (they run again, and the log says so).
    private var inFlightBefore = Set<Int>()

    public init(ctx: EffectContext, targets: FleetTargets, options: FleetOptions, verb: String,
                work: @escaping @Sendable (Host) -> HostOutcome) {
        self.ctx = ctx
        self.targets = targets
        self.options = options
        self.verb = verb
        self.work = work
        statuses = Array(repeating: nil, count: targets.count)
        tally = FleetTally(total: targets.count)
    }

    func hostKey(_ i: Int) -> JournalKey { ctx.key.on(host: targets.name(at: i)) }

    /// Runs every batch and returns the tally; `observe` sees every host's outcome once, on this thread (those
    /// finished before a resume too). Throws when max_fail is exceeded or a person stops it.
    public func run(observe: (HostOutcome) -> Void = { _ in }) throws -> FleetTally {
        var batches: [Range<Int>] = []
        for size in try options.rolling?.batchSizes(total: targets.count) ?? (targets.count == 0 ? [] : [targets.count]) {
            batches.append((batches.last?.upperBound ?? 0) ..< (batches.last?.upperBound ?? 0) + size)
        }
        // The fleet's size goes with the effect's entry: hosts that never start (later batches after a stop)
        // are counted as not run by the run's summary.
        try ctx.store.db.execute("UPDATE engine_journal SET hosts_total = ? WHERE run_id = ? AND key = ?",
                                 targets.count, ctx.runID, ctx.key.text)
        try loadFinished(observe: observe)
        for (b, batch) in batches.enumerated() {
            let label = "batch \(b + 1)/\(batches.count)"
            let todo = batch.filter { statuses[$0] == nil }
            if options.onFailure == .manual && !todo.isEmpty {
                let go = try ApprovalGate.wait(ctx, key: "\(ctx.key.text)@gate-\(b + 1)",
                                               message: "start \(label) of \(ctx.stepPath.isEmpty ? verb : ctx.stepPath) on \(todo.count) host\(todo.count == 1 ? "" : "s")?")
                if !go {
                    markRest(from: b, batches, as: .skipped)
                    throw RuntimeError("\(label) was rejected; \(FleetRunner.hosts(targets.count - tally.recorded + tally.count(.skipped))) not run")
                }
            }
            if !todo.isEmpty {
                try runBatch(todo, label: label, observe: observe)
            }
            let failedSoFar = tally.failedCount
            if let limit = options.maxFail, limit.isExceeded(failed: failedSoFar, total: targets.count) {
                markRest(from: b + 1, batches, as: .skipped)
                ctx.progress(nil)
                throw RuntimeError("max_fail exceeded after \(label): \(failedSoFar) of \(targets.count) host\(targets.count == 1 ? "" : "s") failed (max_fail \"\(limit.text)\"); later batches were not started",
                                   hint: "fix the failed hosts and `platflow retry` the run")
            }
            let batchFailed = batch.filter { statuses[$0]?.isFailure == true }
            if !batchFailed.isEmpty && options.onFailure != .ignore {
                ctx.progress(nil)
                let names = batchFailed.prefix(5).map { targets.name(at: $0) }.joined(separator: ", ") + (batchFailed.count > 5 ? ", ..." : "")
                let go = try ApprovalGate.wait(ctx, key: "\(ctx.key.text)@pause-\(b + 1)",
                                               message: "\(label): \(batchFailed.count) of \(FleetRunner.hosts(batch.count)) failed (\(names)); approve to accept and go on, or `platflow retry \(ctx.runID)` to run them again")
                if !go {
                    markRest(from: b + 1, batches, as: .skipped)
                    throw RuntimeError("stopped after \(label): \(FleetRunner.hosts(batchFailed.count)) failed and the pause was rejected")
                }
            }
            if b + 1 < batches.count {
                try betweenBatches(after: b, batches, label: label)
            }
        }
        ctx.progress(nil)
        for i in statuses.indices where statuses[i] == nil { record(HostOutcome(host: targets.name(at: i), status: .skipped), at: i, observe) }
        return tally
    }

    /// Between two batches: `batch_interval` (only when the next batch still has hosts to run: a resumed run does
    /// not wait again for batches done before), then the `between_batches` hook, called as a step of its own
    /// (`STEP/between_batches`, `#2`...) with the batch that just ended; `false` stops the rollout there.
    private func betweenBatches(after b: Int, _ batches: [Range<Int>], label: String) throws {
        let nextTodo = batches[b + 1].contains { statuses[$0] == nil }
        if nextTodo, let wait = options.batchInterval, wait > 0 {
            ctx.progress("\(label) done; next batch in \(Int(wait.rounded()))s (batch_interval)")
            try ctx.waitUntil(RunStore.now() + wait)
            ctx.progress(nil)
        }
        guard let hook = ctx.args.nilAsAbsent.value("between_batches"), let callAsStep = ctx.call.callAsStep else { return }
        let batch = batches[b]
        let names = batch.map { targets.name(at: $0) }
        let failed = batch.filter { statuses[$0]?.isFailure == true }.map { targets.name(at: $0) }
        let info = Value.makeMap([
            ("index", .int(b + 1)), ("count", .int(batches.count)),
            ("hosts", .list(names.map { .string($0) })),
            ("ok", .int(batch.filter { statuses[$0] == .ok }.count)), ("failed", .int(failed.count)),
            ("failed_hosts", .list(failed.map { .string($0) })),
            ("done", .int(batches[...b].reduce(0) { $0 + $1.count })), ("total", .int(targets.count)),
        ])
        let answer = try callAsStep(hook, [info], "between_batches")
        switch answer {
        case .bool(true), .null: return
        case .bool(false):
            markRest(from: b + 1, batches, as: .skipped)
            ctx.progress(nil)
            throw RuntimeError("between_batches stopped the rollout after \(label): \(FleetRunner.hosts(targets.count - batches[...b].reduce(0) { $0 + $1.count })) not run",
                               hint: "fix what the hook found, then `platflow retry \(ctx.runID)`")
        default:
            throw RuntimeError("between_batches must return true (go on) or false (stop the rollout), got \(answer.typeName)")
        }
    }

    /// Runs every batch and returns the tally with the effect's summary value (the engine journals it, or the
    /// error that stopped the run — max_fail, a rejected pause — which a replay raises again).
    public func runAndSummarize(observe: (HostOutcome) -> Void = { _ in }) throws -> (tally: FleetTally, summary: Value) {
        let tally = try run(observe: observe)
        return (tally, tally.summary(batches: try options.rolling?.batchSizes(total: targets.count).count ?? 1))
    }

    /// The result `--explain` shows: every host ok.
    public static func explainSummary(_ hosts: [Host]) -> Value {
        var tally = FleetTally(total: hosts.count)
        for (i, h) in hosts.enumerated() { tally.add(HostOutcome(host: h.name, status: .ok), at: i) }
        return tally.summary(batches: 1)
    }

    private func record(_ o: HostOutcome, at i: Int, _ observe: (HostOutcome) -> Void) {
        statuses[i] = o.status
        tally.add(o, at: i)
        observe(o)
    }

    /// A resumed run: the hosts that finished before come from the journal, one row at a time.
    private func loadFinished(observe: (HostOutcome) -> Void) throws {
        var position: [String: Int]? = nil
        try ctx.journal.forEachHostEntry(of: ctx.key) { host, status, result in
            if position == nil {
                position = Dictionary((0..<targets.count).map { (targets.name(at: $0), $0) }, uniquingKeysWith: { a, _ in a })
            }
            guard let i = position?[host], statuses[i] == nil else { return }
            if status == .started {
                inFlightBefore.insert(i)
            } else if let text = result, let v = try? ValueCodec.decode(text), let o = HostOutcome.from(v) {
                record(o, at: i, observe)
            }
        }
    }

    private func markRest(from b: Int, _ batches: [Range<Int>], as status: HostOutcome.Status) {
        for batch in batches.dropFirst(b) {
            for i in batch where statuses[i] == nil {
                record(HostOutcome(host: targets.name(at: i), status: status), at: i, { _ in })
            }
        }
    }

    /// Runs one batch on worker threads; only this thread touches the database: starts are recorded in one
    /// transaction, completions in groups as they arrive.
    private func runBatch(_ todo: [Int], label: String, observe: (HostOutcome) -> Void) throws {
        try ctx.store.db.transaction {
            for i in todo {
                if inFlightBefore.contains(i) {
                    ctx.log("re-running \(verb) on \(targets.name(at: i)): it was in flight when the previous process stopped")
                }
                try ctx.journal.recordStarted(key: hostKey(i), effect: "\(verb).host", args: "{}")
            }
        }
        let queue = WorkQueue(todo)
        let concurrency = max(1, min(options.throttle ?? todo.count, todo.count, FleetRunner.maxConcurrency))
        let work = self.work, list = self.targets
        let stop = StopCheck(ctx: ctx)
        for _ in 0..<concurrency {
            let t = Thread {
                while let i = queue.next() {
                    if stop.shouldStop {
                        queue.finish(i, HostOutcome(host: list.name(at: i), status: .cancelled))
                        continue
                    }
                    do {
                        queue.finish(i, work(try list.host(at: i)))
                    } catch {
                        queue.finish(i, HostOutcome(host: list.name(at: i), status: .failed, stderr: "\(error)"))
                    }
                }
            }
            t.stackSize = 1 << 20
            t.start()
        }
        var finished = 0
        var counts: [HostOutcome.Status: Int] = [:]
        while finished < todo.count {
            let arrived = queue.waitForResults()
            try ctx.store.db.transaction {
                for (_, o) in arrived where o.status != .cancelled {
                    let failed = o.isFailure ? "\(o.status.rawValue) on \(o.host)" : nil
                    try ctx.journal.recordCompleted(key: ctx.key.on(host: o.host), result: try ValueCodec.encode(o.toValue()),
                                                    failed: failed)
                }
            }
            for (i, o) in arrived {
                finished += 1
                counts[o.status, default: 0] += 1
                record(o, at: i, observe)
                if o.isFailure {
                    let tail = o.stderr.split(separator: "\n").suffix(2).joined(separator: " | ")
                    ctx.log("\(o.host): \(o.status.rawValue)\(o.exitCode.map { " (exit \($0))" } ?? "")\(tail.isEmpty ? "" : ": \(tail)")", kind: "err")
                }
                if !o.stdout.isEmpty { try? ctx.store.log(ctx.runID, step: ctx.stepPath, host: o.host, kind: "out", text: o.stdout) }
                if !o.stderr.isEmpty { try? ctx.store.log(ctx.runID, step: ctx.stepPath, host: o.host, kind: "err", text: o.stderr) }
            }
            ctx.progress(progressLine(label, finished: finished, of: todo.count, counts: counts, running: min(concurrency, todo.count - finished)))
        }
        if let reason = stop.reason {
            throw RunInterruption(reason: reason)
        }
        let summary = "\(label): \(counts[.ok] ?? 0) ok, \((counts[.failed] ?? 0) + (counts[.timeout] ?? 0)) failed of \(todo.count) host\(todo.count == 1 ? "" : "s")"
        ctx.progress(nil)
        ctx.event(summary)
    }

    private func progressLine(_ label: String, finished: Int, of total: Int, counts: [HostOutcome.Status: Int], running: Int) -> String {
        let width = 20
        let filled = total == 0 ? width : finished * width / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let failed = (counts[.failed] ?? 0) + (counts[.timeout] ?? 0)
        return "\(ctx.stepPath.isEmpty ? verb : ctx.stepPath) \(label) [\(bar)] \(counts[.ok] ?? 0) ok, \(failed) failed, \(running) running"
    }
}

/// Hands hosts (their positions in the target list) to worker threads and their outcomes back to the
/// coordinating thread.
final class WorkQueue: @unchecked Sendable {
    private let lock = NSCondition()
    private let todo: [Int]
    private var cursor = 0
    private var outcomes: [(Int, HostOutcome)] = []

    init(_ todo: [Int]) { self.todo = todo }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard cursor < todo.count else { return nil }
        cursor += 1
        return todo[cursor - 1]
    }

    func finish(_ index: Int, _ o: HostOutcome) {
        lock.lock()
        outcomes.append((index, o))
        lock.signal()
        lock.unlock()
    }

    /// Blocks until at least one outcome arrived; returns everything that has (a group to commit at once).
    func waitForResults() -> [(Int, HostOutcome)] {
        lock.lock()
        defer { lock.unlock() }
        while outcomes.isEmpty { lock.wait() }
        let out = outcomes
        outcomes.removeAll(keepingCapacity: true)
        return out
    }
}

/// Lets worker threads see a stop (Ctrl-C, cancel) without touching the database.
final class StopCheck: @unchecked Sendable {
    let ctx: EffectContext
    init(ctx: EffectContext) { self.ctx = ctx }
    var reason: RunInterruption.Reason? {
        do { try ctx.checkStop(); return nil } catch let i as RunInterruption { return i.reason } catch { return nil }
    }
    var shouldStop: Bool { reason != nil }
}
