/// Declarations (`schedule "nightly" { ... }`, `scheme "prod" for main { ... }`, `on EVENT run plan()`): each is
/// checked against the `DeclarationSpec` of its kind, and recorded in the module with its values worked out.
/// Nothing in a declaration runs.
extension Resolver {
    func resolveDeclaration(kind: String, label: String, labelLoc: SourceLoc, target: String?, body: Expr,
                            loc: SourceLoc) {
        // The parser makes declarations only for kinds the loader was given.
        guard !analysisOnly, let spec = loader.declarationKinds[kind] else { return }
        if !(fn.isModule && fn.scopes.count == 1) {
            report("\(kind) \"\(label)\" must be declared at the top level of a file", at: loc)
            return
        }
        let problemsBefore = diagnostics.count
        if spec.uniqueLabels && module.declarations.contains(where: { $0.kind == kind && $0.label == label }) {
            report("duplicate \(kind) \"\(label)\"", at: labelLoc)
        }
        var plan: PlanDecl? = nil
        switch spec.target {
        case .none:
            if target != nil { report("a \(kind) has no 'for PLAN'", at: labelLoc) }
        case .required(let purpose):
            guard let target else {
                report("a \(kind) names the plan it \(purpose): \(spec.keyword) \"\(label)\" for PLAN { ... }", at: labelLoc)
                return
            }
            guard let found = targetPlan(target, kind: kind, label: label, labelLoc: labelLoc) else { return }
            plan = found
        case .optional:
            if let target {
                guard let found = targetPlan(target, kind: kind, label: label, labelLoc: labelLoc) else { return }
                plan = found
            }
        }
        guard case .map(let pairs) = body.kind else { return }
        var entries: [(key: String, value: Value, loc: SourceLoc)] = []
        var seen = Set<String>()
        for (k, v) in pairs {
            guard case .stringLit(let key) = k.kind else {
                report("\(kind) keys are names", at: k.loc)
                continue
            }
            guard let keySpec = declarationKey(key, of: spec, plan: plan, label: label, at: k.loc) else { continue }
            if !seen.insert(key).inserted {
                report("\(kind) key '\(key)' given twice", at: k.loc)
                continue
            }
            if let value = declarationValue(v, as: keySpec.type, path: key, example: keySpec.example, kind: kind) {
                entries.append((key, value, v.loc))
            }
        }
        // A missing key is worth saying only when the declaration is otherwise right: a misspelt key is
        // usually the missing one, and has been reported already.
        if case .fixed(let keys) = spec.keys, diagnostics.count == problemsBefore,
           let missing = keys.first(where: { key in key.isRequired && !entries.contains { $0.key == key.name } }) {
            report("\(kind) \"\(label)\" needs '\(missing.name)'", at: labelLoc, hint: Resolver.missingHint(missing))
        }
        module.declarations.append(Declaration(kind: kind, label: label, loc: loc, labelLoc: labelLoc, target: target,
                                               entries: entries))
    }

    /// The plan of `for PLAN`, or nil after reporting that the file has no such plan.
    private func targetPlan(_ name: String, kind: String, label: String, labelLoc: SourceLoc) -> PlanDecl? {
        if let plan = planDecls[name] { return plan }
        let hint = closestName(to: name, in: Array(planDecls.keys)).map { "did you mean '\($0)'?" }
        report("\(kind) \"\(label)\" is for plan '\(name)', which this file does not declare", at: labelLoc, hint: hint)
        return nil
    }

    /// What the spec says about `key`, or nil after reporting that the declaration takes no such key.
    private func declarationKey(_ key: String, of spec: DeclarationSpec, plan: PlanDecl?, label: String,
                                at loc: SourceLoc) -> DeclarationKey? {
        switch spec.keys {
        case .fixed(let keys):
            if let found = keys.first(where: { $0.name == key }) { return found }
            let names = keys.map(\.name)
            let hint = closestName(to: key, in: names).map { "did you mean '\($0)'?" }
                ?? "a \(spec.kind) takes: \(names.joined(separator: ", "))"
            report("unknown \(spec.kind) key '\(key)'", at: loc, hint: hint)
            return nil
        case .planParameters:
            guard let plan else {
                report("unknown \(spec.kind) key '\(key)'", at: loc,
                       hint: "its keys are the parameters of a plan: \(spec.keyword) \"\(label)\" for PLAN { ... }")
                return nil
            }
            if plan.params.contains(where: { $0.name == key }) { return DeclarationKey(key, .any) }
            let hint = closestName(to: key, in: plan.params.map(\.name)).map { "did you mean '\($0)'?" }
                ?? "plan \(plan.name) takes: \(plan.params.map(\.name).joined(separator: ", "))"
            report("plan \(plan.name) has no parameter '\(key)'", at: loc, hint: hint)
            return nil
        }
    }

    static func missingHint(_ key: DeclarationKey) -> String? {
        key.missingHint ?? key.example.map { "\(key.name): \($0)" }
    }

