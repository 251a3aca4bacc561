import Foundation
import PlatLang

/// `sh(cmd, env: {...}, timeout: d, check: true, cwd: path)`: runs a command on this machine with bash (sh
/// when bash is absent). At-least-once: recorded as started before it runs, so a crash mid-command re-runs it
/// on resume; `PLATFLOW_IDEMPOTENCY_KEY` is the same on every attempt, for scripts that must not act twice.
/// Returns {ok, exit_code, stdout, stderr, duration}; with `check: true` (the default) a non-zero exit fails.
public final class ShellEffect: DurableEffect {
    public init() {}
    public let kind = EffectKind.external
    public let spec = EffectSpec(name: "sh", params: ["cmd", "env", "timeout", "check", "cwd"], required: 1,
                          summary: "runs a shell command on this machine; fails on a non-zero exit unless check: false")

    static let outputCap = 1 << 20

    public func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        let cmd = call.args.named.first { $0.name == "cmd" || $0.name == "targets" }?.value.printed ?? ""
        return (["would run here: \(cmd)"], ShellEffect.standIn)
    }

    /// What an explained command "returns": success with no output.
    public static let standIn = Value.makeMap([("ok", .bool(true)), ("exit_code", .int(0)), ("stdout", .string("")),
                                               ("stderr", .string("")), ("duration", .duration(0)), ("timed_out", .bool(false))])

    public func perform(_ ctx: EffectContext) throws -> Value {
        let args = ctx.args
        let cmd = try args.require("cmd", .string)
        var env = ProcessInfo.processInfo.environment
        if let given = try args.get("env", .environment) { env.merge(given) { _, new in new } }
        env["PLATFLOW_IDEMPOTENCY_KEY"] = ctx.idempotencyKey
        env["PLATFLOW_RUN_ID"] = ctx.runID
        env["PLATFLOW_STEP"] = ctx.stepPath
        var timeout: Double? = nil
        if let ms = try args.get("timeout", .duration) {
            guard ms > 0 else { throw RuntimeError("sh() timeout must be a positive duration") }
            timeout = Double(ms) / 1000
        }
        if let deadline = ctx.stepDeadline {
            let left = max(0.001, deadline - RunStore.now())
            timeout = min(timeout ?? left, left)
        }
        let check = try args.get("check", .bool) ?? true
        let cwd = try args.get("cwd", .string)
        let shell = ProcessRunner.which("bash") ?? ProcessRunner.which("sh") ?? "/bin/sh"

        var spec = ProcessSpec(arguments: [shell, "-c", cmd], environment: env)
        spec.workingDirectory = cwd
        spec.timeout = timeout
        spec.outputCap = ShellEffect.outputCap
        spec.owner = ctx.runID
        // Recorded before the command can get far: after a kill -9 of platflow, a resume finds it (see DurableEffects).
        spec.onStart = { pid in
            if let group = OrphanedGroup.of(leader: pid) { try? ctx.journal.recordProcessGroup(key: ctx.key, group) }
        }
        let result: ProcessResult
        do {
            result = try ProcessRunner.run(spec)
        } catch {
            throw RuntimeError("sh() could not start the command: \(error)")
        }
        // Killed because the run was told to stop (Ctrl-C, cancel): leave it in flight, so a resume runs it
        // again. A command that finished on its own is recorded even when a stop came meanwhile.
        if result.signal != nil { try ctx.checkStop() }
        if !result.stdout.isEmpty { ctx.log(result.stdoutText, kind: "out") }
        if !result.stderr.isEmpty { ctx.log(result.stderrText, kind: "err") }
        if result.stdoutDropped > 0 || result.stderrDropped > 0 {
            ctx.log("output capped at \(ShellEffect.outputCap) bytes per stream: \(result.stdoutDropped) stdout and \(result.stderrDropped) stderr bytes dropped")
        }
        let value = Value.makeMap([
            ("ok", .bool(result.exitCode == 0 && !result.timedOut)),
            ("exit_code", .int(Int(result.exitCode))),
            ("stdout", .string(result.stdoutText)),
            ("stderr", .string(result.stderrText)),
            ("duration", .duration(Int64((result.duration * 1000).rounded()))),
            ("timed_out", .bool(result.timedOut)),
        ])
        var failure: String? = nil
        if result.timedOut {
            failure = "command timed out after \(Value.duration(Int64(((timeout ?? 0) * 1000).rounded())).printed): \(abbreviate(cmd))"
        } else if check && result.exitCode != 0 {
            let tail = result.stderrText.split(separator: "\n").suffix(3).joined(separator: " | ")
            failure = "command exited with \(result.exitCode): \(abbreviate(cmd))" + (tail.isEmpty ? "" : " (stderr: \(tail))")
        }
        if let failure { throw RuntimeError(failure, hint: result.timedOut ? nil : "pass check: false to inspect the exit code yourself") }
        return value
    }

    private func abbreviate(_ cmd: String) -> String {
        let one = cmd.replacingOccurrences(of: "\n", with: "; ")
        return one.count > 80 ? String(one.prefix(77)) + "..." : one
    }
}
