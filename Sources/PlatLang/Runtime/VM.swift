import Foundation

/// The state of one running program: the value stack that holds every function's locals, the current frame,
/// the step path, and the host's effect handler. Not thread-safe; one program runs on one thread.
final class VM: CallContext {
    /// One preallocated stack for all frames: a call reserves `frameSize` slots above its caller's frame, so a
    /// call allocates nothing. Grows (moves) when a deep recursion needs more; nodes always index through `stack`.
    private(set) var stack: UnsafeMutablePointer<Value>
    private(set) var capacity: Int
    /// Index of slot 0 of the running function's frame.
    var base = 0
    /// The captured-variable environment of the running function (or a shared empty one). Unowned: the
    /// frame that created it keeps it alive (`runFrame`), which saves two reference-count updates per call.
    unowned(unsafe) var env: Env
    /// The running closure, whose `envChain` holds the environments of enclosing functions. Unmanaged: the
    /// caller of `runFrame` holds it for the duration of the call, so saving and restoring it around a call
    /// costs no reference counting (an `unowned(unsafe)` optional still did a retain and a release).
    var closureRef: Unmanaged<Closure>?
    var closure: Closure? {
        get { closureRef?.takeUnretainedValue() }
        set { closureRef = newValue.map { Unmanaged.passUnretained($0) } }
    }
    var depth = 0
    let maxDepth: Int
    var returnValue: Value = .null

    let effects: EffectHandler
    let steps: StepTracker
    /// Strings built by interpolating a secret, refused as effect arguments.
    let secretTexts = SecretTexts()
    /// Raised by the host to stop the program at its next loop iteration or call.
    var stop: StopRequest?
    /// Effect builtins route here; a replaying host may answer from its journal.
    static let emptyEnv = Env(count: 0)
    /// The same, held by the VM: reading a static costs a once-check on every call.
    let noEnv = VM.emptyEnv

    init(effects: EffectHandler, maxDepth: Int = Interpreter.maxCallDepth) {
        self.effects = effects
        self.maxDepth = maxDepth
        // Small to start (creating and destroying the slots is paid by every run, even `print("hi")`); deep
        // recursion grows it by doubling.
        capacity = 1 << 10
        stack = .allocate(capacity: capacity)
        stack.initialize(repeating: .null, count: capacity)
        env = VM.emptyEnv
        steps = StepTracker(effects: effects)
    }

    deinit {
        stack.deinitialize(count: capacity)
        stack.deallocate()
    }

    /// Makes sure slots `0..<needed` exist.
    @inline(__always)
    func ensureStack(_ needed: Int) {
        if needed > capacity { grow(needed) }
    }

    private func grow(_ needed: Int) {
        var newCap = capacity
        while newCap < needed { newCap *= 2 }
        let n = UnsafeMutablePointer<Value>.allocate(capacity: newCap)
        n.moveInitialize(from: stack, count: capacity)
        (n + capacity).initialize(repeating: .null, count: newCap - capacity)
        stack.deallocate()
        stack = n
        capacity = newCap
    }

    // MARK: Errors

    func error(_ message: String, at loc: SourceLoc, hint: String? = nil) -> Diagnostic {
        Diagnostic(message: message, location: loc, hint: hint, phase: .runtime)
    }

    /// Gives a builtin's or operator's RuntimeError the location of the node that ran it.
    func locate(_ e: Error, at loc: SourceLoc) -> Error {
        if let r = e as? RuntimeError {
            return Diagnostic(message: r.message, location: loc, hint: r.hint, phase: .runtime)
        }
        return e
    }

    // MARK: Calls

