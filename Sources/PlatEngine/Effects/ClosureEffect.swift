import PlatLang
import PlatStore

/// An effect made of closures: its spec and journaling kind, the work, how the module's own errors read as the
/// plan's runtime errors, and optionally what `--explain` says. A module's effects (release, containers, CMDB)
/// are these, so the error wording (`name(): message`, with the error's hint) and the explain plumbing are
/// written once, here.
public final class ClosureEffect: DurableEffect {
    public typealias Explanation = (lines: [String], result: Value)
    /// A module error's message and hint; nil for an error the module does not own (it passes through
    /// unchanged, so the engine still sees its own errors, such as a stop or a busy database).
    public typealias Failure = (message: String, hint: String?)

    public let spec: EffectSpec
    public let kind: EffectKind
    let body: (EffectContext) throws -> Value
    let failure: (Error) -> Failure?
    let explainCall: ((EffectCall) throws -> Explanation)?
    let explainReading: ((EffectCall, Database?) throws -> Explanation)?

    /// `explain` describes a call without a database; `explainReading` with the database at hand (nil when
    /// there is none yet), for a read that really reads. Without either, explain says `would call name(args)`.
    public init(_ spec: EffectSpec, kind: EffectKind, failure: @escaping (Error) -> Failure?,
                explain: ((EffectCall) throws -> Explanation)? = nil,
                explainReading: ((EffectCall, Database?) throws -> Explanation)? = nil,
                body: @escaping (EffectContext) throws -> Value) {
        self.spec = spec
        self.kind = kind
        self.failure = failure
        self.explainCall = explain
        self.explainReading = explainReading
        self.body = body
    }

    public func perform(_ ctx: EffectContext) throws -> Value {
        try reported { try body(ctx) }
    }

    public func explain(_ call: EffectCall) throws -> Explanation {
        guard let explainCall else { return ([call.wouldCallLine], .null) }
        return try reported { try explainCall(call) }
    }

    public func explain(_ call: EffectCall, reading db: Database?) throws -> Explanation {
        guard let explainReading else { return try explain(call) }
        return try reported { try explainReading(call, db) }
    }

    /// Runs `work`, turning the module's errors into the plan's runtime errors that name this effect.
    private func reported<T>(_ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch {
            guard let f = failure(error) else { throw error }
            throw RuntimeError("\(spec.name)(): \(f.message)", hint: f.hint)
        }
    }
}

extension EffectCall {
    /// For `--explain` lines: the named argument `name` when it is a string, `?` otherwise (explain shows the
    /// call's shape even when an argument is computed, missing or of another type).
    public func shownString(_ name: String) -> String {
        if case .string(let s)? = args.named.first(where: { $0.name == name })?.value { return s }
        return "?"
    }

    /// The plain explanation of an effect that says nothing more: `would call name(arg: value, ...)`.
    var wouldCallLine: String {
        "would call \(name)(\(args.named.map { "\($0.name): \($0.value.repr)" }.joined(separator: ", ")))"
    }
}
