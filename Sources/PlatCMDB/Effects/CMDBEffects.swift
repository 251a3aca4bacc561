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
        [CMDBEffect(EffectSpec(name: "cmdb.hosts", params: ["where", "limit"], required: 0,
                               summary: "hosts matching a filter, as host maps sh and copy accept"), .read, body: hosts),
         CMDBEffect(EffectSpec(name: "cmdb.group", params: ["name"], required: 1,
                               summary: "the hosts of a dynamic group; named arguments override its variables", extraNamed: true),
                    .read, body: group),
         CMDBEffect(EffectSpec(name: "cmdb.update", params: ["host"], required: 1,
                               summary: "changes fields of a host or a list of hosts (cmdb.update(h, sla: 3)); returns them", extraNamed: true),
                    .transactional, body: update),
         CMDBEffect(EffectSpec(name: "cmdb.transfer", params: ["hosts", "to", "append"], required: 2,
                               summary: "moves hosts to modules (\"biz/set/module\", a list of them, or \"pool\"); returns them"),
                    .transactional, body: transfer)]
    }

    /// `run ID (who)`: the actor of changes a run makes.
    static func cmdb(_ ctx: EffectContext) -> CMDB {
        CMDB(db: ctx.store.db, actor: "run \(ctx.runID)" + (ctx.startedBy.isEmpty ? "" : " (\(ctx.startedBy))"))
    }

    static func hostList(_ hosts: [HostRecord], _ cmdb: CMDB) throws -> Value {
        let fields = try cmdb.hostFields()
        return .list(hosts.map { $0.platValue(fields: fields) })
    }

    static func hosts(_ ctx: EffectContext) throws -> Value {
        let args = ctx.args.nilAsAbsent
        let filter = try args.get("where", .string)
        let limit = try args.get("limit", .int)
        if let n = limit, n <= 0 { throw RuntimeError("cmdb.hosts() limit: takes a positive int") }
        let c = cmdb(ctx)
        return try hostList(try c.hosts(where: filter, limit: limit), c)
    }

    static func group(_ ctx: EffectContext) throws -> Value {
        let name = try ctx.args.require("name", .string)
        var overrides: [String: FilterVariable] = [:]
        for (k, v) in ctx.call.args.named where k != "name" {
            switch v {
            case .string(let s): overrides[k] = .literal(.string(s))
            case .int(let i): overrides[k] = .literal(.int(Int64(i)))
            case .float(let d): overrides[k] = .literal(.float(d))
            case .bool(let b): overrides[k] = .literal(.bool(b))
            case .list(let xs):
                overrides[k] = .list(try xs.map { x -> FilterLiteral in
                    switch x {
                    case .string(let s): return .string(s)
                    case .int(let i): return .int(Int64(i))
                    case .float(let d): return .float(d)
                    case .bool(let b): return .bool(b)
                    default: throw RuntimeError("cmdb.group() \(k): list elements must be strings, numbers or bools")
                    }
                })
            default:
                throw RuntimeError("cmdb.group() \(k): a variable takes a string, number, bool or list, got \(v.typeName)")
            }
        }
        let c = cmdb(ctx)
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

/// One CMDB effect, a read or a change (the engine runs a change and its journal entry in one transaction).
final class CMDBEffect: DurableEffect {
    let spec: EffectSpec
    let kind: EffectKind
    let body: (EffectContext) throws -> Value

    init(_ spec: EffectSpec, _ kind: EffectKind, body: @escaping (EffectContext) throws -> Value) {
        self.spec = spec
        self.kind = kind
        self.body = body
    }

    func perform(_ ctx: EffectContext) throws -> Value {
        do {
            return try body(ctx)
        } catch let e as CMDBError {
            throw RuntimeError("\(spec.name)(): \(e.message)", hint: e.hint)
        } catch let e as FilterError {
            throw RuntimeError("\(spec.name)(): \(e.description)")
        } catch let e as DatabaseError where !(e.isBusy || e.isLocked) {
            // A query the database refused (a limit, a corrupt file) is the plan's error to catch with `try`; a
            // lock held by another process is the engine's to handle (the run stops, resumable).
            throw RuntimeError("\(spec.name)(): the database refused the query: \(e.message)")
        }
    }
}

private extension Value {
    var firstListElement: Value {
        if case .list(let xs) = self, let first = xs.first { return first }
        return .null
    }
}
