import Foundation
import PlatLang
import PlatStore

/// Hosts: add, edit, copy, delete, read; each change with its event, in one transaction.
extension CMDB {
    /// What a new host's row binds: every writable column, then custom, created_at, updated_at.
    static let insertHostColumns = HostFields.columns.map(\.name) + ["custom", "created_at", "updated_at"]
    /// `INSERT INTO cmdb_hosts (those columns)`, for one row or (an import) many.
    static let insertHostHead = "INSERT INTO cmdb_hosts (\(insertHostColumns.joined(separator: ", ")))"
    /// `insertHostHead VALUES (?, ...)`.
    static let insertHostSQL = insertHostHead + " VALUES (\(insertHostColumns.map { _ in "?" }.joined(separator: ", ")))"

    static let updateHostSQL: String = {
        let cols = HostFields.columns.map(\.name) + ["custom", "updated_at"]
        return "UPDATE cmdb_hosts SET \(cols.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?"
    }()

    // MARK: Reading

    public func host(id: Int64) throws -> HostRecord? {
        var found: HostRecord? = nil
        try forEachHostRow(where: "h.id = ?", [id]) { found = $0 }
        return found
    }

    /// Finds a host by reference: `#12` or `id:12`, an inner IP (with `cloudArea` when the IP is used in
    /// several), or a hostname. Ambiguity is an error that lists the candidates.
    public func resolveHost(_ ref: String, cloudArea: Int64? = nil) throws -> HostRecord {
        let trimmed = ref.trimmingCharacters(in: .whitespaces)
        if let id = CMDB.idReference(trimmed) {
            guard let h = try host(id: id) else { throw CMDBError(.notFound, "no host #\(id)") }
            return h
        }
        let custom = try customHostFields()
        var rows: [Row]
        if let ip = IPAddress(trimmed) {
            rows = try db.query(HostRows.select + """
                 WHERE h.id IN (SELECT host_id FROM cmdb_host_ips WHERE ip = ? AND inner = 1)
                """, ip.key)
            if let cloudArea { rows = rows.filter { $0.int("cloud_area") == cloudArea } }
            if rows.isEmpty {
                throw CMDBError(.notFound, "no host has the inner IP \(ip)\(cloudArea.map { " in cloud area \($0)" } ?? "")",
                                hint: "`platflow cmdb ip \(ip)` also searches outer IPs")
            }
        } else {
            rows = try db.query(HostRows.select + " WHERE h.hostname = ?", trimmed)
            if let cloudArea { rows = rows.filter { $0.int("cloud_area") == cloudArea } }
            if rows.isEmpty {
                throw CMDBError(.notFound, "no host named '\(trimmed)'",
                                hint: "refer to a host by inner IP, hostname, or #ID")
            }
        }
        let hosts = rows.map { HostRecord($0, custom: custom) }
        if hosts.count > 1 {
            let list = hosts.prefix(5).map { "#\($0.id) (cloud area \($0.cloudArea))" }.joined(separator: ", ")
            throw CMDBError(.conflict, "'\(trimmed)' matches \(hosts.count) hosts: \(list)",
                            hint: "pass --cloud AREA or refer to the host as #ID")
        }
        return hosts[0]
    }

    static func idReference(_ s: String) -> Int64? {
        if s.hasPrefix("#") { return Int64(s.dropFirst()) }
        if s.hasPrefix("id:") { return Int64(s.dropFirst(3)) }
        return nil
    }

    // MARK: Input

    /// Turns `field=value` texts into typed values, checking every field; all problems are reported at once.
    public func parseHostInput(_ pairs: [(String, String)]) throws -> [String: CMDBValue] {
        let fields = try hostFields()
        var out: [String: CMDBValue] = [:]
        var problems: [String] = []
        for (name, text) in pairs {
            guard let f = fields.first(where: { $0.name == name }) else {
                problems.append(CMDB.unknownField(name, fields))
                continue
            }
            if f.readOnly { problems.append("\(name) is set by the CMDB and cannot be given"); continue }
            switch f.parse(text: text) {
            case .success(let v): out[name] = v
            case .failure(let p): problems.append("\(name): \(p.reason)" + (p.hint.map { " (\($0))" } ?? ""))
            }
        }
        if !problems.isEmpty { throw CMDBError(.invalid, problems.joined(separator: "; ")) }
        return out
    }