    /// The constant value of `e` as `type`, or nil after reporting why it is not one. `path` names the value in
    /// messages: `tz`, `stages[1].name`.
    func declarationValue(_ e: Expr, as type: DeclarationValueType, path: String, example: String?,
                          kind: String) -> Value? {
        switch type {
        case .planCall:
            return planCall(e, key: path, kind: kind)
        case .plan:
            guard case .name(let name) = e.kind else {
                report("\(path): must name a plan of this file, like \(path): main", at: e.loc)
                return nil
            }
            guard planDecls[name] != nil else {
                let hint = closestName(to: name, in: Array(planDecls.keys)).map { "did you mean '\($0)'?" }
                report("\(path): names no plan of this file: '\(name)'", at: e.loc, hint: hint)
                return nil
            }
            return .string(name)
        case .list(let itemType):
            guard case .list(let items) = e.kind else { return mismatch(e, type, path: path, example: example) }
            var values: [Value] = []
            for (i, item) in items.enumerated() {
                if let v = declarationValue(item, as: itemType, path: "\(path)[\(i)]", example: nil, kind: kind) {
                    values.append(v)
                }
            }
            return values.count == items.count ? .list(values) : nil
        case .map(let valueType):
            guard case .map(let pairs) = e.kind else { return mismatch(e, type, path: path, example: example) }
            let m = MapStorage()
            var ok = true
            for (k, v) in pairs {
                guard case .stringLit(let key) = k.kind else {
                    report("the keys of '\(path)' are names", at: k.loc)
                    ok = false
                    continue
                }
                if let value = declarationValue(v, as: valueType, path: "\(path).\(key)", example: nil, kind: kind) {
                    m.set(.string(key), value)
                } else {
                    ok = false
                }
            }
            return ok ? .map(m) : nil
        case .record(let keys):
            guard case .map(let pairs) = e.kind else { return mismatch(e, type, path: path, example: example) }
            return record(pairs, keys: keys, path: path, at: e.loc, kind: kind)
        case .string, .int, .float, .bool, .duration, .size, .oneOf, .any:
            guard let value = staticValue(e) else { return mismatch(e, type, path: path, example: example) }
            switch (type, value) {
            case (.any, _), (.string, .string), (.int, .int), (.float, .float), (.bool, .bool), (.duration, .duration),
                 (.size, .size):
                return value
            case (.float, .int(let i)):
                return .float(Double(i))
            case (.oneOf(let options), .string(let s)) where options.contains(s):
                return value
            default:
                return mismatch(e, type, path: path, example: example)
            }
        }
    }

    /// A nested block: its keys checked like a declaration's own.
    private func record(_ pairs: [(key: Expr, value: Expr)], keys: [DeclarationKey], path: String, at loc: SourceLoc,
                        kind: String) -> Value? {
        let m = MapStorage()
        let problemsBefore = diagnostics.count
        for (k, v) in pairs {
            guard case .stringLit(let key) = k.kind else {
                report("the keys of '\(path)' are names", at: k.loc)
                continue
            }
            guard let keySpec = keys.first(where: { $0.name == key }) else {
                let names = keys.map(\.name)
                let hint = closestName(to: key, in: names).map { "did you mean '\($0)'?" }
                    ?? "'\(path)' takes: \(names.joined(separator: ", "))"
                report("unknown key '\(key)' in '\(path)'", at: k.loc, hint: hint)
                continue
            }
            if m.get(.string(key)) != nil {
                report("key '\(key)' given twice in '\(path)'", at: k.loc)
                continue
            }
            if let value = declarationValue(v, as: keySpec.type, path: "\(path).\(key)", example: keySpec.example,
                                            kind: kind) {
                m.set(.string(key), value)
            }
        }
        guard diagnostics.count == problemsBefore else { return nil }
        if let missing = keys.first(where: { $0.isRequired && m.get(.string($0.name)) == nil }) {
            report("'\(path)' needs '\(missing.name)'", at: loc, hint: Resolver.missingHint(missing))
            return nil
        }
        return .map(m)
    }

    /// Reports that `e` is not a constant of `type` (or not a constant at all) and returns nil.
    private func mismatch(_ e: Expr, _ type: DeclarationValueType, path: String, example: String?) -> Value? {
        guard let value = staticValue(e) else {
            report("the value of '\(path)' must be a constant (a literal, or a list or map of literals)", at: e.loc)
            return nil
        }
        if case .oneOf(let options) = type {
            // The options are the example.
            var hint: String? = nil
            if case .string(let s) = value { hint = closestName(to: s, in: options).map { "did you mean '\($0)'?" } }
            report("\(path) must be \(type.phrase)", at: e.loc, hint: hint)
            return nil
        }
        report("\(path) must be \(type.phrase)\(example.map { " such as \($0)" } ?? "")", at: e.loc)
        return nil
    }

    /// `plan_name(args)` with constant arguments, as {plan, args}; positional arguments take the plan's
    /// parameter names in order. `key` is the declaration key it is the value of (`run`).
    private func planCall(_ e: Expr, key: String, kind: String) -> Value? {
        guard case .call(let callee, let args) = e.kind, case .name(let name) = callee.kind else {
            report("\(key): must call a plan of this file, like \(key): main(env: \"prod\")", at: e.loc)
            return nil
        }
        guard let decl = planDecls[name] else {
            let hint = closestName(to: name, in: Array(planDecls.keys)).map { "did you mean '\($0)'?" }
            report("\(key): names no plan of this file: '\(name)'", at: callee.loc, hint: hint)
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
                report("\(kind) arguments must be constants", at: a.value.loc)
                return nil
            }
            m.set(.string(pname), v)
        }
        return Value.makeMap([("plan", .string(name)), ("args", .map(m))])
    }
}
