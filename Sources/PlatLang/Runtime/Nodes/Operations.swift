/// Operators. Integer arithmetic and comparisons are done inline (with overflow checks); every other
/// combination goes to `Operators`, which owns the full rules.
final class BinaryNode: ExprNode {
    let op: BinaryOp
    let lhs: ExprNode
    let rhs: ExprNode
    init(op: BinaryOp, lhs: ExprNode, rhs: ExprNode, loc: SourceLoc) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let a = try lhs.eval(vm)
        let b = try rhs.eval(vm)
        return try apply(vm, a, b)
    }

    @inline(__always)
    func apply(_ vm: VM, _ a: Value, _ b: Value) throws -> Value {
        if case .int(let x) = a, case .int(let y) = b, let r = intOperation(op, x, y) { return r }
        return try generalBinary(vm, op, a, b, at: loc)
    }
}

/// `expr OP constant`, the shape of `n - 1` and `i < 10`: one virtual call fewer per evaluation.
final class BinaryConstNode: ExprNode {
    let op: BinaryOp
    let lhs: ExprNode
    let constant: Value
    let constInt: Int?
    init(op: BinaryOp, lhs: ExprNode, constant: Value, loc: SourceLoc) {
        self.op = op
        self.lhs = lhs
        self.constant = constant
        if case .int(let i) = constant { constInt = i } else { constInt = nil }
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let a = try lhs.eval(vm)
        if case .int(let x) = a, let y = constInt, let r = intOperation(op, x, y) { return r }
        return try generalBinary(vm, op, a, constant, at: loc)
    }
}

/// `local OP int-constant` (`n < 2`, `n - 1`, `i % 3`): the local is read in place, with no node call and no
/// copy of the value; anything but an int there takes the general rules.
final class LocalIntConstNode: ExprNode {
    let op: BinaryOp
    let slot: Int
    let constant: Int
    init(op: BinaryOp, slot: Int, constant: Int, loc: SourceLoc) {
        self.op = op
        self.slot = slot
        self.constant = constant
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let p = vm.stack + vm.base + slot
        if case .int(let x) = p.pointee, let r = intOperation(op, x, constant) { return r }
        return try generalBinary(vm, op, p.pointee, .int(constant), at: loc)
    }
}

/// `local OP local` (`i <= n`, `a + b`): both read in place.
final class LocalLocalNode: ExprNode {
    let op: BinaryOp
    let lhsSlot: Int
    let rhsSlot: Int
    init(op: BinaryOp, lhsSlot: Int, rhsSlot: Int, loc: SourceLoc) {
        self.op = op
        self.lhsSlot = lhsSlot
        self.rhsSlot = rhsSlot
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let frame = vm.stack + vm.base
        if case .int(let x) = frame[lhsSlot], case .int(let y) = frame[rhsSlot], let r = intOperation(op, x, y) {
            return r
        }
        return try generalBinary(vm, op, frame[lhsSlot], frame[rhsSlot], at: loc)
    }
}

/// Every other combination, with the error placed at the operator. Never inlined: kept out of the nodes' int
/// paths, which then need no registers saved for it.
@inline(never)
func generalBinary(_ vm: VM, _ op: BinaryOp, _ a: Value, _ b: Value, at loc: SourceLoc) throws -> Value {
    do {
        return try Operators.binary(op, a, b)
    } catch {
        throw vm.locate(error, at: loc)
    }
}

final class AndNode: ExprNode {
    let lhs: ExprNode, rhs: ExprNode
    init(lhs: ExprNode, rhs: ExprNode, loc: SourceLoc) {
        self.lhs = lhs
        self.rhs = rhs
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        guard try lhs.evalBool(vm, "the left side of 'and'") else { return .bool(false) }
        return .bool(try rhs.evalBool(vm, "the right side of 'and'"))
    }
}

final class OrNode: ExprNode {
    let lhs: ExprNode, rhs: ExprNode
    init(lhs: ExprNode, rhs: ExprNode, loc: SourceLoc) {
        self.lhs = lhs
        self.rhs = rhs
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        if try lhs.evalBool(vm, "the left side of 'or'") { return .bool(true) }
        return .bool(try rhs.evalBool(vm, "the right side of 'or'"))
    }
}

final class NotNode: ExprNode {
    let operand: ExprNode
    init(operand: ExprNode, loc: SourceLoc) {
        self.operand = operand
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        .bool(!(try operand.evalBool(vm, "the operand of 'not'")))
    }
}

final class NegateNode: ExprNode {
    let operand: ExprNode
    init(operand: ExprNode, loc: SourceLoc) {
        self.operand = operand
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let v = try operand.eval(vm)
        if case .int(let i) = v, i != Int.min { return .int(-i) }
        do { return try Operators.negate(v) } catch { throw vm.locate(error, at: loc) }
    }
}