    static func unknownField(_ name: String, _ fields: [FieldDef]) -> String {
        let hint = closestFieldName(name, fields.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
        return "unknown field '\(name)'\(hint)"
    }

    /// The problems of a complete host (after defaults): required fields, ranges, regexes of custom fields.
    static func hostProblems(_ values: [String: CMDBValue], custom: [FieldDef]) -> [(field: String, problem: FieldProblem)] {
        var out: [(String, FieldProblem)] = []
        let dynamic = values["addressing"] == .string("dynamic")
        if values["inner_ip"]?.isNull ?? true {
            if !dynamic {
                out.append(("inner_ip", FieldProblem("is required for a statically addressed host",
                                                     hint: "set addressing=dynamic for hosts whose IP changes")))
            } else if values["hostname"]?.isNull ?? true {
                out.append(("hostname", FieldProblem("is required for a dynamically addressed host without an inner IP")))
            }
        }
        for (name, v) in values {
            if let p = HostFields.rangeProblem(name, v) { out.append((name, p)) }
        }
        for f in custom {
            let v = values[f.name] ?? .null
            if f.required && v.isNull { out.append((f.name, FieldProblem("is required"))) }
            if let regex = f.regex, !v.isNull, case .failure(let p) = f.check(v, regex: regex) { out.append((f.name, p)) }
        }
        return out
    }

    static func throwProblems(_ problems: [(field: String, problem: FieldProblem)], host: String) throws {
        guard !problems.isEmpty else { return }
        let text = problems.map { "\($0.field) \($0.problem.reason)" }.joined(separator: "; ")
        throw CMDBError(.invalid, "host \(host): \(text)", hint: problems.compactMap(\.problem.hint).first)
    }

    /// Fills the defaults a new host gets.
    static func withDefaults(_ values: [String: CMDBValue]) -> [String: CMDBValue] {
        var v = values.filter { !$0.value.isNull }
        if v["cloud_area"] == nil { v["cloud_area"] = .int(0) }
        if v["addressing"] == nil { v["addressing"] = .string("static") }
        if v["transport"] == nil { v["transport"] = .string("local") }
        return v
    }

    // MARK: Writing

    /// Adds a host to the resource pool.
    @discardableResult
    public func addHost(_ input: [String: CMDBValue]) throws -> HostRecord {
        let custom = try customHostFields()
        try CMDB.checkKnown(input, custom: custom)
        let values = CMDB.withDefaults(input)
        try CMDB.throwProblems(CMDB.hostProblems(values, custom: custom), host: HostRecord(id: 0, values: values).label)
        return try write {
            let id = try insertHostRow(values, custom: custom, now: nowText)
            try insertIPs(id: id, values)
            try indexHosts(where: "h.id = ?", [id])
            guard let h = try host(id: id) else { throw CMDBError(.notFound, "host #\(id) vanished") }
            try recordEvent("host", String(id), "create", before: nil, after: h.json(fields: try hostFields()))
            return h
        }
    }

    /// Changes some fields of a host (nil clears a field).
    @discardableResult
    public func updateHost(id: Int64, _ changes: [String: CMDBValue]) throws -> HostRecord {
        let custom = try customHostFields()
        try CMDB.checkKnown(changes, custom: custom)
        return try write {
            guard let old = try host(id: id) else { throw CMDBError(.notFound, "no host #\(id)") }
            return try applyUpdate(old, changes, custom: custom) ?? old
        }
    }

    /// Writes `changes` over `old`; nil when nothing changes (no event then). Call inside a transaction.
    func applyUpdate(_ old: HostRecord, _ changes: [String: CMDBValue], custom: [FieldDef], kind: String = "update",
                     reindex: Bool = true) throws -> HostRecord? {
        var values = old.values
        for (k, v) in changes { values[k] = v.isNull ? nil : v }
        for f in HostFields.readOnly { values[f.name] = nil }
        values = CMDB.withDefaults(values)
        var current = old.values
        for f in HostFields.readOnly { current[f.name] = nil }
        if values == CMDB.withDefaults(current) { return nil }
        try CMDB.throwProblems(CMDB.hostProblems(values, custom: custom), host: old.label)
        let now = nowText
        var args: [SQLBindable?] = HostFields.columns.map { values[$0.name]?.sqlValue ?? .null }
        args.append(CustomJSON.encode(values, order: custom))
        args.append(now)
        args.append(old.id)
        try db.execute(CMDB.updateHostSQL, args)
        try deleteIPs(id: old.id, old.values)
        try insertIPs(id: old.id, values)
        if reindex { try reindexHost(old.id) }
        guard let new = try host(id: old.id) else { throw CMDBError(.notFound, "host #\(old.id) vanished") }
        let fields = try hostFields()
        try recordEvent("host", String(old.id), kind, before: old.json(fields: fields), after: new.json(fields: fields))
        return new
    }

    /// A new host with the fields of `id` and `overrides` on top (a static host needs a new inner IP). The
    /// copy starts in the resource pool.
    @discardableResult
    public func copyHost(id: Int64, overrides: [String: CMDBValue]) throws -> HostRecord {
        guard let source = try host(id: id) else { throw CMDBError(.notFound, "no host #\(id)") }
        var values = source.values
        for f in HostFields.readOnly { values[f.name] = nil }
        for (k, v) in overrides { values[k] = v }
        return try addHost(values)
    }

    /// Deletes a host. A host in a business module (not the pool) is refused unless `force`.
    public func deleteHost(id: Int64, force: Bool = false) throws {
        try write {
            guard let h = try host(id: id) else { throw CMDBError(.notFound, "no host #\(id)") }
            if let biz = h.biz, !force {
                let where_ = h.modules.isEmpty ? "business \(biz)" : "\(biz)/" + h.modules.joined(separator: ", \(biz)/")
                throw CMDBError(.conflict, "host \(h.label) is in \(where_); only hosts in the resource pool are deleted",
                                hint: "move it to the pool first (transfer --to-idle \(biz), then --to-pool), or pass --force")
            }
            let fields = try hostFields()
            try deleteIPs(id: id, h.values)
            try applyDeleteRules(model: "host", id: id, label: "host \(h.label)")
            try db.execute("DELETE FROM cmdb_hosts WHERE id = ?", id)
            try unindexHost(id)
            try recordEvent("host", String(id), "delete", before: h.json(fields: fields), after: nil)
        }
    }

    static func checkKnown(_ values: [String: CMDBValue], custom: [FieldDef]) throws {
        let all = HostFields.columns + custom
        for k in values.keys.sorted() {
            if HostFields.readOnly.contains(where: { $0.name == k }) || HostFields.topology.contains(where: { $0.name == k }) {
                throw CMDBError(.invalid, "\(k) is set by the CMDB and cannot be changed directly",
                                hint: HostFields.topology.contains(where: { $0.name == k }) ? "use `cmdb transfer` to move hosts" : nil)
            }
            if !all.contains(where: { $0.name == k }) {
                throw CMDBError(.invalid, unknownField(k, all),
                                hint: "declare custom fields with `platflow cmdb model attr add host NAME:TYPE`")
            }
        }
    }

    // MARK: Rows

    /// Inserts the host row (the full-text trigger indexes it); returns the new id. No checks, no event.
    func insertHostRow(_ values: [String: CMDBValue], custom: [FieldDef], now: String) throws -> Int64 {
        var args: [SQLBindable?] = HostFields.columns.map { values[$0.name]?.sqlValue ?? .null }
        args.append(CustomJSON.encode(values, order: custom))
        args.append(now)
        args.append(now)
        try db.execute(CMDB.insertHostSQL, args)
        return db.lastInsertRowID
    }

    /// Indexes a host's IPs. A second static host with the same inner IP in the same cloud area is refused,
    /// naming the host that has it.
    func insertIPs(id: Int64, _ values: [String: CMDBValue]) throws {
        let cloud: Int64
        if case .int(let c)? = values["cloud_area"] { cloud = c } else { cloud = 0 }
        let isStatic = values["addressing"] != .string("dynamic")
        for (field, inner) in [("inner_ip", true), ("outer_ip", false)] {
            guard case .list(let ips)? = values[field] else { continue }
            for text in ips {
                guard let ip = IPAddress(text) else { continue }
                do {
                    try db.execute(CMDBSchema.insertIPSQL, ip.key, cloud, CMDBSchema.ipSlot(host: id, inner: inner, isStatic: isStatic),
                                   id, inner, isStatic)
                } catch let e as DatabaseError where e.isConstraint {
                    throw try ipConflict(ip, cloud: cloud, id: id)
                }
            }
        }
    }

    /// The statically addressed host whose inner IP `ip` is in the cloud area, if any: the key that inner IPs
    /// are unique by, and that imports and cloud syncs find existing hosts by.
    func staticHostID(innerIP ip: IPAddress, cloud: Int64) throws -> Int64? {
        try db.queryOne("SELECT host_id FROM cmdb_host_ips WHERE ip = ? AND cloud_area = ? AND slot = 0",
                        ip.key, cloud)?.int("host_id")
    }

    /// The error for host `id` taking an inner IP another static host has. An import passes the first id it
    /// gave out, `importedFrom`: an owner from that id on is an earlier row of the same file.
    func ipConflict(_ ip: IPAddress, cloud: Int64, id: Int64, importedFrom: Int64? = nil) throws -> CMDBError {
        let other = try db.queryOne("""
            SELECT h.id, h.hostname FROM cmdb_host_ips i JOIN cmdb_hosts h ON h.id = i.host_id
            WHERE i.ip = ? AND i.cloud_area = ? AND i.slot = 0 AND i.host_id != ?
            """, ip.key, cloud, id)
        if let first = importedFrom, let otherID = other?.int("id"), otherID >= first {
            return CMDBError(.conflict, "inner IP \(ip) in cloud area \(cloud) is already on an earlier row of this file"
                + (other?.string("hostname").map { " (hostname \($0))" } ?? ""))
        }
        let who = other.map { r in "host #\(r.int("id") ?? 0)" + (r.string("hostname").map { " (\($0))" } ?? "") } ?? "another host"
        return CMDBError(.conflict, "inner IP \(ip) is already used in cloud area \(cloud) by \(who)",
                         hint: "inner IPs are unique within a cloud area for statically addressed hosts; use another cloud_area or addressing=dynamic")
    }

    func deleteIPs(id: Int64, _ values: [String: CMDBValue]) throws {
        let cloud: Int64
        if case .int(let c)? = values["cloud_area"] { cloud = c } else { cloud = 0 }
        for (field, inner) in [("inner_ip", true), ("outer_ip", false)] {
            guard case .list(let ips)? = values[field] else { continue }
            for text in ips {
                guard let ip = IPAddress(text) else { continue }
                try db.execute("DELETE FROM cmdb_host_ips WHERE ip = ? AND cloud_area = ? AND host_id = ? AND inner = ?",
                               ip.key, cloud, id, inner)
            }
        }
    }
}

extension HostRecord {
    init(_ row: Row, custom: [FieldDef]) {
        self = HostRows.record(row, custom: custom)
    }
}

/// "did you mean" over field names (case-insensitive edit distance, like the rest of platflow).
func closestFieldName(_ name: String, _ names: [String]) -> String? {
    if let exact = names.first(where: { $0.lowercased() == name.lowercased() }) { return exact }
    return closestName(to: name, in: names)
}
