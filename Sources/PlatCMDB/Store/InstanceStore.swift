import Foundation
import PlatLang
import PlatStore

/// One instance of a custom model (a switch, a load balancer...).
public struct InstanceRecord: Equatable, Sendable {
    public let id: Int64
    public let model: String
    public var values: [String: CMDBValue]
    public let createdAt: String
    public let updatedAt: String

    public subscript(_ name: String) -> CMDBValue { values[name] ?? .null }

    /// `switch sw-01` when the model has a `name` attribute, else `switch #12`.
    public var title: String {
        if case .string(let n) = self["name"], !n.isEmpty { return "\(model) \(n)" }
        return "\(model) #\(id)"
    }

    public func json(attributes: [FieldDef]) -> String {
        var out = "{\"id\":\(id),\"model\":\(CMDB.jsonString(model))"
        for a in attributes {
            out += ","
            Value.writeQuoted(a.name, to: &out)
            out += ":"
            self[a.name].appendJSON(to: &out)
        }
        return out + "}"
    }

    public func jsonObject(attributes: [FieldDef]) -> [String: Any] {
        var o: [String: Any] = ["id": id, "model": model, "created_at": createdAt, "updated_at": updatedAt]
        for a in attributes { o[a.name] = self[a.name].jsonObject }
        return o
    }
}

extension CMDB {
    // MARK: Reading

    public func instance(id: Int64) throws -> InstanceRecord? {
        guard let r = try db.queryOne("SELECT * FROM cmdb_instances WHERE id = ?", id) else { return nil }
        return instanceRecord(r, attributes: try attributes(of: r.string("model") ?? ""))
    }

    func instanceRecord(_ r: Row, attributes: [FieldDef]) -> InstanceRecord {
        let object = CustomJSON.decode(r.string("data") ?? "{}")
        var values: [String: CMDBValue] = [:]
        for a in attributes {
            guard let raw = object[a.name] else { continue }
            let v = CustomJSON.value(raw, type: a.type)
            if !v.isNull { values[a.name] = v }
        }
        return InstanceRecord(id: r.int("id") ?? 0, model: r.string("model") ?? "", values: values,
                              createdAt: r.string("created_at") ?? "", updatedAt: r.string("updated_at") ?? "")
    }

    /// Instances of a model matching a filter over its attributes (and id, created_at, updated_at).
    public func instances(model name: String, where filter: String? = nil, limit: Int? = nil) throws -> [InstanceRecord] {
        let m = try customModel(name)
        var sql = "SELECT * FROM cmdb_instances i WHERE i.model = ?"
        var args: [SQLBindable?] = [name]
        if let filter, !filter.trimmingCharacters(in: .whitespaces).isEmpty {
            let c = try FilterCompiler.compile(filter, catalog: .instances(model: name, attributes: m.attributes))
            sql += " AND \(c.sql)"
            args += c.args.map { $0 as SQLBindable? }
        }
        sql += " ORDER BY i.id"
        if let limit { sql += " LIMIT ?"; args.append(limit) }
        return try db.query(sql, args).map { instanceRecord($0, attributes: m.attributes) }
    }

    /// An instance by `#ID` or by the value of its model's `name` attribute.
    public func resolveInstance(model name: String, _ ref: String) throws -> InstanceRecord {
        if let id = CMDB.idReference(ref) ?? Int64(ref) {
            guard let i = try instance(id: id), i.model == name else { throw CMDBError(.notFound, "no \(name) #\(id)") }
            return i
        }
        let m = try customModel(name)
        guard m.attributes.contains(where: { $0.name == "name" }) else {
            throw CMDBError(.notFound, "no \(name) '\(ref)'", hint: "refer to \(name) instances by #ID (the model has no name attribute)")
        }
        let rows = try db.query("SELECT * FROM cmdb_instances WHERE model = ? AND json_extract(data, '$.\"name\"') = ?", name, ref)
        guard let first = rows.first else { throw CMDBError(.notFound, "no \(name) named '\(ref)'") }
        if rows.count > 1 { throw CMDBError(.conflict, "\(rows.count) \(name) instances are named '\(ref)'; refer to one as #ID") }
        return instanceRecord(first, attributes: m.attributes)
    }

    func customModel(_ name: String) throws -> ModelInfo {
        let m = try model(name)
        if name == "host" { throw CMDBError(.invalid, "hosts are managed with `cmdb host ...`, not as instances") }
        return m
    }

