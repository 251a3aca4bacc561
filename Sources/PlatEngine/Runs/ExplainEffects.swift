import Foundation
import PlatLang
import PlatStore

/// `platflow run --explain`: runs the plan's code without performing any effect. Each effect says what it
/// would do (a fleet step prints its batches) and returns a stand-in result; nothing is recorded. Read effects
/// (the CMDB's hosts) read `db` when there is one, so later steps show the hosts they would touch.
public final class ExplainEffects: EffectHandler {
    let registry: EffectRegistry
    let db: Database?
    let output: (String) -> Void

    public init(registry: EffectRegistry, db: Database? = nil, output: @escaping (String) -> Void) {
        self.registry = registry
        self.db = db
        self.output = output
    }

    public func perform(_ call: EffectCall) throws -> Value {
        let step = call.stepPath.isEmpty ? "(top level)" : call.stepPath
        switch call.name {
        case "now": return .float(Date().timeIntervalSince1970)
        case "uuid": return .string(UUID().uuidString.lowercased())
        case "random": return .float(Double.random(in: 0..<1))
        case "env":
            if case .string(let n)? = call.args.named.first(where: { $0.name == "name" })?.value,
               let v = ProcessInfo.processInfo.environment[n] { return .string(v) }
            return call.args.named.first { $0.name == "default" }?.value ?? .null
        default: break
        }
        guard let effect = registry.effects[call.name] else {
            output("\(step): \(call.name)()\n")
            return .null
        }
        let (lines, result) = try effect.explain(call, reading: db)
        for l in lines { output("\(step): \(l)\n") }
        return result
    }

    public func stepStarted(_ step: StepEvent) throws {}
    public func stepFinished(_ step: StepEvent, outcome: StepOutcome) {
        if case .skipped(let reason) = outcome { output("\(step.path): skipped (\(reason))\n") }
    }
    public func write(_ text: String) {}
}
