/// Call sites. A call to a closure with exactly its positional parameters takes the fast path: arguments
/// are evaluated first (they may call functions themselves), then stored straight into the callee's frame
/// just above the caller's. Everything else (named arguments, defaults, type checks) takes `VM.call`.
final class CallNode: ExprNode {
    let callee: ExprNode
    let args: [ExprNode]
    let names: [String?]
    let hasNamed: Bool
    /// Size of the calling function's frame: the callee's frame starts right above it. Set by the resolver
    /// once the calling function is fully compiled.
    var callerFrameSize: Int
    /// The calling function's name, for the traceback line this call site contributes.
    let callerName: String
    /// Set when the callee is a top-level `fn`, which never changes once created: the closure is then looked
    /// up once and reused (its global keeps it alive), sparing a reference-count round trip per call.
    var calleeIsConstant = false
    private var cachedClosure: Unmanaged<Closure>? = nil
    /// The first four arguments, read without going through the array on the fast path: up to four are held
    /// in locals while they are evaluated, so such a call allocates nothing.
    private let arg0: ExprNode
    private let arg1: ExprNode
    private let arg2: ExprNode
    private let arg3: ExprNode

    init(callee: ExprNode, args: [ExprNode], names: [String?], callerFrameSize: Int, callerName: String,
         loc: SourceLoc) {
        self.callee = callee
        self.args = args
        self.names = names
        self.hasNamed = names.contains { $0 != nil }
        self.callerFrameSize = callerFrameSize
        self.callerName = callerName
        arg0 = args.count > 0 ? args[0] : ConstNode(.null, loc: loc)
        arg1 = args.count > 1 ? args[1] : ConstNode(.null, loc: loc)
        arg2 = args.count > 2 ? args[2] : ConstNode(.null, loc: loc)
        arg3 = args.count > 3 ? args[3] : ConstNode(.null, loc: loc)
        super.init(loc: loc)
    }

    override func eval(_ vm: VM) throws -> Value {
        if let cached = cachedClosure {
            return try cached._withUnsafeGuaranteedRef { try fastCall(vm, $0) }
        }
        let f = try callee.eval(vm)
        if case .closure(let c) = f, !hasNamed, c.code.fastArity == args.count {
            // A top-level fn's global holds its closure for the life of the program.
            if calleeIsConstant { cachedClosure = Unmanaged.passUnretained(c) }
            return try fastCall(vm, c)
        }
        return try slowCall(vm, f)
    }

    @inline(__always)
    private func fastCall(_ vm: VM, _ c: Closure) throws -> Value {
        do {
            let newBase = vm.base + callerFrameSize
            switch args.count {
            case 0:
                break
            case 1:
                let a0 = try arg0.eval(vm)
                vm.ensureStack(newBase + 1)
                vm.stack[newBase] = consume a0
            case 2:
                let a0 = try arg0.eval(vm)
                let a1 = try arg1.eval(vm)
                vm.ensureStack(newBase + 2)
                vm.stack[newBase] = consume a0
                vm.stack[newBase + 1] = consume a1
            case 3:
                let a0 = try arg0.eval(vm)
                let a1 = try arg1.eval(vm)
                let a2 = try arg2.eval(vm)
                vm.ensureStack(newBase + 3)
                vm.stack[newBase] = consume a0
                vm.stack[newBase + 1] = consume a1
                vm.stack[newBase + 2] = consume a2
            case 4:
                let a0 = try arg0.eval(vm)
                let a1 = try arg1.eval(vm)
                let a2 = try arg2.eval(vm)
                let a3 = try arg3.eval(vm)
                vm.ensureStack(newBase + 4)
                vm.stack[newBase] = consume a0
                vm.stack[newBase + 1] = consume a1
                vm.stack[newBase + 2] = consume a2
                vm.stack[newBase + 3] = consume a3
            default:
                var vals: [Value] = []
                vals.reserveCapacity(args.count)
                for a in args { vals.append(try a.eval(vm)) }
                vm.ensureStack(newBase + vals.count)
                for (i, v) in vals.enumerated() { vm.stack[newBase + i] = v }
            }
            do {
                return try vm.runFrame(c, newBase: newBase)
            } catch var d as Diagnostic {
                d.traceback.insert(.init(location: loc, function: callerName), at: 0)
                throw d
            }
        }
    }

    private func slowCall(_ vm: VM, _ f: Value) throws -> Value {
        let evaluated = try evaluateArguments(args, names, vm)
        let positional = evaluated.positional, named = evaluated.named
        return try invoke(vm, f, positional: positional, named: named, newBase: vm.base + callerFrameSize,
                          loc: loc, callerName: callerName)
    }
}

