import Foundation
import PlatStore

/// Where `cmdb transfer` sends hosts.
public enum TransferTarget: Equatable, Sendable {
    /// Modules by path (`shop/web/nginx`), all in one business.
    case modules([String])
    /// A built-in module of a business: idle, fault or recycle.
    case builtin(biz: String, ModuleKind)
    /// Back to the global resource pool (only from a business's idle module).
    case pool
}

/// What a transfer did to one host.
public struct TransferOutcome: Equatable, Sendable {
    public let host: HostRecord
    public let before: [String]
    public let after: [String]
    public var changed: Bool { before != after }
}

extension CMDB {
    /// Moves hosts, all or none.
    ///
    /// Rules: the target modules are in one business; a host is never in a built-in module (idle, fault,
    /// recycle) and a normal one at once; only a host solely in its business's idle module returns to the
    /// pool; a host changes business only from its business's idle set (idle, fault or recycle). `append`
    /// adds the targets to the host's modules instead of replacing them (within the host's business);
    /// appending a normal module takes a host out of the built-in ones.
    @discardableResult
    public func transfer(hostIDs: [Int64], to target: TransferTarget, append: Bool = false) throws -> [TransferOutcome] {
        try write {
            var targets: [ModuleInfo] = []
            switch target {
            case .pool:
                if append { throw CMDBError(.invalid, "--append does not apply to the resource pool") }
            case .builtin(let biz, let kind):
                targets = [try builtinModule(biz: biz, kind)]
            case .modules(let paths):
                guard !paths.isEmpty else { throw CMDBError(.invalid, "transfer needs at least one target module") }
                for p in paths where !targets.contains(where: { $0.path == p }) { targets.append(try module(p)) }
            }
            if let first = targets.first, let other = targets.first(where: { $0.bizID != first.bizID }) {
                throw CMDBError(.invalid, "the target modules are in two businesses (\(first.biz) and \(other.biz)); a host belongs to one business")
            }
            let builtins = targets.filter { $0.kind.isBuiltin }
            if !builtins.isEmpty && builtins.count != targets.count {
                throw CMDBError(.invalid, "a host cannot be in a built-in module (\(builtins[0].name)) and a normal one at once")
            }
            if builtins.count > 1 {
                throw CMDBError(.invalid, "a host is in at most one of idle, fault and recycle")
            }

            var plans: [(HostRecord, [ModuleInfo], [ModuleInfo])] = []
            var problems: [String] = []
            var seen = Set<Int64>()
            for id in hostIDs where seen.insert(id).inserted {
                guard let h = try host(id: id) else { problems.append("no host #\(id)"); continue }
                let current = try modules(ofHost: id)
                do {
                    plans.append((h, current, try plan(h, current: current, targets: targets, toPool: target == .pool, append: append)))
                } catch let e as CMDBError {
                    problems.append(e.message)
                }
            }
            if !problems.isEmpty {
                let shown = problems.prefix(20).joined(separator: "\n  ")
                throw CMDBError(.conflict, "nothing was transferred:\n  \(shown)" + (problems.count > 20 ? "\n  ... and \(problems.count - 20) more" : ""))
            }
            var outcomes: [TransferOutcome] = []
            var moved: [Int64] = []
            for (h, current, next) in plans {
                let before = current.map(\.path).sorted()
                let after = next.map(\.path).sorted()
                if before != after {
                    let keep = Set(next.map(\.id))
                    for m in current where !keep.contains(m.id) {
                        try db.execute("DELETE FROM cmdb_host_modules WHERE host_id = ? AND module_id = ?", h.id, m.id)
                    }
                    let had = Set(current.map(\.id))
                    for m in next where !had.contains(m.id) {
                        try db.execute("INSERT INTO cmdb_host_modules (host_id, module_id) VALUES (?, ?)", h.id, m.id)
                    }
                    let bizID = next.first?.bizID
                    if bizID != current.first?.bizID || (current.isEmpty && h.biz != nil) {
                        try db.execute("UPDATE cmdb_hosts SET biz_id = ?, updated_at = ? WHERE id = ?", bizID, nowText, h.id)
                    }
                    moved.append(h.id)
                    try recordEvent("host", String(h.id), "transfer", before: CMDB.placementJSON(h.biz, before),
                                    after: CMDB.placementJSON(next.first?.biz, after))
                }
                outcomes.append(TransferOutcome(host: h, before: before, after: after))
            }
            try reindexHosts(moved)
            return outcomes
        }
    }

    /// The modules a host will be in, or the rule it breaks.
    private func plan(_ h: HostRecord, current: [ModuleInfo], targets: [ModuleInfo], toPool: Bool, append: Bool) throws -> [ModuleInfo] {
        if toPool {
            if current.isEmpty && h.biz == nil { return [] }
            guard current.count == 1, current[0].kind == .idle else {
                let place = current.isEmpty ? "business \(h.biz ?? "?")" : current.map(\.path).joined(separator: ", ")
                throw CMDBError(.conflict, "host \(h.label) is in \(place); only hosts solely in their business's idle module return to the pool")
            }
            return []
        }
        guard let biz = targets.first else { return current }
        if current.isEmpty || h.biz == nil {
            return targets
        }
        if current[0].bizID != biz.bizID {
            if append {
                throw CMDBError(.conflict, "host \(h.label) is in business \(current[0].biz); --append adds modules within its own business")
            }
            guard current.allSatisfy({ $0.kind.isBuiltin }) else {
                throw CMDBError(.conflict, "host \(h.label) is in \(current.map(\.path).joined(separator: ", ")); a host changes business only from its idle set",
                                )
            }
            return targets
        }
        guard append else { return targets }
        if targets[0].kind.isBuiltin {
            if current.contains(where: { !$0.kind.isBuiltin }) {
                throw CMDBError(.conflict, "host \(h.label) is in normal modules; it cannot also be in \(targets[0].name) (transfer without --append)")
            }
            return targets
        }
        var out = current.filter { !$0.kind.isBuiltin }
        for t in targets where !out.contains(where: { $0.id == t.id }) { out.append(t) }
        return out
    }

    static func placementJSON(_ biz: String?, _ modules: [String]) -> String {
        "{\"biz\":\(biz.map(jsonString) ?? "null"),\"modules\":[\(modules.map(jsonString).joined(separator: ","))]}"
    }
}
