/// `x.method(a)` where `x` is a local of the running frame or a global of the file, with at most two positional arguments, and the
/// method does not change its receiver (`m.get(k, 0)`, `m.contains(k)`, `xs.contains(x)`, `s.split(",")`,
/// `s.starts_with("v")`). The general node copies the receiver out of its variable, fills an argument array and
/// dispatches through `Methods.call`; this one evaluates the arguments into locals, reads the receiver where it
/// lies and calls the common methods directly. Anything else (a map that may hold a function under the method's
/// name, a module, a type without the method) takes the general node before any argument is evaluated, so
/// nothing runs twice and every error is the general one.
///
/// The receiver is read after the arguments. The resolver picks this node only when no argument can change the
/// variable (no mutating method call in them; functions cannot reach another frame's stack slots), so that
/// reads the value the general node would have read first. A global of the file (top-level code) is read the
/// same way from its slot in `Globals`, when the arguments call nothing but the pure builtins.
final class MethodCallOnVariable: ExprNode {
    /// Where `x` lies.
    let receiver: VariableSlot
    let method: MethodName
    let argCount: Int
    private let arg0: ExprNode
    private let arg1: ExprNode
    let general: MethodCallOnValue
    /// The slot of the first argument when it is a local of the same frame (`m.get(k)`, `xs.contains(x)`), else
    /// -1: that argument is read where it lies instead of copied out and released again.
    private let arg0Slot: Int

    init(receiver: VariableSlot, method: MethodName, args: [ExprNode], general: MethodCallOnValue, loc: SourceLoc) {
        precondition(args.count <= 2, "MethodCallOnVariable takes at most two arguments")
        self.receiver = receiver
        self.method = method
        self.argCount = args.count
        arg0 = args.count > 0 ? args[0] : ConstNode(.null, loc: loc)
        arg1 = args.count > 1 ? args[1] : ConstNode(.null, loc: loc)
        self.general = general
        arg0Slot = (args.first as? LocalGet)?.slot ?? -1
        super.init(loc: loc)
    }

    override func eval(_ vm: VM) throws -> Value {
        guard MethodCallOnVariable.isPlain(receiver.address(vm)) else { return try general.eval(vm) }
        if arg0Slot >= 0 && answersInPlace(receiver.address(vm)) { return try withLocalArgument(vm) }
        let a0: Value = argCount > 0 ? try arg0.eval(vm) : .null
        let a1: Value = argCount > 1 ? try arg1.eval(vm) : .null
        // Read after the arguments: evaluating them may have grown (moved) the stack.
        let p = receiver.address(vm)
        do {
            // Maps and lists are read where they lie (`InPlace`): the methods here run no user code.
            if let m = InPlace.map(at: p), let r = m._withUnsafeGuaranteedRef({ mapMethod($0, a0, a1) }) { return r }
            if let xs = InPlace.list(at: p), let r = listMethod(xs, a0) { return r }
            if case .string(let s) = p.pointee, let r = try Methods.fastStringMethod(method, on: s, argCount, a0, a1) {
                return r
            }
            // The rest of the methods (and their errors) as the general node calls them.
            var copy = p.pointee
            var a = Arguments(positional: argCount == 0 ? [] : argCount == 1 ? [a0] : [a0, a1])
            return try Methods.call(method, on: &copy, &a, vm)
        } catch {
            throw methodCallError(error, vm, at: loc, callerName: general.callerName)
        }
    }

    /// The map and list look-ups `withLocalArgument` answers, decided before any argument is evaluated (so the
    /// general path never evaluates one a second time).
    @inline(__always)
    private func answersInPlace(_ receiver: UnsafePointer<Value>) -> Bool {
        switch InPlace.tag(at: receiver) {
        case InPlace.mapTag: return (method == .get && argCount >= 1) || (method == .contains && argCount == 1)
        case InPlace.listTag: return (method == .contains || method == .index) && argCount == 1
        default: return false
        }
    }

    /// A map or list look-up whose first argument is a local, read where it lies. The second argument is
    /// evaluated first; it cannot change either variable (see the type's comment), and nothing runs between
    /// reading the two and the look-up.
    @inline(__always)
    private func withLocalArgument(_ vm: VM) throws -> Value {
        let a1: Value = argCount > 1 ? try arg1.eval(vm) : .null
        let p = receiver.address(vm)
        let k = vm.stack + vm.base + arg0Slot
        if let m = InPlace.map(at: p) {
            return m._withUnsafeGuaranteedRef { m in
                if method == .contains { return .bool(m.contains(k.pointee)) }
                return m.get(k.pointee) ?? a1
            }
        }
        guard let xs = InPlace.list(at: p) else { preconditionFailure("answersInPlace admits maps and lists") }
        let found = firstPosition(of: k.pointee, in: xs)
        if method == .contains { return .bool(found != nil) }
        return found.map { .int($0) } ?? .null
    }

    /// A string, a list, or a map that never held a key named like a method: the method is the type's own.
    @inline(__always)
    private static func isPlain(_ p: UnsafePointer<Value>) -> Bool {
        if let m = InPlace.map(at: p) { return m._withUnsafeGuaranteedRef { !$0.hasMethodNamedKey } }
        if InPlace.tag(at: p) == InPlace.listTag { return true }
        if case .string = p.pointee { return true }
        return false
    }

    @inline(__always)
    private func mapMethod(_ m: MapStorage, _ a0: Value, _ a1: Value) -> Value? {
        switch method {
        case .get where argCount == 1: return m.get(a0) ?? .null
        case .get where argCount == 2: return m.get(a0) ?? a1
        case .contains where argCount == 1: return .bool(m.contains(a0))
        default: return nil
        }
    }

    @inline(__always)
    private func listMethod(_ xs: UnsafeBufferPointer<Value>, _ a0: Value) -> Value? {
        guard argCount == 1 else { return nil }
        switch method {
        case .contains: return .bool(firstPosition(of: a0, in: xs) != nil)
        case .index: return firstPosition(of: a0, in: xs).map { .int($0) } ?? .null
        default: return nil
        }
    }
}

/// The position of the first item equal to `x` (`==`, so `1` finds `1.0`), comparing strings and ints without
/// the general equality's switch over both values.
func firstPosition(of x: Value, in xs: UnsafeBufferPointer<Value>) -> Int? {
    switch x {
    case .string(let s):
        // A string equals only a string.
        for i in xs.indices {
            if case .string(let t) = xs[i], t == s { return i }
        }
        return nil
    case .int(let n):
        for i in xs.indices {
            if case .int(let k) = xs[i] {
                if k == n { return i }
            } else if xs[i] == x {
                return i
            }
        }
        return nil
    default:
        return xs.firstIndex(of: x)
    }
}
