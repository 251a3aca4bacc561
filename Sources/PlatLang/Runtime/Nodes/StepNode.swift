import Foundation

/// `step "name", retry: n, backoff: d, when: cond { body }`: a named, reported scope. The host hears when it
/// starts and how it ended; effects inside are keyed by its path. `when: false` skips it (the reason is
/// reported); `retry: n` runs the body up to n more times after a runtime error, sleeping (through the host's
/// `sleep` effect, so a durable host can journal it) `backoff` (default 1s), multiplied by `backoff_factor`
/// (default 2.0) after each attempt, never more than `backoff_max` (default 1h).
final class StepNode: StmtNode {
    let name: String
    let options: [(String, ExprNode)]
    let body: StmtNode
    /// The function or plan the step is written in, for its traceback line.
    let enclosingName: String
    init(name: String, options: [(String, ExprNode)], body: [StmtNode], enclosingName: String, loc: SourceLoc) {
        self.enclosingName = enclosingName
        self.name = name
        self.options = options
        self.body = makeBlock(body, loc: loc)
        super.init(loc: loc)
    }

    static let defaultBackoff: Int64 = 1_000
    static let maxBackoff: Int64 = 3_600_000

    override func exec(_ vm: VM) throws -> Flow {
        var values: [String: Value] = [:]
        for (n, e) in options { values[n] = try e.eval(vm) }
        var retries = 0
        if let r = values["retry"] {
            guard case .int(let n) = r, n >= 0, n <= 100 else {
                throw vm.error("step option retry must be an int from 0 to 100, got \(r.repr)", at: loc)
            }
            retries = n
        }
        var backoff = StepNode.defaultBackoff
        if let b = values["backoff"] {
            guard case .duration(let d) = b, d >= 0 else {
                throw vm.error("step option backoff must be a duration such as 10s, got \(b.repr)", at: loc)
            }
            backoff = d
        }
        var factor = 2.0
        if let f = values["backoff_factor"] {
            switch f {
            case .int(let i) where i >= 1: factor = Double(i)
            case .float(let d) where d >= 1 && d <= 100: factor = d
            default: throw vm.error("step option backoff_factor must be a number from 1 to 100, got \(f.repr)", at: loc)
            }
        }
        var cap = StepNode.maxBackoff
        if let m = values["backoff_max"] {
            guard case .duration(let d) = m, d >= 0 else {
                throw vm.error("step option backoff_max must be a duration such as 5m, got \(m.repr)", at: loc)
            }
            cap = d
        }
        if let t = values["timeout"] {
            guard case .duration(let d) = t, d > 0 else {
                throw vm.error("step option timeout must be a positive duration such as 5m, got \(t.repr)", at: loc)
            }
        }
        let path = vm.steps.enter(name)
        let depth = vm.steps.depth
        defer { vm.steps.unwind(to: depth - 1) }
        if let w = values["when"] {
            guard case .bool(let run) = w else {
                throw vm.error("step option when must be a bool, got \(w.typeName)", at: loc, hint: hintForNonBool(w))
            }
            if !run {
                vm.effects.stepFinished(StepEvent(path: path, location: loc, options: values, attempt: 1),
                                        outcome: .skipped(reason: "when: false"))
                return .normal
            }
        }
        var attempt = 1
        while true {
            let event = StepEvent(path: path, location: loc, options: values, attempt: attempt)
            try vm.effects.stepStarted(event)
            let started = DispatchTime.now().uptimeNanoseconds
            func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
            do {
                let flow = try body.exec(vm)
                vm.effects.stepFinished(event, outcome: .succeeded(seconds: elapsed()))
                return flow
            } catch let d as Diagnostic where d.phase == .runtime {
                vm.steps.unwind(to: depth)
                vm.effects.stepFinished(event, outcome: .failed(d, seconds: elapsed()))
                if attempt > retries { throw withStepFrames(d, path: path) }
                let scaled = Double(backoff) * pow(factor, Double(attempt - 1))
                let wait = scaled >= Double(cap) ? cap : Int64(scaled.rounded())
                let (p, n) = vm.steps.nextSequence()
                _ = try vm.effects.perform(EffectCall(name: "sleep", args: Arguments(named: [("duration", .duration(wait))]),
                                                      stepPath: p, sequence: n, location: loc))
                // The next attempt's effects take the next keys of this step (after the failed attempt's and the
                // backoff sleep's), so a durable host runs them anew, and a replay meets them in the same order.
                attempt += 1
            }
        }
    }
}

extension StepNode {
    /// A traceback names the steps an error passed through: the line inside the step is labelled with the
    /// step's path, and the step itself appears as a line of the enclosing function.
    func withStepFrames(_ d: Diagnostic, path: String) -> Diagnostic {
        var d = d
        if d.traceback.isEmpty, let l = d.location {
            d.traceback = [.init(location: l, function: path)]
        } else if !d.traceback.isEmpty && d.traceback[0].function == enclosingName {
            d.traceback[0].function = path
        }
        d.traceback.insert(.init(location: loc, function: enclosingName), at: 0)
        return d
    }
}

/// `import "..." as alias`: runs the imported file's top level once, then binds its public names.
final class ImportNode: StmtNode {
    let module: CompiledModule
    let globals: Globals
    let slot: Int
    init(module: CompiledModule, globals: Globals, slot: Int, loc: SourceLoc) {
        self.module = module
        self.globals = globals
        self.slot = slot
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        do {
            globals[slot] = .module(try vm.instantiate(module))
        } catch var d as Diagnostic where d.phase == .runtime && !d.traceback.isEmpty {
            // The traceback starts at the import that ran the failing file, as it would at a call.
            d.traceback.insert(.init(location: loc, function: "<toplevel>"), at: 0)
            throw d
        }
        return .normal
    }
}

extension VM {
    /// Runs a module's top-level code (once) and returns its public names as a module value.
    func instantiate(_ m: CompiledModule) throws -> ModuleObject {
        if let o = m.moduleObject { return o }
        try runTopLevel(m)
        var slots: [String: Int] = [:]
        for (i, n) in m.globals.names.enumerated() where !n.hasPrefix("_") { slots[n] = i }
        let o = ModuleObject(name: m.name, globals: m.globals, slots: slots)
        m.moduleObject = o
        return o
    }

    func runTopLevel(_ m: CompiledModule) throws {
        let top = Closure(code: m.topLevel, envChain: [])
        _ = try runFrame(top, newBase: frameTop)
    }
}
