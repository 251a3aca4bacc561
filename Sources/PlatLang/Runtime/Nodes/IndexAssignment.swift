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

/// `v[i] = x`.
final class IndexAssignVar: StmtNode {
    let ref: VarRef
    let slot: Int
    let index: ExprNode
    let value: ExprNode
    /// The location of `v[i]`, where the general path reports index errors.
    let indexLoc: SourceLoc
    init(ref: VarRef, index: ExprNode, value: ExprNode, indexLoc: SourceLoc, loc: SourceLoc) {
        self.ref = ref
        self.slot = stackSlot(ref)
        self.index = index
        self.value = value
        self.indexLoc = indexLoc
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        // The same order as the general path: the value, then the index.
        let v = try value.eval(vm)
        let i = try index.eval(vm)
        do {
            try withVariable(vm, ref, slot) { c in try Operators.setIndex(&c, i, v) }
        } catch {
            throw vm.locate(error, at: indexLoc)
        }
        return .normal
    }
}

/// `v[i] op= x`: the item is found once and changed where it lies (an int added in place, a string or list
/// appended to without copying it).
final class IndexAugAssignVar: StmtNode {
    let ref: VarRef
    let slot: Int
    let index: ExprNode
    let op: BinaryOp
    let value: ExprNode
    let indexLoc: SourceLoc
    init(ref: VarRef, index: ExprNode, op: BinaryOp, value: ExprNode, indexLoc: SourceLoc, loc: SourceLoc) {
        self.ref = ref
        self.slot = stackSlot(ref)
        self.index = index
        self.op = op
        self.value = value
        self.indexLoc = indexLoc
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        let rhs = try value.eval(vm)
        let i = try index.eval(vm)
        try withVariable(vm, ref, slot) { c in try update(&c, i, rhs, vm) }
        return .normal
    }

    @inline(__always)
    private func update(_ c: inout Value, _ i: Value, _ rhs: Value, _ vm: VM) throws {
        if case .map = c {
            var storage = takeMap(&c)
            defer { c = .map(storage) }
            guard let at = storage.position(of: i) else {
                throw vm.locate(Operators.missingKey(i, in: storage), at: indexLoc)
            }
            // Copy-on-write: a map another variable holds is copied first (positions survive the copy only
            // when the map has no removed entries, so the key is looked up again in the copy).
            var position = at
            if !isKnownUniquelyReferenced(&storage) {
                storage = MapStorage(copying: storage)
                position = storage.position(of: i) ?? at
            }
            try storage.updateValue(at: position) { item in try apply(&item, rhs, vm) }
            return
        }
        if case .list = c {
            var items = takeList(&c)
            defer { c = .list(items) }
            let at: Int
            do { at = try Operators.position(i, count: items.count, of: "list") } catch {
                throw vm.locate(error, at: indexLoc)
            }
            try apply(&items[at], rhs, vm)
            return
        }
        // Strings and everything else: the general rules give the error.
        do { _ = try Operators.index(c, i) } catch { throw vm.locate(error, at: indexLoc) }
        do { try Operators.setIndex(&c, i, .null) } catch { throw vm.locate(error, at: indexLoc) }
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
