import Foundation
import PlatEngine
import PlatLang
import PlatStore

/// The CMDB in .plat: `cmdb.hosts(where: ...)`, `cmdb.group(name, VAR: value...)`, `cmdb.update(host, FIELD:
/// value...)`, `cmdb.transfer(hosts, to: "biz/set/module")`.
///
/// Every call is journaled, reads included (`EffectKind.read`): a resumed run gets the hosts its first run saw,
/// not today's. A change (`EffectKind.transactional`) commits in the same transaction as its journal entry, so it
/// happens exactly once even if the process dies between the two.
enum CMDBEffects {
    static func all() -> [DurableEffect] {
        [read(EffectSpec(name: "cmdb.hosts", params: ["where", "limit", "vars"], required: 0,
                         summary: "hosts matching a filter, as host maps sh and copy accept; vars: values for the filter's $NAMEs, bound, never spliced"),
              { args, c in try hosts(args, c) }),
         read(EffectSpec(name: "cmdb.group", params: ["name"], required: 1,
                         summary: "the hosts of a dynamic group; named arguments override its variables", extraNamed: true),
              { args, c in try group(args, c) }),
         change(EffectSpec(name: "cmdb.update", params: ["host"], required: 1,
                           summary: "changes fields of a host or a list of hosts (cmdb.update(h, sla: 3)); returns them", extraNamed: true),
                body: update),
         change(EffectSpec(name: "cmdb.transfer", params: ["hosts", "to", "append"], required: 2,
                           summary: "moves hosts to modules (\"biz/set/module\", a list of them, or \"pool\"); returns them"),
                body: transfer)]
    }

    /// `run ID (who)`: the actor of changes a run makes.
    static func cmdb(_ ctx: EffectContext) -> CMDB {
        CMDB(db: ctx.store.db, actor: "run \(ctx.runID)" + (ctx.startedBy.isEmpty ? "" : " (\(ctx.startedBy))"))
    }

    static func hostList(_ hosts: [HostRecord], _ cmdb: CMDB) throws -> Value {
        let fields = try cmdb.hostFields()
        return .list(hosts.map { $0.platValue(fields: fields) })
    }

    static func hosts(_ given: EffectArguments, _ c: CMDB) throws -> Value {
        let args = given.nilAsAbsent
        let filter = try args.get("where", .string)
        let limit = try args.get("limit", .int)
        if let n = limit, n <= 0 { throw RuntimeError("cmdb.hosts() limit: takes a positive int") }
        // `$NAME` in the filter takes its value from vars: as a bound value, so a parameter holding quotes or
        // filter syntax is compared as text and can never widen the filter.
        var variables: [String: FilterVariable] = [:]
        for (k, v) in try args.get("vars", .map)?.pairs ?? [] {
            guard case .string(let name) = k else { throw RuntimeError("cmdb.hosts() vars: names are strings, got \(k.typeName)") }
            variables[name] = try filterVariable(v, "cmdb.hosts() vars: \(name)")
        }
        return try hostList(try c.hosts(where: filter, variables: variables, limit: limit), c)
    }

    /// A .plat value as the value of a filter variable: a string, number, bool, or a list of them (for `in`).
    static func filterVariable(_ v: Value, _ what: String) throws -> FilterVariable {
        func literal(_ x: Value) -> FilterLiteral? {
            switch x {
            case .string(let s): return .string(s)
            case .int(let i): return .int(Int64(i))
            case .float(let d): return .float(d)
            case .bool(let b): return .bool(b)
            default: return nil
            }
        }
        if case .list(let xs) = v {
            return .list(try xs.map { x in
                guard let l = literal(x) else { throw RuntimeError("\(what): list elements must be strings, numbers or bools") }
                return l
            })
        }
        guard let l = literal(v) else {
            throw RuntimeError("\(what): a variable takes a string, number, bool or list, got \(v.typeName)")
        }
        return .literal(l)
    }

    static func group(_ args: EffectArguments, _ c: CMDB) throws -> Value {
        let name = try args.require("name", .string)
        var overrides: [String: FilterVariable] = [:]
        for (k, v) in args.named where k != "name" {
            overrides[k] = try filterVariable(v, "cmdb.group() \(k)")
        }
        return try hostList(try c.groupHosts(name, overrides: overrides), c)
    }

    /// The hosts a value names: host maps from cmdb.hosts (by their `id`), IPs, hostnames or `#ID`s, alone or
    /// in a list.
    static func hostIDs(_ v: Value, _ c: CMDB, what: String) throws -> [Int64] {
        let items: [Value]
        if case .list(let xs) = v { items = xs } else { items = [v] }
        return try items.map { item in
            switch item {
            case .map(let m):
                if case .int(let id)? = m.get(.string("id")) { return Int64(id) }
                if case .string(let a)? = m.get(.string("address")) { return try c.resolveHost(a).id }
                throw RuntimeError("\(what): a host map needs the id cmdb.hosts() gives it")
            case .string(let ref): return try c.resolveHost(ref).id
            default: throw RuntimeError("\(what) takes hosts (maps from cmdb.hosts, IPs or hostnames), got \(item.typeName)")
            }
        }
    }

