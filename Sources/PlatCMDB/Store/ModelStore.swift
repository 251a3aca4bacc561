import Foundation
import PlatLang
import PlatStore

/// A model (switch, router, ... and the built-in `host`): its classification, typed attributes and unique
/// rules. The host model's attributes are the hosts' custom fields.
public struct ModelInfo: Equatable, Sendable {
    public let name: String
    public let classification: String
    public let builtin: Bool
    public let attributes: [FieldDef]
    /// Each rule is a set of attribute names whose values, taken together, no two instances share.
    public let uniqueRules: [[String]]
}

extension CMDB {
    /// Parses `NAME:TYPE[!][~REGEX]`: `!` makes it required, `~` starts a regular expression every value must
    /// match (`name:string!~^sw-[0-9]+$`).
    public static func parseAttribute(_ spec: String) throws -> FieldDef {
        guard let colon = spec.firstIndex(of: ":") else {
            throw CMDBError(.invalid, "attribute '\(spec)' has no type", hint: "write NAME:TYPE, e.g. ports:int or name:string!")
        }
        let name = String(spec[..<colon]).trimmingCharacters(in: .whitespaces)
        try checkFieldName(name)
        var rest = Substring(spec[spec.index(after: colon)...])
        var regex: String? = nil
        // The regex starts at the first '~' outside the parentheses of enum options.
        var depth = 0
        var cut: String.Index? = nil
        for i in rest.indices {
            if rest[i] == "(" { depth += 1 } else if rest[i] == ")" { depth -= 1 } else if rest[i] == "~" && depth == 0 { cut = i; break }
        }
        if let cut {
            regex = String(rest[rest.index(after: cut)...])
            rest = rest[..<cut]
            guard let r = regex, !r.isEmpty, FieldDef.isValidRegex(r) else {
                throw CMDBError(.invalid, "attribute \(name): '\(regex ?? "")' is not a valid regular expression")
            }
        }
        var required = false
        var typeText = rest.trimmingCharacters(in: .whitespaces)
        if typeText.hasSuffix("!") {
            required = true
            typeText.removeLast()
        }
        let type = try AttributeType.parse(typeText)
        if regex != nil, [.bool, .int, .float].contains(type) {
            throw CMDBError(.invalid, "attribute \(name): a regex applies to text types, not \(type)")
        }
        return FieldDef(name, type, required: required, regex: regex, storage: .json)
    }

    // MARK: Reading

    func attributes(of model: String) throws -> [FieldDef] {
        try db.query("SELECT name, type, required, regex FROM cmdb_attributes WHERE model = ? ORDER BY position", model).map { r in
            let type = (try? AttributeType.parse(r.string("type") ?? "string")) ?? .string
            return FieldDef(r.string("name") ?? "", type, required: r.bool("required") ?? false, regex: r.string("regex"),
                            storage: .json)
        }
    }

    public func model(_ name: String) throws -> ModelInfo {
        guard let r = try db.queryOne("SELECT * FROM cmdb_models WHERE name = ?", name) else {
            let all = try db.query("SELECT name FROM cmdb_models").compactMap { $0.string("name") }
            throw CMDBError(.notFound, "no model '\(name)'",
                            hint: closestName(to: name, in: all).map { "did you mean '\($0)'?" } ?? "`platflow cmdb model list` lists them")
        }
        let rules = try db.query("SELECT fields FROM cmdb_unique_rules WHERE model = ? ORDER BY fields", name)
            .compactMap { $0.string("fields")?.split(separator: ",").map(String.init) }
        return ModelInfo(name: name, classification: r.string("classification") ?? "", builtin: r.bool("builtin") ?? false,
                         attributes: try attributes(of: name), uniqueRules: rules)
    }

    public func models() throws -> [ModelInfo] {
        try db.query("SELECT name FROM cmdb_models ORDER BY classification, name").compactMap { $0.string("name") }.map(model)
    }

    public func classifications() throws -> [String] {
        try db.query("SELECT name FROM cmdb_classifications ORDER BY name").compactMap { $0.string("name") }
    }

    // MARK: Changing

    public func addClassification(_ name: String) throws {
        try CMDB.checkName(name, what: "classification")
        try write {
            if try db.queryOne("SELECT 1 FROM cmdb_classifications WHERE name = ?", name) != nil {
                throw CMDBError(.conflict, "classification \(name) already exists")
            }
            try db.execute("INSERT INTO cmdb_classifications (name, created_at) VALUES (?, ?)", name, nowText)
            try recordEvent("classification", name, "create", before: nil, after: nil)
        }
    }

