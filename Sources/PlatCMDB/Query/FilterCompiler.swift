import Foundation
import PlatLang
import PlatStore

/// The fields a filter may name, and the table they come from.
public struct FieldCatalog: Sendable {
    public enum Subject: Equatable, Sendable {
        case hosts
        case instances(model: String)
    }

    public let subject: Subject
    public let fields: [FieldDef]
    private let byName: [String: FieldDef]

    public init(subject: Subject, fields: [FieldDef]) {
        self.subject = subject
        self.fields = fields
        var m: [String: FieldDef] = [:]
        for f in fields where m[f.name] == nil { m[f.name] = f }
        byName = m
    }

    /// Host fields: built-in, custom, id and times, topology (`biz`, `set`, `module`) and `ip` (any IP).
    public static func hosts(custom: [FieldDef]) -> FieldCatalog {
        FieldCatalog(subject: .hosts, fields: HostFields.columns + custom + HostFields.readOnly + HostFields.topology
            + [FieldDef("ip", .ip, label: "any IP", storage: .topology, readOnly: true)])
    }

    /// A model's attributes plus `id`, `created_at`, `updated_at`.
    public static func instances(model: String, attributes: [FieldDef]) -> FieldCatalog {
        FieldCatalog(subject: .instances(model: model), fields: attributes + HostFields.readOnly)
    }

    public func field(_ name: String) -> FieldDef? { byName[name] }
    var alias: String { subject == .hosts ? "h" : "i" }
}

/// A value a dynamic group's caller gives a variable: text from the command line is read as the field's type.
public enum FilterVariable: Equatable, Sendable {
    case text(String)
    case literal(FilterLiteral)
    case list([FilterLiteral])
}

/// A filter as SQL: a boolean expression over the subject's alias (`h` or `i`) with its bound values.
public struct CompiledFilter: Sendable {
    public let sql: String
    public let args: [SQLValue]
}

/// Turns a parsed filter into parameterised SQL, checking every field name and value type on the way.
/// Values are always bound; the SQL text holds only column names from the catalogue.
///
/// Logic is two-valued: a missing value fails every comparison, and `not` is pushed down to the
/// comparisons so that `not (sla > 2)` includes hosts with no SLA (a plain SQL NOT would drop them).
public struct FilterCompiler {
    let catalog: FieldCatalog
    let source: String
    let variables: [String: FilterVariable]
    private var args: [SQLValue] = []

    public static func compile(_ source: String, catalog: FieldCatalog, variables: [String: FilterVariable] = [:]) throws -> CompiledFilter {
        let expr = try FilterParser.parse(source)
        return try compile(expr, source: source, catalog: catalog, variables: variables)
    }

    public static func compile(_ expr: FilterExpr, source: String, catalog: FieldCatalog,
                               variables: [String: FilterVariable] = [:]) throws -> CompiledFilter {
        var c = FilterCompiler(catalog: catalog, source: source, variables: variables)
        let sql = try c.compile(expr, negated: false)
        return CompiledFilter(sql: sql, args: c.args)
    }

    init(catalog: FieldCatalog, source: String, variables: [String: FilterVariable]) {
        self.catalog = catalog
        self.source = source
        self.variables = variables
    }

    private mutating func compile(_ e: FilterExpr, negated: Bool) throws -> String {
        switch e {
        case .and, .or:
            // A chain of one connective (`a or b or c ...`, thousands long) as one balanced group: nested
            // pairs would overflow SQLite's parser stack at about 100 terms.
            let isAnd: Bool
            if case .and = e { isAnd = true } else { isAnd = false }
            let terms = try FilterCompiler.chain(e, and: isAnd).map { try compile($0, negated: negated) }
            return FilterCompiler.balanced(terms, isAnd != negated ? "AND" : "OR")
        case .not(let x):
            return try compile(x, negated: !negated)
        case .exists(let name, let at):
            let f = try field(name, at: at)
            return existsSQL(f, negated: negated)
        case .compare(let name, let fieldAt, let op, let operand, let at):
            let f = try field(name, at: fieldAt)
            try checkOperator(op, f, at: fieldAt)
            let values = try literals(operand, for: f, op: op, at: at)
            return try leaf(f, op, values, negated: negated, at: at)
        }
    }