final class ListLiteral: ExprNode {
    let items: [ExprNode]
    init(items: [ExprNode], loc: SourceLoc) {
        self.items = items
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        var out: [Value] = []
        out.reserveCapacity(items.count)
        for i in items { out.append(try i.eval(vm)) }
        return .list(out)
    }
}

final class MapLiteral: ExprNode {
    let entries: [(ExprNode, ExprNode)]
    init(entries: [(ExprNode, ExprNode)], loc: SourceLoc) {
        self.entries = entries
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let m = MapStorage()
        for (k, v) in entries {
            let key = try k.eval(vm)
            m.set(key, try v.eval(vm))
        }
        return .map(m)
    }
}

/// `container[index]`.
final class IndexNode: ExprNode {
    let container: ExprNode
    let index: ExprNode
    init(container: ExprNode, index: ExprNode, loc: SourceLoc) {
        self.container = container
        self.index = index
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let c = try container.eval(vm)
        let i = try index.eval(vm)
        if case .list(let xs) = c, case .int(let n) = i, n >= 0, n < xs.count { return xs[n] }
        do { return try Operators.index(c, i) } catch { throw vm.locate(error, at: loc) }
    }
}

/// `v[i]` where `v` is a local or a global of the file and `i` cannot change it (`names[i % 5]`, `row[j]`,
/// `counts[k]`): the list or map is read where it lies instead of copied out of its slot and released after the
/// look-up. The index is evaluated first; since it cannot change `v`, that reads what `IndexNode` would have
/// read before it (for a global, the resolver also rules out any function call in the index, which could
/// change it). Errors are `IndexNode`'s.
final class IndexOnVariable: ExprNode {
    let slot: VariableSlot
    let index: ExprNode
    init(slot: VariableSlot, index: ExprNode, loc: SourceLoc) {
        self.slot = slot
        self.index = index
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let i = try index.eval(vm)
        let p = slot.address(vm)
        // Read in place (`InPlace`): a look-up runs no user code.
        if case .int(let n) = i, let xs = InPlace.list(at: p), n >= 0, n < xs.count { return xs[n] }
        if let m = InPlace.map(at: p), let v = m._withUnsafeGuaranteedRef({ $0.get(i) }) { return v }
        do { return try Operators.index(p.pointee, i) } catch { throw vm.locate(error, at: loc) }
    }
}

/// `value.name`: a map's key, a module's member, or a runtime error's field.
final class MemberNode: ExprNode {
    let object: ExprNode
    let name: String
    init(object: ExprNode, name: String, loc: SourceLoc) {
        self.object = object
        self.name = name
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let o = try object.eval(vm)
        do { return try memberValue(o, name) } catch { throw vm.locate(error, at: loc) }
    }
}

func memberValue(_ o: Value, _ name: String) throws -> Value {
    switch o {
    case .map(let m):
        if let v = m.get(.string(name)) { return v }
        let keys = m.liveKeys.compactMap { k -> String? in if case .string(let s) = k { return s } else { return nil } }
        var hint = closestName(to: name, in: keys).map { "did you mean '\($0)'?" }
        if hint == nil && MethodName(rawValue: name) != nil { hint = "\(name) is a method: call it as .\(name)(...)" }
        throw RuntimeError("map has no key '\(name)'", hint: hint ?? "use .get(\"\(name)\", default) for optional keys")
    case .module(let m):
        if let v = m.member(name) { return v }
        let hint = closestName(to: name, in: m.memberNames).map { "did you mean '\($0)'?" }
        throw RuntimeError("module '\(m.name)' has no member '\(name)'", hint: hint)
    default:
        if MethodName(rawValue: name) != nil {
            throw RuntimeError("\(name) is a method of \(o.typeName): call it as .\(name)(...)")
        }
        let hint = ["length", "size", "len"].contains(name) ? "the length is len(x)" : nil
        throw RuntimeError("\(o.typeName) has no field '\(name)'", hint: hint)
    }
}

/// `fn(...) ...` evaluated: a closure over the running function's environment and its enclosing ones.
final class FunctionLiteral: ExprNode {
    let code: FunctionCode
    init(code: FunctionCode, loc: SourceLoc) {
        self.code = code
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        var chain = [vm.env]
        if let outer = vm.closure { chain.append(contentsOf: outer.envChain) }
        var copied: [Value] = []
        copied.reserveCapacity(code.copies.count)
        for c in code.copies {
            switch c {
            case .creatorVariable(let r): copied.append(r.get(vm))
            case .creatorCapture(let i): copied.append(vm.closure!.copied[i])
            }
        }
        return .closure(Closure(code: code, envChain: chain, copied: copied))
    }
}
