extension Resolver {
    // MARK: Statements

    func resolveStatement(_ stmt: Stmt) -> StmtNode? {
        switch stmt.kind {
        case .expr(let e):
            return ExprStmt(expr: resolveExpr(e))

        case .varDecl(let isLet, let name, let nameLoc, let valueExpr):
            if isLet { letValues[nameLoc] = valueExpr }
            let value = resolveExpr(valueExpr)
            if fn.isModule && fn.scopes.count == 1 {
                guard let ref = varRef(name, at: nameLoc) else { return nil }
                return AssignVar(ref: ref, value: value, loc: stmt.loc)
            }
            // Declared after its initialiser is resolved: `let x = x + 1` reads the outer x.
            let v = declareLocal(name, isLet: isLet, loc: nameLoc)
            if case .stack(let slot) = v.storage { return AssignLocal(slot: slot, value: value, loc: stmt.loc) }
            return AssignVar(ref: ref(for: v, name: name, depth: 0), value: value, loc: stmt.loc)

        case .assign(let target, let op, let valueExpr):
            let value = resolveExpr(valueExpr)
            guard let lv = resolvePlace(target, purpose: "assign to") else { return nil }
            if let op {
                let binop: BinaryOp = op == .add ? .add : op == .sub ? .sub : op == .mul ? .mul : .div
                if let v = lv as? VarLValue, let slot = VariableSlot(v.ref) {
                    return AugAssignVariable(slot: slot, op: binop, value: value, loc: stmt.loc)
                }
                if let path = ItemPath(lv) {
                    return IndexAugAssignVar(ref: path.ref, outer: path.outer, inner: path.inner, op: binop, value: value,
                                             outerLoc: path.outerLoc, innerLoc: path.innerLoc, loc: stmt.loc)
                }
                return AugAssign(target: lv, op: binop, value: value, loc: stmt.loc)
            }
            if let v = lv as? VarLValue {
                if let local = v.ref as? LocalRef { return AssignLocal(slot: local.slot, value: value, loc: stmt.loc) }
                return AssignVar(ref: v.ref, value: value, loc: stmt.loc)
            }
            if let path = ItemPath(lv) {
                return IndexAssignVar(ref: path.ref, outer: path.outer, inner: path.inner, value: value,
                                      outerLoc: path.outerLoc, innerLoc: path.innerLoc, loc: stmt.loc)
            }
            return AssignLValue(target: lv, value: value, loc: stmt.loc)

        case .ifStmt(let clauses, let elseBody):
            let conds = clauses.map { resolveExpr($0.condition) }
            let bodies = clauses.map { resolveBlock($0.body) }
            return IfNode(conditions: conds, bodies: bodies, elseBody: elseBody.map { resolveBlock($0) }, loc: stmt.loc)

        case .whileStmt(let cond, let body):
            let c = resolveExpr(cond)
            fn.loopDepth += 1
            defer { fn.loopDepth -= 1 }
            return WhileNode(condition: c, body: resolveBlock(body), loc: stmt.loc)

        case .forIn(let names, let iterable, let body):
            return resolveFor(names: names, iterable: iterable, body: body, loc: stmt.loc)

        case .breakStmt, .continueStmt:
            let isBreak: Bool
            if case .breakStmt = stmt.kind { isBreak = true } else { isBreak = false }
            if fn.loopDepth == 0 {
                report("'\(isBreak ? "break" : "continue")' outside a loop", at: stmt.loc,
                       hint: "break and continue only work inside for and while")
            }
            return isBreak ? BreakNode(loc: stmt.loc) : ContinueNode(loc: stmt.loc)

        case .returnStmt(let e):
            if fn.isModule {
                report("'return' outside a function", at: stmt.loc, hint: "return works inside fn and plan bodies")
            }
            return ReturnNode(value: e.map { resolveExpr($0) }, loc: stmt.loc)

        case .fnDecl(let decl):
            if fn.isModule && fn.scopes.count == 1 { return nil }   // hoisted
            let name = decl.name ?? "<fn>"
            // Declared before its body is compiled, so it can call itself.
            let v = declareLocal(name, isLet: true, loc: decl.loc, function: decl)
            let code = compileFunction(decl, name: name, isPlan: false)
            return AssignVar(ref: ref(for: v, name: name, depth: 0), value: FunctionLiteral(code: code, loc: decl.loc),
                             loc: stmt.loc)

        case .planDecl(let plan):
            if !(fn.isModule && fn.scopes.count == 1) {
                report("plan '\(plan.name)' must be declared at the top level of a file", at: plan.loc)
            }
            return nil

        case .step(let name, let nameLoc, let options, let body):
            return resolveStep(name: name, nameLoc: nameLoc, options: options, body: body, loc: stmt.loc)

        case .tryCatch(let body, let errorName, let errorLoc, let handler):
            let b = resolveBlock(body)
            fn.pushScope()
            defer { fn.popScope() }
            var target: VarRef? = nil
            if let errorName, let errorLoc {
                let v = declareLocal(errorName, isLet: true, loc: errorLoc)
                target = ref(for: v, name: errorName, depth: 0)
            }
            let h = resolveBlockContents(handler.statements)
            return TryCatchNode(body: b, errorTarget: target, handler: h, loc: stmt.loc)

        case .assertStmt(let cond, let message):
            return AssertNode(condition: resolveExpr(cond), message: message.map { resolveExpr($0) }, loc: stmt.loc)

        case .importStmt(let path, let alias, let aliasLoc):
            return resolveImport(path: path, alias: alias, aliasLoc: aliasLoc, loc: stmt.loc)

        case .declaration(let kind, let label, let labelLoc, let target, let body):
            resolveDeclaration(kind: kind, label: label, labelLoc: labelLoc, target: target, body: body, loc: stmt.loc)
            return nil
        }
    }