    /// The operands of a chain of `.and` (or `.or`) in source order, however the parser nested them.
    static func chain(_ e: FilterExpr, and: Bool) -> [FilterExpr] {
        var out: [FilterExpr] = []
        var pending = [e]
        while let x = pending.popLast() {
            switch x {
            case .and(let a, let b) where and: pending.append(b); pending.append(a)
            case .or(let a, let b) where !and: pending.append(b); pending.append(a)
            default: out.append(x)
            }
        }
        return out
    }

    /// `terms` joined by `op` in parenthesised groups of at most `groupSize`, groups of groups and so on:
    /// SQLite parses `a OR b OR c ...` as a tree as deep as the chain is long (its limit is 1,000), so a few
    /// thousand terms need nesting, and a balanced one stays a few levels deep.
    static func balanced(_ terms: [String], _ op: String, groupSize: Int = 32) -> String {
        var level = terms
        repeat {
            var next: [String] = []
            next.reserveCapacity(level.count / groupSize + 1)
            var i = 0
            while i < level.count {
                let group = level[i..<min(i + groupSize, level.count)]
                next.append(group.count == 1 ? group.first! : "(" + group.joined(separator: " \(op) ") + ")")
                i += groupSize
            }
            level = next
        } while level.count > 1
        return level.first ?? (op == "AND" ? "1" : "0")
    }

    // MARK: Checks

    private func field(_ name: String, at: Int) throws -> FieldDef {
        if let f = catalog.field(name) { return f }
        let names = catalog.fields.map(\.name)
        let hint = closestFieldName(name, names).map { "did you mean '\($0)'?" }
            ?? "fields: " + names.prefix(40).joined(separator: ", ")
        throw FilterError("unknown field '\(name)'", at: at, in: source, hint: hint)
    }

    private func checkOperator(_ op: FilterOp, _ f: FieldDef, at: Int) throws {
        switch op {
        case .lt, .le, .gt, .ge:
            if f.type.isList || f.type == .bool || f.storage == .topology {
                throw FilterError("\(op.rawValue) compares single values; \(f.name) is \(f.type.isList || f.storage == .topology ? "a list" : "a bool")",
                                  at: at, in: source, hint: f.type == .bool ? "write \(f.name) == true" : "use ==, in or contains")
            }
        case .contains, .containsS, .startsWith, .endsWith, .glob:
            if f.type.isNumeric || f.type == .bool {
                throw FilterError("\(op.rawValue) applies to text; \(f.name) is \(f.type.kindPhrase)", at: at, in: source,
                                  hint: "compare numbers with == < <= > >=")
            }
        default:
            break
        }
    }

    /// The operand's values, checked against the field's type (and its options, for enums).
    private func literals(_ operand: FilterOperand, for f: FieldDef, op: FilterOp, at: Int) throws -> [(FilterLiteral, Int)] {
        var items: [(FilterLiteral, Int)]
        switch operand {
        case .literal(let l): items = [(l, at)]
        case .list(let xs): items = xs
        case .variable(let name):
            guard let v = variables[name] else {
                throw FilterError("the variable $\(name) has no value", at: at, in: source,
                                  hint: closestName(to: name, in: Array(variables.keys)).map { "did you mean $\($0)?" }
                                    ?? "give it one: --var \(name)=VALUE")
            }
            switch v {
            case .literal(let l): items = [(l, at)]
            case .list(let ls): items = ls.map { ($0, at) }
            case .text(let t):
                // Text from the command line: a comma-separated list where the operator takes a list.
                let parts = op == .isIn || op == .notIn ? t.split(separator: ",").map(String.init) : [t]
                items = parts.map { (FilterCompiler.read($0, as: f.type), at) }
            }
            if (op == .isIn || op == .notIn) == false && items.count != 1 {
                throw FilterError("$\(name) holds a list; \(op.rawValue) takes one value", at: at, in: source, hint: "use in")
            }
        }
        if items.count > 10_000 {
            throw FilterError("a list in a filter holds at most 10,000 values", at: at, in: source)
        }
        return try items.map { (try checked($0.0, f, op: op, at: $0.1), $0.1) }
    }