    /// Creates a model; its classification is created when new.
    public func addModel(_ name: String, classification: String = "custom", attributes: [FieldDef] = [],
                         unique: [[String]] = []) throws {
        try CMDB.checkName(name, what: "model")
        try CMDB.checkName(classification, what: "classification")
        var seen = Set<String>()
        for a in attributes where !seen.insert(a.name).inserted {
            throw CMDBError(.invalid, "model \(name) declares the attribute \(a.name) twice")
        }
        try write {
            if try db.queryOne("SELECT 1 FROM cmdb_models WHERE name = ?", name) != nil {
                throw CMDBError(.conflict, "model \(name) already exists")
            }
            try db.execute("INSERT OR IGNORE INTO cmdb_classifications (name, created_at) VALUES (?, ?)", classification, nowText)
            try db.execute("INSERT INTO cmdb_models (name, classification, created_at) VALUES (?, ?, ?)", name, classification, nowText)
            for (i, a) in attributes.enumerated() { try insertAttribute(model: name, a, position: i) }
            for rule in unique { try addUniqueRule(model: name, fields: rule) }
            try recordEvent("model", name, "create", before: nil, after: try modelJSON(name))
        }
    }

    /// Adds an attribute to a model (to `host`: a custom host field).
    public func addAttribute(model name: String, _ attribute: FieldDef) throws {
        try write {
            let m = try model(name)
            if m.attributes.contains(where: { $0.name == attribute.name }) {
                throw CMDBError(.conflict, "model \(name) already has the attribute \(attribute.name)")
            }
            if name == "host" && HostFields.reserved.contains(attribute.name) {
                throw CMDBError(.conflict, "\(attribute.name) is a built-in host field or a reserved name")
            }
            if attribute.required {
                let count = name == "host" ? try db.queryOne("SELECT count(*) AS n FROM cmdb_hosts")?.int("n") ?? 0
                    : try db.queryOne("SELECT count(*) AS n FROM cmdb_instances WHERE model = ?", name)?.int("n") ?? 0
                if count > 0 {
                    throw CMDBError(.conflict, "model \(name) has \(count) existing record(s) without \(attribute.name), so it cannot start out required",
                                    hint: "add it optional, fill it in, then add a unique or required rule")
                }
            }
            let before = try modelJSON(name)
            try insertAttribute(model: name, attribute, position: m.attributes.count)
            try recordEvent("model", name, "update", before: before, after: try modelJSON(name))
        }
    }

    /// Removes an attribute and its values.
    public func removeAttribute(model name: String, _ attribute: String) throws {
        try write {
            let m = try model(name)
            guard m.attributes.contains(where: { $0.name == attribute }) else {
                throw CMDBError(.notFound, "model \(name) has no attribute \(attribute)",
                                hint: closestName(to: attribute, in: m.attributes.map(\.name)).map { "did you mean '\($0)'?" })
            }
            if m.uniqueRules.contains(where: { $0.contains(attribute) }) {
                throw CMDBError(.conflict, "\(attribute) is part of a unique rule of \(name); remove the rule first")
            }
            let before = try modelJSON(name)
            let path = CMDB.jsonPath(attribute)
            if name == "host" {
                let ids = try db.query("SELECT id FROM cmdb_hosts WHERE json_type(custom, ?) IS NOT NULL", path).compactMap { $0.int("id") }
                try db.execute("UPDATE cmdb_hosts SET custom = nullif(json_remove(custom, ?), '{}') WHERE json_type(custom, ?) IS NOT NULL", path, path)
                try reindexHosts(ids)
            } else {
                let ids = try db.query("SELECT id FROM cmdb_instances WHERE model = ? AND json_type(data, ?) IS NOT NULL", name, path)
                    .compactMap { $0.int("id") }
                try db.execute("UPDATE cmdb_instances SET data = json_remove(data, ?) WHERE model = ? AND json_type(data, ?) IS NOT NULL",
                               path, name, path)
                for id in ids { try reindexInstance(id) }
            }
            try db.execute("DELETE FROM cmdb_attributes WHERE model = ? AND name = ?", name, attribute)
            schemaChanged()
            try recordEvent("model", name, "update", before: before, after: try modelJSON(name))
        }
    }