    static func update(_ ctx: EffectContext) throws -> Value {
        guard let target = ctx.argument("host") else { throw RuntimeError("cmdb.update() needs a host") }
        let c = cmdb(ctx)
        let custom = try c.customHostFields()
        let fields = HostFields.columns + custom
        var changes: [String: CMDBValue] = [:]
        for (k, v) in ctx.call.args.named where k != "host" {
            guard let f = fields.first(where: { $0.name == k }) else {
                throw RuntimeError("cmdb.update() has no field '\(k)'",
                                   hint: closestFieldName(k, fields.map(\.name)).map { "did you mean '\($0)'?" })
            }
            switch f.validate(f.type.accept(plat: v)) {
            case .success(let value): changes[k] = value
            case .failure(let p): throw RuntimeError("cmdb.update() \(k): \(p.reason)", hint: p.hint)
            }
        }
        if changes.isEmpty { throw RuntimeError("cmdb.update() needs at least one field to change", hint: "cmdb.update(host, sla: 3)") }
        let ids = try hostIDs(target, c, what: "cmdb.update()")
        var out: [HostRecord] = []
        for id in ids { out.append(try c.updateHost(id: id, changes)) }
        if case .list = target { return try hostList(out, c) }
        return try hostList(out, c).firstListElement
    }

    static func transfer(_ ctx: EffectContext) throws -> Value {
        guard let hosts = ctx.argument("hosts"), let to = ctx.argument("to") else {
            throw RuntimeError("cmdb.transfer() needs hosts and to:", hint: "cmdb.transfer(hosts, to: \"shop/web/nginx\")")
        }
        let append = try ctx.args.nilAsAbsent.get("append", .bool) ?? false
        let target: TransferTarget
        switch to {
        case .string("pool"): target = .pool
        case .string(let path): target = .modules([path])
        case .list(let xs):
            target = .modules(try xs.map { x in
                guard case .string(let p) = x else { throw RuntimeError("cmdb.transfer() to: takes module paths (strings)") }
                return p
            })
        default: throw RuntimeError("cmdb.transfer() to: takes \"biz/set/module\", a list of them, or \"pool\"")
        }
        let c = cmdb(ctx)
        let ids = try hostIDs(hosts, c, what: "cmdb.transfer()")
        try c.transfer(hostIDs: ids, to: target, append: append)
        var moved: [HostRecord] = []
        for id in ids { if let h = try c.host(id: id) { moved.append(h) } }
        return try hostList(moved, c)
    }
}

/// How a CMDB effect is made: a read or a change (the engine runs a change and its journal entry in one
/// transaction). CMDB errors, filter errors and refused queries become the plan's runtime errors.
extension CMDBEffects {
    static func change(_ spec: EffectSpec, body: @escaping (EffectContext) throws -> Value) -> ClosureEffect {
        ClosureEffect(spec, kind: .transactional, failure: failure, body: body)
    }

    /// A read, whose body on its own also serves `--explain`, which reads without a run.
    static func read(_ spec: EffectSpec, _ read: @escaping (EffectArguments, CMDB) throws -> Value) -> ClosureEffect {
        ClosureEffect(spec, kind: .read, failure: failure,
                      explainReading: { call, db in try explainRead(spec.name, call, db, read) },
                      body: { ctx in try read(ctx.args, cmdb(ctx)) })
    }

    static func failure(_ error: Error) -> ClosureEffect.Failure? {
        switch error {
        case let e as CMDBError: return (e.message, e.hint)
        case let e as FilterError: return (e.description, nil)
        // A query the database refused (a limit, a corrupt file) is the plan's error to catch with `try`; a
        // lock held by another process is the engine's to handle (the run stops, resumable).
        case let e as DatabaseError where !(e.isBusy || e.isLocked): return ("the database refused the query: \(e.message)", nil)
        default: return nil
        }
    }

    /// A read really reads (it changes nothing) and names the hosts it found, so the steps after it explain
    /// themselves with those hosts; without a database it stands in with no hosts and says so.
    static func explainRead(_ name: String, _ call: EffectCall, _ db: Database?,
                            _ read: (EffectArguments, CMDB) throws -> Value) throws -> ClosureEffect.Explanation {
        let shown = call.args.named.map { "\($0.name): \($0.value.repr)" }.joined(separator: ", ")
        guard let db else {
            return (["\(name)(\(shown)): no database yet, so no hosts (--db or PLATFLOW_DB names one)"], .list([]))
        }
        let args = EffectArguments(function: call.name, named: call.args.named)
        let result = try read(args, CMDB(db: db, actor: "explain"))
        guard case .list(let hosts) = result else { return (["\(name)(\(shown))"], result) }
        let names = hosts.prefix(10).map { h -> String in
            if case .map(let m) = h, case .string(let n)? = m.get(.string("name")) { return n }
            return h.repr
        }
        let more = hosts.count > 10 ? ", … \(hosts.count - 10) more" : ""
        return (["\(name)(\(shown)) reads \(hosts.count) host\(hosts.count == 1 ? "" : "s")"
                 + (hosts.isEmpty ? "" : ": \(names.joined(separator: ", "))\(more)")], result)
    }
}

private extension Value {
    var firstListElement: Value {
        if case .list(let xs) = self, let first = xs.first { return first }
        return .null
    }
}
