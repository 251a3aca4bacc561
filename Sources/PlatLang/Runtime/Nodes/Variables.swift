/// Where a variable lives, fixed at resolve time: a stack slot of the running frame, the running function's
/// captured environment, an enclosing function's environment, or a module global.
class VarRef {
    let name: String
    init(name: String) { self.name = name }
    func get(_ vm: VM) -> Value { fatalError("abstract") }
    /// Takes `v` over: a caller that is done with its value hands it in without a copy.
    func set(_ vm: VM, _ v: __owned Value) { fatalError("abstract") }
    /// Takes the value out, leaving nil, so the caller holds the only reference and can mutate it in place
    /// (copy-on-write then copies nothing). The caller must `set` it back.
    func take(_ vm: VM) -> Value {
        let v = get(vm)
        set(vm, .null)
        return v
    }
}

final class LocalRef: VarRef {
    let slot: Int
    init(name: String, slot: Int) {
        self.slot = slot
        super.init(name: name)
    }
    override func get(_ vm: VM) -> Value { vm.stack[vm.base + slot] }
    override func set(_ vm: VM, _ v: __owned Value) { vm.stack[vm.base + slot] = v }
    override func take(_ vm: VM) -> Value {
        let p = vm.stack + vm.base + slot
        let v = p.move()
        p.initialize(to: .null)
        return v
    }
}

final class EnvRef: VarRef {
    let slot: Int
    init(name: String, slot: Int) {
        self.slot = slot
        super.init(name: name)
    }
    override func get(_ vm: VM) -> Value { vm.env.slots[slot] }
    override func set(_ vm: VM, _ v: __owned Value) { vm.env.slots[slot] = v }
}

/// A variable of an enclosing function, reached through the running closure's environment chain.
final class FreeRef: VarRef {
    let depth: Int
    let slot: Int
    init(name: String, depth: Int, slot: Int) {
        self.depth = depth
        self.slot = slot
        super.init(name: name)
    }
    override func get(_ vm: VM) -> Value {
        vm.closureRef!._withUnsafeGuaranteedRef { $0.envChain[depth].slots[slot] }
    }
    override func set(_ vm: VM, _ v: __owned Value) {
        vm.closureRef!._withUnsafeGuaranteedRef { $0.envChain[depth].slots[slot] = v }
    }
}

/// The top-level variables of one file.
/// A file's top-level variables. The values live in one block of memory, addressed like the stack
/// (`slot(i)`), so the nodes for globals change them where they lie, as the local nodes do: a Swift array here
/// copied the value out and back (two atomic reference-count operations for a list or map) on every change.
/// The block moves only when a global is added, which happens while the file is compiled; nodes compute the
/// address at each access and never keep it.
final class Globals {
    private(set) var names: [String] = []
    private var base: UnsafeMutablePointer<Value>
    private var capacity = 16

    init() {
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: names.count)
        base.deallocate()
    }

    var count: Int { names.count }

    func add(_ name: String) -> Int {
        if names.count == capacity {
            let bigger = UnsafeMutablePointer<Value>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: base, count: names.count)
            base.deallocate()
            base = bigger
            capacity *= 2
        }
        (base + names.count).initialize(to: .null)
        names.append(name)
        return names.count - 1
    }

    /// Where global `i` lies; valid until the next `add`.
    @inline(__always)
    func slot(_ i: Int) -> UnsafeMutablePointer<Value> { base + i }

    subscript(i: Int) -> Value {
        get { base[i] }
        set { base[i] = newValue }
    }

    /// Sets every global to nil (releasing what they held, on the calling thread).
    func releaseAll() {
        for i in 0..<names.count { base[i] = .null }
    }
}

/// Where a variable that a node reads or changes in place lies: a slot of the running frame's stack, or of the
/// file's globals (top-level code). The address is computed at each access: the stack moves when it grows, and
/// the globals' block when a global is added.
struct VariableSlot {
    let index: Int
    /// The file's globals for a global; nil for a stack slot.
    let globals: Globals?

    init(stack index: Int) {
        self.index = index
        globals = nil
    }

    init(global index: Int, in globals: Globals) {
        self.index = index
        self.globals = globals
    }

    /// The slot of a local or global variable; nil for one that lives elsewhere (a closure's environment).
    init?(_ ref: VarRef) {
        if let local = ref as? LocalRef { self.init(stack: local.slot) }
        else if let global = ref as? GlobalRef { self.init(global: global.slot, in: global.globals) }
        else { return nil }
    }

    /// The slot a node reads (`x` as an expression, a local or a global); nil for any other node.
    init?(reading node: ExprNode) {
        if let local = node as? LocalGet { self.init(stack: local.slot) }
        else if let global = node as? GlobalGet { self.init(global: global.slot, in: global.globals) }
        else { return nil }
    }

