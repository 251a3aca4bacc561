/// `v[i] = x` and `v[i] op= x` where `v` is a variable (the commonest places: counting into a map, updating a
/// list item). The general path (`AssignLValue`/`AugAssign` over `IndexLValue` over `VarLValue`) goes through
/// two virtual places and a closure per level and, for `op=`, looks the key up three times. These nodes change
/// the variable's container in place with one look-up. Values keep their semantics: a list or map that another
/// variable shares is copied before it changes (copy-on-write), and every error keeps its message and location
/// (index errors at the index expression, operator errors at the statement).

/// Where a variable's value is changed in place: the frame's slot for a stack local (no call at all), else
/// taken out of its variable (captured, global) and put back, so the container is held once while it changes.
@inline(__always)
private func withVariable<R>(_ vm: VM, _ ref: VarRef, _ slot: Int, _ body: (inout Value) throws -> R) rethrows -> R {
    if slot >= 0 { return try body(&(vm.stack + vm.base + slot).pointee) }
    var v = ref.take(vm)
    defer { ref.set(vm, v) }
    return try body(&v)
}

/// The stack slot of `ref`, or -1 when the variable lives elsewhere.
private func stackSlot(_ ref: VarRef) -> Int { (ref as? LocalRef)?.slot ?? -1 }

/// `v[i] = x` and `v[i][j] = x`.
final class IndexAssignVar: StmtNode {
    let ref: VarRef
    let slot: Int
    /// `i`, then `j` when there are two levels (`inner` nil for one).
    let outer: ExprNode
    let inner: ExprNode?
    let value: ExprNode
    /// The locations of `v[i]` and `v[i][j]`, where the general path reports index errors.
    let outerLoc: SourceLoc
    let innerLoc: SourceLoc
    init(ref: VarRef, outer: ExprNode, inner: ExprNode?, value: ExprNode, outerLoc: SourceLoc, innerLoc: SourceLoc,
         loc: SourceLoc) {
        self.ref = ref
        self.slot = stackSlot(ref)
        self.outer = outer
        self.inner = inner
        self.value = value
        self.outerLoc = outerLoc
        self.innerLoc = innerLoc
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        // The general path's order: the value, then the indexes from the last to the first.
        let v = try value.eval(vm)
        if let inner {
            let j = try inner.eval(vm)
            let i = try outer.eval(vm)
            try withVariable(vm, ref, slot) { c in
                try modifyItem(&c, i, at: outerLoc, vm) { item in
                    do { try Operators.setIndex(&item, j, v) } catch { throw vm.locate(error, at: innerLoc) }
                }
            }
        } else {
            let i = try outer.eval(vm)
            do {
                try withVariable(vm, ref, slot) { c in try Operators.setIndex(&c, i, v) }
            } catch {
                throw vm.locate(error, at: outerLoc)
            }
        }
        return .normal
    }
}

/// `v[i] op= x` and `v[i][j] op= x`: each item is found once and changed where it lies (an int added in place,
/// a string or list appended to without copying it).
final class IndexAugAssignVar: StmtNode {
    let ref: VarRef
    let slot: Int
    /// `i`, then `j` when there are two levels (`inner` nil for one).
    let outer: ExprNode
    let inner: ExprNode?
    let op: BinaryOp
    let value: ExprNode
    /// The locations of `v[i]` and `v[i][j]`, where the general path reports index errors.
    let outerLoc: SourceLoc
    let innerLoc: SourceLoc
    init(ref: VarRef, outer: ExprNode, inner: ExprNode?, op: BinaryOp, value: ExprNode, outerLoc: SourceLoc,
         innerLoc: SourceLoc, loc: SourceLoc) {
        self.ref = ref
        self.slot = stackSlot(ref)
        self.outer = outer
        self.inner = inner
        self.op = op
        self.value = value
        self.outerLoc = outerLoc
        self.innerLoc = innerLoc
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        // The general path's order: the value, then the indexes from the last to the first.
        let rhs = try value.eval(vm)
        if let inner {
            let j = try inner.eval(vm)
            let i = try outer.eval(vm)
            try withVariable(vm, ref, slot) { c in
                try modifyItem(&c, i, at: outerLoc, vm) { item in
                    try modifyItem(&item, j, at: innerLoc, vm) { x in try apply(&x, rhs, vm) }
                }
            }
        } else {
            let i = try outer.eval(vm)
            try withVariable(vm, ref, slot) { c in
                try modifyItem(&c, i, at: outerLoc, vm) { x in try apply(&x, rhs, vm) }
            }
        }
        return .normal
    }

    @inline(__always)
    private func apply(_ item: inout Value, _ rhs: Value, _ vm: VM) throws {
        if case .int(let a) = item, case .int(let b) = rhs, let r = intOperation(op, a, b) {
            item = r
            return
        }
        do { try applyAugmented(op, &item, rhs) } catch { throw vm.locate(error, at: loc) }
    }
}

