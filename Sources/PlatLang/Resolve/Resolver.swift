/// Turns a parsed file into executable nodes: every name becomes a stack slot, an environment slot (for
/// variables that inner functions capture) or a global slot, and every static mistake the user could make
/// (undefined names, assigning a `let`, `break` outside a loop, duplicate steps, wrong arguments to a known
/// function) becomes a diagnostic. All errors are collected, not only the first.
///
/// Resolution runs twice over a file: the first pass only learns which declarations inner functions capture
/// (so they can live in an environment instead of the stack), the second builds the nodes.
final class Resolver {
    let module: CompiledModule
    let loader: ModuleLoader
    var diagnostics: [Diagnostic] = []
    /// Declarations (by position) that some inner function reads or writes.
    var captured: Set<SourceLoc>
    /// Collecting captures only: diagnostics are discarded and imports are not loaded twice.
    let analysisOnly: Bool
    var fn: FunctionContext
    /// Top-level names whose definition has run by the current point of top-level code.
    var definedGlobals = Set<String>()
    /// The file's plans by name, for declarations that start them (`run: plan(args)`).
    var planDecls: [String: PlanDecl] = [:]
    /// The initialiser of every `let`, by the position of its name, for hints that depend on what it holds.
    var letValues: [SourceLoc: Expr] = [:]
    /// Where `for` loops declare their variables, for the hint when one is changed.
    var loopVariables = Set<SourceLoc>()

    init(module: CompiledModule, loader: ModuleLoader, captured: Set<SourceLoc>, analysisOnly: Bool) {
        self.module = module
        self.loader = loader
        self.captured = captured
        self.analysisOnly = analysisOnly
        fn = FunctionContext(parent: nil, name: "<toplevel>", isModule: true, isPlan: false)
    }

    /// Resolves a whole file (both passes) into `module`; returns its diagnostics.
    static func resolve(_ program: Program, into module: CompiledModule, loader: ModuleLoader) -> [Diagnostic] {
        let first = Resolver(module: CompiledModule(file: module.file, name: module.name), loader: loader,
                             captured: [], analysisOnly: true)
        first.resolveTopLevel(program)
        let second = Resolver(module: module, loader: loader, captured: first.captured, analysisOnly: false)
        second.resolveTopLevel(program)
        return second.diagnostics
    }

    // MARK: Diagnostics

    func report(_ message: String, at loc: SourceLoc, hint: String? = nil) {
        guard !analysisOnly else { return }
        if diagnostics.contains(where: { $0.location == loc && $0.message == message }) { return }
        diagnostics.append(Diagnostic(message: message, location: loc, hint: hint, phase: .resolve))
    }

    // MARK: Top level

    func resolveTopLevel(_ program: Program) {
        // Every top-level name is a global, declared up front so functions may use names defined below them.
        for stmt in program.statements {
            switch stmt.kind {
            case .varDecl(let isLet, let name, let nameLoc, let value):
                declareGlobal(name, isLet: isLet, loc: nameLoc)
                if isLet { letValues[nameLoc] = value }
            case .fnDecl(let decl):
                if let name = decl.name { declareGlobal(name, isLet: true, loc: decl.loc, function: decl) }
            case .planDecl(let plan):
                declareGlobal(plan.name, isLet: true, loc: plan.loc)
                planDecls[plan.name] = plan
            case .importStmt(_, let alias, let aliasLoc):
                declareGlobal(alias, isLet: true, loc: aliasLoc)
            default: break
            }
        }
        var body = hoistFunctions(program.statements)
        for stmt in program.statements {
            if let n = resolveStatement(stmt) { body.append(n) }
            markDefined(stmt)
        }
        let code = FunctionCode(name: "<toplevel>", loc: SourceLoc(file: program.file, line: 1, col: 1), params: [],
                                isPlan: false, frameSize: fn.finishFrame(), envSize: fn.envSize, capturedParams: [],
                                body: makeBlock(body), arrowBody: nil, copies: [])
        module.topLevel = code
    }

    private func markDefined(_ stmt: Stmt) {
        switch stmt.kind {
        case .varDecl(_, let name, _, _): definedGlobals.insert(name)
        case .importStmt(_, let alias, _): definedGlobals.insert(alias)
        default: break
        }
    }

