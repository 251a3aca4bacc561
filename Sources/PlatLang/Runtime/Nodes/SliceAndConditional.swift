/// `base[start:end:step]`: the omitted parts are nil nodes, so the rules live in one place
/// (`Operators.slice`). The result is a new value: the slice and the original never share changes.
final class SliceNode: ExprNode {
    let container: ExprNode
    let start: ExprNode?
    let end: ExprNode?
    let step: ExprNode?
    init(container: ExprNode, start: ExprNode?, end: ExprNode?, step: ExprNode?, loc: SourceLoc) {
        self.container = container
        self.start = start
        self.end = end
        self.step = step
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let c = try container.eval(vm)
        let s = try start?.eval(vm) ?? .null
        let e = try end?.eval(vm) ?? .null
        let st = try step?.eval(vm) ?? .null
        do { return try Operators.slice(c, start: s, end: e, step: st) } catch { throw vm.locate(error, at: loc) }
    }
}

/// `if condition then a else b`: the condition must be a bool (as for the `if` statement) and only the chosen
/// branch runs, so `if len(xs) > 0 then xs[0] else nil` never indexes an empty list.
final class ConditionalNode: ExprNode {
    let condition: ExprNode
    let whenTrue: ExprNode
    let whenFalse: ExprNode
    init(condition: ExprNode, whenTrue: ExprNode, whenFalse: ExprNode, loc: SourceLoc) {
        self.condition = condition
        self.whenTrue = whenTrue
        self.whenFalse = whenFalse
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        try condition.evalBool(vm, "the condition of 'if ... then ... else'") ? whenTrue.eval(vm) : whenFalse.eval(vm)
    }
}
