import Foundation
import PlatEngine
import PlatLang

/// `sh` in both forms:
/// - `sh("cmd", env:, timeout:, check:, cwd:)` runs a command on this machine (the engine's form);
/// - `sh(targets, script, lang:, args:, env:, timeout:, rolling:, on_failure:, max_fail:, throttle:,
///   allow_dangerous:, connection:)` runs a script on every target host in rolling batches and returns
///   `{total, ok, failed, timeout, skipped, cancelled, batches, failed_hosts, hosts: [{host, status, exit_code,
///   stdout, stderr, duration}], hosts_omitted}`: `hosts` lists every host up to `FleetTally.detailLimit` hosts,
///   and only the failed ones (at most that many) on a larger fleet, so its output never fills memory.
/// The script is checked against the dangerous-command rules before anything runs.
public final class FleetShellEffect: DurableEffect {
    public let kind = EffectKind.external
    public let spec = EffectSpec(
        name: "sh",
        params: ["targets", "script", "lang", "args", "env", "timeout", "rolling", "on_failure", "max_fail", "throttle",
                 "allow_dangerous", "unchecked", "connection", "check", "cwd", "cmd", "rules", "batch_interval",
                 "between_batches", "become"],
        required: 0,
        summary: "runs a command here, or a script on hosts in rolling batches",
        choices: ["on_failure": FailurePolicy.allCases.map(\.rawValue), "lang": ScriptLanguage.allCases.map(\.rawValue)])
    /// It replaces the engine's `sh`, keeping its local form (delegated to `ShellEffect`) and adding hosts.
    public var overrides: Bool { true }

    let local = ShellEffect()
    /// Output kept per host and stream in the result (the rest is counted and dropped; the log says so).
    public static let outputCap = 64 * 1024

    /// How hosts are reached (`JobsModule`'s registry).
    let transports: TransportRegistry

    public init(transports: TransportRegistry = .standard) {
        self.transports = transports
    }

    public func perform(_ ctx: EffectContext) throws -> Value {
        // The local form: one string and no script.
        if ctx.argument("script") == nil {
            var args = ctx.call.args.named.filter { $0.name != "targets" && $0.name != "cmd" }
            guard let cmd = ctx.argument("cmd") ?? ctx.argument("targets") else {
                throw RuntimeError("sh() needs a command: sh(\"cmd\"), or hosts and a script: sh(hosts, \"script\")")
            }
            let fleetOnly = ["lang", "args", "rolling", "on_failure", "max_fail", "throttle", "allow_dangerous", "unchecked", "connection", "rules",
                             "batch_interval", "between_batches", "become"]
            if let bad = args.first(where: { fleetOnly.contains($0.name) }) {
                throw RuntimeError("sh(): \(bad.name) applies to scripts on hosts: sh(hosts, script, \(bad.name): ...)")
            }
            args.insert(("cmd", cmd), at: 0)
            if case .string(let text) = cmd {
                try checkDanger(text, language: .bash, args: [], env: try ctx.args.get("env", .environment) ?? [:], ctx)
            }
            return try local.perform(ctx.with(arguments: args))
        }
        return try runOnHosts(ctx)
    }

