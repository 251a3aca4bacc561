import Foundation

/// The one door from a .plat program to the outside world. The interpreter never reads a clock, spawns a
/// process or touches a file itself: every effect builtin (`now()`, `sleep(d)`, `sh(...)` ...) becomes an
/// `EffectCall` handed to the host. The CLI's handler performs them directly; the durable engine journals them
/// under `key` and answers replays from the journal.
public protocol EffectHandler: AnyObject {
    func perform(_ call: EffectCall) throws -> Value
    /// A step is about to run its body (after its `when` condition passed).
    func stepStarted(_ step: StepEvent) throws
    func stepFinished(_ step: StepEvent, outcome: StepOutcome)
    /// The program's own output (`print`), in order.
    func write(_ text: String)
}

/// One effect call, with the deterministic key the journal files it under: the step path it runs in plus its
/// sequence number within that step (1, 2, 3 ...). Re-running the same code reproduces the same keys.
public struct EffectCall {
    public let name: String
    public let args: Arguments
    public let stepPath: String
    public let sequence: Int
    public let location: SourceLoc
    public var key: String { "\(stepPath)#\(sequence)" }
    /// Calls a function value the plan passed (a hook such as `between_batches:`) as a step of its own named
    /// `step` under the effect's step, so what it does is reported and its effects are keyed apart; nil where
    /// no program runs (checks, explain).
    public var callAsStep: ((_ function: Value, _ args: [Value], _ step: String) throws -> Value)?

    public init(name: String, args: Arguments, stepPath: String, sequence: Int, location: SourceLoc) {
        self.name = name
        self.args = args
        self.stepPath = stepPath
        self.sequence = sequence
        self.location = location
    }
}

public struct StepEvent {
    /// `plan/step/substep`; a step that runs again under the same parent (in a loop) gets `name#2`, `name#3`...
    public let path: String
    public let location: SourceLoc
    /// The step's evaluated options (`retry:`, `timeout:`...), for hosts that act on them.
    public let options: [String: Value]
    /// 1 for the first attempt; higher when `retry:` re-runs the body.
    public let attempt: Int
}

public enum StepOutcome {
    case succeeded(seconds: Double)
    case failed(Diagnostic, seconds: Double)
    case skipped(reason: String)
}

/// The signature of an effect builtin: its name and parameters, so calls are checked like any function's.
public struct EffectSpec: Sendable {
    public let name: String
    public let params: [String]
    public let required: Int
    public let summary: String
    /// Named arguments that match no parameter are passed on to the effect (`cmdb.update(host, sla: 3)`)
    /// instead of being refused.
    public let extraNamed: Bool
    /// Parameters that take one of a few words (`on_failure: "pause"`): a literal outside them is an error of
    /// the file, reported by `check` (and before a run starts) with a did-you-mean.
    public let choices: [String: [String]]
    public init(name: String, params: [String], required: Int, summary: String, extraNamed: Bool = false,
                choices: [String: [String]] = [:]) {
        self.choices = choices
        self.name = name
        self.params = params
        self.required = required
        self.summary = summary
        self.extraNamed = extraNamed
    }

    /// The call's arguments by parameter name (absent ones left out), then any extra named ones.
    public func bindArguments(_ args: Arguments) throws -> [(name: String, value: Value)] {
        var args = args
        var extra: [(name: String, value: Value)] = []
        if extraNamed {
            extra = args.named.filter { !params.contains($0.name) }.map { (name: $0.name, value: $0.value) }
            args.named.removeAll { !params.contains($0.name) }
        }
        let bound = try args.bind(name, params, required: required)
        var named: [(name: String, value: Value)] = []
        for (i, v) in bound.enumerated() {
            if let v { named.append((params[i], v)) }
        }
        return named + extra
    }

    /// The effects every host provides.
    public static let core: [EffectSpec] = [
        EffectSpec(name: "now", params: [], required: 0, summary: "the current time, seconds since 1970 (float)"),
        EffectSpec(name: "uuid", params: [], required: 0, summary: "a random UUID string"),
        EffectSpec(name: "random", params: [], required: 0, summary: "a random float in [0, 1)"),
        EffectSpec(name: "sleep", params: ["duration"], required: 1, summary: "waits for a duration"),
        EffectSpec(name: "env", params: ["name", "default"], required: 1,
                   summary: "an environment variable of the controller, or the default (nil)"),
    ]
}

/// Tracks the step path and the per-step effect counters while a program runs.
final class StepTracker {
    private struct Frame {
        var path: String
        var effectCount = 0
        var childRuns: [String: Int] = [:]
    }
    private var frames: [Frame]
    let effects: EffectHandler

    init(effects: EffectHandler) {
        self.effects = effects
        frames = [Frame(path: "")]
    }

    var currentPath: String { frames[frames.count - 1].path }

    /// Resets to a root path (the plan being run).
    func reset(root: String) {
        frames = [Frame(path: root)]
    }

    /// The next effect key in the current step.
    func nextSequence() -> (String, Int) {
        frames[frames.count - 1].effectCount += 1
        let f = frames[frames.count - 1]
        return (f.path, f.effectCount)
    }

    /// Enters a child step; a name seen before under the same parent gets `#n`, keeping paths unique.
    func enter(_ name: String) -> String {
        let n = (frames[frames.count - 1].childRuns[name] ?? 0) + 1
        frames[frames.count - 1].childRuns[name] = n
        let leaf = n == 1 ? name : "\(name)#\(n)"
        let parent = currentPath
        let path = parent.isEmpty ? leaf : "\(parent)/\(leaf)"
        frames.append(Frame(path: path))
        return path
    }

    func leave() {
        if frames.count > 1 { frames.removeLast() }
    }

    var depth: Int { frames.count }
    func unwind(to depth: Int) {
        while frames.count > depth { frames.removeLast() }
    }
}
