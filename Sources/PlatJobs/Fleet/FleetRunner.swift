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
    public init() {}
}

/// Runs one piece of work on many hosts in rolling batches, journaling each host's outcome, so a run killed
/// in batch 7 of 20 resumes in batch 7 without touching the hosts that finished. Host results are journaled
/// under `KEY@host`; batch gates under `KEY@gate-N` and `KEY@pause-N`.
public final class FleetRunner {
    let ctx: EffectContext
    let hosts: [Host]
    let options: FleetOptions
    let verb: String
    let work: @Sendable (Host) -> HostOutcome

    public static let maxConcurrency = 256

    public init(ctx: EffectContext, hosts: [Host], options: FleetOptions, verb: String,
                work: @escaping @Sendable (Host) -> HostOutcome) {
        self.ctx = ctx
        self.hosts = hosts
        self.options = options
        self.verb = verb
        self.work = work
    }

    func hostKey(_ h: Host) -> String { "\(ctx.key)@\(h.name)" }

    /// Runs every batch; returns outcomes in host order. Throws when max_fail is exceeded or a person stops it.
    public func run() throws -> [HostOutcome] {
        let batches = try options.rolling?.batches(hosts) ?? (hosts.isEmpty ? [] : [hosts])
        var results: [String: HostOutcome] = [:]
        for h in hosts {
            if let e = ctx.journal.entry(hostKey(h)), e.status != "started", let r = e.result,
               let v = try? ValueCodec.decode(r), let o = HostOutcome.from(v) {
                results[h.name] = o
            }
        }
        let started = Date()
        for (b, batch) in batches.enumerated() {
            let label = "batch \(b + 1)/\(batches.count)"
            let todo = batch.filter { results[$0.name] == nil }
            if options.onFailure == .manual && !todo.isEmpty {
                let go = try ApprovalGate.wait(ctx, key: "\(ctx.key)@gate-\(b + 1)",
                                               message: "start \(label) of \(ctx.stepPath.isEmpty ? verb : ctx.stepPath) on \(todo.count) host\(todo.count == 1 ? "" : "s")?")
                if !go {
                    markRest(from: b, batches, &results, as: .skipped)
                    throw RuntimeError("\(label) was rejected; \(hosts.count - done(results)) hosts not run")
                }
            }
            if !todo.isEmpty {
                try runBatch(todo, label: label, results: &results, startedAt: started)
            }
            let failedSoFar = results.values.filter(\.isFailure).count
            if let limit = options.maxFail, limit.isExceeded(failed: failedSoFar, total: hosts.count) {
                markRest(from: b + 1, batches, &results, as: .skipped)
                ctx.progress(nil)
                throw RuntimeError("max_fail exceeded after \(label): \(failedSoFar) of \(hosts.count) hosts failed (limit \(limit)); later batches were not started",
                                   hint: "fix the failed hosts and `platflow retry` the run")
            }
            let batchFailed = batch.filter { results[$0.name]?.isFailure == true }
            if !batchFailed.isEmpty && options.onFailure != .ignore {
                ctx.progress(nil)
                let names = batchFailed.prefix(5).map(\.name).joined(separator: ", ") + (batchFailed.count > 5 ? ", ..." : "")
                let go = try ApprovalGate.wait(ctx, key: "\(ctx.key)@pause-\(b + 1)",
                    message: "\(label): \(batchFailed.count) of \(batch.count) hosts failed (\(names)); approve to accept and go on, or `platflow retry \(ctx.runID)` to run them again")
                if !go {
                    markRest(from: b + 1, batches, &results, as: .skipped)
                    throw RuntimeError("stopped after \(label): \(batchFailed.count) hosts failed and the pause was rejected")
                }
            }
        }
        ctx.progress(nil)
        return hosts.map { results[$0.name] ?? HostOutcome(host: $0.name, status: .skipped) }
    }

    /// Runs every batch and journals the effect's end under its key: the summary value, or the error that
    /// stopped it (max_fail, a rejected pause), which a replay raises again.
    public func runAndRecord() throws -> (outcomes: [HostOutcome], summary: Value) {
        let outcomes: [HostOutcome]
        do {
            outcomes = try run()
        } catch let e as RuntimeError {
            try ctx.journal.recordCompleted(key: ctx.key, result: "null", failed: e.message)
            throw e
        }
        let value = FleetRunner.summary(outcomes, batches: try options.rolling?.batchSizes(total: hosts.count).count ?? 1)
        try ctx.journal.recordCompleted(key: ctx.key, result: try ValueCodec.encode(value))
        return (outcomes, value)
    }

    /// The step's result value: counts, the failed hosts' names, and every host's outcome.
    public static func summary(_ outcomes: [HostOutcome], batches: Int) -> Value {
        func count(_ s: HostOutcome.Status) -> Value { .int(outcomes.filter { $0.status == s }.count) }
        let failedHosts = outcomes.filter(\.isFailure).map { Value.string($0.host) }
        return Value.makeMap([
            ("total", .int(outcomes.count)), ("ok", count(.ok)), ("failed", .int(failedHosts.count)),
            ("timeout", count(.timeout)), ("skipped", count(.skipped)), ("cancelled", count(.cancelled)),
            ("batches", .int(batches)), ("failed_hosts", .list(failedHosts)),
            ("hosts", .list(outcomes.map { $0.toValue() })),
        ])
    }