    @inline(__always)
    func address(_ vm: VM) -> UnsafeMutablePointer<Value> {
        if let globals { return globals.slot(index) }
        return vm.stack + vm.base + index
    }
}

final class GlobalRef: VarRef {
    let globals: Globals
    let slot: Int
    init(name: String, globals: Globals, slot: Int) {
        self.globals = globals
        self.slot = slot
        super.init(name: name)
    }
    override func get(_ vm: VM) -> Value { globals[slot] }
    override func set(_ vm: VM, _ v: __owned Value) { globals.slot(slot).pointee = v }
    override func take(_ vm: VM) -> Value {
        let p = globals.slot(slot)
        let v = p.move()
        p.initialize(to: .null)
        return v
    }
}

// MARK: Reading variables

final class LocalGet: ExprNode {
    let slot: Int
    init(slot: Int, loc: SourceLoc) {
        self.slot = slot
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let p = vm.stack + vm.base + slot
        // An int, the commonest value, is rebuilt from its payload: no call to the general copy.
        if case .int(let i) = p.pointee { return .int(i) }
        return p.pointee
    }
}

final class VarGet: ExprNode {
    let ref: VarRef
    init(ref: VarRef, loc: SourceLoc) {
        self.ref = ref
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value { ref.get(vm) }
}

final class GlobalGet: ExprNode {
    let globals: Globals
    let slot: Int
    init(globals: Globals, slot: Int, loc: SourceLoc) {
        self.globals = globals
        self.slot = slot
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let p = globals.slot(slot)
        // An int is rebuilt from its payload: no call to the general copy.
        if case .int(let i) = p.pointee { return .int(i) }
        return p.pointee
    }
}

/// An immutable variable of an enclosing function, read from the running closure's copies.
final class CopiedGet: ExprNode {
    let index: Int
    init(index: Int, loc: SourceLoc) {
        self.index = index
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        vm.closureRef.unsafelyUnwrapped._withUnsafeGuaranteedRef { $0.copied[index] }
    }
}

final class ConstNode: ExprNode {
    let value: Value
    init(_ value: Value, loc: SourceLoc) {
        self.value = value
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value { value }
    override var constantValue: Value? { value }
}

// MARK: Writing variables

final class AssignLocal: StmtNode {
    let slot: Int
    let value: ExprNode
    init(slot: Int, value: ExprNode, loc: SourceLoc) {
        self.slot = slot
        self.value = value
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        let v = try value.eval(vm)
        vm.stack[vm.base + slot] = v
        return .normal
    }
}

final class AssignVar: StmtNode {
    let ref: VarRef
    let value: ExprNode
    init(ref: VarRef, value: ExprNode, loc: SourceLoc) {
        self.ref = ref
        self.value = value
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        ref.set(vm, try value.eval(vm))
        return .normal
    }
}

/// `x += e` where x is a local or a global of the file: integers add in place, strings and lists append without
/// copying.
final class AugAssignVariable: StmtNode {
    let slot: VariableSlot
    let op: BinaryOp
    let value: ExprNode
    init(slot: VariableSlot, op: BinaryOp, value: ExprNode, loc: SourceLoc) {
        self.slot = slot
        self.op = op
        self.value = value
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        let rhs = try value.eval(vm)
        let p = slot.address(vm)
        if case .int(let a) = p.pointee, case .int(let b) = rhs, let r = intOperation(op, a, b) {
            p.pointee = r
            return .normal
        }
        var cur = p.move()
        p.initialize(to: .null)
        do {
            try applyAugmented(op, &cur, rhs)
        } catch {
            p.pointee = cur
            throw vm.locate(error, at: loc)
        }
        p.pointee = cur
        return .normal
    }
}

/// `target op= value` for any target.
final class AugAssign: StmtNode {
    let target: LValue
    let op: BinaryOp
    let value: ExprNode
    init(target: LValue, op: BinaryOp, value: ExprNode, loc: SourceLoc) {
        self.target = target
        self.op = op
        self.value = value
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        let rhs = try value.eval(vm)
        do {
            try target.modify(vm) { cur in try applyAugmented(op, &cur, rhs) }
        } catch {
            throw vm.locate(error, at: loc)
        }
        return .normal
    }
}

/// Applies `cur op= rhs`, appending in place where the value allows it (`cur` must be uniquely held).
@inline(__always)
func applyAugmented(_ op: BinaryOp, _ cur: inout Value, _ rhs: Value) throws {
    // No tuple switch here: matching `(cur, rhs)` would copy `cur` and make every append copy the string.
    if op == .add {
        if case .string(let t) = rhs, case .string(var s) = cur {
            cur = .null
            s += t
            cur = .string(s)
            return
        }
        if case .list(let ys) = rhs, case .list(var xs) = cur {
            cur = .null
            xs.append(contentsOf: ys)
            cur = .list(xs)
            return
        }
    }
    cur = try Operators.binary(op, cur, rhs)
}

/// An assignable place: a variable, or an index/member path below one (`m["k"][0]`, `cfg.port`).
class LValue {
    let loc: SourceLoc
    init(loc: SourceLoc) { self.loc = loc }
    func get(_ vm: VM) throws -> Value { fatalError("abstract") }
    func set(_ vm: VM, _ v: Value) throws { fatalError("abstract") }
    /// Changes the value in place; `body` receives a uniquely held value where possible.
    func modify(_ vm: VM, _ body: (inout Value) throws -> Void) throws { fatalError("abstract") }