    private func declareGlobal(_ name: String, isLet: Bool, loc: SourceLoc, function: FunctionDecl? = nil) {
        if let existing = fn.scopes[0][name] {
            report("'\(name)' is already declared at line \(existing.loc.line)", at: loc,
                   hint: "rename one of them")
            return
        }
        let slot = module.globals.add(name)
        let v = LocalVar(storage: .global(slot), isLet: isLet, loc: loc, module: nil, function: function)
        fn.scopes[0][name] = v
        module.globalIndex[name] = v
    }

    /// Top-level `fn` declarations are created before any top-level statement runs, so top-level code may
    /// call functions declared below it and top-level functions may call each other.
    func hoistFunctions(_ stmts: [Stmt]) -> [StmtNode] {
        guard fn.isModule && fn.scopes.count == 1 else { return [] }
        var out: [StmtNode] = []
        for stmt in stmts {
            if case .fnDecl(let decl) = stmt.kind, let name = decl.name {
                let code = compileFunction(decl, name: name, isPlan: false)
                let lit = FunctionLiteral(code: code, loc: decl.loc)
                if let ref = varRef(name, at: decl.loc) { out.append(AssignVar(ref: ref, value: lit, loc: decl.loc)) }
                definedGlobals.insert(name)
            }
            if case .planDecl(let plan) = stmt.kind {
                out += compilePlan(plan)
                definedGlobals.insert(plan.name)
            }
        }
        return out
    }

    private func compilePlan(_ plan: PlanDecl) -> [StmtNode] {
        let decl = FunctionDecl(name: plan.name, params: plan.params, body: plan.body, isArrow: false, loc: plan.loc)
        let code = compileFunction(decl, name: plan.name, isPlan: true)
        guard case .global(let slot)? = fn.scopes[0][plan.name]?.storage,
              let ref = varRef(plan.name, at: plan.loc) else { return [] }
        let params = plan.params.map { p in
            PlanParam(name: p.name, type: p.type ?? .any, defaultText: p.defaultValue.map { sourceText(of: $0) })
        }
        module.plans.append(PlanInfo(name: plan.name, params: params, loc: plan.loc, globalSlot: slot))
        return [AssignVar(ref: ref, value: FunctionLiteral(code: code, loc: plan.loc), loc: plan.loc)]
    }

    /// The default value of a parameter as the user wrote it (for listings), from its line in the source.
    private func sourceText(of e: Expr) -> String {
        switch e.kind {
        case .intLit(let i): return String(i)
        case .floatLit(let d): return Value.float(d).printed
        case .stringLit(let s): return Value.string(s).repr
        case .boolLit(let b): return String(b)
        case .nilLit: return "nil"
        case .durationLit(let d): return Value.duration(d).printed
        case .sizeLit(let s): return Value.size(s).printed
        default: return "…"
        }
    }

    // MARK: Declarations

    @discardableResult
    func declareLocal(_ name: String, isLet: Bool, loc: SourceLoc, function: FunctionDecl? = nil,
                      module: CompiledModule? = nil) -> LocalVar {
        if let existing = fn.scopes[fn.scopes.count - 1][name], !(fn.isModule && fn.scopes.count == 1) {
            report("'\(name)' is already declared in this scope (line \(existing.loc.line))", at: loc,
                   hint: "pick another name, or assign with '=' if you meant to change it")
        }
        let storage: LocalVar.Storage = captured.contains(loc) ? .env(fn.allocateEnv()) : .stack(fn.allocateStack())
        let v = LocalVar(storage: storage, isLet: isLet, loc: loc, module: module, function: function)
        fn.scopes[fn.scopes.count - 1][name] = v
        return v
    }

    // MARK: Names

    enum Lookup {
        case local(LocalVar)
        /// A variable of an enclosing function, `depth` functions out (1 = the direct parent).
        case free(LocalVar, depth: Int)
        /// An immutable variable of an enclosing function, copied into this closure at `index`.
        case copied(LocalVar, index: Int)
        case builtin(Value)
        case missing
    }

    func lookup(_ name: String) -> Lookup {
        if let v = fn.lookupLocal(name) { return .local(v) }
        var depth = 1
        var f = fn.parent
        while let ctx = f {
            if let v = ctx.lookupLocal(name) {
                if case .global = v.storage { return .local(v) }
                // An immutable value is copied into the closure; a `var` (or a function that may call itself)
                // is shared through its function's environment.
                if v.isLet && v.function == nil && v.module == nil {
                    return .copied(v, index: captureIndex(in: fn, of: v, name: name, depth: depth))
                }
                captured.insert(v.loc)
                return .free(v, depth: depth)
            }
            depth += 1
            f = ctx.parent
        }
        if let b = loader.builtins[name] { return .builtin(b) }
        return .missing
    }

