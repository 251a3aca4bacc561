extension Resolver {
    // MARK: Expressions

    func resolveExpr(_ e: Expr) -> ExprNode {
        switch e.kind {
        case .intLit(let i): return ConstNode(.int(i), loc: e.loc)
        case .floatLit(let d): return ConstNode(.float(d), loc: e.loc)
        case .stringLit(let s): return ConstNode(.string(s), loc: e.loc)
        case .boolLit(let b): return ConstNode(.bool(b), loc: e.loc)
        case .nilLit: return ConstNode(.null, loc: e.loc)
        case .durationLit(let d): return ConstNode(.duration(d), loc: e.loc)
        case .sizeLit(let s): return ConstNode(.size(s), loc: e.loc)

        case .interpolated(let parts):
            let nodes = parts.map { p -> ExprNode in
                switch p {
                case .text(let t): return ConstNode(.string(t), loc: e.loc)
                case .expr(let x): return resolveExpr(x)
                }
            }
            return InterpolationNode(parts: nodes, loc: e.loc)

        case .name(let name):
            return resolveName(name, at: e.loc)

        case .list(let items):
            return ListLiteral(items: items.map { resolveExpr($0) }, loc: e.loc)

        case .map(let entries):
            var seen: [Value: SourceLoc] = [:]
            for entry in entries {
                if let k = literalValue(entry.key) {
                    if let first = seen[k] {
                        report("duplicate key \(k.repr) in map literal (first at line \(first.line))", at: entry.key.loc)
                    } else {
                        seen[k] = entry.key.loc
                    }
                }
            }
            return MapLiteral(entries: entries.map { (resolveExpr($0.key), resolveExpr($0.value)) }, loc: e.loc)

        case .unary(let op, let operand):
            let o = resolveExpr(operand)
            switch op {
            case .neg:
                if case .int(let i)? = o.constantValue, i != Int.min { return ConstNode(.int(-i), loc: e.loc) }
                if case .float(let d)? = o.constantValue { return ConstNode(.float(-d), loc: e.loc) }
                return NegateNode(operand: o, loc: e.loc)
            case .not:
                return NotNode(operand: o, loc: e.loc)
            }

        case .binary(let op, let l, let r):
            let lhs = resolveExpr(l)
            let rhs = resolveExpr(r)
            switch op {
            case .and: return AndNode(lhs: lhs, rhs: rhs, loc: e.loc)
            case .or: return OrNode(lhs: lhs, rhs: rhs, loc: e.loc)
            default:
                if let c = rhs.constantValue {
                    if let local = lhs as? LocalGet, case .int(let k) = c {
                        return LocalIntConstNode(op: op, slot: local.slot, constant: k, loc: e.loc)
                    }
                    return BinaryConstNode(op: op, lhs: lhs, constant: c, loc: e.loc)
                }
                if let a = lhs as? LocalGet, let b = rhs as? LocalGet {
                    return LocalLocalNode(op: op, lhsSlot: a.slot, rhsSlot: b.slot, loc: e.loc)
                }
                return BinaryNode(op: op, lhs: lhs, rhs: rhs, loc: e.loc)
            }

        case .call(let callee, let args):
            return resolveCall(callee: callee, args: args, loc: e.loc)

        case .index(let c, let i):
            let container = resolveExpr(c)
            let index = resolveExpr(i)
            // A variable read where it lies, after the index: only when the index cannot change it (for a
            // global, no function call either).
            if let slot = VariableSlot(reading: container), !Resolver.mayChangeVariables(i),
               slot.globals == nil || !hasCalls(i) {
                return IndexOnVariable(slot: slot, index: index, loc: e.loc)
            }
            return IndexNode(container: container, index: index, loc: e.loc)

        case .slice(let c, let start, let end, let step):
            checkSliceParts(start: start, end: end, step: step)
            if let v = staticValue(c), v.typeName != "list", v.typeName != "string" {
                report("cannot slice \(v.typeName == "map" ? "a map" : v.typeName)", at: e.loc,
                       hint: "slices work on lists and strings")
            }
            return SliceNode(container: resolveExpr(c), start: start.map { resolveExpr($0) },
                             end: end.map { resolveExpr($0) }, step: step.map { resolveExpr($0) }, loc: e.loc)

        case .conditional(let condition, let whenTrue, let whenFalse):
            if let v = staticValue(condition), !v.isBool {
                report("the condition of 'if ... then ... else' must be a bool, got \(v.typeName)", at: condition.loc,
                       hint: hintForNonBool(v))
            }
            return ConditionalNode(condition: resolveExpr(condition), whenTrue: resolveExpr(whenTrue),
                                   whenFalse: resolveExpr(whenFalse), loc: e.loc)

        case .member(let object, let name, let nameLoc):
            checkModuleMember(object, name, nameLoc)
            return MemberNode(object: resolveExpr(object), name: name, loc: e.loc)

        case .function(let decl):
            let code = compileFunction(decl, name: decl.name ?? "<fn>", isPlan: false)
            return FunctionLiteral(code: code, loc: e.loc)
        }
    }

    /// Slice bounds written as literals of the wrong type (`xs["a":]`, `xs[1.5:]`) or a literal step of 0 are
    /// mistakes of the file: reported before anything runs, as the runtime would refuse them.
    private func checkSliceParts(start: Expr?, end: Expr?, step: Expr?) {
        for (part, which) in [(start, "start"), (end, "end"), (step, "step")] {
            guard let part, let v = staticValue(part) else { continue }
            switch v {
            case .int(0) where which == "step":
                report("slice step cannot be 0", at: part.loc, hint: "use 1 to take every item, -1 to reverse")
            case .int, .null: break
            default:
                report("slice \(which) must be an int\(which == "step" ? "" : " or nil"), got \(v.typeName)", at: part.loc,
                       hint: "slice bounds are positions: xs[1:3], xs[:-1], xs[::2]")
            }
        }
    }

    private func literalValue(_ e: Expr) -> Value? {
        switch e.kind {
        case .stringLit(let s): return .string(s)
        case .intLit(let i): return .int(i)
        default: return nil
        }
    }

    func resolveName(_ name: String, at loc: SourceLoc) -> ExprNode {
        switch lookup(name) {
        case .local(let v):
            if case .global(let slot) = v.storage {
                if fn.isModule && !definedGlobals.contains(name) {
                    report("'\(name)' is used before its definition (line \(v.loc.line))", at: loc,
                           hint: "top-level code runs in order; move the definition above this line")
                }
                return GlobalGet(globals: module.globals, slot: slot, loc: loc)
            }
            if case .stack(let slot) = v.storage { return LocalGet(slot: slot, loc: loc) }
            return VarGet(ref: ref(for: v, name: name, depth: 0), loc: loc)
        case .free(let v, let depth):
            return VarGet(ref: ref(for: v, name: name, depth: depth), loc: loc)
        case .copied(_, let index):
            return CopiedGet(index: index, loc: loc)
        case .builtin(let b):
            return ConstNode(b, loc: loc)
        case .missing:
            reportUndefined(name, at: loc)
            return ConstNode(.null, loc: loc)
        }
    }

    /// `alias.name` where alias is an import: the name must exist and be public.
    private func checkModuleMember(_ object: Expr, _ name: String, _ nameLoc: SourceLoc) {
        guard case .name(let alias) = object.kind, case .local(let v) = lookup(alias), let m = v.module else { return }
        if name.hasPrefix("_") {
            report("'\(name)' is private to \(m.name)", at: nameLoc, hint: "names starting with _ are not exported")
        } else if m.globalIndex[name] == nil {
            let hint = closestName(to: name, in: m.exportedNames).map { "did you mean '\($0)'?" }
            report("module '\(m.name)' has no member '\(name)'", at: nameLoc, hint: hint)
        }
    }

    // MARK: Places

    /// The place an assignment or a mutating method changes; nil (after a diagnostic) if `e` is not one or
    /// its variable is a `let`.
    func resolvePlace(_ e: Expr, purpose: String) -> LValue? {
        switch e.kind {
        case .name(let name):
            if case .local(let v) = lookup(name), v.isLet {
                reportLet(name, v, purpose: purpose, at: e.loc)
                return nil
            }
            switch lookup(name) {
            case .free(let v, _) where v.isLet, .copied(let v, _):
                reportLet(name, v, purpose: purpose, at: e.loc)
                return nil
            default: break
            }
            guard let r = varRef(name, at: e.loc) else { return nil }
            return VarLValue(ref: r, loc: e.loc)
        case .index(let c, let i):
            guard let base = resolvePlace(c, purpose: purpose) else { return nil }
            return IndexLValue(base: base, index: resolveExpr(i), loc: e.loc)
        case .member(let o, let name, _):
            if case .name(let alias) = o.kind, case .local(let v) = lookup(alias), v.module != nil {
                report("cannot \(purpose) a member of module '\(alias)'", at: e.loc)
                return nil
            }
            guard let base = resolvePlace(o, purpose: purpose) else { return nil }
            return IndexLValue(base: base, index: ConstNode(.string(name), loc: e.loc), loc: e.loc)
        default:
            report("cannot \(purpose) this expression", at: e.loc,
                   hint: "only variables, list items a[i] and map keys m[\"k\"] can be changed")
            return nil
        }
    }

    private func reportLet(_ name: String, _ v: LocalVar, purpose: String, at loc: SourceLoc) {
        if loopVariables.contains(v.loc) {
            // `for row in grid { row[0] = 1 }`: the loop variable is a copy of the item, so changing it could
            // never change the list; say how to change the item itself.
            report("cannot \(purpose) '\(name)': a loop variable is a copy of the item (line \(v.loc.line))", at: loc,
                   hint: "change the item through its collection: for i in range(len(xs)) { xs[i] = ... }, or build a new list")
            return
        }
        let what = v.module != nil ? "an import" : v.function != nil ? "a function" : "declared with let"
        report("cannot \(purpose) '\(name)': it is \(what) (line \(v.loc.line))", at: loc,
               hint: v.module == nil && v.function == nil ? "declare it with var to change it" : nil)
    }

    /// The import alias at the root of `alias.member...` or `alias.member[i]...`, or nil.
    private func moduleMemberRoot(_ e: Expr) -> String? {
        switch e.kind {
        case .member(let o, _, _):
            if case .name(let alias) = o.kind, case .local(let v) = lookup(alias), v.module != nil { return alias }
            return moduleMemberRoot(o)
        case .index(let c, _): return moduleMemberRoot(c)
        default: return nil
        }
    }

    /// Is `e` rooted at a variable (so a method call on it may change it in place)?
    private func isPlace(_ e: Expr) -> Bool {
        switch e.kind {
        case .name(let n):
            switch lookup(n) {
            case .local, .free, .copied: return true
            default: return false
            }
        case .index(let c, _): return isPlace(c)
        case .member(let o, _, _):
            if case .name(let alias) = o.kind, case .local(let v) = lookup(alias), v.module != nil { return false }
            return isPlace(o)
        default: return false
        }
    }

    // MARK: Calls

    static let mutatingMethods: Set<String> = ["append", "extend", "insert", "pop", "remove", "clear"]

    func resolveCall(callee: Expr, args: [Argument], loc: SourceLoc) -> ExprNode {
        var sawNamed = false
        var namedSeen = Set<String>()
        for a in args {
            if let n = a.name {
                sawNamed = true
                if !namedSeen.insert(n).inserted { report("argument '\(n)' given twice", at: a.nameLoc ?? a.value.loc) }
            } else if sawNamed {
                report("positional argument after a named one", at: a.value.loc,
                       hint: "put positional arguments first")
            }
        }
        let argNodes = args.map { resolveExpr($0.value) }
        let names = args.map(\.name)

        // receiver.method(...)
        if case .member(let object, let name, let nameLoc) = callee.kind {
            checkModuleMember(object, name, nameLoc)
            let method = MethodName(rawValue: name)
            // `tally.seen.append(1)` would change a copy of the module's list and drop it: refused like
            // `tally.seen = ...`, since a module's variables change only through its own functions.
            if Resolver.mutatingMethods.contains(name), let alias = moduleMemberRoot(object) {
                report("cannot change a member of module '\(alias)'", at: loc,
                       hint: "a module's variables change only through its own functions")
            }
            // Only methods that can change their receiver need it as a place; on a `let` they are an error.
            if let method, Resolver.mutatingMethods.contains(name), isPlace(object) {
                var onLet = false
                if let root = rootName(object) {
                    switch lookup(root) {
                    case .local(let v) where v.isLet && v.module == nil, .free(let v, _) where v.isLet && v.module == nil,
                         .copied(let v, _):
                        onLet = true
                        if loopVariables.contains(v.loc) {
                            report("cannot call mutating method '\(name)' on '\(root)': a loop variable is a copy of the item (line \(v.loc.line))",
                                   at: loc, hint: "change the item through its collection: for i in range(len(xs)) { xs[i].\(name)(...) }, or build a new list")
                            break
                        }
                        // `let stack = make_stack(); stack.pop()` may mean a function stored under "pop" in a map,
                        // which cannot be seen here: unless the let holds a literal without such a key, the hint
                        // also names the spelling that calls the function on a let.
                        var hint = "declare it with var to change it"
                        if case .name = object.kind, mayHoldFunction(letValues[v.loc], named: name) {
                            hint += "; to call a function stored under '\(name)' in a map, write \(root)[\"\(name)\"]()"
                        }
                        report("cannot call mutating method '\(name)' on '\(root)': it is declared with let (line \(v.loc.line))",
                               at: loc, hint: hint)
                    default: break
                    }
                }
                if !onLet, let place = resolvePlace(object, purpose: "change") {
                    let general = MethodCallOnPlace(target: place, method: method, args: argNodes, names: names,
                                                    callerName: fn.name, loc: loc)
                    if method == .append, argNodes.count == 1, names[0] == nil, let v = place as? VarLValue,
                       let slot = VariableSlot(v.ref) {
                        return AppendToVariable(slot: slot, item: argNodes[0], general: general, loc: loc)
                    }
                    if let node = methodCallOnItem(object: object, place: place, method: method, argNodes: argNodes,
                                                   names: names, loc: loc) {
                        return node
                    }
                    return general
                }
            }
            let general = track(MethodCallOnValue(receiver: resolveExpr(object), name: name, method: method,
                                                  args: argNodes, names: names, callerFrameSize: 0,
                                                  callerName: fn.name, loc: loc))
            return methodCallOnVariable(object: object, method: method, args: args, argNodes: argNodes, general: general,
                                     loc: loc)
        }

        var constantCallee = false
        if case .name(let name) = callee.kind {
            switch lookup(name) {
            case .builtin(.builtin(let b)):
                if let spec = loader.effectSpecs[name] {
                    checkEffectCall(name, args: args, loc: loc)
                    if !analysisOnly { recordConstantCall(spec, args, loc) }
                    return EffectCallNode(spec: spec, args: argNodes, names: names, loc: loc)
                }
                return fastBuiltinCall(name, b, args: argNodes, names: names, callerName: fn.name, loc: loc)
                    ?? BuiltinCallNode(builtin: b, args: argNodes, names: names, callerName: fn.name, loc: loc)
            case .local(let v):
                if let decl = v.function {
                    checkCall(to: decl, name: name, args: args, loc: loc)
                    if case .global = v.storage { constantCallee = true }
                }
            default: break
            }
        }
        let node = track(CallNode(callee: resolveExpr(callee), args: argNodes, names: names,
                                  callerFrameSize: 0, callerName: fn.name, loc: loc))
        node.calleeIsConstant = constantCallee
        return node
    }

    /// Remembers a call node whose frame size is filled in when the current function is complete.
    private func track<N: FrameSized>(_ n: N) -> N {
        fn.frameSized.append(n)
        return n
    }

    private func rootName(_ e: Expr) -> String? {
        switch e.kind {
        case .name(let n): return n
        case .index(let c, _): return rootName(c)
        case .member(let o, _, _): return rootName(o)
        default: return nil
        }
    }

    /// A call to a top-level function, checked against its parameters before anything runs.
    private func checkCall(to decl: FunctionDecl, name: String, args: [Argument], loc: SourceLoc) {
        let params = decl.params
        let positional = args.filter { $0.name == nil }.count
        if positional > params.count {
            report("\(name)() takes at most \(params.count) argument\(params.count == 1 ? "" : "s") (\(positional) given)",
                   at: loc, hint: "\(name)(\(params.map(\.name).joined(separator: ", ")))")
            return
        }
        var bound = Set(params.prefix(positional).map(\.name))
        for a in args {
            guard let n = a.name else { continue }
            if !params.contains(where: { $0.name == n }) {
                let hint = closestName(to: n, in: params.map(\.name)).map { "did you mean '\($0)'?" }
                report("\(name)() has no parameter named '\(n)'", at: a.nameLoc ?? loc, hint: hint)
            } else if bound.contains(n) {
                report("\(name)() got two values for '\(n)'", at: a.nameLoc ?? loc)
            }
            bound.insert(n)
        }
        for p in params where p.defaultValue == nil && !bound.contains(p.name) {
            report("missing argument '\(p.name)' in call to \(name)()", at: loc,
                   hint: "\(name)(\(params.map(\.name).joined(separator: ", ")))")
        }
    }

    private func recordConstantCall(_ spec: EffectSpec, _ args: [Argument], _ loc: SourceLoc) {
        var values: [String: Value] = [:]
        var i = 0
        for a in args {
            guard let v = staticValue(a.value) else { return }
            if let n = a.name {
                values[n] = v
            } else {
                guard i < spec.params.count else { return }
                values[spec.params[i]] = v
                i += 1
            }
        }
        module.constantEffectCalls.append((spec.name, values, loc))
    }

    /// Effect builtins have fixed signatures; check them like any known function.
    private func checkEffectCall(_ name: String, args: [Argument], loc: SourceLoc) {
        guard let spec = loader.effectSpecs[name] else { return }
        let positional = args.filter { $0.name == nil }.count
        if positional > spec.params.count {
            report("\(name)() takes at most \(spec.params.count) argument\(spec.params.count == 1 ? "" : "s") (\(positional) given)",
                   at: loc)
        }
        for a in args {
            if let n = a.name, !spec.params.contains(n), !spec.extraNamed {
                let hint = closestName(to: n, in: spec.params).map { "did you mean '\($0)'?" }
                report("\(name)() has no parameter named '\(n)'", at: a.nameLoc ?? loc, hint: hint)
            }
        }
        var index = 0
        for a in args {
            let param: String?
            if let n = a.name { param = n } else { param = index < spec.params.count ? spec.params[index] : nil; index += 1 }
            guard let param, let allowed = spec.choices[param], case .string(let word)? = staticValue(a.value),
                  !allowed.contains(word) else { continue }
            report("\(name)() \(param) must be one of: \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), not \"\(word)\"",
                   at: a.value.loc, hint: closestName(to: word, in: allowed).map { "did you mean '\($0)'?" })
        }
        let given = Set(args.compactMap(\.name)).union(spec.params.prefix(positional))
        for p in spec.params.prefix(spec.required) where !given.contains(p) {
            report("missing argument '\(p)' in call to \(name)()", at: loc)
        }
    }

    /// Whether a `let` initialised with `value` may hold a map with a function under `name`: anything but a
    /// literal (a call, a parameter...) may; a list, a string or a map literal without that key cannot.
    func mayHoldFunction(_ value: Expr?, named name: String) -> Bool {
        guard let value else { return true }
        switch value.kind {
        case .list, .stringLit, .interpolated, .intLit, .floatLit, .boolLit, .nilLit, .durationLit, .sizeLit:
            return false
        case .map(let entries):
            return entries.contains { if case .stringLit(let k) = $0.key.kind { return k == name } else { return true } }
        default:
            return true
        }
    }
}