    /// Text from the command line, read as a value of `type` when it parses as one.
    static func read(_ text: String, as type: AttributeType) -> FilterLiteral {
        switch type {
        case .int: return Int64(text).map { .int($0) } ?? .string(text)
        case .float: return Double(text).map { .float($0) } ?? .string(text)
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "1": return .bool(true)
            case "false", "no", "0": return .bool(false)
            default: return .string(text)
            }
        default: return .string(text)
        }
    }

    private func checked(_ l: FilterLiteral, _ f: FieldDef, op: FilterOp, at: Int) throws -> FilterLiteral {
        func wrong() -> FilterError {
            let quoted: String
            if case .string = l { quoted = "" } else { quoted = " (quote it: \"\(l.description)\")" }
            return FilterError("\(f.name) is \(f.type.kindPhrase); \(l.description) is \(l.typeName)", at: at, in: source,
                               hint: f.type.isNumeric || f.type == .bool ? nil : "text values are quoted\(quoted)")
        }
        let textOp = [.contains, .containsS, .startsWith, .endsWith, .glob].contains(op)
        switch f.type {
        case .int:
            if case .int = l { return l }
            if case .float(let d) = l, d == d.rounded(), abs(d) < 9e18 { return .int(Int64(d)) }
            throw wrong()
        case .float:
            if case .int(let i) = l { return .float(Double(i)) }
            if case .float = l { return l }
            throw wrong()
        case .bool:
            if case .bool = l { return l }
            throw wrong()
        default:
            guard case .string(let s) = l else { throw wrong() }
            if textOp { return l }
            switch f.type {
            case .enumeration(let options), .enumMulti(let options):
                if !options.contains(s) {
                    throw FilterError("'\(s)' is not a value of \(f.name)", at: at, in: source,
                                      hint: closestName(to: s, in: options).map { "did you mean '\($0)'?" }
                                        ?? "values: " + options.joined(separator: ", "))
                }
            case .date, .time:
                guard let t = CMDBTime.parse(s) else {
                    throw FilterError("'\(s)' is not a \(f.type == .date ? "date" : "time")", at: at, in: source,
                                      hint: "write YYYY-MM-DD or 2026-03-01T09:30:00Z")
                }
                return .string(f.type == .date ? String(CMDBTime.format(t).prefix(10)) : CMDBTime.format(t))
            case .ip:
                guard IPRange(s) != nil else {
                    throw FilterError("'\(s)' is not an IP address or CIDR range", at: at, in: source,
                                      hint: "for example \"10.0.0.5\" or \"10.0.0.0/24\"; use starts_with for text prefixes")
                }
            default:
                break
            }
            return l
        }
    }

    // MARK: SQL

    private mutating func bind(_ v: SQLValue) -> String {
        args.append(v)
        return "?"
    }

    private func sqlValue(_ l: FilterLiteral) -> SQLValue {
        switch l {
        case .string(let s): return .text(s)
        case .int(let i): return .int(i)
        case .float(let d): return .double(d)
        case .bool(let b): return .int(b ? 1 : 0)
        }
    }

    /// The SQL of the field's value (binding the JSON path of a custom field).
    private mutating func column(_ f: FieldDef) -> String {
        // Topology names and the "any IP" text are SQL expressions standing in for a field; catalogue
        // names are identifiers, so they can never look like one.
        if f.name.contains(".") || f.name.hasPrefix("(") { return f.name }
        let a = catalog.alias
        switch f.storage {
        case .column, .id, .topology: return "\(a).\(f.name)"
        case .json: return "json_extract(\(a).\(catalog.subject == .hosts ? "custom" : "data"), \(bind(.text(CMDB.jsonPath(f.name)))))"
        }
    }

    private mutating func existsSQL(_ f: FieldDef, negated: Bool) -> String {
        if f.storage == .topology {
            let sql: String
            switch f.name {
            case "biz": return negated ? "h.biz_id IS NULL" : "h.biz_id IS NOT NULL"
            case "ip": sql = "h.id IN (SELECT host_id FROM cmdb_host_ips)"
            default: sql = "h.id IN (SELECT host_id FROM cmdb_host_modules)"
            }
            return negated ? "NOT \(sql)" : sql
        }
        return "(coalesce(\(column(f)), '') \(negated ? "=" : "<>") '')"
    }

    private mutating func leaf(_ f: FieldDef, _ op: FilterOp, _ values: [(FilterLiteral, Int)], negated: Bool, at: Int) throws -> String {
        // != and not in are the negations of == and in.
        var op = op, negated = negated
        if op == .ne { op = .eq; negated.toggle() }
        if op == .notIn { op = .isIn; negated.toggle() }

        if f.type == .ip && catalog.subject == .hosts && (op == .eq || op == .isIn) {
            return ipLeaf(inner: f.name == "inner_ip" ? 1 : (f.name == "outer_ip" ? 0 : nil), values.map(\.0), negated: negated)
        }
        if f.storage == .topology && catalog.subject == .hosts {
            return try topologyLeaf(f, op, values, negated: negated, at: at)
        }
        let positive = try positiveLeaf(f, op, values)
        return negated ? "coalesce(\(positive), 0) = 0" : positive
    }

    /// A comparison that is true only for a matching, present value (an index can serve the simple ones).
    private mutating func positiveLeaf(_ f: FieldDef, _ op: FilterOp, _ values: [(FilterLiteral, Int)]) throws -> String {
        let list = f.type.isList
        func text(_ l: FilterLiteral) -> String {
            if case .string(let s) = l { return s }
            return l.description
        }
        switch op {
        case .eq, .isIn:
            if list {
                let terms = values.map { v -> String in
                    let x = column(f)
                    return "instr(',' || \(x) || ',', \(bind(.text("," + text(v.0) + ","))))"
                }
                return "(" + FilterCompiler.balanced(terms.map { "\($0) > 0" }, "OR") + ")"
            }
            let x = column(f)
            if values.count == 1 { return "\(x) = \(bind(sqlValue(values[0].0)))" }
            return "\(x) IN (\(values.map { bind(sqlValue($0.0)) }.joined(separator: ", ")))"
        case .lt, .le, .gt, .ge:
            let x = column(f)
            return "\(x) \(op.rawValue) \(bind(sqlValue(values[0].0)))"
        case .contains:
            let x = column(f)
            return "instr(lower(\(x)), \(bind(.text(FilterCompiler.asciiLower(text(values[0].0)))))) > 0"
        case .containsS:
            let x = column(f)
            return "instr(\(x), \(bind(.text(text(values[0].0))))) > 0"
        case .startsWith:
            let x = column(f)
            if list { return "instr(',' || \(x), \(bind(.text("," + text(values[0].0))))) > 0" }
            return "\(x) GLOB \(bind(.text(FilterCompiler.globEscape(text(values[0].0)) + "*")))"
        case .endsWith:
            let x = column(f)
            if list { return "instr(\(x) || ',', \(bind(.text(text(values[0].0) + ",")))) > 0" }
            return "\(x) GLOB \(bind(.text("*" + FilterCompiler.globEscape(text(values[0].0)))))"
        case .glob:
            let x = column(f)
            if list {
                // Each element on its own: the comma-joined text becomes a JSON array (elements hold no
                // commas or control characters, so quoting quotes and backslashes is enough).
                let array = "'[\"' || replace(replace(replace(\(x), '\\', '\\\\'), '\"', '\\\"'), ',', '\",\"') || '\"]'"
                return "EXISTS (SELECT 1 FROM json_each(\(array)) WHERE value GLOB \(bind(.text(text(values[0].0)))))"
            }
            return "\(x) GLOB \(bind(.text(text(values[0].0))))"
        case .ne, .notIn:
            return "0"
        }
    }

    /// Hosts having an IP (inner, outer, or any when `inner` is nil) in one of the ranges; one index range
    /// scan per range.
    private mutating func ipLeaf(inner: Int?, _ values: [FilterLiteral], negated: Bool) -> String {
        var parts: [String] = []
        for v in values {
            guard case .string(let s) = v, let r = IPRange(s) else { continue }
            let lo = bind(.blob(r.low)), hi = bind(.blob(r.high))
            let cond = r.low == r.high ? "ip = \(lo) AND ip = \(hi)" : "ip BETWEEN \(lo) AND \(hi)"
            parts.append("SELECT host_id FROM cmdb_host_ips WHERE \(cond)\(inner.map { " AND inner = \($0)" } ?? "")")
        }
        if parts.isEmpty { return negated ? "1" : "0" }
        // A compound SELECT takes at most 500 terms: unions of up to 400, each its own IN.
        var groups: [String] = []
        var i = 0
        while i < parts.count {
            groups.append("h.id \(negated ? "NOT IN" : "IN") (\(parts[i..<min(i + 400, parts.count)].joined(separator: " UNION ")))")
            i += 400
        }
        return groups.count == 1 ? groups[0] : FilterCompiler.balanced(groups, negated ? "AND" : "OR")
    }

    /// Conditions on the business, set or module names: the host matches when any of its modules does.
    private mutating func topologyLeaf(_ f: FieldDef, _ op: FilterOp, _ values: [(FilterLiteral, Int)], negated: Bool, at: Int) throws -> String {
        if f.name == "ip" {
            // Text operators on "any IP" look at both lists.
            let pseudo = FieldDef("(coalesce(h.inner_ip, '') || ',' || coalesce(h.outer_ip, ''))", .ip, storage: .column)
            let positive = try positiveLeaf(pseudo, op, values)
            return negated ? "coalesce(\(positive), 0) = 0" : positive
        }
        let nameColumn = FieldDef(f.name == "biz" ? "b.name" : (f.name == "set" ? "s.name" : "m.name"), .string, storage: .column)
        let cond = try positiveLeaf(nameColumn, op, values)
        switch f.name {
        case "biz":
            let sub = "h.biz_id IN (SELECT b.id FROM cmdb_biz b WHERE \(cond))"
            return negated ? "(h.biz_id IS NULL OR NOT \(sub))" : sub
        case "set":
            let sub = "SELECT hm.host_id FROM cmdb_host_modules hm JOIN cmdb_modules m ON m.id = hm.module_id JOIN cmdb_sets s ON s.id = m.set_id WHERE \(cond)"
            return "h.id \(negated ? "NOT IN" : "IN") (\(sub))"
        default:
            let sub = "SELECT hm.host_id FROM cmdb_host_modules hm JOIN cmdb_modules m ON m.id = hm.module_id WHERE \(cond)"
            return "h.id \(negated ? "NOT IN" : "IN") (\(sub))"
        }
    }

    static func asciiLower(_ s: String) -> String {
        String(decoding: s.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// Makes text match itself literally inside a GLOB pattern.
    static func globEscape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "*": out += "[*]"
            case "?": out += "[?]"
            case "[": out += "[[]"
            default: out.append(c)
            }
        }
        return out
    }
}