    // A place read and then changed by one expression (`groups[next()].append(x)` looks at the item, then
    // appends to it) evaluates its indices once: `evaluateIndices` collects them, outermost first, and the
    // `keys:` forms use them instead of evaluating the index expressions again.
    func evaluateIndices(_ vm: VM, into keys: inout [Value]) throws {}
    func get(_ vm: VM, keys: [Value], count: Int) throws -> Value { try get(vm) }
    func modify(_ vm: VM, keys: [Value], count: Int, _ body: (inout Value) throws -> Void) throws {
        try modify(vm, body)
    }
}

final class VarLValue: LValue {
    let ref: VarRef
    init(ref: VarRef, loc: SourceLoc) {
        self.ref = ref
        super.init(loc: loc)
    }
    override func get(_ vm: VM) throws -> Value { ref.get(vm) }
    override func set(_ vm: VM, _ v: Value) throws { ref.set(vm, v) }
    override func modify(_ vm: VM, _ body: (inout Value) throws -> Void) throws {
        var v = ref.take(vm)
        defer { ref.set(vm, v) }
        try body(&v)
    }
}

/// `container[index]` as a place. `m.key` on a map is the same place as `m["key"]`.
final class IndexLValue: LValue {
    let base: LValue
    let index: ExprNode
    init(base: LValue, index: ExprNode, loc: SourceLoc) {
        self.base = base
        self.index = index
        super.init(loc: loc)
    }
    override func get(_ vm: VM) throws -> Value {
        let c = try base.get(vm)
        let i = try index.eval(vm)
        do { return try Operators.index(c, i) } catch { throw vm.locate(error, at: loc) }
    }
    override func set(_ vm: VM, _ v: Value) throws {
        let i = try index.eval(vm)
        try base.modify(vm) { c in
            do { try Operators.setIndex(&c, i, v) } catch { throw vm.locate(error, at: loc) }
        }
    }
    override func modify(_ vm: VM, _ body: (inout Value) throws -> Void) throws {
        let i = try index.eval(vm)
        try base.modify(vm) { c in try changeItem(of: &c, at: i, vm, body) }
    }
    /// Changes `c[i]` in place.
    private func changeItem(of c: inout Value, at i: Value, _ vm: VM, _ body: (inout Value) throws -> Void) throws {
        var item: Value
        do { item = try Operators.index(c, i) } catch { throw vm.locate(error, at: loc) }
        // Park nil in the container so `item` is the only reference while it is changed.
        do { try Operators.setIndex(&c, i, .null) } catch { throw vm.locate(error, at: loc) }
        var thrown: Error?
        do { try body(&item) } catch { thrown = error }
        do { try Operators.setIndex(&c, i, item) } catch { throw vm.locate(error, at: loc) }
        if let thrown { throw thrown }
    }
    override func evaluateIndices(_ vm: VM, into keys: inout [Value]) throws {
        try base.evaluateIndices(vm, into: &keys)
        keys.append(try index.eval(vm))
    }
    override func get(_ vm: VM, keys: [Value], count: Int) throws -> Value {
        let c = try base.get(vm, keys: keys, count: count - 1)
        do { return try Operators.index(c, keys[count - 1]) } catch { throw vm.locate(error, at: loc) }
    }
    override func modify(_ vm: VM, keys: [Value], count: Int, _ body: (inout Value) throws -> Void) throws {
        let i = keys[count - 1]
        try base.modify(vm, keys: keys, count: count - 1) { c in try changeItem(of: &c, at: i, vm, body) }
    }
}

final class AssignLValue: StmtNode {
    let target: LValue
    let value: ExprNode
    init(target: LValue, value: ExprNode, loc: SourceLoc) {
        self.target = target
        self.value = value
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        let v = try value.eval(vm)
        try target.set(vm, v)
        return .normal
    }
}