    private func done(_ results: [String: HostOutcome]) -> Int {
        results.values.filter { $0.status != .skipped }.count
    }

    private func markRest(from b: Int, _ batches: [[Host]], _ results: inout [String: HostOutcome], as status: HostOutcome.Status) {
        for batch in batches.dropFirst(b) {
            for h in batch where results[h.name] == nil { results[h.name] = HostOutcome(host: h.name, status: status) }
        }
    }

    /// Runs one batch on worker threads; only this thread touches the database: starts are recorded in one
    /// transaction, completions in groups as they arrive.
    private func runBatch(_ todo: [Host], label: String, results: inout [String: HostOutcome], startedAt: Date) throws {
        try ctx.store.db.transaction {
            for h in todo {
                let key = hostKey(h)
                if ctx.journal.entry(key)?.status == "started" {
                    ctx.log("re-running \(verb) on \(h.name): it was in flight when the previous process stopped")
                }
                try ctx.journal.recordStarted(key: key, effect: "\(verb).host", args: "{}")
            }
        }
        let queue = WorkQueue(hosts: todo)
        let concurrency = max(1, min(options.throttle ?? todo.count, todo.count, FleetRunner.maxConcurrency))
        let work = self.work
        let stop = StopCheck(ctx: ctx)
        for _ in 0..<concurrency {
            let t = Thread {
                while let h = queue.next() {
                    if stop.shouldStop {
                        queue.finish(HostOutcome(host: h.name, status: .cancelled))
                        continue
                    }
                    queue.finish(work(h))
                }
            }
            t.stackSize = 1 << 20
            t.start()
        }
        var finished = 0
        var counts: [HostOutcome.Status: Int] = [:]
        while finished < todo.count {
            let batch = queue.waitForResults()
            try ctx.store.db.transaction {
                for o in batch where o.status != .cancelled {
                    let failed = o.isFailure ? "\(o.status.rawValue) on \(o.host)" : nil
                    try ctx.journal.recordCompleted(key: "\(ctx.key)@\(o.host)", result: try ValueCodec.encode(o.toValue()),
                                                    failed: failed)
                }
            }
            for o in batch {
                finished += 1
                counts[o.status, default: 0] += 1
                results[o.host] = o
                if o.isFailure {
                    let tail = o.stderr.split(separator: "\n").suffix(2).joined(separator: " | ")
                    ctx.log("\(o.host): \(o.status.rawValue)\(o.exitCode.map { " (exit \($0))" } ?? "")\(tail.isEmpty ? "" : ": \(tail)")", kind: "err")
                }
                if !o.stdout.isEmpty { try? ctx.store.log(ctx.runID, step: "\(ctx.stepPath)@\(o.host)", kind: "out", text: o.stdout) }
                if !o.stderr.isEmpty { try? ctx.store.log(ctx.runID, step: "\(ctx.stepPath)@\(o.host)", kind: "err", text: o.stderr) }
            }
            ctx.progress(progressLine(label, finished: finished, of: todo.count, counts: counts, running: min(concurrency, todo.count - finished)))
        }
        if let reason = stop.reason {
            throw RunInterruption(reason: reason)
        }
        let summary = "\(label): \(counts[.ok] ?? 0) ok, \((counts[.failed] ?? 0) + (counts[.timeout] ?? 0)) failed of \(todo.count) hosts"
        ctx.progress(nil)
        ctx.event(summary)
        _ = startedAt
    }

    private func progressLine(_ label: String, finished: Int, of total: Int, counts: [HostOutcome.Status: Int], running: Int) -> String {
        let width = 20
        let filled = total == 0 ? width : finished * width / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let failed = (counts[.failed] ?? 0) + (counts[.timeout] ?? 0)
        return "\(ctx.stepPath.isEmpty ? verb : ctx.stepPath) \(label) [\(bar)] \(counts[.ok] ?? 0) ok, \(failed) failed, \(running) running"
    }
}

/// Hands hosts to worker threads and their outcomes back to the coordinating thread.
final class WorkQueue: @unchecked Sendable {
    private let lock = NSCondition()
    private var hosts: [Host]
    private var index = 0
    private var outcomes: [HostOutcome] = []

    init(hosts: [Host]) { self.hosts = hosts }

    func next() -> Host? {
        lock.lock()
        defer { lock.unlock() }
        guard index < hosts.count else { return nil }
        index += 1
        return hosts[index - 1]
    }

    func finish(_ o: HostOutcome) {
        lock.lock()
        outcomes.append(o)
        lock.signal()
        lock.unlock()
    }

    /// Blocks until at least one outcome arrived; returns everything that has (a group to commit at once).
    func waitForResults() -> [HostOutcome] {
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
