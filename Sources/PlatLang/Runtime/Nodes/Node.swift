/// Compiled code: the resolver turns the syntax tree into a tree of these nodes, with every name already
/// turned into a slot. Each node is a small final class whose `eval`/`exec` does one thing; common shapes
/// (`local < const`, `i += 1`, a call to a top-level function) get their own node classes so the hot paths
/// skip dictionary look-ups and generic dispatch.
class ExprNode {
    let loc: SourceLoc
    init(loc: SourceLoc) { self.loc = loc }
    func eval(_ vm: VM) throws -> Value { fatalError("abstract") }

    /// Evaluates a condition, which must be a boolean.
    @inline(__always)
    final func evalBool(_ vm: VM, _ what: String) throws -> Bool {
        let v = try eval(vm)
        if case .bool(let b) = v { return b }
        throw vm.error("\(what) must be a bool, got \(v.typeName)", at: loc,
                       hint: hintForNonBool(v))
    }

    /// A constant value if this node is a literal; lets the resolver pick specialised nodes.
    var constantValue: Value? { nil }
}

func hintForNonBool(_ v: Value) -> String {
    switch v {
    case .list, .map, .string: return "conditions take booleans only; write len(x) > 0 to test for emptiness"
    case .null: return "conditions take booleans only; write x != nil"
    case .int, .float: return "conditions take booleans only; write x != 0"
    default: return "conditions take booleans only"
    }
}

/// How a statement ended: normally, or by break/continue/return travelling up to its loop or function.
enum Flow {
    case normal, breakLoop, continueLoop, returned
}

class StmtNode {
    let loc: SourceLoc
    init(loc: SourceLoc) { self.loc = loc }
    func exec(_ vm: VM) throws -> Flow { fatalError("abstract") }
}

/// Statements in order; stops at the first that breaks, continues or returns.
final class BlockNode: StmtNode {
    let statements: [StmtNode]
    /// The same statements in a fixed buffer: walking it costs no reference counting, which walking the
    /// array did on every execution of the block.
    private let buffer: UnsafeMutableBufferPointer<Unmanaged<StmtNode>>
    init(_ statements: [StmtNode], loc: SourceLoc) {
        self.statements = statements
        buffer = .allocate(capacity: statements.count)
        _ = buffer.initialize(from: statements.map { Unmanaged.passUnretained($0) })
        super.init(loc: loc)
    }
    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
    override func exec(_ vm: VM) throws -> Flow {
        var i = 0
        let n = buffer.count
        while i < n {
            // `statements` keeps every node alive, so no retain is needed to call one.
            let f = try buffer[i]._withUnsafeGuaranteedRef { try $0.exec(vm) }
            if case .normal = f { i += 1; continue }
            return f
        }
        return .normal
    }
}

final class EmptyNode: StmtNode {
    override func exec(_ vm: VM) throws -> Flow { .normal }
}

/// A block as one node: a one-statement block is that statement, which saves a loop per execution.
func makeBlock(_ stmts: [StmtNode], loc: SourceLoc = .unknown) -> StmtNode {
    switch stmts.count {
    case 0: return EmptyNode(loc: loc)
    case 1: return stmts[0]
    default: return BlockNode(stmts, loc: stmts[0].loc)
    }
}