    func runOnHosts(_ ctx: EffectContext) throws -> Value {
        guard let targetsValue = ctx.argument("targets") else { throw RuntimeError("sh(): no targets given") }
        let transports = try self.transports.including(ctx.store.modules)
        let targets = FleetShellEffect.limit(try FleetTargets(targetsValue, transports: transports), ctx)
        var language = ScriptLanguage.bash
        var script: String
        switch ctx.argument("script") {
        case .string(let s)?: script = s
        case .map(let m)?:
            // A library script: script("cleanup") returns {name, version, lang, body}.
            guard case .string(let body)? = m.get(.string("body")) else { throw RuntimeError("sh(): the script map has no body") }
            script = body
            if case .string(let l)? = m.get(.string("lang")), let lang = ScriptLanguage(rawValue: l) { language = lang }
        default:
            throw RuntimeError("sh(): script must be a string or a library script (script(\"name\"))")
        }
        let given = ctx.args
        if let l = given.value("lang") {
            guard case .string(let s) = l, let lang = ScriptLanguage(rawValue: s) else {
                throw RuntimeError("sh(): unknown lang \(l.repr)",
                                   hint: "one of: \(ScriptLanguage.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            language = lang
        }
        let args: [String] = try given.get("args", .list)?.map { v -> String in
            if case .string(let s) = v { return s } else { return v.printed }
        } ?? []
        var env = try given.get("env", .environment) ?? [:]
        var timeout: Double? = nil
        if let ms = try given.get("timeout", .duration) {
            guard ms > 0 else { throw RuntimeError("sh(): timeout must be a positive duration") }
            timeout = Double(ms) / 1000
        }
        if let deadline = ctx.stepDeadline { timeout = min(timeout ?? .infinity, max(0.001, deadline - RunStore.now())) }
        let connection = try given.get("connection", .string)
        let options = try FleetShellEffect.fleetOptions(ctx)
        // Judged with the arguments and environment it will run with: they are known before anything runs.
        try checkDanger(script, language: language, args: args, env: env, ctx)

        env["PLATFLOW_IDEMPOTENCY_KEY"] = ctx.idempotencyKey
        env["PLATFLOW_RUN_ID"] = ctx.runID
        env["PLATFLOW_STEP"] = ctx.stepPath
        var prepared = ScriptJob(script: script, language: language, args: args, env: env, timeout: timeout,
                                 connection: connection, owner: ctx.runID, outputCap: FleetShellEffect.outputCap)
        prepared.become = try given.get("become", .bool) ?? false
        // Worked out once for every host this machine runs the script for (nil when the job is invalid: then
        // each host reports the error, as without a plan).
        prepared.localPlan = try? LocalTransport.plan(for: prepared)
        let job = prepared
        let output = ctx.output
        let runner = FleetRunner(ctx: ctx, targets: targets, options: options, verb: "sh") { host in
            var job = job
            // `run -v`: each host's lines on the terminal as they come, prefixed by the host.
            var live: LiveLines? = nil
            if output.showsHostOutput {
                let name = host.name
                live = LiveLines { stderr, text in output.hostOutput(name, text, stderr: stderr) }
                job.onOutput = live?.listener
            }
            defer { live?.finish() }
            return FleetShellEffect.runOne(job, on: host, transports: transports)
        }
        let started = Date()
        let (tally, value) = try runner.runAndSummarize()
        let failed = tally.failedCount
        ctx.event("sh on \(targets.count) host\(targets.count == 1 ? "" : "s"): \(tally.total - failed - tally.count(.skipped)) ok, \(failed) failed in \(String(format: "%.2f", Date().timeIntervalSince(started)))s")
        return value
    }

    static func runOne(_ job: ScriptJob, on host: Host, transports: TransportRegistry) -> HostOutcome {
        let started = Date()
        do {
            let r = try transports.transport(for: host).run(job, on: host)
            var out = r.stdoutText, err = r.stderrText
            if r.stdoutDropped > 0 { out += "\n[\(r.stdoutDropped) more bytes dropped: output is capped at \(job.outputCap) bytes per host]" }
            if r.stderrDropped > 0 { err += "\n[\(r.stderrDropped) more bytes dropped: output is capped at \(job.outputCap) bytes per host]" }
            let status: HostOutcome.Status = r.timedOut ? .timeout : r.exitCode == 0 ? .ok : .failed
            return HostOutcome(host: host.name, status: status, exitCode: Int(r.exitCode), stdout: out, stderr: err,
                               duration: r.duration)
        } catch {
            // A host that could not be reached took the time spent trying (a connect timeout is not 0 s).
            return HostOutcome(host: host.name, status: .failed, stderr: "\(error)", duration: Date().timeIntervalSince(started))
        }
    }

    /// `run --limit`: the targets narrowed to the run's limit, said in the log when it leaves hosts out.
    static func limit(_ targets: FleetTargets, _ ctx: EffectContext) -> FleetTargets {
        guard let patterns = ctx.targetLimit else { return targets }
        let kept = targets.limited(to: patterns)
        if kept.count < targets.count {
            ctx.event("--limit \(patterns.prefix(5).joined(separator: ","))\(patterns.count > 5 ? ",…" : ""): \(kept.count) of \(targets.count) hosts")
        }
        return kept
    }

    /// rolling, on_failure, max_fail, throttle: shared by sh and copy.
    static func fleetOptions(_ ctx: EffectContext) throws -> FleetOptions {
        var o = FleetOptions()
        if let r = ctx.argument("rolling") {
            switch r {
            case .string(let s): o.rolling = try rollingPlan(s)
            case .int(let n): o.rolling = try rollingPlan(String(n))
            default: throw RuntimeError("rolling must be a batch expression such as \"1 30% 100%\"")
            }
        }
        if let s = try ctx.args.get("on_failure", .string) {
            guard let p = FailurePolicy(rawValue: s) else {
                throw RuntimeError("on_failure must be one of: \(FailurePolicy.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            o.onFailure = p
        }
        if let m = ctx.argument("max_fail") {
            do {
                switch m {
                case .string(let s): o.maxFail = try FailureLimit(s)
                case .int(let n): o.maxFail = try FailureLimit(String(n))
                default: throw RuntimeError("max_fail must be a count (3) or a share (\"10%\")")
                }
            } catch let e as RuntimeError {
                throw e
            } catch {
                throw RuntimeError("max_fail: \(error)")
            }
        }
        if let n = try ctx.args.get("throttle", .int) {
            guard n >= 1 else { throw RuntimeError("throttle must be an int of at least 1") }
            o.throttle = n
        }
        if let ms = try ctx.args.nilAsAbsent.get("batch_interval", .duration) {
            guard ms >= 0 else { throw RuntimeError("batch_interval must be a duration such as 30s") }
            o.batchInterval = Double(ms) / 1000
        }
        if let hook = ctx.args.nilAsAbsent.value("between_batches") {
            switch hook {
            case .closure, .builtin: break
            default: throw RuntimeError("between_batches must be a function such as fn(batch) { ... }, got \(hook.typeName)")
            }
        }
        return o
    }

    static func rollingPlan(_ s: String) throws -> RollingPlan {
        do { return try RollingPlan(s) } catch { throw RuntimeError("\(error)") }
    }

    public func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        let get = { (n: String) in call.args.named.first { $0.name == n }?.value }
        var env: [String: String] = [:]
        if case .map(let m)? = get("env") {
            for k in m.liveKeys {
                guard case .string(let name) = k, let v = m.get(k) else { continue }
                if case .string(let s) = v { env[name] = s } else { env[name] = v.printed }
            }
        }
        if get("script") == nil {
            var (lines, result) = try local.explain(call)
            if case .string(let cmd)? = get("cmd") ?? get("targets") {
                lines += FleetShellEffect.explainVerdict(cmd, language: .bash, args: [], env: env)
            }
            return (lines, result)
        }
        let hosts = try Host.list(get("targets") ?? .list([]))
        var script = ""
        var body: String? = nil
        var language = ScriptLanguage.bash
        if case .string(let s)? = get("script") {
            script = s
            body = s
        } else if case .map(let m)? = get("script"), case .string(let n)? = m.get(.string("name")) {
            script = "library script \(n)"
            if case .string(let b)? = m.get(.string("body")) { body = b }
            if case .string(let l)? = m.get(.string("lang")), let lang = ScriptLanguage(rawValue: l) { language = lang }
        }
        if case .string(let l)? = get("lang"), let lang = ScriptLanguage(rawValue: l) { language = lang }
        var args: [String] = []
        if case .list(let xs)? = get("args") { args = xs.map { if case .string(let s) = $0 { return s } else { return $0.printed } } }
        let first = script.split(separator: "\n").first.map(String.init) ?? ""
        var lines = ["sh on \(hosts.count) host\(hosts.count == 1 ? "" : "s"): \(first)\(script.contains("\n") ? " ..." : "")"]
        if let body { lines += FleetShellEffect.explainVerdict(body, language: language, args: args, env: env) }
        lines += try FleetShellEffect.explainBatches(hosts, rolling: get("rolling"))
        return (lines, FleetRunner.explainSummary(hosts))
    }

    /// The checker's verdict for --explain: "  checker: passes", or each finding and whether the step would be
    /// refused (user rules and `allow_dangerous` are applied when the step runs).
    static func explainVerdict(_ script: String, language: ScriptLanguage, args: [String], env: [String: String]) -> [String] {
        let findings = DangerPolicy().check(script, language: language, args: args, env: env)
        if findings.isEmpty { return ["  checker: passes"] }
        let refused = findings.contains { $0.action == .block }
        return ["  checker: \(refused ? "would refuse it (unless allow_dangerous\(findings.allSatisfy { $0.action == .warn || $0.ruleID == DangerPolicy.uncheckedRuleID } ? " or unchecked: \"warn\"" : ""))" : "passes with warnings")"]
            + findings.map { "    line \($0.line): \($0.action == .block ? "refused" : "warning") by \($0.ruleID): \($0.message)" }
    }

    /// "batch 1/3 (1 host): web-01" lines for --explain.
    static func explainBatches(_ hosts: [Host], rolling: Value?) throws -> [String] {
        var plan: RollingPlan? = nil
        if case .string(let s)? = rolling { plan = try rollingPlan(s) }
        if case .int(let n)? = rolling { plan = try rollingPlan(String(n)) }
        let batches = try plan?.batches(hosts) ?? (hosts.isEmpty ? [] : [hosts])
        return batches.enumerated().map { i, b in
            let names = b.count > 6 ? b.prefix(6).map(\.name).joined(separator: ", ") + ", ... (\(b.count - 6) more)" : b.map(\.name).joined(separator: ", ")
            return "  batch \(i + 1)/\(batches.count) (\(b.count) host\(b.count == 1 ? "" : "s")): \(names)"
        }
    }

    /// Refuses a script that a rule blocks, unless the call says `allow_dangerous: "reason"` (logged).
    /// What the checker cannot know (the `unchecked` rule) is refused too, unless `unchecked: "warn"` makes those
    /// findings warnings for this call.
    func checkDanger(_ script: String, language: ScriptLanguage, args: [String], env: [String: String],
                     _ ctx: EffectContext) throws {
        var uncheckedWarns = false
        if let u = try ctx.args.get("unchecked", .string) {
            guard u == "warn" || u == "block" else {
                throw RuntimeError("sh(): unchecked must be \"warn\" or \"block\", got \"\(u)\"",
                                   hint: "unchecked: \"warn\" logs what the checker cannot read instead of refusing it")
            }
            uncheckedWarns = u == "warn"
        }
        var rules: [DangerRule] = []
        if let r = ctx.argument("rules") {
            // A list of rule maps, or the path of a JSON policy file with the same shape.
            let (valid, errors): ([DangerRule], [String])
            if case .string(let path) = r { (valid, errors) = DangerPolicy.userRules(fromFile: path) } else { (valid, errors) = DangerPolicy.userRules(from: r) }
            for e in errors { ctx.event("ignored an invalid danger rule: \(e)", kind: .warning) }
            rules = valid
        }
        let findings = DangerPolicy(userRules: rules).check(script, language: language, args: args, env: env).map { f in
            uncheckedWarns && f.ruleID == DangerPolicy.uncheckedRuleID
                ? DangerFinding(ruleID: f.ruleID, action: .warn, message: f.message, line: f.line, excerpt: f.excerpt) : f
        }
        for f in findings where f.action == .warn {
            ctx.event("warning: line \(f.line): \(f.message): \(f.excerpt)", kind: .warning)
        }
        let blocking = findings.filter { $0.action == .block }
        guard let first = blocking.first else { return }
        if case .string(let reason)? = ctx.argument("allow_dangerous"), !reason.trimmingCharacters(in: .whitespaces).isEmpty {
            ctx.event("allowed dangerous command (\(first.message)) because: \(reason)", kind: .warning)
            return
        }
        if first.ruleID == DangerPolicy.uncheckedRuleID {
            throw RuntimeError("unchecked command refused: line \(first.line): \(first.message): \(first.excerpt)",
                               hint: "pass unchecked: \"warn\" to run it with a logged warning, or allow_dangerous: \"why\"")
        }
        throw RuntimeError("dangerous command refused: line \(first.line): \(first.message): \(first.excerpt)",
                           hint: "if you really mean it, pass allow_dangerous: \"why\" (it is logged)")
    }
}
