import Foundation
import PlatLang
import PlatStore

/// What a module is for: ordinary (`normal`) or one of the three built-in modules of a business's idle set.
public enum ModuleKind: String, Sendable, CaseIterable {
    case normal, idle, fault, recycle
    public var isBuiltin: Bool { self != .normal }
}

/// One module with where it sits.
public struct ModuleInfo: Equatable, Sendable {
    public let id: Int64
    public let bizID: Int64
    public let biz: String
    public let set: String
    public let name: String
    public let kind: ModuleKind
    public var path: String { "\(biz)/\(set)/\(name)" }
}

/// A business's tree, for `cmdb topo`.
public struct BizTree: Sendable {
    public struct SetNode: Sendable {
        public let name: String
        public let builtin: Bool
        public let template: String?
        public let modules: [(name: String, kind: ModuleKind, hosts: Int)]
    }
    public let name: String
    public let sets: [SetNode]
    public let hosts: Int
}

extension CMDB {
    /// The name of every business's built-in set, which holds the idle, fault and recycle modules.
    public static let idleSetName = "idle"

    // MARK: Businesses

    /// Creates a business with its built-in idle set (modules idle, fault, recycle).
    @discardableResult
    public func addBiz(_ name: String) throws -> Int64 {
        try CMDB.checkName(name, what: "business")
        return try write {
            if try bizID(name, required: false) != nil { throw CMDBError(.conflict, "business \(name) already exists") }
            try db.execute("INSERT INTO cmdb_biz (name, created_at) VALUES (?, ?)", name, nowText)
            let id = db.lastInsertRowID
            try db.execute("INSERT INTO cmdb_sets (biz_id, name, builtin) VALUES (?, ?, 1)", id, CMDB.idleSetName)
            let set = db.lastInsertRowID
            for kind in [ModuleKind.idle, .fault, .recycle] {
                try db.execute("INSERT INTO cmdb_modules (set_id, biz_id, name, kind) VALUES (?, ?, ?, ?)", set, id, kind.rawValue, kind.rawValue)
            }
            try recordEvent("biz", name, "create", before: nil, after: "{\"name\":\(CMDB.jsonString(name))}")
            return id
        }
    }

    public func renameBiz(_ name: String, to newName: String) throws {
        try CMDB.checkName(newName, what: "business")
        try write {
            let id = try requireBiz(name)
            if try bizID(newName, required: false) != nil { throw CMDBError(.conflict, "business \(newName) already exists") }
            try db.execute("UPDATE cmdb_biz SET name = ? WHERE id = ?", newName, id)
            try reindexHosts(where: "h.biz_id = ?", [id])
            try recordEvent("biz", newName, "update", before: "{\"name\":\(CMDB.jsonString(name))}", after: "{\"name\":\(CMDB.jsonString(newName))}")
        }
    }

    /// Deletes a business that holds no hosts.
    public func deleteBiz(_ name: String) throws {
        try write {
            let id = try requireBiz(name)
            let n = try db.queryOne("SELECT count(*) AS n FROM cmdb_hosts WHERE biz_id = ?", id)?.int("n") ?? 0
            if n > 0 {
                throw CMDBError(.conflict, "business \(name) still has \(n) host(s)",
                                hint: "move them to its idle module and back to the pool first")
            }
            try db.execute("DELETE FROM cmdb_biz WHERE id = ?", id)
            try recordEvent("biz", name, "delete", before: "{\"name\":\(CMDB.jsonString(name))}", after: nil)
        }
    }

    public func businesses() throws -> [String] {
        try db.query("SELECT name FROM cmdb_biz ORDER BY name").compactMap { $0.string("name") }
    }

    func bizID(_ name: String, required: Bool = true) throws -> Int64? {
        if let id = try db.queryOne("SELECT id FROM cmdb_biz WHERE name = ?", name)?.int("id") { return id }
        if !required { return nil }
        throw CMDBError(.notFound, "no business '\(name)'",
                        hint: closestName(to: name, in: try businesses()).map { "did you mean '\($0)'?" } ?? "`platflow cmdb biz list` lists them")
    }