/// Calls any callable value with evaluated arguments, attributing errors to the call site.
func invoke(_ vm: VM, _ f: Value, positional: [Value], named: [(name: String, value: Value)], newBase: Int,
            loc: SourceLoc, callerName: String) throws -> Value {
    switch f {
    case .closure(let c):
        do {
            return try vm.call(c, positional: positional, named: named, newBase: newBase, at: loc)
        } catch var d as Diagnostic {
            // Binding errors carry no traceback yet: they belong to the caller's line.
            if !d.traceback.isEmpty { d.traceback.insert(.init(location: loc, function: callerName), at: 0) }
            throw d
        }
    case .builtin(let b):
        var a = Arguments(positional: positional, named: named)
        return try callBuiltin(vm, b, &a, loc: loc, callerName: callerName)
    default:
        throw vm.error("\(f.typeName) is not callable", at: loc,
                       hint: f.typeName == "map" ? "to read a key write m[\"key\"] or m.key" : nil)
    }
}

@inline(__always)
func callBuiltin(_ vm: VM, _ b: BuiltinFunction, _ a: inout Arguments, loc: SourceLoc, callerName: String) throws -> Value {
    do {
        return try b.body(&a, vm)
    } catch let r as RuntimeError {
        throw vm.error(r.message, at: loc, hint: r.hint)
    } catch var d as Diagnostic {
        if !d.traceback.isEmpty { d.traceback.insert(.init(location: loc, function: callerName), at: 0) }
        else if d.location == nil { d.location = loc }
        throw d
    }
}

/// A call to a builtin the resolver identified by name (not shadowed), positional arguments only.
final class BuiltinCallNode: ExprNode {
    let builtin: BuiltinFunction
    let args: [ExprNode]
    let names: [String?]
    let callerName: String
    init(builtin: BuiltinFunction, args: [ExprNode], names: [String?], callerName: String, loc: SourceLoc) {
        self.builtin = builtin
        self.args = args
        self.names = names
        self.callerName = callerName
        super.init(loc: loc)
    }
    private let spare = ArgumentBuffer()
    override func eval(_ vm: VM) throws -> Value {
        var a = try spare.evaluate(args, names, vm)
        defer { spare.reclaim(&a) }
        return try callBuiltin(vm, builtin, &a, loc: loc, callerName: callerName)
    }
}

/// The positional-argument array of one call site, kept between calls so a call to a builtin or a method
/// allocates no array: it is lent to the callee, then emptied (capacity kept) and taken back. A nested
/// evaluation of the same call site (a recursive function calling a builtin) finds it lent out and makes its
/// own; a callee that kept the array (in a result) leaves the site to make a new one next time.
///
/// A class, not a struct held in the node: a mutating call on a stored struct would hold exclusive access to the
/// node's property while the arguments run, and a recursive call reaching the same site again is then an access
/// conflict (a trap where exclusivity is checked: `lines.extend(walk(child))`). Each use of `storage` here is a
/// short access of its own.
final class ArgumentBuffer {
    private var storage: [Value] = []

    @inline(__always)
    func evaluate(_ args: [ExprNode], _ names: [String?], _ vm: VM) throws -> Arguments {
        var positional: [Value] = []
        swap(&positional, &storage)
        positional.reserveCapacity(args.count)
        var named: [(name: String, value: Value)] = []
        var i = 0
        while i < args.count {
            let v = try args[i].eval(vm)
            if let n = names[i] { named.append((n, v)) } else { positional.append(v) }
            i += 1
        }
        return Arguments(positional: positional, named: named)
    }

    @inline(__always)
    func reclaim(_ used: inout Arguments) {
        // Arrays that grew large are not worth keeping.
        guard used.positional.capacity <= 16 else { return }
        // One by one: `removeAll(keepingCapacity:)` goes through the general `replaceSubrange` (about 180
        // instructions for one or two items; this loop is a few per item).
        while !used.positional.isEmpty { used.positional.removeLast() }
        swap(&storage, &used.positional)
    }
}

