import Foundation
import PlatLang
import PlatStore

/// A set template: the modules every set made from it has.
public struct SetTemplate: Equatable, Sendable {
    public let id: Int64
    public let name: String
    public let modules: [String]
}

/// How one set made from a template differs from it, and whether syncing it is possible.
public struct TemplateDrift: Equatable, Sendable {
    public let set: String
    public let add: [String]
    public let remove: [String]
    /// Modules to remove that still hold hosts (by name, with counts): they block the sync of this set.
    public let blocked: [String: Int]
    public var inSync: Bool { add.isEmpty && remove.isEmpty }
}

extension CMDB {
    public func addSetTemplate(_ name: String, modules: [String]) throws {
        try CMDB.checkName(name, what: "template")
        guard !modules.isEmpty else { throw CMDBError(.invalid, "a set template needs at least one module") }
        for m in modules { try CMDB.checkName(m, what: "module") }
        guard Set(modules).count == modules.count else { throw CMDBError(.invalid, "template \(name) lists a module twice") }
        try write {
            if try db.queryOne("SELECT 1 FROM cmdb_set_templates WHERE name = ?", name) != nil {
                throw CMDBError(.conflict, "set template \(name) already exists")
            }
            try db.execute("INSERT INTO cmdb_set_templates (name, created_at) VALUES (?, ?)", name, nowText)
            let id = db.lastInsertRowID
            for m in modules { try db.execute("INSERT INTO cmdb_set_template_modules (template_id, name) VALUES (?, ?)", id, m) }
            try recordEvent("template", name, "create", before: nil, after: CMDB.listJSON(modules))
        }
    }

    public func setTemplate(_ name: String) throws -> SetTemplate {
        guard let id = try db.queryOne("SELECT id FROM cmdb_set_templates WHERE name = ?", name)?.int("id") else {
            let all = try setTemplates().map(\.name)
            throw CMDBError(.notFound, "no set template '\(name)'", hint: closestName(to: name, in: all).map { "did you mean '\($0)'?" })
        }
        let modules = try db.query("SELECT name FROM cmdb_set_template_modules WHERE template_id = ? ORDER BY name", id)
            .compactMap { $0.string("name") }
        return SetTemplate(id: id, name: name, modules: modules)
    }

    public func setTemplates() throws -> [SetTemplate] {
        try db.query("SELECT name FROM cmdb_set_templates ORDER BY name").compactMap { $0.string("name") }.map(setTemplate)
    }

    /// Changes a template's modules. Sets made from it change only when the template is synced.
    public func editSetTemplate(_ name: String, addModules: [String], removeModules: [String]) throws {
        for m in addModules { try CMDB.checkName(m, what: "module") }
        try write {
            let t = try setTemplate(name)
            for m in addModules where t.modules.contains(m) { throw CMDBError(.conflict, "template \(name) already has the module \(m)") }
            for m in removeModules where !t.modules.contains(m) {
                throw CMDBError(.notFound, "template \(name) has no module \(m)", hint: closestName(to: m, in: t.modules).map { "did you mean '\($0)'?" })
            }
            let after = t.modules.filter { !removeModules.contains($0) } + addModules
            if after.isEmpty { throw CMDBError(.invalid, "a set template needs at least one module") }
            for m in removeModules { try db.execute("DELETE FROM cmdb_set_template_modules WHERE template_id = ? AND name = ?", t.id, m) }
            for m in addModules { try db.execute("INSERT INTO cmdb_set_template_modules (template_id, name) VALUES (?, ?)", t.id, m) }
            try recordEvent("template", name, "update", before: CMDB.listJSON(t.modules), after: CMDB.listJSON(after.sorted()))
        }
    }

    /// How each set made from the template differs from it (the preview of a sync).
    public func templateDrift(_ name: String) throws -> [TemplateDrift] {
        let t = try setTemplate(name)
        var out: [TemplateDrift] = []
        for s in try db.query("""
            SELECT s.id, s.name, b.name AS biz FROM cmdb_sets s JOIN cmdb_biz b ON b.id = s.biz_id WHERE s.template_id = ? ORDER BY b.name, s.name
            """, t.id) {
            let modules = try db.query("""
                SELECT m.name, (SELECT count(*) FROM cmdb_host_modules WHERE module_id = m.id) AS n FROM cmdb_modules m WHERE m.set_id = ?
                """, s.int("id"))
            let have = Dictionary(modules.map { ($0.string("name") ?? "", Int($0.int("n") ?? 0)) }, uniquingKeysWith: { a, _ in a })
            let add = t.modules.filter { have[$0] == nil }
            let remove = have.keys.filter { !t.modules.contains($0) }.sorted()
            var blocked: [String: Int] = [:]
            for m in remove where (have[m] ?? 0) > 0 { blocked[m] = have[m] }
            out.append(TemplateDrift(set: "\(s.string("biz") ?? "")/\(s.string("name") ?? "")", add: add, remove: remove, blocked: blocked))
        }
        return out
    }

    /// Brings every set made from the template in line with it, all or nothing: a module to remove that
    /// still has hosts stops the whole sync, naming it.
    @discardableResult
    public func syncSetTemplate(_ name: String) throws -> [TemplateDrift] {
        try write {
            let drift = try templateDrift(name)
            let blocked = drift.filter { !$0.blocked.isEmpty }
            if !blocked.isEmpty {
                let list = blocked.flatMap { d in d.blocked.sorted { $0.key < $1.key }.map { "\(d.set)/\($0.key) (\($0.value) host(s))" } }
                throw CMDBError(.conflict, "the sync would remove modules that still have hosts: \(list.joined(separator: ", "))",
                                hint: "transfer those hosts elsewhere, then sync again")
            }
            for d in drift where !d.inSync {
                let parts = d.set.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                let bizID = try requireBiz(parts[0])
                guard let setID = try setRow(bizID: bizID, parts[1], required: true)?.int("id") else { continue }
                for m in d.remove { try db.execute("DELETE FROM cmdb_modules WHERE set_id = ? AND name = ?", setID, m) }
                for m in d.add { try db.execute("INSERT INTO cmdb_modules (set_id, biz_id, name) VALUES (?, ?, ?)", setID, bizID, m) }
                try recordEvent("set", d.set, "sync", before: nil,
                                after: "{\"template\":\(CMDB.jsonString(name)),\"added\":\(CMDB.listJSON(d.add)),\"removed\":\(CMDB.listJSON(d.remove))}")
            }
            return drift
        }
    }

    /// Deletes a template no set is made from.
    public func deleteSetTemplate(_ name: String) throws {
        try write {
            let t = try setTemplate(name)
            let n = try db.queryOne("SELECT count(*) AS n FROM cmdb_sets WHERE template_id = ?", t.id)?.int("n") ?? 0
            if n > 0 { throw CMDBError(.conflict, "\(n) set(s) are made from the template \(name); delete them first") }
            try db.execute("DELETE FROM cmdb_set_templates WHERE id = ?", t.id)
            try recordEvent("template", name, "delete", before: CMDB.listJSON(t.modules), after: nil)
        }
    }

    static func listJSON(_ xs: [String]) -> String { "[" + xs.map(jsonString).joined(separator: ",") + "]" }
}