    /// Runs a closure whose arguments are already bound in slots `newBase ..< newBase + params.count`.
    @inline(__always)
    func runFrame(_ c: Closure, newBase: Int) throws -> Value {
        let code = c.code
        // Functions whose variables inner closures capture need an environment: a path of their own, so the
        // common call carries no optional environment to keep alive and release.
        if code.envSize > 0 { return try runFrameWithEnv(c, newBase: newBase) }
        try enterFrame(code)
        ensureStack(newBase + code.frameSize + 1)
        let savedBase = base
        unowned(unsafe) let savedEnv = env
        let savedClosure = closureRef
        base = newBase
        depth += 1
        closureRef = Unmanaged.passUnretained(c)
        env = noEnv
        defer {
            leaveFrame(code, newBase: newBase)
            base = savedBase
            env = savedEnv
            closureRef = savedClosure
            depth -= 1
        }
        return try runBody(code)
    }

    @inline(never)
    private func runFrameWithEnv(_ c: Closure, newBase: Int) throws -> Value {
        let code = c.code
        try enterFrame(code)
        ensureStack(newBase + code.frameSize + 1)
        let savedBase = base
        unowned(unsafe) let savedEnv = env
        let savedClosure = closureRef
        base = newBase
        depth += 1
        closureRef = Unmanaged.passUnretained(c)
        let ownEnv = Env(count: code.envSize)
        for (p, s) in code.capturedParams { ownEnv.slots[s] = stack[newBase + p] }
        env = ownEnv
        defer {
            withExtendedLifetime(ownEnv) {}
            leaveFrame(code, newBase: newBase)
            base = savedBase
            env = savedEnv
            closureRef = savedClosure
            depth -= 1
        }
        return try runBody(code)
    }

    /// The checks made before every call: a stop request, and the depth limit.
    @inline(__always)
    private func enterFrame(_ code: FunctionCode) throws {
        try pollStop()
        if depth > maxDepth {
            throw error("recursion too deep: calls nest more than \(maxDepth) levels (in \(code.name))", at: code.loc,
                        hint: "look for a function that calls itself without reaching its base case")
        }
    }

    /// Drops what the frame's slots hold, so every slot above the running frame is nil again (values the frame
    /// shared are unique again for their owners). Slots holding numbers, bools or nil need no release and are
    /// skipped without a call.
    @inline(__always)
    private func leaveFrame(_ code: FunctionCode, newBase: Int) {
        var p = stack + newBase
        let end = p + code.frameSize
        while p < end {
            if !p.pointee.isInline { p.pointee = .null }
            p += 1
        }
    }

    /// The body, split at a final `return expr` (see `FunctionCode.lead`): the returned expression is evaluated
    /// straight into the result, without a statement node or the VM's return slot.
    @inline(__always)
    private func runBody(_ code: FunctionCode) throws -> Value {
        do {
            if let lead = code.leadRef, case .returned = try lead._withUnsafeGuaranteedRef({ try $0.exec(self) }) {
                // Moved out, not copied: no reference-count round trip for the result.
                var r: Value = .null
                swap(&r, &returnValue)
                return r
            }
            if let tail = code.tailRef { return try tail._withUnsafeGuaranteedRef { try $0.eval(self) } }
            return .null
        } catch var d as Diagnostic {
            // The innermost frame of a traceback: this function, at the spot that failed.
            if d.traceback.isEmpty, let loc = d.location {
                d.traceback.append(.init(location: loc, function: code.name))
            }
            throw d
        }
    }

