import Foundation
import PlatLang

/// An effect builtin of the durable engine. Modules (jobs, CMDB...) add theirs to the registry.
public protocol DurableEffect: AnyObject {
    var spec: EffectSpec { get }
    /// How the engine journals it (see `EffectKind`): `perform` does the work, never the journaling.
    var kind: EffectKind { get }
    /// Does the work and returns the call's value; a `RuntimeError` is the plan's failure (an external effect's
    /// is journaled as failed). For an external effect resumed in flight, `ctx.inFlight` holds the entry.
    func perform(_ ctx: EffectContext) throws -> Value
    /// An external effect's arguments as journaled when it starts: what a resumed attempt must see again (the
    /// wake-up time of `sleep`). It may refuse bad arguments before anything is journaled.
    func startedArguments(_ ctx: EffectContext) throws -> String
    /// For `platflow run --explain`: what the call would do (one or more lines) and a stand-in result that
    /// lets the plan go on, without doing anything.
    func explain(_ call: EffectCall) throws -> (lines: [String], result: Value)
}

extension DurableEffect {
    public func startedArguments(_ ctx: EffectContext) throws -> String { ctx.argsText }

    public func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        let args = call.args.named.map { "\($0.name): \($0.value.repr)" }.joined(separator: ", ")
        return (["would call \(call.name)(\(args))"], .null)
    }
}

/// The effects a run can call, by name.
public final class EffectRegistry {
    public private(set) var effects: [String: DurableEffect] = [:]
    public init() {}
    public func register(_ e: DurableEffect) { effects[e.spec.name] = e }
    public var specs: [EffectSpec] { effects.values.map(\.spec).sorted { $0.name < $1.name } }

    /// now, uuid, random, env, sleep, sh, approve, and the effects of the installed modules (later
    /// registrations of a name replace earlier ones: a module may extend `sh`).
    public static func standard() -> EffectRegistry {
        let r = EffectRegistry()
        for e in ValueEffect.all { r.register(e) }
        r.register(SleepEffect())
        r.register(ShellEffect())
        r.register(ApproveEffect())
        for m in Modules.installed {
            for e in m.effects() { r.register(e) }
        }
        return r
    }
}

/// What an effect needs while it runs: its call, its journal key, and the run's handler.
public struct EffectContext {
    public let call: EffectCall
    public let key: JournalKey
    /// The arguments as stored in the journal (secrets by name only).
    public let argsText: String
    /// The journal's entry when this effect was in flight as the previous process stopped.
    public let inFlight: Journal.Entry?
    let handler: DurableEffects

    public func argument(_ name: String) -> Value? { call.args.named.first { $0.name == name }?.value }

    /// The same effect call with other arguments (an effect delegating to another form of itself).
    public func with(arguments: [(name: String, value: Value)]) -> EffectContext {
        let c = EffectCall(name: call.name, args: Arguments(positional: [], named: arguments), stepPath: call.stepPath,
                           sequence: call.sequence, location: call.location)
        return EffectContext(call: c, key: key, argsText: argsText, inFlight: inFlight, handler: handler)
    }
    public var runID: String { handler.runID }
    public var journal: Journal { handler.journal }
    public var store: RunStore { handler.store }
    public var stepPath: String { call.stepPath }
    /// `PLATFLOW_IDEMPOTENCY_KEY`: the same for every attempt of this effect in this run.
    public var idempotencyKey: String { "\(handler.runID)/\(key.text)" }

    public func log(_ text: String, kind: String = "event") {
        try? handler.store.log(handler.runID, step: call.stepPath, kind: kind, text: text)
    }

    public func event(_ text: String, kind: RunEventKind = .info) {
        handler.event(text, kind: kind, step: call.stepPath)
    }

    public var waitPolicy: DurableEffects.WaitPolicy { handler.waitPolicy }
    /// The live progress line (terminal only); nil clears it.
    public func progress(_ line: String?) { handler.output.progress(line) }
    /// The run's output, for effects that print a summary.
    public var output: RunOutput { handler.output }
    public var startedBy: String { handler.startedBy }

    /// The deadline of the enclosing steps' `timeout:`, if any (seconds since 1970).
    public var stepDeadline: Double? { handler.deadline(forStep: call.stepPath) }

    /// Sleeps until `time` in short slices, stopping early when the run is told to stop.
    public func waitUntil(_ time: Double) throws {
        while true {
            try handler.stopFlag.check()
            let left = time - RunStore.now()
            if left <= 0 { return }
            usleep(useconds_t(min(left, 0.2) * 1_000_000))
        }
    }

    public func checkStop() throws { try handler.stopFlag.check() }
}

/// Effects whose only outcome is a value: journaled as finished in one commit.
final class ValueEffect: DurableEffect {
    let spec: EffectSpec
    let kind = EffectKind.read
    let body: (EffectContext) throws -> Value
    init(_ spec: EffectSpec, _ body: @escaping (EffectContext) throws -> Value) {
        self.spec = spec
        self.body = body
    }

    func perform(_ ctx: EffectContext) throws -> Value { try body(ctx) }

    static func spec(_ name: String) -> EffectSpec { EffectSpec.core.first { $0.name == name }! }

    static let all: [ValueEffect] = [
        ValueEffect(spec("now")) { _ in .float(Date().timeIntervalSince1970) },
        ValueEffect(spec("uuid")) { _ in .string(UUID().uuidString.lowercased()) },
        ValueEffect(spec("random")) { _ in .float(Double.random(in: 0..<1)) },
        ValueEffect(spec("env")) { ctx in
            let name = try ctx.args.require("name", .string)
            if let v = ProcessInfo.processInfo.environment[name] { return .string(v) }
            return ctx.argument("default") ?? .null
        },
    ]
}