    /// Turns `attr=value` texts into typed values for a model.
    public func parseInstanceInput(model name: String, _ pairs: [(String, String)]) throws -> [String: CMDBValue] {
        let m = try customModel(name)
        var out: [String: CMDBValue] = [:]
        var problems: [String] = []
        for (k, text) in pairs {
            guard let a = m.attributes.first(where: { $0.name == k }) else {
                problems.append("\(name) has no attribute '\(k)'" + (closestFieldName(k, m.attributes.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""))
                continue
            }
            switch a.parse(text: text) {
            case .success(let v): out[k] = v
            case .failure(let p): problems.append("\(k): \(p.reason)" + (p.hint.map { " (\($0))" } ?? ""))
            }
        }
        if !problems.isEmpty { throw CMDBError(.invalid, problems.joined(separator: "; ")) }
        return out
    }

    // MARK: Writing

    @discardableResult
    public func addInstance(model name: String, _ values: [String: CMDBValue]) throws -> InstanceRecord {
        try write {
            let m = try customModel(name)
            let clean = values.filter { !$0.value.isNull }
            try checkInstance(m, clean, id: nil)
            let now = nowText
            try db.execute("INSERT INTO cmdb_instances (model, data, created_at, updated_at) VALUES (?, ?, ?, ?)",
                           name, CustomJSON.encode(clean, order: m.attributes) ?? "{}", now, now)
            let id = db.lastInsertRowID
            try reindexInstance(id)
            guard let inst = try instance(id: id) else { throw CMDBError(.notFound, "instance #\(id) vanished") }
            try recordEvent("instance", String(id), "create", before: nil, after: inst.json(attributes: m.attributes))
            return inst
        }
    }

    /// Changes attributes of an instance (nil clears one).
    @discardableResult
    public func updateInstance(id: Int64, _ changes: [String: CMDBValue]) throws -> InstanceRecord {
        try write {
            guard let old = try instance(id: id) else { throw CMDBError(.notFound, "no instance #\(id)") }
            let m = try customModel(old.model)
            var values = old.values
            for (k, v) in changes { values[k] = v.isNull ? nil : v }
            if values == old.values { return old }
            try checkInstance(m, values, id: id)
            try db.execute("UPDATE cmdb_instances SET data = ?, updated_at = ? WHERE id = ?",
                           CustomJSON.encode(values, order: m.attributes) ?? "{}", nowText, id)
            try reindexInstance(id)
            guard let new = try instance(id: id) else { throw CMDBError(.notFound, "instance #\(id) vanished") }
            try recordEvent("instance", String(id), "update", before: old.json(attributes: m.attributes), after: new.json(attributes: m.attributes))
            return new
        }
    }

    /// Deletes an instance, applying the on-delete rule of every association it takes part in.
    public func deleteInstance(id: Int64) throws {
        try write {
            guard let inst = try instance(id: id) else { throw CMDBError(.notFound, "no instance #\(id)") }
            let attributes = try self.attributes(of: inst.model)
            try applyDeleteRules(model: inst.model, id: id, label: inst.title)
            try db.execute("DELETE FROM cmdb_instances WHERE id = ?", id)
            try unindexInstance(id)
            try recordEvent("instance", String(id), "delete", before: inst.json(attributes: attributes), after: nil)
        }
    }

    /// Required attributes, regexes, and the model's unique rules.
    private func checkInstance(_ m: ModelInfo, _ values: [String: CMDBValue], id: Int64?) throws {
        var problems: [String] = []
        for k in values.keys.sorted() where !m.attributes.contains(where: { $0.name == k }) {
            problems.append("\(m.name) has no attribute '\(k)'" + (closestFieldName(k, m.attributes.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""))
        }
        for a in m.attributes {
            let v = values[a.name] ?? .null
            if a.required && v.isNull { problems.append("\(a.name) is required") }
            if let regex = a.regex, !v.isNull, case .failure(let p) = a.check(v, regex: regex) { problems.append("\(a.name) \(p.reason)") }
            if case .string(let s) = v, a.type == .string, s.count > AttributeType.stringLimit {
                problems.append("\(a.name) is longer than 256 characters")
            }
        }
        if !problems.isEmpty { throw CMDBError(.invalid, "\(m.name): " + problems.joined(separator: "; ")) }
        for rule in m.uniqueRules {
            let vs = rule.map { values[$0] ?? .null }
            if vs.contains(where: \.isNull) { continue }
            var sql = "SELECT id FROM cmdb_instances WHERE model = ? AND id != ?"
            var args: [SQLBindable?] = [m.name, id ?? -1]
            for (f, v) in zip(rule, vs) {
                sql += " AND json_extract(data, ?) = ?"
                args.append(CMDB.jsonPath(f))
                args.append(v.sqlValue)
            }
            if let other = try db.queryOne(sql + " LIMIT 1", args)?.int("id") {
                let shown = zip(rule, vs).map { "\($0)=\($1.text)" }.joined(separator: ", ")
                throw CMDBError(.conflict, "\(m.name) #\(other) already has \(shown)",
                                hint: "the unique rule (\(rule.joined(separator: ", "))) allows one instance per value")
            }
        }
    }
}