    func allVisibleNames() -> [String] {
        var names: [String] = []
        var f: FunctionContext? = fn
        while let ctx = f {
            names += ctx.visibleNames
            f = ctx.parent
        }
        return names + Array(loader.builtins.keys)
    }

    func reportUndefined(_ name: String, at loc: SourceLoc) {
        let hint = ForeignSpellings.hint(for: name) ?? closestName(to: name, in: allVisibleNames()).map { "did you mean '\($0)'?" }
        report("undefined name '\(name)'", at: loc, hint: hint)
    }

    /// The storage of a name for reading or writing; nil (after a diagnostic) when it is not a variable.
    func varRef(_ name: String, at loc: SourceLoc) -> VarRef? {
        switch lookup(name) {
        case .local(let v): return ref(for: v, name: name, depth: 0)
        case .free(let v, let depth): return ref(for: v, name: name, depth: depth)
        case .copied(let v, _):
            report("cannot assign to '\(name)': it is declared with let (line \(v.loc.line))", at: loc,
                   hint: "declare it with var to change it")
            return nil
        case .builtin:
            report("cannot assign to builtin '\(name)'", at: loc, hint: "declare your own with let or var")
            return nil
        case .missing:
            reportUndefined(name, at: loc)
            return nil
        }
    }

    /// The slot of `v` in `ctx`'s copied values, adding it (and to every function between) when new.
    func captureIndex(in ctx: FunctionContext, of v: LocalVar, name: String, depth: Int) -> Int {
        if let i = ctx.captureIndex[v.loc] { return i }
        let source: CaptureSource
        if depth == 1 {
            source = .creatorVariable(ref(for: v, name: name, depth: 0))
        } else {
            source = .creatorCapture(captureIndex(in: ctx.parent!, of: v, name: name, depth: depth - 1))
        }
        ctx.captures.append(source)
        ctx.captureIndex[v.loc] = ctx.captures.count - 1
        return ctx.captures.count - 1
    }

    func ref(for v: LocalVar, name: String, depth: Int) -> VarRef {
        switch v.storage {
        case .stack(let s):
            // In the analysis pass a captured variable may still be on the stack; the second pass fixes it.
            return depth == 0 ? LocalRef(name: name, slot: s) : FreeRef(name: name, depth: depth - 1, slot: s)
        case .env(let s):
            return depth == 0 ? EnvRef(name: name, slot: s) : FreeRef(name: name, depth: depth - 1, slot: s)
        case .global(let s):
            return GlobalRef(name: name, globals: module.globals, slot: s)
        }
    }

    // MARK: Functions

    func compileFunction(_ decl: FunctionDecl, name: String, isPlan: Bool) -> FunctionCode {
        let outer = fn
        let ctx = FunctionContext(parent: outer, name: name, isModule: false, isPlan: isPlan)
        fn = ctx
        defer { fn = outer }
        var seen = Set<String>()
        var sawDefault = false
        var paramInfos: [ParamInfo] = []
        var captures: [(Int, Int)] = []
        for (i, p) in decl.params.enumerated() {
            if !seen.insert(p.name).inserted {
                report("duplicate parameter '\(p.name)'", at: p.loc)
            }
            if p.defaultValue == nil && sawDefault {
                report("parameter '\(p.name)' needs a default: it follows a parameter that has one", at: p.loc)
            }
            if p.defaultValue != nil { sawDefault = true }
            // Parameters always own the first stack slots; captured ones are copied into the env at entry.
            let slot = ctx.allocateStack()
            var storage = LocalVar.Storage.stack(slot)
            if captured.contains(p.loc) {
                let e = ctx.allocateEnv()
                storage = .env(e)
                captures.append((i, e))
            }
            ctx.scopes[0][p.name] = LocalVar(storage: storage, isLet: false, loc: p.loc, module: nil, function: nil)
            paramInfos.append(ParamInfo(name: p.name, loc: p.loc, type: p.type, defaultValue: nil))
        }
        // Defaults run in the callee's frame, after the parameters before them are bound.
        for (i, p) in decl.params.enumerated() {
            guard let d = p.defaultValue else { continue }
            paramInfos[i].defaultValue = resolveExpr(d)
            if case .nilLit = d.kind { paramInfos[i].acceptsNil = true }
            checkDefaultType(p, d)
        }
        ctx.pushScope()
        var arrow: ExprNode? = nil
        var body: [StmtNode] = []
        if decl.isArrow, decl.body.statements.count == 1, case .returnStmt(let e?) = decl.body.statements[0].kind {
            arrow = resolveExpr(e)
        } else {
            body = resolveBlockContents(decl.body.statements)
        }
        ctx.popScope()
        let code = FunctionCode(name: name, loc: decl.loc, params: paramInfos, isPlan: isPlan,
                                frameSize: ctx.finishFrame(), envSize: ctx.envSize, capturedParams: captures,
                                body: arrow.map { ReturnNode(value: $0, loc: $0.loc) } ?? makeBlock(body, loc: decl.loc),
                                arrowBody: arrow, copies: ctx.captures)
        return code
    }