    /// The general call path: binds positional and named arguments to parameters (defaults, type checks,
    /// clear errors), then runs the closure. `newBase` is the first free slot above the caller's frame.
    func call(_ c: Closure, positional: [Value], named: [(name: String, value: Value)], newBase: Int,
              at loc: SourceLoc) throws -> Value {
        let code = c.code
        // Exactly the untyped parameters, by position: nothing to bind or check.
        if named.isEmpty && positional.count == code.fastArity {
            ensureStack(newBase + positional.count)
            for i in 0..<positional.count { stack[newBase + i] = positional[i] }
            return try runFrame(c, newBase: newBase)
        }
        let params = code.params
        if positional.count > params.count {
            // The same words as the resolver's check of a direct call.
            let n = params.count
            throw error("\(code.name)() takes at most \(n) argument\(n == 1 ? "" : "s") (\(positional.count) given)", at: loc,
                        hint: "\(code.name)\(describeArity(code))")
        }
        ensureStack(newBase + code.frameSize + 1)
        for (i, v) in positional.enumerated() { stack[newBase + i] = v }
        var bound = [Bool](repeating: false, count: params.count)
        for i in 0..<positional.count { bound[i] = true }
        for (name, v) in named {
            guard let i = code.paramIndex(named: name) else {
                let hint = closestName(to: name, in: params.map(\.name)).map { "did you mean '\($0)'?" }
                throw error("\(code.name)() has no parameter named '\(name)'", at: loc, hint: hint)
            }
            if bound[i] {
                throw error("\(code.name)() got two values for '\(name)'", at: loc)
            }
            stack[newBase + i] = v
            bound[i] = true
        }
        // Defaults are evaluated in the callee's frame so they may use earlier parameters.
        let missing = (0..<params.count).filter { !bound[$0] }
        if !missing.isEmpty {
            if let m = missing.first(where: { params[$0].defaultValue == nil }) {
                throw error("missing argument '\(params[m].name)' in call to \(code.name)()", at: loc,
                            hint: "\(code.name)\(describeArity(code))")
            }
            let savedBase = base
            base = newBase
            defer { base = savedBase }
            for m in missing {
                let v = try params[m].defaultValue!.eval(self)
                stack[newBase + m] = v
            }
        }
        for (i, p) in params.enumerated() {
            if let t = p.type, !TypeCheck.matches(stack[newBase + i], t),
               !(p.acceptsNil && stack[newBase + i].isNil) {
                throw error("\(code.name)() expects \(t.rawValue) for '\(p.name)', got \(stack[newBase + i].typeName)",
                            at: loc)
            }
        }
        return try runFrame(c, newBase: newBase)
    }

    func describeArity(_ code: FunctionCode) -> String {
        let names = code.params.map { $0.defaultValue == nil ? $0.name : "\($0.name)=…" }.joined(separator: ", ")
        return "(\(names))"
    }

    /// The first free slot above the running frame.
    var frameTop: Int {
        guard let c = closureRef else { return base + topLevelFrameSize }
        return base + c._withUnsafeGuaranteedRef { $0.code.frameSize }
    }
    var topLevelFrameSize = 0

    /// A function of one argument, for `map`, `filter` and sort keys (once per item): a closure taking exactly
    /// one untyped parameter gets it stored straight into its first slot, with no array and no binding.
    /// The closure is used without a reference of its own (`function` holds it for the whole call): binding it
    /// retained and released it once per item, two atomic operations dearer than the rest of a short call.
    func call(_ function: Value, with argument: Value) throws -> Value {
        if let closure = function.unretainedClosure, closure._withUnsafeGuaranteedRef({ $0.code.fastArity == 1 }) {
            return try closure._withUnsafeGuaranteedRef { c in
                let newBase = frameTop
                ensureStack(newBase + 1)
                stack[newBase] = argument
                return try runFrame(c, newBase: newBase)
            }
        }
        return try call(function, [argument])
    }

    /// Calls any function value with positional arguments (used by builtins such as `map` and `sorted`).
    func call(_ function: Value, _ args: [Value]) throws -> Value {
        switch function {
        case .closure(let c):
            return try call(c, positional: args, named: [], newBase: frameTop, at: c.code.loc)
        case .builtin(let b):
            var a = Arguments(positional: args)
            return try b.body(&a, self)
        default:
            throw RuntimeError("\(function.typeName) is not callable")
        }
    }

    func write(_ text: String) {
        effects.write(text)
    }
}

/// Checks a value against a declared parameter type.
enum TypeCheck {
    static func matches(_ v: Value, _ t: TypeName) -> Bool {
        switch (t, v) {
        case (.any, _): return true
        case (.string, .string), (.int, .int), (.float, .float), (.float, .int), (.bool, .bool),
             (.duration, .duration), (.size, .size), (.list, .list), (.map, .map), (.secret, .secret),
             (.hosts, .list), (.secret, .string): return true
        default: return false
        }
    }
}