    /// The value of a literal expression (lists and maps of literals included), or nil.
    func staticValue(_ e: Expr) -> Value? {
        switch e.kind {
        case .intLit(let i): return .int(i)
        case .floatLit(let d): return .float(d)
        case .stringLit(let s): return .string(s)
        case .boolLit(let b): return .bool(b)
        case .nilLit: return .null
        case .durationLit(let d): return .duration(d)
        case .sizeLit(let s): return .size(s)
        case .unary(.neg, let x):
            switch staticValue(x) {
            case .int(let i)?: return .int(-i)
            case .float(let d)?: return .float(-d)
            default: return nil
            }
        case .list(let items):
            var out: [Value] = []
            for i in items {
                guard let v = staticValue(i) else { return nil }
                out.append(v)
            }
            return .list(out)
        case .map(let pairs):
            let m = MapStorage()
            for (k, v) in pairs {
                guard let kv = staticValue(k), let vv = staticValue(v) else { return nil }
                m.set(kv, vv)
            }
            return .map(m)
        default: return nil
        }
    }

    private func resolveFor(names: [(name: String, loc: SourceLoc)], iterable: Expr, body: Block,
                            loc: SourceLoc) -> StmtNode {
        // `for i in range(...)` counts without building a list, when `range` is the builtin.
        var rangeBounds: [ExprNode]? = nil
        if names.count == 1, case .call(let callee, let args) = iterable.kind, case .name("range") = callee.kind,
           case .builtin = lookup("range"), (1...3).contains(args.count), args.allSatisfy({ $0.name == nil }) {
            rangeBounds = args.map { resolveExpr($0.value) }
        }
        let seq = rangeBounds == nil ? resolveExpr(iterable) : nil
        if names.count > 2 {
            report("for takes one or two names", at: names[2].loc)
        }
        fn.pushScope()
        defer { fn.popScope() }
        let targets = names.map { n -> VarRef in
            let v = declareLocal(n.name, isLet: true, loc: n.loc)
            loopVariables.insert(n.loc)
            return ref(for: v, name: n.name, depth: 0)
        }
        fn.loopDepth += 1
        defer { fn.loopDepth -= 1 }
        let b = resolveBlock(body)
        if let bounds = rangeBounds {
            return ForRangeNode(target: targets[0], bounds: bounds, body: b, loc: loc)
        }
        return ForInNode(targets: targets, iterable: seq!, body: b, loc: loc)
    }

    static let stepOptions = ["retry", "backoff", "backoff_factor", "backoff_max", "timeout", "when"]

    private func resolveStep(name: String, nameLoc: SourceLoc, options: [Argument], body: Block,
                             loc: SourceLoc) -> StmtNode {
        if fn.isModule {
            report("step \"\(name)\" outside a plan", at: loc, hint: "put steps inside `plan main { ... }`")
        }
        if name.isEmpty || name.contains("/") || name.contains("#") {
            report("step name \"\(name)\" must be non-empty and contain no '/' or '#'", at: nameLoc)
        }
        var opts: [(String, ExprNode)] = []
        var seen = Set<String>()
        for o in options {
            let oname = o.name ?? ""
            if !Resolver.stepOptions.contains(oname) {
                let hint = closestName(to: oname, in: Resolver.stepOptions).map { "did you mean '\($0)'?" }
                    ?? "step options are: \(Resolver.stepOptions.joined(separator: ", "))"
                report("unknown step option '\(oname)'", at: o.nameLoc ?? o.value.loc, hint: hint)
            } else if !seen.insert(oname).inserted {
                report("step option '\(oname)' given twice", at: o.nameLoc ?? o.value.loc)
            }
            opts.append((oname, resolveExpr(o.value)))
        }
        fn.stepDepth += 1
        defer { fn.stepDepth -= 1 }
        return StepNode(name: name, options: opts, body: resolveBlock(body), enclosingName: fn.name, loc: loc)
    }

    private func resolveImport(path: String, alias: String, aliasLoc: SourceLoc, loc: SourceLoc) -> StmtNode? {
        if !(fn.isModule && fn.scopes.count == 1) {
            report("import must be at the top level of a file", at: loc)
            return nil
        }
        var imported: CompiledModule? = nil
        if analysisOnly {
            imported = nil
        } else {
            switch loader.load(importPath: path, from: module, at: loc) {
            case .success(let m):
                imported = m
                module.imports.append(m)
            case .failure(let d):
                diagnostics.append(d)
            }
        }
        guard var v = fn.scopes[0][alias], case .global(let slot) = v.storage else { return nil }
        v.module = imported
        fn.scopes[0][alias] = v
        guard let m = imported else { return nil }
        return ImportNode(module: m, globals: module.globals, slot: slot, loc: loc)
    }
}