/// `receiver.method(args)` where the receiver is a variable or a place below one: mutating methods
/// (`xs.append(x)`) change it in place without copying.
final class MethodCallOnPlace: ExprNode {
    let target: LValue
    let method: MethodName
    let args: [ExprNode]
    let names: [String?]
    let callerName: String
    init(target: LValue, method: MethodName, args: [ExprNode], names: [String?], callerName: String, loc: SourceLoc) {
        self.target = target
        self.method = method
        self.args = args
        self.names = names
        self.callerName = callerName
        super.init(loc: loc)
    }
    private let spare = ArgumentBuffer()
    override func eval(_ vm: VM) throws -> Value {
        var a = try spare.evaluate(args, names, vm)
        defer { spare.reclaim(&a) }
        var result: Value = .null
        do {
            // Decide what to do with a temporary copy, and drop it before modifying: a second reference would
            // make the mutation copy the whole list.
            // The place's indices are evaluated once, though the place is read and then changed.
            var keys: [Value] = []
            try target.evaluateIndices(vm, into: &keys)
            let (member, mutating) = try inspect(vm, keys)
            if let f = member {
                return try invoke(vm, f, positional: a.positional, named: a.named, newBase: vm.frameTop,
                                  loc: loc, callerName: callerName)
            }
            if mutating {
                try target.modify(vm, keys: keys, count: keys.count) { v in
                    result = try Methods.call(method, on: &v, &a, vm)
                }
            } else {
                var v = try target.get(vm, keys: keys, count: keys.count)
                result = try Methods.call(method, on: &v, &a, vm)
            }
        } catch let r as RuntimeError {
            throw vm.error(r.message, at: loc, hint: r.hint)
        } catch var d as Diagnostic {
            if !d.traceback.isEmpty { d.traceback.insert(.init(location: loc, function: callerName), at: 0) }
            throw d
        }
        return result
    }
}

/// `xs.append(x)` where `xs` is a local or a global of the file holding a list: the commonest way to build a
/// list, done without building an argument list or going through method dispatch. Anything else (not a list, a
/// let...) takes the general path.
final class AppendToVariable: ExprNode {
    let slot: VariableSlot
    let item: ExprNode
    let general: MethodCallOnPlace
    init(slot: VariableSlot, item: ExprNode, general: MethodCallOnPlace, loc: SourceLoc) {
        self.slot = slot
        self.item = item
        self.general = general
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        guard InPlace.tag(at: slot.address(vm)) == InPlace.listTag else { return try general.eval(vm) }
        let v = try item.eval(vm)
        // Re-read after evaluating the item (which may have changed the variable, or grown and so moved the
        // stack), then append in place.
        let p = slot.address(vm)
        guard let v = AppendToVariable.append(v, to: p) else { return .null }
        var receiver = p.pointee
        var args = Arguments(positional: [v])
        do {
            let r = try Methods.call(.append, on: &receiver, &args, vm)
            slot.address(vm).pointee = receiver
            return r
        } catch {
            throw vm.locate(error, at: loc)
        }
    }

    /// Appends to the list in `slot`, if it holds one (nil), else hands the item back. The slot lets go of the
    /// array first, so the array is uniquely referenced and grows without copying. Kept out of line, and taking
    /// the item over: the optimiser then moves the item and the array instead of copying and releasing them.
    @inline(never)
    static func append(_ item: consuming Value, to slot: UnsafeMutablePointer<Value>) -> Value? {
        guard case .list(var xs) = slot.pointee else { return item }
        slot.pointee = .null
        ListGrowth.append(item, to: &xs)
        // The slot holds nil, which needs no release before it is overwritten.
        slot.initialize(to: .list(xs))
        return nil
    }
}

extension MethodCallOnPlace {
    /// A function stored under the method's name (modules, maps of functions), and whether the method
    /// changes a receiver of this type.
    @inline(never)
    fileprivate func inspect(_ vm: VM, _ keys: [Value]) throws -> (Value?, Bool) {
        let current = try target.get(vm, keys: keys, count: keys.count)
        switch current {
        case .list: return (nil, Methods.isMutating(method, receiverType: "list"))
        case .map(let m) where !m.hasMethodNamedKey:
            return (nil, Methods.isMutating(method, receiverType: "map"))
        case .map, .module:
            if let f = functionMember(current, method.rawValue) { return (f, false) }
            return (nil, Methods.isMutating(method, receiverType: current.typeName))
        default: return (nil, false)
        }
    }
}

/// `expr.method(args)` on a value that is not a place (`s.trim().upper()`); a map key or module member
/// holding a function is called instead when the receiver has one by that name.
final class MethodCallOnValue: ExprNode {
    let receiver: ExprNode
    let name: String
    let method: MethodName?
    let args: [ExprNode]
    let names: [String?]
    var callerFrameSize: Int
    let callerName: String
    init(receiver: ExprNode, name: String, method: MethodName?, args: [ExprNode], names: [String?],
         callerFrameSize: Int, callerName: String, loc: SourceLoc) {
        self.receiver = receiver
        self.name = name
        self.method = method
        self.args = args
        self.names = names
        self.callerFrameSize = callerFrameSize
        self.callerName = callerName
        plainArguments = args.count <= 2 && names.allSatisfy { $0 == nil }
        super.init(loc: loc)
    }
    private let spare = ArgumentBuffer()
    /// At most two positional arguments: a string receiver's common methods are answered without an argument
    /// buffer (lending and reclaiming it retained and released it on every call).
    private let plainArguments: Bool