    /// A literal default that contradicts the parameter's declared type (`n: int = "x"`) would fail every call
    /// that leaves it out: reported before the run, at the default. `nil` is allowed and makes the parameter
    /// optional; other expressions are checked when they are evaluated.
    private func checkDefaultType(_ p: Param, _ d: Expr) {
        guard let t = p.type else { return }
        let sample: Value
        switch d.kind {
        case .intLit: sample = .int(0)
        case .floatLit: sample = .float(0)
        case .stringLit, .interpolated: sample = .string("")
        case .boolLit: sample = .bool(false)
        case .durationLit: sample = .duration(0)
        case .sizeLit: sample = .size(0)
        case .list: sample = .list([])
        case .map: sample = Value.makeMap([])
        case .unary(.neg, let x):
            switch x.kind {
            case .intLit: sample = .int(0)
            case .floatLit: sample = .float(0)
            case .durationLit: sample = .duration(0)
            case .sizeLit: sample = .size(0)
            default: return
            }
        default: return
        }
        if !TypeCheck.matches(sample, t) {
            report("the default of '\(p.name)' is \(sample.typeName == "int" ? "an" : "a") \(sample.typeName), but '\(p.name)' is declared \(t.rawValue)",
                   at: d.loc, hint: "write a default of type \(t.rawValue), or nil to make the parameter optional")
        }
    }

    /// Resolves the statements of a block in the current scope (the caller pushes and pops it).
    func resolveBlockContents(_ stmts: [Stmt]) -> [StmtNode] {
        var out = hoistFunctions(stmts)
        var stepNames: [String: SourceLoc] = [:]
        for s in stmts {
            if case .step(let name, let nameLoc, _, _) = s.kind {
                if let first = stepNames[name] {
                    report("duplicate step name \"\(name)\" (first used at line \(first.line))", at: nameLoc,
                           hint: "step names must be unique among their siblings")
                } else {
                    stepNames[name] = nameLoc
                }
            }
            if let n = resolveStatement(s) { out.append(n) }
        }
        reportUnreachable(stmts)
        return out
    }

    /// A statement after `return`, `break` or `continue` in the same block never runs: an error, because it is
    /// nearly always a slip, most often `return` with its value on the next line (`return` ends at the line
    /// break, so `return\n    x` returns nil). Declared functions are exempt: they are hoisted and callable.
    private func reportUnreachable(_ stmts: [Stmt]) {
        guard let jump = stmts.firstIndex(where: {
            switch $0.kind {
            case .returnStmt, .breakStmt, .continueStmt: return true
            default: return false
            }
        }) else { return }
        guard let next = stmts[(jump + 1)...].first(where: { if case .fnDecl = $0.kind { return false } else { return true } })
        else { return }
        let word: String
        var hint = "remove it, or move it above the '\(Resolver.jumpWord(stmts[jump]))'"
        switch stmts[jump].kind {
        case .returnStmt(nil):
            word = "return"
            if case .expr = next.kind { hint = "a return's value starts on the line of the return: write return VALUE on one line" }
        default: word = Resolver.jumpWord(stmts[jump])
        }
        report("unreachable code: this statement follows '\(word)' (line \(stmts[jump].loc.line))", at: next.loc, hint: hint)
    }

    private static func jumpWord(_ s: Stmt) -> String {
        switch s.kind {
        case .breakStmt: return "break"
        case .continueStmt: return "continue"
        default: return "return"
        }
    }

    func resolveBlock(_ block: Block) -> [StmtNode] {
        fn.pushScope()
        defer { fn.popScope() }
        return resolveBlockContents(block.statements)
    }
}
