/// `str(x)` and `len(x)` with one positional argument, where the name is the builtin (not shadowed): the
/// commonest builtin calls in string building and loops. The general `BuiltinCallNode` lends an argument array,
/// binds it by name and calls through a closure (about 400 instructions for `str(i)`); these nodes evaluate the
/// argument and answer the common cases directly. Any other argument goes to the builtin itself with the same
/// argument, so results and errors are the builtin's.
func fastBuiltinCall(_ name: String, _ builtin: BuiltinFunction, args: [ExprNode], names: [String?],
                     callerName: String, loc: SourceLoc) -> ExprNode? {
    guard args.count == 1, names[0] == nil else { return nil }
    let general = BuiltinCallNode(builtin: builtin, args: args, names: names, callerName: callerName, loc: loc)
    switch name {
    case "str": return StrCallNode(argument: args[0], general: general, loc: loc)
    case "len": return LenCallNode(argument: args[0], general: general, loc: loc)
    default: return nil
    }
}

/// Calls the builtin of `general` with one already evaluated argument.
@inline(never)
private func callWithOne(_ general: BuiltinCallNode, _ v: Value, _ vm: VM) throws -> Value {
    var a = Arguments(positional: [v])
    return try callBuiltin(vm, general.builtin, &a, loc: general.loc, callerName: general.callerName)
}

final class StrCallNode: ExprNode {
    let argument: ExprNode
    let general: BuiltinCallNode
    init(argument: ExprNode, general: BuiltinCallNode, loc: SourceLoc) {
        self.argument = argument
        self.general = general
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        let v = try argument.eval(vm)
        switch v {
        case .int(let i): return .string(DecimalText.string(i))
        case .string: return v
        default: return try callWithOne(general, v, vm)
        }
    }
}

final class LenCallNode: ExprNode {
    let argument: ExprNode
    let general: BuiltinCallNode
    /// The argument's slot when it is a variable (`len(k)`, a local or a global of the file): its length is read
    /// where it lies, without copying the value out and releasing it again.
    private let variable: VariableSlot?
    init(argument: ExprNode, general: BuiltinCallNode, loc: SourceLoc) {
        self.argument = argument
        self.general = general
        variable = VariableSlot(reading: argument)
        super.init(loc: loc)
    }
    override func eval(_ vm: VM) throws -> Value {
        if let variable {
            let p = variable.address(vm)
            if let xs = InPlace.list(at: p) { return .int(xs.count) }
            if let m = InPlace.map(at: p) { return .int(m._withUnsafeGuaranteedRef { $0.count }) }
            if case .string(let s) = p.pointee { return .int(characterCount(s)) }
        }
        let v = try argument.eval(vm)
        switch v {
        case .string(let s): return .int(characterCount(s))
        case .list(let xs): return .int(xs.count)
        case .map(let m): return .int(m.count)
        default: return try callWithOne(general, v, vm)
        }
    }
}