    override func eval(_ vm: VM) throws -> Value {
        var r = try receiver.eval(vm)
        if let method, plainArguments, case .string(let s) = r {
            let a0: Value = args.count > 0 ? try args[0].eval(vm) : .null
            let a1: Value = args.count > 1 ? try args[1].eval(vm) : .null
            do {
                if let v = try Methods.fastStringMethod(method, on: s, args.count, a0, a1) { return v }
                var a = Arguments(positional: args.count == 0 ? [] : args.count == 1 ? [a0] : [a0, a1])
                return try Methods.call(method, on: &r, &a, vm)
            } catch {
                throw methodCallError(error, vm, at: loc, callerName: callerName)
            }
        }
        var a = try spare.evaluate(args, names, vm)
        defer { spare.reclaim(&a) }
        // Modules and maps that hold a function under this name call it.
        switch r {
        case .module, .map:
            var member: Value? = nil
            if case .module(let m) = r { member = m.member(name) }
            // A map can hold something under a method's name only if such a key was ever added.
            if case .map(let m) = r, method == nil || m.hasMethodNamedKey { member = m.get(.string(name)) }
            if let f = member {
                return try invoke(vm, f, positional: a.positional, named: a.named,
                                  newBase: vm.base + callerFrameSize, loc: loc, callerName: callerName)
            }
            if case .module = r {
                do { _ = try memberValue(r, name) } catch { throw vm.locate(error, at: loc) }
            }
        default: break
        }
        guard let method else {
            let e = Methods.noMethod(name, on: r.typeName)
            throw vm.error(e.message, at: loc, hint: e.hint)
        }
        do {
            return try Methods.call(method, on: &r, &a, vm)
        } catch {
            throw methodCallError(error, vm, at: loc, callerName: callerName)
        }
    }
}

/// A method call's error placed at the call: a runtime error of the method gets the call's location, and the
/// traceback of an error raised in a function the method called starts at the call. (Out of the calls' fast
/// paths, which only reach it when something failed.)
@inline(never)
func methodCallError(_ error: Error, _ vm: VM, at loc: SourceLoc, callerName: String) -> Error {
    if var d = error as? Diagnostic {
        if !d.traceback.isEmpty { d.traceback.insert(.init(location: loc, function: callerName), at: 0) }
        return d
    }
    return vm.locate(error, at: loc)
}

/// A function stored under `name` in a module or map, which `x.name(...)` calls in preference to a method.
func functionMember(_ v: Value, _ name: String) -> Value? {
    switch v {
    case .module(let m): return m.member(name)
    case .map(let m):
        if let f = m.get(.string(name)) {
            switch f {
            case .closure, .builtin: return f
            default: return nil
            }
        }
        return nil
    default: return nil
    }
}

/// A node that needs the size of the frame it runs in, known only when its function is fully compiled.
protocol FrameSized: AnyObject {
    var callerFrameSize: Int { get set }
}
extension CallNode: FrameSized {}
extension MethodCallOnValue: FrameSized {}

/// A call to an effect (`now()`, `sleep(5s)`, `sh(...)`): arguments are bound to the effect's parameter
/// names and the call goes to the host's EffectHandler under the next key of the running step.
final class EffectCallNode: ExprNode {
    let spec: EffectSpec
    let args: [ExprNode]
    let names: [String?]
    init(spec: EffectSpec, args: [ExprNode], names: [String?], loc: SourceLoc) {
        self.spec = spec
        self.args = args
        self.names = names
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let a = try evaluateArguments(args, names, vm)
        do {
            return try vm.performEffect(spec.name, named: try spec.bindArguments(a), at: loc)
        } catch let r as RuntimeError {
            throw vm.error(r.message, at: loc, hint: r.hint)
        }
    }
}

extension VM {
    /// Hands one effect to the host under the running step's next key.
    func performEffect(_ name: String, named: [(name: String, value: Value)], at loc: SourceLoc) throws -> Value {
        try secretTexts.check(effect: name, named)
        let (path, seq) = steps.nextSequence()
        var call = EffectCall(name: name, args: Arguments(positional: [], named: named), stepPath: path, sequence: seq,
                              location: loc)
        call.callAsStep = { [unowned self] f, args, step in try self.callAsStep(f, args, step: step, at: loc) }
        return try effects.perform(call)
    }
}

/// Evaluates call arguments in source order into positional and named ones.
@inline(__always)
func evaluateArguments(_ args: [ExprNode], _ names: [String?], _ vm: VM) throws -> Arguments {
    var a = Arguments()
    a.positional.reserveCapacity(args.count)
    for (i, e) in args.enumerated() {
        let v = try e.eval(vm)
        if let n = names[i] { a.named.append((n, v)) } else { a.positional.append(v) }
    }
    return a
}
