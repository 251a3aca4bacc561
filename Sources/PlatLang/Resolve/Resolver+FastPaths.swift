/// Choices of specialised nodes that need a look at the syntax around a call.
extension Resolver {
    /// Can evaluating `e` change a variable of the running frame? Only a call of a mutating method (`xs.pop()`)
    /// can: assignments are statements, and functions cannot reach another frame's stack slots (variables that
    /// closures capture live in environments instead). Function literals are not run by evaluating them.
    static func mayChangeVariables(_ e: Expr) -> Bool { containsCall(e, mutatingOnly: true, isPure: { _ in false }) }

    /// Builtins without effects whose result depends only on their arguments: evaluating them twice or once
    /// cannot be told apart.
    static let pureBuiltins: Set<String> = ["str", "len", "int", "float", "abs", "type"]

    /// Does evaluating `e` call anything other than the pure builtins (a function, a method, `print`...)?
    func hasCalls(_ e: Expr) -> Bool {
        Resolver.containsCall(e, mutatingOnly: false) { callee in
            guard case .name(let name) = callee.kind, Resolver.pureBuiltins.contains(name),
                  case .builtin(.builtin) = lookup(name), loader.effectSpecs[name] == nil else { return false }
            return true
        }
    }

    private static func containsCall(_ e: Expr, mutatingOnly: Bool, isPure: (Expr) -> Bool) -> Bool {
        func mayChangeVariables(_ x: Expr) -> Bool { containsCall(x, mutatingOnly: mutatingOnly, isPure: isPure) }
        switch e.kind {
        case .intLit, .floatLit, .stringLit, .boolLit, .nilLit, .durationLit, .sizeLit, .name, .function:
            return false
        case .interpolated(let parts):
            return parts.contains { if case .expr(let x) = $0 { return mayChangeVariables(x) } else { return false } }
        case .list(let items):
            return items.contains { mayChangeVariables($0) }
        case .map(let entries):
            return entries.contains { mayChangeVariables($0.key) || mayChangeVariables($0.value) }
        case .unary(_, let x):
            return mayChangeVariables(x)
        case .binary(_, let l, let r), .index(let l, let r):
            return mayChangeVariables(l) || mayChangeVariables(r)
        case .call(let callee, let args):
            if !mutatingOnly && !isPure(callee) { return true }
            if case .member(_, let name, _) = callee.kind, Resolver.mutatingMethods.contains(name) { return true }
            return mayChangeVariables(callee) || args.contains { mayChangeVariables($0.value) }
        case .slice(let c, let start, let end, let step):
            return [c, start, end, step].contains { $0.map { mayChangeVariables($0) } ?? false }
        case .conditional(let c, let t, let f):
            return mayChangeVariables(c) || mayChangeVariables(t) || mayChangeVariables(f)
        case .member(let o, _, _):
            return mayChangeVariables(o)
        }
    }

    /// `x.method(args)` on a stack local with at most two positional arguments that cannot change it: the node
    /// that reads `x` in place; otherwise the general one. A global of this file (top-level code) takes the same
    /// node when its arguments call nothing but the pure builtins: a function called there could change a
    /// global, which it cannot do to a stack slot.
    func methodCallOnVariable(object: Expr, method: MethodName?, args: [Argument], argNodes: [ExprNode],
                              general: MethodCallOnValue, loc: SourceLoc) -> ExprNode {
        guard let method, args.count <= 2, args.allSatisfy({ $0.name == nil }), case .name(let name) = object.kind,
              case .local(let v) = lookup(name), v.module == nil,
              !args.contains(where: { Resolver.mayChangeVariables($0.value) })
        else { return general }
        switch v.storage {
        case .stack(let slot):
            return MethodCallOnVariable(receiver: VariableSlot(stack: slot), method: method, args: argNodes,
                                        general: general, loc: loc)
        case .global(let slot) where !args.contains(where: { hasCalls($0.value) }):
            return MethodCallOnVariable(receiver: VariableSlot(global: slot, in: module.globals), method: method,
                                        args: argNodes, general: general, loc: loc)
        default:
            return general
        }
    }

    /// `v[i].method(args)` (or `v.key.method(args)`) for a method that changes its receiver: the node that changes
    /// the item in place when `i` calls nothing; otherwise nil.
    func methodCallOnItem(object: Expr, place: LValue, method: MethodName, argNodes: [ExprNode], names: [String?],
                          loc: SourceLoc) -> ExprNode? {
        guard let item = place as? IndexLValue, let v = item.base as? VarLValue else { return nil }
        switch object.kind {
        case .index(_, let i) where !hasCalls(i): break
        case .member: break
        default: return nil
        }
        return MethodCallOnItem(ref: v.ref, index: item.index, indexLoc: item.loc, method: method, args: argNodes,
                                names: names, callerName: fn.name, loc: loc)
    }
}

/// `v[i]` or `v[i][j]` below a variable `v` (`m.key` is `m["key"]`): the places the index-assignment nodes
/// change in place. Deeper paths keep the general places.
struct ItemPath {
    let ref: VarRef
    let outer: ExprNode
    let inner: ExprNode?
    let outerLoc: SourceLoc
    let innerLoc: SourceLoc

    init?(_ place: LValue) {
        guard let last = place as? IndexLValue else { return nil }
        if let v = last.base as? VarLValue {
            (ref, outer, inner, outerLoc, innerLoc) = (v.ref, last.index, nil, last.loc, last.loc)
        } else if let first = last.base as? IndexLValue, let v = first.base as? VarLValue {
            (ref, outer, inner, outerLoc, innerLoc) = (v.ref, first.index, last.index, first.loc, last.loc)
        } else {
            return nil
        }
    }
}