    func requireBiz(_ name: String) throws -> Int64 {
        guard let id = try bizID(name) else { throw CMDBError(.notFound, "no business '\(name)'") }
        return id
    }

    // MARK: Sets

    /// Adds a set to a business; with a template, its modules are created from the template's.
    @discardableResult
    public func addSet(biz: String, _ name: String, template: String? = nil) throws -> Int64 {
        try CMDB.checkName(name, what: "set")
        return try write {
            let bizID = try requireBiz(biz)
            if try setRow(bizID: bizID, name, required: false) != nil { throw CMDBError(.conflict, "set \(biz)/\(name) already exists") }
            var templateID: Int64? = nil
            var modules: [String] = []
            if let template {
                let t = try setTemplate(template)
                templateID = t.id
                modules = t.modules
            }
            try db.execute("INSERT INTO cmdb_sets (biz_id, name, template_id) VALUES (?, ?, ?)", bizID, name, templateID)
            let id = db.lastInsertRowID
            for m in modules {
                try db.execute("INSERT INTO cmdb_modules (set_id, biz_id, name) VALUES (?, ?, ?)", id, bizID, m)
            }
            try recordEvent("set", "\(biz)/\(name)", "create", before: nil,
                            after: "{\"modules\":[\(modules.map(CMDB.jsonString).joined(separator: ","))]\(template.map { ",\"template\":\(CMDB.jsonString($0))" } ?? "")}")
            return id
        }
    }

    public func renameSet(biz: String, _ name: String, to newName: String) throws {
        try CMDB.checkName(newName, what: "set")
        try write {
            let bizID = try requireBiz(biz)
            guard let set = try setRow(bizID: bizID, name, required: true) else { return }
            if set.bool("builtin") == true { throw CMDBError(.conflict, "the idle set of \(biz) is built in and cannot be renamed") }
            if try setRow(bizID: bizID, newName, required: false) != nil { throw CMDBError(.conflict, "set \(biz)/\(newName) already exists") }
            try db.execute("UPDATE cmdb_sets SET name = ? WHERE id = ?", newName, set.int("id"))
            try reindexHosts(where: "h.id IN (SELECT hm.host_id FROM cmdb_host_modules hm JOIN cmdb_modules m ON m.id = hm.module_id WHERE m.set_id = ?)",
                             [set.int("id")])
            try recordEvent("set", "\(biz)/\(newName)", "update", before: "{\"name\":\(CMDB.jsonString(name))}", after: "{\"name\":\(CMDB.jsonString(newName))}")
        }
    }

    /// Deletes a set whose modules hold no hosts.
    public func deleteSet(biz: String, _ name: String) throws {
        try write {
            let bizID = try requireBiz(biz)
            guard let set = try setRow(bizID: bizID, name, required: true), let setID = set.int("id") else { return }
            if set.bool("builtin") == true { throw CMDBError(.conflict, "the idle set of \(biz) is built in and cannot be removed") }
            let n = try db.queryOne("""
                SELECT count(DISTINCT hm.host_id) AS n FROM cmdb_host_modules hm JOIN cmdb_modules m ON m.id = hm.module_id WHERE m.set_id = ?
                """, setID)?.int("n") ?? 0
            if n > 0 { throw CMDBError(.conflict, "set \(biz)/\(name) still has \(n) host(s); transfer them first") }
            try db.execute("DELETE FROM cmdb_sets WHERE id = ?", setID)
            try recordEvent("set", "\(biz)/\(name)", "delete", before: "{\"name\":\(CMDB.jsonString(name))}", after: nil)
        }
    }

    func setRow(bizID: Int64, _ name: String, required: Bool) throws -> Row? {
        if let r = try db.queryOne("SELECT * FROM cmdb_sets WHERE biz_id = ? AND name = ?", bizID, name) { return r }
        if !required { return nil }
        let names = try db.query("SELECT name FROM cmdb_sets WHERE biz_id = ?", bizID).compactMap { $0.string("name") }
        throw CMDBError(.notFound, "no set '\(name)' in this business",
                        hint: closestName(to: name, in: names).map { "did you mean '\($0)'?" })
    }

    // MARK: Modules

    @discardableResult
    public func addModule(biz: String, set: String, _ name: String) throws -> Int64 {
        try CMDB.checkName(name, what: "module")
        return try write {
            let bizID = try requireBiz(biz)
            guard let s = try setRow(bizID: bizID, set, required: true), let setID = s.int("id") else { return 0 }
            if s.bool("builtin") == true {
                throw CMDBError(.conflict, "the idle set of \(biz) holds only its built-in modules (idle, fault, recycle)")
            }
            if let t = s.int("template_id") {
                let tname = try db.queryOne("SELECT name FROM cmdb_set_templates WHERE id = ?", t)?.string("name") ?? "?"
                throw CMDBError(.conflict, "set \(biz)/\(set) is made from the template \(tname); its modules follow the template",
                                hint: "add the module to the template and sync it: cmdb template edit \(tname) --add-module \(name)")
            }
            if try db.queryOne("SELECT 1 FROM cmdb_modules WHERE set_id = ? AND name = ?", setID, name) != nil {
                throw CMDBError(.conflict, "module \(biz)/\(set)/\(name) already exists")
            }
            try db.execute("INSERT INTO cmdb_modules (set_id, biz_id, name) VALUES (?, ?, ?)", setID, bizID, name)
            try recordEvent("module", "\(biz)/\(set)/\(name)", "create", before: nil, after: nil)
            return db.lastInsertRowID
        }
    }

    public func renameModule(_ path: String, to newName: String) throws {
        try CMDB.checkName(newName, what: "module")
        try write {
            let m = try module(path)
            if m.kind.isBuiltin { throw CMDBError(.conflict, "the \(m.name) module is built in and cannot be renamed") }
            try checkNotTemplated(m)
            let setID = try db.queryOne("SELECT set_id FROM cmdb_modules WHERE id = ?", m.id)?.int("set_id")
            if try db.queryOne("SELECT 1 FROM cmdb_modules WHERE set_id = ? AND name = ?", setID, newName) != nil {
                throw CMDBError(.conflict, "module \(m.biz)/\(m.set)/\(newName) already exists")
            }
            try db.execute("UPDATE cmdb_modules SET name = ? WHERE id = ?", newName, m.id)
            try reindexHosts(where: "h.id IN (SELECT host_id FROM cmdb_host_modules WHERE module_id = ?)", [m.id])
            try recordEvent("module", "\(m.biz)/\(m.set)/\(newName)", "update", before: "{\"name\":\(CMDB.jsonString(m.name))}",
                            after: "{\"name\":\(CMDB.jsonString(newName))}")
        }
    }

    public func deleteModule(_ path: String) throws {
        try write {
            let m = try module(path)
            if m.kind.isBuiltin { throw CMDBError(.conflict, "the \(m.name) module is built in and cannot be removed") }
            try checkNotTemplated(m)
            let n = try db.queryOne("SELECT count(*) AS n FROM cmdb_host_modules WHERE module_id = ?", m.id)?.int("n") ?? 0
            if n > 0 { throw CMDBError(.conflict, "module \(m.path) still has \(n) host(s); transfer them first") }
            try db.execute("DELETE FROM cmdb_modules WHERE id = ?", m.id)
            try recordEvent("module", m.path, "delete", before: nil, after: nil)
        }
    }

    private func checkNotTemplated(_ m: ModuleInfo) throws {
        if let t = try db.queryOne("""
            SELECT t.name FROM cmdb_modules m JOIN cmdb_sets s ON s.id = m.set_id JOIN cmdb_set_templates t ON t.id = s.template_id
            WHERE m.id = ?
            """, m.id)?.string("name") {
            throw CMDBError(.conflict, "set \(m.biz)/\(m.set) is made from the template \(t); its modules follow the template",
                            hint: "change the template and run `cmdb template sync \(t)`")
        }
    }

    /// A module by path `biz/set/module`.
    public func module(_ path: String) throws -> ModuleInfo {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw CMDBError(.invalid, "'\(path)' is not a module path", hint: "write BUSINESS/SET/MODULE, e.g. shop/web/nginx")
        }
        let bizID = try requireBiz(parts[0])
        guard let set = try setRow(bizID: bizID, parts[1], required: true), let setID = set.int("id") else {
            throw CMDBError(.notFound, "no set \(parts[0])/\(parts[1])")
        }
        guard let r = try db.queryOne("SELECT id, kind FROM cmdb_modules WHERE set_id = ? AND name = ?", setID, parts[2]) else {
            let names = try db.query("SELECT name FROM cmdb_modules WHERE set_id = ?", setID).compactMap { $0.string("name") }
            throw CMDBError(.notFound, "no module \(path)", hint: closestName(to: parts[2], in: names).map { "did you mean '\($0)'?" })
        }
        return ModuleInfo(id: r.int("id") ?? 0, bizID: bizID, biz: parts[0], set: parts[1], name: parts[2],
                          kind: ModuleKind(rawValue: r.string("kind") ?? "") ?? .normal)
    }

    /// The built-in module of a business (`idle`, `fault`, `recycle`).
    public func builtinModule(biz: String, _ kind: ModuleKind) throws -> ModuleInfo {
        try module("\(biz)/\(CMDB.idleSetName)/\(kind.rawValue)")
    }

    func modules(ofHost id: Int64) throws -> [ModuleInfo] {
        try db.query("""
            SELECT m.id, m.biz_id, m.name, m.kind, s.name AS set_name, b.name AS biz_name FROM cmdb_host_modules hm
            JOIN cmdb_modules m ON m.id = hm.module_id JOIN cmdb_sets s ON s.id = m.set_id JOIN cmdb_biz b ON b.id = m.biz_id
            WHERE hm.host_id = ? ORDER BY s.name, m.name
            """, id).map { r in
            ModuleInfo(id: r.int("id") ?? 0, bizID: r.int("biz_id") ?? 0, biz: r.string("biz_name") ?? "", set: r.string("set_name") ?? "",
                       name: r.string("name") ?? "", kind: ModuleKind(rawValue: r.string("kind") ?? "") ?? .normal)
        }
    }

    /// Sets, modules and host counts of a business.
    public func tree(biz: String) throws -> BizTree {
        let bizID = try requireBiz(biz)
        var sets: [BizTree.SetNode] = []
        for s in try db.query("""
            SELECT s.id, s.name, s.builtin, t.name AS template FROM cmdb_sets s LEFT JOIN cmdb_set_templates t ON t.id = s.template_id
            WHERE s.biz_id = ? ORDER BY s.builtin DESC, s.name
            """, bizID) {
            let modules = try db.query("""
                SELECT m.name, m.kind, (SELECT count(*) FROM cmdb_host_modules WHERE module_id = m.id) AS n
                FROM cmdb_modules m WHERE m.set_id = ? ORDER BY m.kind = 'normal', m.name
                """, s.int("id")).map { ($0.string("name") ?? "", ModuleKind(rawValue: $0.string("kind") ?? "") ?? .normal, Int($0.int("n") ?? 0)) }
            sets.append(BizTree.SetNode(name: s.string("name") ?? "", builtin: s.bool("builtin") ?? false,
                                        template: s.string("template"), modules: modules))
        }
        let hosts = try db.queryOne("SELECT count(*) AS n FROM cmdb_hosts WHERE biz_id = ?", bizID)?.int("n") ?? 0
        return BizTree(name: biz, sets: sets, hosts: Int(hosts))
    }

    /// Hosts in the resource pool.
    public func poolCount() throws -> Int {
        Int(try db.queryOne("SELECT count(*) AS n FROM cmdb_hosts WHERE biz_id IS NULL")?.int("n") ?? 0)
    }

    static func jsonString(_ s: String) -> String {
        var out = ""
        Value.writeQuoted(s, to: &out)
        return out
    }
}
