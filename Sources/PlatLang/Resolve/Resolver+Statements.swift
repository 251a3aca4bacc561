extension Resolver {
    // MARK: Statements

    func resolveStatement(_ stmt: Stmt) -> StmtNode? {
        switch stmt.kind {
        case .expr(let e):
            return ExprStmt(expr: resolveExpr(e))

        case .varDecl(let isLet, let name, let nameLoc, let valueExpr):
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
                if let v = lv as? VarLValue, let local = v.ref as? LocalRef {
                    return AugAssignLocal(slot: local.slot, op: binop, value: value, loc: stmt.loc)
                }
                return AugAssign(target: lv, op: binop, value: value, loc: stmt.loc)
            }
            if let v = lv as? VarLValue {
                if let local = v.ref as? LocalRef { return AssignLocal(slot: local.slot, value: value, loc: stmt.loc) }
                return AssignVar(ref: v.ref, value: value, loc: stmt.loc)
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

    static let scheduleKeys = ["cron", "tz", "run", "overlap", "catch_up"]

    /// `schedule "name" { cron: "0 3 * * *", tz: "Asia/Shanghai", run: cleanup(days: 7), overlap: "skip",
    /// catch_up: 1h }`: checked and recorded; nothing runs. The engine validates the cron text and the time zone.
    private func resolveDeclaration(kind: String, label: String, labelLoc: SourceLoc, target: String?, body: Expr,
                                    loc: SourceLoc) {
        guard !analysisOnly else { return }
        if !(fn.isModule && fn.scopes.count == 1) {
            report("\(kind) \"\(label)\" must be declared at the top level of a file", at: loc)
            return
        }
        if kind != "subscription" && module.declarations.contains(where: { $0.kind == kind && $0.label == label }) {
            report("duplicate \(kind) \"\(label)\"", at: labelLoc)
        }
        if kind == "scheme" {
            guard let t = target else {
                report("a scheme names the plan it presets: scheme \"\(label)\" for PLAN { ... }", at: labelLoc)
                return
            }
            if planDecls[t] == nil {
                let hint = closestName(to: t, in: Array(planDecls.keys)).map { "did you mean '\($0)'?" }
                report("scheme \"\(label)\" is for plan '\(t)', which this file does not declare", at: labelLoc, hint: hint)
                return
            }
        } else if target != nil {
            report("a \(kind) has no 'for PLAN'", at: labelLoc)
        }
        guard case .map(let pairs) = body.kind else { return }
        var entries: [(key: String, value: Value, loc: SourceLoc)] = []
        for (k, v) in pairs {
            guard case .stringLit(let key) = k.kind else {
                report("\(kind) keys are names", at: k.loc)
                continue
            }
            if kind == "scheme", let plan = target.flatMap({ planDecls[$0] }), !plan.params.contains(where: { $0.name == key }) {
                let hint = closestName(to: key, in: plan.params.map(\.name)).map { "did you mean '\($0)'?" }
                    ?? "plan \(plan.name) takes: \(plan.params.map(\.name).joined(separator: ", "))"
                report("plan \(plan.name) has no parameter '\(key)'", at: k.loc, hint: hint)
                continue
            }
            if kind == "schedule" && !Resolver.scheduleKeys.contains(key) {
                let hint = closestName(to: key, in: Resolver.scheduleKeys).map { "did you mean '\($0)'?" }
                    ?? "a schedule takes: \(Resolver.scheduleKeys.joined(separator: ", "))"
                report("unknown schedule key '\(key)'", at: k.loc, hint: hint)
                continue
            }
            if key == "run" {
                if let call = planCall(v) { entries.append((key, call, v.loc)) }
                continue
            }
            guard let value = staticValue(v) else {
                report("the value of '\(key)' must be a constant (a literal, or a list or map of literals)", at: v.loc)
                continue
            }
            entries.append((key, value, v.loc))
        }
        if kind == "schedule" {
            for required in ["cron", "run"] where !entries.contains(where: { $0.key == required }) {
                if !diagnostics.contains(where: { $0.location.map { $0.line >= loc.line } ?? false }) {
                    report("schedule \"\(label)\" needs '\(required)'", at: labelLoc,
                           hint: required == "cron" ? "cron: \"0 3 * * *\"" : "run: main() names the plan to start")
                }
            }
        }
        module.declarations.append(Declaration(kind: kind, label: label, loc: loc, labelLoc: labelLoc, target: target,
                                               entries: entries))
    }

    /// `plan_name(args)` with constant arguments, as {plan, args}; positional arguments take the plan's
    /// parameter names in order.
    private func planCall(_ e: Expr) -> Value? {
        guard case .call(let callee, let args) = e.kind, case .name(let name) = callee.kind else {
            report("run: must call a plan of this file, like run: main(env: \"prod\")", at: e.loc)
            return nil
        }
        guard let decl = planDecls[name] else {
            let hint = closestName(to: name, in: Array(planDecls.keys)).map { "did you mean '\($0)'?" }
            report("run: names no plan of this file: '\(name)'", at: callee.loc, hint: hint)
            return nil
        }
        let m = MapStorage()
        for (i, a) in args.enumerated() {
            let pname: String
            if let n = a.name {
                guard decl.params.contains(where: { $0.name == n }) else {
                    let hint = closestName(to: n, in: decl.params.map(\.name)).map { "did you mean '\($0)'?" }
                    report("plan \(name) has no parameter '\(n)'", at: a.nameLoc ?? a.value.loc, hint: hint)
                    return nil
                }
                pname = n
            } else {
                guard i < decl.params.count else {
                    report("plan \(name) takes \(decl.params.count) parameters", at: a.value.loc)
                    return nil
                }
                pname = decl.params[i].name
            }
            guard let v = staticValue(a.value) else {
                report("schedule arguments must be constants", at: a.value.loc)
                return nil
            }
            m.set(.string(pname), v)
        }
        return Value.makeMap([("plan", .string(name)), ("args", .map(m))])
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
