import Foundation
import PlatLang
import PlatStore

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
    /// The same with the database at hand (nil when there is none yet): a read effect may really read, since
    /// reading changes nothing, so the rest of the plan explains itself with real values (the CMDB's hosts).
    func explain(_ call: EffectCall, reading db: Database?) throws -> (lines: [String], result: Value)
    /// True when this effect knowingly replaces an earlier one of its name (the job platform's `sh` extends the
    /// engine's); otherwise a second effect of one name is refused as a mistake.
    var overrides: Bool { get }
}

extension DurableEffect {
    public var overrides: Bool { false }

    public func startedArguments(_ ctx: EffectContext) throws -> String { ctx.argsText }

    public func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        ([call.wouldCallLine], .null)
    }

    public func explain(_ call: EffectCall, reading db: Database?) throws -> (lines: [String], result: Value) {
        try explain(call)
    }
}

/// The effects a run can call, by name, and the declarations its files may contain: what a .plat file may
/// use beyond the language itself. A `ModuleSet` builds one from the engine's and its modules'; every
/// interpreter the engine makes takes both from here.
public struct EffectRegistry {
    public private(set) var effects: [String: DurableEffect] = [:]
    /// Declaration forms (`schedule`, `on ... run`, a module's `scheme`), in registration order.
    public private(set) var declarations: [DeclarationSpec] = []
    /// Who registered each name ("engine" or a module's name), to name both in a duplicate's error.
    private var owners: [String: String] = [:]
    private var declarationOwners: [String: String] = [:]

    /// A registry without effects.
    public init() {}

    /// The engine's own effects (now, uuid, random, env, sleep, sh, approve, notify, read_file, write_file) and
    /// declarations (`schedule`, `on ... run`).
    public static var engine: EffectRegistry {
        var r = EffectRegistry()
        let own: [DurableEffect] = ValueEffect.all + [SleepEffect(), ShellEffect(), ApproveEffect(), NotifyEffect(),
                                                      ReadFileEffect(), WriteFileEffect()]
        for e in own {
            r.effects[e.spec.name] = e
            r.owners[e.spec.name] = "engine"
        }
        for d in EngineDeclarations.all {
            r.declarations.append(d)
            r.declarationOwners[d.keyword] = "engine"
        }
        return r
    }

    /// Adds `effect` on behalf of `owner` (a module's name). A name that is taken is refused unless the new
    /// effect declares that it `overrides` the earlier one: two modules choosing one name is a mistake, not a
    /// silent replacement decided by their order.
    public mutating func register(_ effect: DurableEffect, from owner: String) throws {
        let name = effect.spec.name
        if let earlier = owners[name], !effect.overrides {
            throw DuplicateEffectError(name: name, earlier: earlier, later: owner)
        }
        effects[name] = effect
        owners[name] = owner
    }

    /// Adds a declaration form on behalf of `owner`. Two forms with one keyword (or one kind) would hide one
    /// another, so the second is refused.
    public mutating func declare(_ spec: DeclarationSpec, from owner: String) throws {
        if let earlier = declarations.first(where: { $0.keyword == spec.keyword || $0.kind == spec.kind }) {
            throw DuplicateEffectError(name: spec.keyword, earlier: declarationOwners[earlier.keyword] ?? "engine",
                                       later: owner, what: "declarations")
        }
        declarations.append(spec)
        declarationOwners[spec.keyword] = owner
    }

    public var specs: [EffectSpec] { effects.values.map(\.spec).sorted { $0.name < $1.name } }
}

/// Two effects of one name, the later one not declaring that it overrides the earlier.
public struct DuplicateEffectError: Error, CustomStringConvertible {
    public let name: String
    /// Who registered each: "engine" or a module's name.
    public let earlier: String
    public let later: String
    /// "effects" or "declarations".
    public var what = "effects"

    public var description: String {
        if what != "effects" {
            return "two \(what) named '\(name)', from \(earlier) and from \(later): rename one"
        }
        return "two effects named '\(name)', from \(earlier) and from \(later): rename one, or mark the one from \(later) with `overrides` to replace the one from \(earlier)"
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
        var c = EffectCall(name: call.name, args: Arguments(positional: [], named: arguments), stepPath: call.stepPath,
                           sequence: call.sequence, location: call.location)
        c.callAsStep = call.callAsStep
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
    /// `run --limit`: host names and glob patterns the run's fleet effects are narrowed to; nil for all.
    public var targetLimit: [String]? { handler.targetLimit }

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

    /// The run's stop flag, for an effect that drives another run in this process (a deploy's run) and must
    /// stop it when this one is told to stop.
    public var stopFlag: StopFlag { handler.stopFlag }
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
