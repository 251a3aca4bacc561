/// A function written in .plat: its compiled code, plus the environments of enclosing functions whose
/// variables it captured (innermost first).
public final class Closure {
    let code: FunctionCode
    /// `envChain[0]` is the environment of the function that created this closure, `[1]` its creator's, ...
    let envChain: [Env]
    /// Immutable values of enclosing functions, copied when the closure was made (see `CaptureSource`).
    let copied: [Value]
    public var name: String { code.name }

    init(code: FunctionCode, envChain: [Env], copied: [Value] = []) {
        self.code = code
        self.envChain = envChain
        self.copied = copied
    }
}

/// Variables of one function invocation that inner functions captured. Only functions that have captured
/// variables allocate one, so ordinary calls stay allocation-free.
final class Env {
    var slots: [Value]
    init(count: Int) { slots = [Value](repeating: .null, count: count) }
}

/// Everything the interpreter needs to call a function, fixed at resolve time. All `let`, so the hot path
/// reads it without reference counting.
final class FunctionCode {
    let name: String
    let loc: SourceLoc
    let params: [ParamInfo]
    /// Number of stack slots a call reserves (parameters first, then locals).
    let frameSize: Int
    /// Number of captured variables; 0 means calls need no Env.
    let envSize: Int
    /// Parameters that live in the Env (captured): (parameter index, env slot), copied there at entry.
    let capturedParams: [(param: Int, envSlot: Int)]
    let body: StmtNode
    /// For `fn(x) => expr`, the expression (a faster path than a return statement).
    let arrowBody: ExprNode?
    /// The body split at a final `return expr`, the usual last statement: `lead` runs first (nil when the
    /// return is the whole body), then `tail` is the result. A body that does not end in `return expr` is all
    /// `lead`, with no `tail`.
    let lead: StmtNode?
    let tail: ExprNode?
    /// The same two, called without reference counting (`lead` and `tail` keep them alive).
    let leadRef: Unmanaged<StmtNode>?
    let tailRef: Unmanaged<ExprNode>?
    /// What a closure of this code copies from its creator, in order.
    let copies: [CaptureSource]
    /// Plans are functions with typed parameters that the CLI can start; steps nest under them.
    let isPlan: Bool
    let minArgs: Int
    /// The argument count a call may pass positionally to take the fast path; -1 when parameters are typed.
    let fastArity: Int

    init(name: String, loc: SourceLoc, params: [ParamInfo], isPlan: Bool, frameSize: Int, envSize: Int,
         capturedParams: [(param: Int, envSlot: Int)], body: StmtNode, arrowBody: ExprNode?, copies: [CaptureSource]) {
        self.copies = copies
        self.name = name
        self.loc = loc
        self.params = params
        self.isPlan = isPlan
        self.frameSize = frameSize
        self.envSize = envSize
        self.capturedParams = capturedParams
        self.body = body
        self.arrowBody = arrowBody
        if let r = body as? ReturnNode, let v = r.value {
            (lead, tail) = (nil, v)
        } else if let b = body as? BlockNode, let r = b.statements.last as? ReturnNode, let v = r.value {
            (lead, tail) = (makeBlock(Array(b.statements.dropLast()), loc: b.loc), v)
        } else {
            (lead, tail) = (body, nil)
        }
        leadRef = lead.map { Unmanaged.passUnretained($0) }
        tailRef = tail.map { Unmanaged.passUnretained($0) }
        self.minArgs = params.firstIndex(where: { $0.defaultValue != nil }) ?? params.count
        self.fastArity = params.contains(where: { $0.type != nil }) ? -1 : params.count
    }

    func paramIndex(named n: String) -> Int? { params.firstIndex { $0.name == n } }
}

struct ParamInfo {
    let name: String
    let loc: SourceLoc
    let type: TypeName?
    /// Evaluated in the callee's frame after the earlier parameters are bound.
    var defaultValue: ExprNode?
    /// The default is the literal `nil`: the parameter is optional, so nil passes its type check
    /// (`fn f(tag: string = nil)`).
    var acceptsNil = false
}