    /// Adds a unique rule: no two instances may share the values of all `fields` (instances lacking any of
    /// them are not compared). Existing duplicates make the rule fail, naming them.
    public func addUniqueRule(model name: String, fields: [String]) throws {
        try write {
            if name == "host" {
                throw CMDBError(.invalid, "hosts have their own unique rule (inner IP within a cloud area); unique rules are for custom models")
            }
            let m = try model(name)
            let sorted = Array(Set(fields)).sorted()
            guard !sorted.isEmpty else { throw CMDBError(.invalid, "a unique rule needs at least one attribute") }
            for f in sorted where !m.attributes.contains(where: { $0.name == f }) {
                throw CMDBError(.notFound, "model \(name) has no attribute \(f)",
                                hint: closestName(to: f, in: m.attributes.map(\.name)).map { "did you mean '\($0)'?" })
            }
            if m.uniqueRules.contains(sorted) { throw CMDBError(.conflict, "model \(name) already has the unique rule (\(sorted.joined(separator: ", ")))") }
            let keys = sorted.map { "json_extract(data, \(CMDB.sqlQuote(CMDB.jsonPath($0))))" }
            let dup = try db.queryOne("""
                SELECT \(keys.joined(separator: " || '|' || ")) AS k, count(*) AS n FROM cmdb_instances
                WHERE model = ? AND \(keys.map { "\($0) IS NOT NULL" }.joined(separator: " AND "))
                GROUP BY \(keys.joined(separator: ", ")) HAVING count(*) > 1 LIMIT 1
                """, name)
            if let dup {
                throw CMDBError(.conflict, "\(dup.int("n") ?? 2) instances of \(name) already share (\(sorted.joined(separator: ", "))) = \(dup.string("k") ?? "")")
            }
            try db.execute("INSERT INTO cmdb_unique_rules (model, fields) VALUES (?, ?)", name, sorted.joined(separator: ","))
        }
    }

    /// Deletes a custom model with no instances and no associations.
    public func deleteModel(_ name: String) throws {
        try write {
            let m = try model(name)
            if m.builtin { throw CMDBError(.conflict, "the \(name) model is built in") }
            let n = try db.queryOne("SELECT count(*) AS n FROM cmdb_instances WHERE model = ?", name)?.int("n") ?? 0
            if n > 0 { throw CMDBError(.conflict, "model \(name) has \(n) instance(s); delete them first") }
            if let a = try db.queryOne("SELECT name FROM cmdb_associations WHERE src = ? OR dst = ? LIMIT 1", name, name) {
                throw CMDBError(.conflict, "model \(name) is used by the association \(a.string("name") ?? ""); delete it first")
            }
            let before = try modelJSON(name)
            try db.execute("DELETE FROM cmdb_models WHERE name = ?", name)
            try recordEvent("model", name, "delete", before: before, after: nil)
        }
    }

    private func insertAttribute(model: String, _ a: FieldDef, position: Int) throws {
        try CMDB.checkFieldName(a.name)
        schemaChanged()
        try db.execute("INSERT INTO cmdb_attributes (model, name, type, required, regex, position) VALUES (?, ?, ?, ?, ?, ?)",
                       model, a.name, a.type.description, a.required, a.regex, position)
    }

    func modelJSON(_ name: String) throws -> String {
        let m = try model(name)
        var out = "{\"name\":"
        Value.writeQuoted(m.name, to: &out)
        out += ",\"classification\":"
        Value.writeQuoted(m.classification, to: &out)
        out += ",\"attributes\":["
        for (i, a) in m.attributes.enumerated() {
            if i > 0 { out += "," }
            out += "{\"name\":"
            Value.writeQuoted(a.name, to: &out)
            out += ",\"type\":"
            Value.writeQuoted(a.type.description, to: &out)
            out += ",\"required\":\(a.required)"
            if let r = a.regex { out += ",\"regex\":"; Value.writeQuoted(r, to: &out) }
            out += "}"
        }
        out += "],\"unique\":["
        out += m.uniqueRules.map { "[" + $0.map { "\"\($0)\"" }.joined(separator: ",") + "]" }.joined(separator: ",")
        return out + "]}"
    }

    /// The JSON path of a key (`$."name"`); field names are identifiers, so quoting them is enough.
    static func jsonPath(_ key: String) -> String { "$.\"\(key)\"" }

    /// A string literal for SQL text built from identifiers the CMDB checked (never from raw input values).
    static func sqlQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
}