/// Changes `c[i]` in place: the map or list is moved out of `c` so it is held once, copied first if another
/// variable shares it, and the item is found with one look-up. Errors (a missing key, an index out of range,
/// a string or other value that has no items to change) are the general path's, located at `indexLoc`.
@inline(__always)
func modifyItem<R>(_ c: inout Value, _ i: Value, at indexLoc: SourceLoc, _ vm: VM,
                   _ body: (inout Value) throws -> R) throws -> R {
    if case .map = c {
        var storage = takeMap(&c)
        defer { c = .map(storage) }
        guard let at = storage.position(of: i) else {
            throw vm.locate(Operators.missingKey(i, in: storage), at: indexLoc)
        }
        // Copy-on-write: a map another variable holds is copied first (positions survive the copy only when the
        // map has no removed entries, so the key is looked up again in the copy).
        var position = at
        if !isKnownUniquelyReferenced(&storage) {
            storage = MapStorage(copying: storage)
            position = storage.position(of: i) ?? at
        }
        return try storage.updateValue(at: position, body)
    }
    if case .list = c {
        var items = takeList(&c)
        defer { c = .list(items) }
        let at: Int
        do { at = try Operators.position(i, count: items.count, of: "list") } catch {
            throw vm.locate(error, at: indexLoc)
        }
        return try body(&items[at])
    }
    // Strings and everything else: the general rules give the error.
    do { _ = try Operators.index(c, i) } catch { throw vm.locate(error, at: indexLoc) }
    do { try Operators.setIndex(&c, i, .null) } catch { throw vm.locate(error, at: indexLoc) }
    preconditionFailure("setIndex accepts only lists and maps")
}

/// Moves the map out of `v` (leaving nil), so the caller holds the storage's only reference when no other
/// variable shares it. `v` must hold a map.
@inline(__always)
func takeMap(_ v: inout Value) -> MapStorage {
    var moved: Value = .null
    swap(&moved, &v)
    guard case .map(let storage) = consume moved else { preconditionFailure("takeMap needs a map") }
    return storage
}

/// Moves the list out of `v` (leaving nil), so appending or storing into it does not copy it. `v` must hold a
/// list.
@inline(__always)
func takeList(_ v: inout Value) -> [Value] {
    var moved: Value = .null
    swap(&moved, &v)
    guard case .list(let items) = consume moved else { preconditionFailure("takeList needs a list") }
    return items
}

/// `v[i].method(args)` for a method that changes its receiver (`groups[k].append(x)`), where `v` is a variable
/// and `i` has no calls (the general node evaluates it twice, so only an index without effects may be evaluated
/// once). The item is changed where it lies in `v`, found with one look-up, instead of being read out, parked,
/// changed and stored back.
final class MethodCallOnItem: ExprNode {
    let ref: VarRef
    let slot: Int
    let index: ExprNode
    let indexLoc: SourceLoc
    let method: MethodName
    let args: [ExprNode]
    let names: [String?]
    let callerName: String
    private let spare = ArgumentBuffer()

    init(ref: VarRef, index: ExprNode, indexLoc: SourceLoc, method: MethodName, args: [ExprNode], names: [String?],
         callerName: String, loc: SourceLoc) {
        self.ref = ref
        self.slot = stackSlot(ref)
        self.index = index
        self.indexLoc = indexLoc
        self.method = method
        self.args = args
        self.names = names
        self.callerName = callerName
        super.init(loc: loc)
    }

    /// What the item turned out to be: the method ran, or it holds a function under the method's name, which is
    /// called once the variable holds its value again.
    private enum Outcome {
        case result(Value)
        case function(Value)
    }

    override func eval(_ vm: VM) throws -> Value {
        // The general node's order: the arguments, then the index.
        var a = try spare.evaluate(args, names, vm)
        defer { spare.reclaim(&a) }
        let i = try index.eval(vm)
        do {
            let outcome: Outcome = try withVariable(vm, ref, slot) { c in
                try modifyItem(&c, i, at: indexLoc, vm) { item -> Outcome in
                    if method == .append, a.positional.count == 1, a.named.isEmpty, case .list = item {
                        var xs = takeList(&item)
                        xs.append(a.positional[0])
                        item = .list(xs)
                        return .result(.null)
                    }
                    switch item {
                    case .map(let m) where m.hasMethodNamedKey:
                        if let f = functionMember(item, method.rawValue) { return .function(f) }
                    case .module:
                        if let f = functionMember(item, method.rawValue) { return .function(f) }
                    default:
                        break
                    }
                    return .result(try Methods.call(method, on: &item, &a, vm))
                }
            }
            switch outcome {
            case .result(let r): return r
            case .function(let f):
                return try invoke(vm, f, positional: a.positional, named: a.named, newBase: vm.frameTop, loc: loc,
                                  callerName: callerName)
            }
        } catch let r as RuntimeError {
            throw vm.error(r.message, at: loc, hint: r.hint)
        } catch var d as Diagnostic {
            if !d.traceback.isEmpty { d.traceback.insert(.init(location: loc, function: callerName), at: 0) }
            throw d
        }
    }
}
