import Foundation
import PlatLang
import PlatStore

/// A dynamic group: a saved host filter, evaluated when used, with named variables the caller may override.
public struct DynamicGroup: Equatable, Sendable {
    public let name: String
    public let filter: String
    /// Each variable with its default. A variable named after a field (`--var env`) stands for the values
    /// the filter compares that field with; any other (`--var region=sh`) is written `$region` in the filter.
    public let variables: [String: FilterVariable]
    /// The variables that stand for a field's values (rather than `$name` placeholders).
    public let fieldVariables: Set<String>
}

extension CMDB {
    /// Saves a group. `variables` are `NAME` (the filter's comparisons of field NAME become overridable,
    /// their values the default) or `NAME=DEFAULT` (the filter uses `$NAME`).
    public func addGroup(_ name: String, filter: String, variables: [String] = [], replace: Bool = false) throws {
        try CMDB.checkName(name, what: "group")
        let expr = try FilterParser.parse(filter)
        var defaults: [String: FilterVariable] = [:]
        var fieldVars = Set<String>()
        for spec in variables {
            if let eq = spec.firstIndex(of: "=") {
                let v = String(spec[..<eq]), value = String(spec[spec.index(after: eq)...])
                try CMDB.checkFieldName(v)
                defaults[v] = .text(value)
            } else {
                try CMDB.checkFieldName(spec)
                guard let found = CMDB.fieldValues(expr, field: spec) else {
                    throw CMDBError(.invalid, "--var \(spec): the filter compares no field \(spec) with a value, so there is nothing to override",
                                    hint: "write the condition (\(spec) == \"...\") in --where, or give a default: --var \(spec)=VALUE and use $\(spec)")
                }
                defaults[spec] = found
                fieldVars.insert(spec)
            }
        }
        for used in CMDB.placeholders(expr) where defaults[used.0] == nil {
            throw FilterError("$\(used.0) is not declared", at: used.1, in: filter, hint: "declare it: --var \(used.0)=DEFAULT")
        }
        for (v, _) in defaults where !fieldVars.contains(v) && !CMDB.placeholders(expr).contains(where: { $0.0 == v }) {
            throw CMDBError(.invalid, "--var \(v)=...: the filter does not use $\(v)")
        }
        let group = DynamicGroup(name: name, filter: filter, variables: defaults, fieldVariables: fieldVars)
        // Checked now, so that a typo is found when the group is saved rather than when it is used.
        _ = try compileGroup(group, overrides: [:])
        try write {
            let existing = try db.queryOne("SELECT filter FROM cmdb_groups WHERE name = ?", name)
            if existing != nil && !replace {
                throw CMDBError(.conflict, "group \(name) already exists", hint: "pass --replace to change it")
            }
            let vars = CMDB.encodeVariables(defaults, fieldVars)
            try db.execute("""
                INSERT INTO cmdb_groups (name, filter, vars, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET filter = excluded.filter, vars = excluded.vars, updated_at = excluded.updated_at
                """, name, filter, vars, nowText, nowText)
            try recordEvent("group", name, existing == nil ? "create" : "update", before: nil,
                            after: "{\"filter\":\(CMDB.jsonString(filter)),\"vars\":\(vars)}")
        }
    }

    public func group(_ name: String) throws -> DynamicGroup {
        guard let r = try db.queryOne("SELECT * FROM cmdb_groups WHERE name = ?", name) else {
            let all = try db.query("SELECT name FROM cmdb_groups").compactMap { $0.string("name") }
            throw CMDBError(.notFound, "no group '\(name)'",
                            hint: closestName(to: name, in: all).map { "did you mean '\($0)'?" } ?? "`platflow cmdb group list` lists them")
        }
        let (vars, fieldVars) = CMDB.decodeVariables(r.string("vars") ?? "{}")
        return DynamicGroup(name: name, filter: r.string("filter") ?? "", variables: vars, fieldVariables: fieldVars)
    }

    public func groups() throws -> [DynamicGroup] {
        try db.query("SELECT name FROM cmdb_groups ORDER BY name").compactMap { $0.string("name") }.map(group)
    }

    public func deleteGroup(_ name: String) throws {
        try write {
            _ = try group(name)
            try db.execute("DELETE FROM cmdb_groups WHERE name = ?", name)
            try recordEvent("group", name, "delete", before: nil, after: nil)
        }
    }

    /// The group's hosts now, with some variables overridden.
    public func groupHosts(_ name: String, overrides: [String: FilterVariable] = [:]) throws -> [HostRecord] {
        let g = try group(name)
        let compiled = try compileGroup(g, overrides: overrides)
        let custom = try customHostFields()
        return try db.query(HostRows.select + " WHERE \(compiled.sql) ORDER BY h.id", compiled.args).map { HostRows.record($0, custom: custom) }
    }

