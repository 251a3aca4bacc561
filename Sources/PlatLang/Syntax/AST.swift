/// The syntax tree the parser produces and the resolver consumes. Every node carries the location of its
/// first token (for binary operators: the operator), which is what diagnostics point at.

public struct Expr {
    public var kind: ExprKind
    public var loc: SourceLoc
    public init(_ kind: ExprKind, _ loc: SourceLoc) {
        self.kind = kind
        self.loc = loc
    }
}

public enum BinaryOp: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", floorDiv = "//", mod = "%"
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case inOp = "in", notIn = "not in"
    case and = "and", or = "or"
}

public enum UnaryOp: String, Sendable {
    case neg = "-", not = "not"
}

/// A piece of an interpolated string: literal text, or an expression from `\( ... )`.
public enum InterpolationPart {
    case text(String)
    case expr(Expr)
}

/// An argument at a call site: positional (`name == nil`) or named (`name: value`).
public struct Argument {
    public var name: String?
    public var nameLoc: SourceLoc?
    public var value: Expr
    public init(name: String?, nameLoc: SourceLoc?, value: Expr) {
        self.name = name
        self.nameLoc = nameLoc
        self.value = value
    }
}

public indirect enum ExprKind {
    case intLit(Int)
    case floatLit(Double)
    case stringLit(String)
    case interpolated([InterpolationPart])
    case boolLit(Bool)
    case nilLit
    /// Milliseconds.
    case durationLit(Int64)
    /// Bytes.
    case sizeLit(Int64)
    case name(String)
    case list([Expr])
    /// Keys are expressions: the parser turns identifier keys into string literals.
    case map([(key: Expr, value: Expr)])
    case unary(UnaryOp, Expr)
    /// `and`/`or` are binary ops here; the interpreter short-circuits them.
    case binary(BinaryOp, Expr, Expr)
    case call(callee: Expr, args: [Argument])
    case index(Expr, Expr)
    /// `base[start:end:step]`; an omitted part is nil (`xs[1:]`, `xs[:-1]`, `s[::-1]`).
    case slice(Expr, start: Expr?, end: Expr?, step: Expr?)
    /// `if condition then value else other`: only the chosen branch is evaluated.
    case conditional(Expr, then: Expr, else: Expr)
    case member(Expr, name: String, nameLoc: SourceLoc)
    /// An anonymous function: `fn(x) => expr` or `fn(x) { ... }`.
    case function(FunctionDecl)
}

/// A parameter of a `fn` or a `plan`: `name`, `name = default`, `name: type`, `name: type = default`.
public struct Param {
    public var name: String
    public var loc: SourceLoc
    public var type: TypeName?
    public var defaultValue: Expr?
    public init(name: String, loc: SourceLoc, type: TypeName?, defaultValue: Expr?) {
        self.name = name
        self.loc = loc
        self.type = type
        self.defaultValue = defaultValue
    }
}

/// The declared types of plan (and optionally function) parameters.
public enum TypeName: String, CaseIterable, Sendable {
    case string, int, float, bool, duration, size, list, map, secret, hosts, any
}

public struct Block {
    public var statements: [Stmt]
    /// The `{`; the closing brace location is kept for "missing return"-style messages.
    public var loc: SourceLoc
    public var endLoc: SourceLoc
    public init(statements: [Stmt], loc: SourceLoc, endLoc: SourceLoc) {
        self.statements = statements
        self.loc = loc
        self.endLoc = endLoc
    }
}

public final class FunctionDecl {
    /// nil for anonymous functions.
    public var name: String?
    public var params: [Param]
    public var body: Block
    /// `fn(x) => expr`: the body is a single `return expr`.
    public var isArrow: Bool
    public var loc: SourceLoc
    public init(name: String?, params: [Param], body: Block, isArrow: Bool, loc: SourceLoc) {
        self.name = name
        self.params = params
        self.body = body
        self.isArrow = isArrow
        self.loc = loc
    }
}

public final class PlanDecl {
    public var name: String
    public var params: [Param]
    public var body: Block
    public var loc: SourceLoc
    public init(name: String, params: [Param], body: Block, loc: SourceLoc) {
        self.name = name
        self.params = params
        self.body = body
        self.loc = loc
    }
}

public enum AssignOp: String, Sendable {
    case add = "+=", sub = "-=", mul = "*=", div = "/="
}

public struct Stmt {
    public var kind: StmtKind
    public var loc: SourceLoc
    public init(_ kind: StmtKind, _ loc: SourceLoc) {
        self.kind = kind
        self.loc = loc
    }
}

public struct IfClause {
    public var condition: Expr
    public var body: Block
    public init(condition: Expr, body: Block) {
        self.condition = condition
        self.body = body
    }
}

public indirect enum StmtKind {
    case expr(Expr)
    /// `let name = value` (isLet) or `var name = value`.
    case varDecl(isLet: Bool, name: String, nameLoc: SourceLoc, value: Expr)
    /// `target = value` or `target op= value`; target is a name, `a[i]` or `a.b` chain.
    case assign(target: Expr, op: AssignOp?, value: Expr)
    case ifStmt(clauses: [IfClause], elseBody: Block?)
    /// `for x in xs` (one name) or `for k, v in m` (two names).
    case forIn(names: [(name: String, loc: SourceLoc)], iterable: Expr, body: Block)
    case whileStmt(condition: Expr, body: Block)
    case breakStmt
    case continueStmt
    case returnStmt(Expr?)
    case fnDecl(FunctionDecl)
    case planDecl(PlanDecl)
    /// `step "name", opt: value, ... { body }`
    case step(name: String, nameLoc: SourceLoc, options: [Argument], body: Block)
    /// `try { } catch e { }`; the catch name is optional (`catch { }`).
    case tryCatch(body: Block, errorName: String?, errorLoc: SourceLoc?, handler: Block)
    case assertStmt(condition: Expr, message: Expr?)
    /// `import "std/NAME" as alias` or `import "./file.plat" as alias`.
    case importStmt(path: String, alias: String, aliasLoc: SourceLoc)
    /// A declarative block: `KIND "label" [for NAME] { key: value, ... }`, e.g.
    /// `schedule "nightly" { cron: "0 3 * * *", run: cleanup(days: 7) }`. The body is a map literal.
    case declaration(kind: String, label: String, labelLoc: SourceLoc, target: String?, body: Expr)
}

/// A parsed file.
public struct Program {
    public var file: SourceFile
    public var statements: [Stmt]
    public init(file: SourceFile, statements: [Stmt]) {
        self.file = file
        self.statements = statements
    }
}
