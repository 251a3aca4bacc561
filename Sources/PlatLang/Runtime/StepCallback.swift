import Foundation

extension VM {
    /// An effect calling back into the program (a rollout's `between_batches:` hook): the function runs as a
    /// step named `name` under the current one, reported like any step, its effects keyed under its own path, so
    /// a durable host replays them in order and they never shift the keys of the effects after the caller.
    func callAsStep(_ function: Value, _ args: [Value], step name: String, at loc: SourceLoc) throws -> Value {
        let path = steps.enter(name)
        let depth = steps.depth
        defer { steps.unwind(to: depth - 1) }
        let event = StepEvent(path: path, location: loc, options: [:], attempt: 1)
        try effects.stepStarted(event)
        let started = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        do {
            let value = try call(function, args)
            effects.stepFinished(event, outcome: .succeeded(seconds: elapsed()))
            return value
        } catch let d as Diagnostic {
            effects.stepFinished(event, outcome: .failed(d, seconds: elapsed()))
            throw d
        } catch let e as RuntimeError {
            let d = error(e.message, at: loc, hint: e.hint)
            effects.stepFinished(event, outcome: .failed(d, seconds: elapsed()))
            throw d
        }
    }
}