    func compileGroup(_ g: DynamicGroup, overrides: [String: FilterVariable]) throws -> CompiledFilter {
        for k in overrides.keys.sorted() where g.variables[k] == nil {
            let known = g.variables.keys.sorted()
            throw CMDBError(.invalid, "group \(g.name) has no variable '\(k)'",
                            hint: closestName(to: k, in: known).map { "did you mean '\($0)'?" }
                                ?? (known.isEmpty ? "it declares no variables" : "its variables: \(known.joined(separator: ", "))"))
        }
        var values = g.variables
        for (k, v) in overrides { values[k] = v }
        let expr = try FilterParser.parse(g.filter)
        let rewritten = CMDB.bindFieldVariables(expr, g.fieldVariables)
        return try FilterCompiler.compile(rewritten, source: g.filter, catalog: try hostCatalog(), variables: values)
    }

    /// The value(s) the filter compares `field` with, as a variable default (the first comparison's).
    static func fieldValues(_ e: FilterExpr, field: String) -> FilterVariable? {
        switch e {
        case .and(let a, let b), .or(let a, let b): return fieldValues(a, field: field) ?? fieldValues(b, field: field)
        case .not(let x): return fieldValues(x, field: field)
        case .exists: return nil
        case .compare(let f, _, _, let operand, _):
            guard f == field else { return nil }
            switch operand {
            case .literal(let l): return .literal(l)
            case .list(let xs): return .list(xs.map(\.0))
            case .variable: return nil
            }
        }
    }

    /// Comparisons of the named fields with values become comparisons with the variable of the same name.
    static func bindFieldVariables(_ e: FilterExpr, _ fields: Set<String>) -> FilterExpr {
        if fields.isEmpty { return e }
        switch e {
        case .and(let a, let b): return .and(bindFieldVariables(a, fields), bindFieldVariables(b, fields))
        case .or(let a, let b): return .or(bindFieldVariables(a, fields), bindFieldVariables(b, fields))
        case .not(let x): return .not(bindFieldVariables(x, fields))
        case .exists: return e
        case .compare(let f, let fat, let op, let operand, let at):
            if fields.contains(f), case .variable = operand { return e }
            return fields.contains(f) ? .compare(field: f, fieldAt: fat, op: op, operand: .variable(f), at: at) : e
        }
    }

    static func placeholders(_ e: FilterExpr) -> [(String, Int)] {
        switch e {
        case .and(let a, let b), .or(let a, let b): return placeholders(a) + placeholders(b)
        case .not(let x): return placeholders(x)
        case .exists: return []
        case .compare(_, _, _, let operand, let at):
            if case .variable(let v) = operand { return [(v, at)] }
            return []
        }
    }

    static func encodeVariables(_ vars: [String: FilterVariable], _ fieldVars: Set<String>) -> String {
        func lit(_ l: FilterLiteral) -> Any {
            switch l {
            case .string(let s): return s
            case .int(let i): return i
            case .float(let d): return d
            case .bool(let b): return b
            }
        }
        var o: [String: Any] = [:]
        for (k, v) in vars {
            let value: Any
            switch v {
            case .text(let t): value = ["text": t]
            case .literal(let l): value = ["value": lit(l)]
            case .list(let ls): value = ["list": ls.map(lit)]
            }
            o[k] = ["field": fieldVars.contains(k), "default": value]
        }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeVariables(_ text: String) -> ([String: FilterVariable], Set<String>) {
        func lit(_ a: Any) -> FilterLiteral? {
            switch a {
            case let s as String: return .string(s)
            case let n as NSNumber:
                if AttributeType.isJSONBool(n) { return .bool(n.boolValue) }
                let d = n.doubleValue
                return d == d.rounded() && !String(describing: n).contains(".") ? .int(n.int64Value) : .float(d)
            default: return nil
            }
        }
        var vars: [String: FilterVariable] = [:]
        var fields = Set<String>()
        for (k, raw) in CustomJSON.decode(text) {
            guard let entry = raw as? [String: Any], let d = entry["default"] as? [String: Any] else { continue }
            if (entry["field"] as? NSNumber)?.boolValue == true { fields.insert(k) }
            if let t = d["text"] as? String { vars[k] = .text(t) }
            else if let v = d["value"].flatMap(lit) { vars[k] = .literal(v) }
            else if let l = d["list"] as? [Any] { vars[k] = .list(l.compactMap(lit)) }
        }
        return (vars, fields)
    }
}
