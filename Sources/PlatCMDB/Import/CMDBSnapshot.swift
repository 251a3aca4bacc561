import Foundation
import PlatLang
import PlatStore

/// The whole CMDB as one JSON document, and its restore: businesses, sets, modules and templates, hosts with their
/// IPs and modules, models with their attributes and unique rules, instances, association kinds, associations,
/// links, dynamic groups and settings. Host exports (`exportHosts`) carry hosts only; this carries what they leave
/// out, so a CMDB moves to another database whole.
///
/// Rows keep their ids and timestamps, so links, memberships and templates need no remapping and an export of the
/// restored CMDB is byte for byte the export it came from. The format is one line per row under each table's
/// column names: readable, diffable, and tied to the schema version it names (a snapshot of another schema
/// version is refused rather than guessed at). The change-event history is not part of it.
extension CMDB {
    /// The first key of every snapshot: how `cmdb import` tells one from a JSON file of hosts.
    public static let snapshotMarker = "{\"platflow_cmdb_snapshot\": 1,"

    /// The tables a snapshot holds, parents before children (the order a restore writes them in).
    static let snapshotTables = [
        "cmdb_settings", "cmdb_classifications", "cmdb_models", "cmdb_attributes", "cmdb_unique_rules",
        "cmdb_association_kinds", "cmdb_associations", "cmdb_biz", "cmdb_set_templates", "cmdb_set_template_modules",
        "cmdb_sets", "cmdb_modules", "cmdb_hosts", "cmdb_host_ips", "cmdb_host_modules", "cmdb_instances", "cmdb_links",
        "cmdb_groups",
    ]

    /// Streams the snapshot to `write`; returns the number of rows per table.
    @discardableResult
    public func exportSnapshot(_ write: (String) throws -> Void) throws -> [String: Int] {
        let schema = try db.appliedVersion(module: "cmdb") ?? 0
        try write(CMDB.snapshotMarker + " \"schema\": \(schema), \"tables\": {")
        var counts: [String: Int] = [:]
        for (t, table) in CMDB.snapshotTables.enumerated() {
            let columns = try self.columns(of: table)
            let names = try JSON.encode(.list(columns.map { .string($0) }))
            try write((t == 0 ? "\n" : ",\n") + "\"\(table)\": {\"columns\": \(names), \"rows\": [")
            var chunk = ""
            var n = 0
            // Every column in the order: rows come out the same whatever order they were written in.
            let order = (1...columns.count).map(String.init).joined(separator: ", ")
            try db.forEach("SELECT \(columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM \(table) ORDER BY \(order)", []) { row in
                chunk += (n == 0 ? "\n" : ",\n") + (try JSON.encode(.list(row.values.map(CMDB.snapshotValue))))
                n += 1
                if chunk.utf8.count >= 1 << 16 {
                    try write(chunk)
                    chunk = ""
                }
            }
            try write(chunk + (n == 0 ? "]}" : "\n]}"))
            counts[table] = n
        }
        try write("\n}}\n")
        return counts
    }

    /// Restores a snapshot into this CMDB, which must hold nothing yet (no hosts, businesses, templates, custom
    /// models, instances, associations or groups): a restore is not a merge. All or nothing; the search index is
    /// rebuilt. Returns the number of rows per table.
    public func importSnapshot(_ text: String) throws -> [String: Int] {
        let document: Value
        do {
            document = try JSON.decode(text)
        } catch let e as RuntimeError {
            throw CMDBError(.invalid, "the CMDB snapshot is not valid JSON: \(e.message)")
        }
        guard case .map(let top) = document, case .int(1)? = top.get(.string("platflow_cmdb_snapshot")),
              case .map(let tables)? = top.get(.string("tables")) else {
            throw CMDBError(.invalid, "not a CMDB snapshot: expected {\"platflow_cmdb_snapshot\": 1, \"schema\": N, \"tables\": {...}}",
                            hint: "write one with `platflow cmdb export --all`")
        }
        let schema = try db.appliedVersion(module: "cmdb") ?? 0
        guard case .int(let theirs)? = top.get(.string("schema")), Int(theirs) == schema else {
            throw CMDBError(.invalid, "the snapshot is of CMDB schema \(top.get(.string("schema"))?.printed ?? "?"); this platflow's is \(schema)",
                            hint: "export it again with the platflow that reads it")
        }
        for (k, _) in tables.pairs {
            guard case .string(let name) = k, CMDB.snapshotTables.contains(name) else {
                throw CMDBError(.invalid, "the snapshot has an unknown table \(k.repr)")
            }
        }
        return try db.transaction {
            try requireEmptyForRestore()
            var counts: [String: Int] = [:]
            for table in CMDB.snapshotTables {
                guard case .map(let entry)? = tables.get(.string(table)) else { continue }
                guard case .list(let columnValues)? = entry.get(.string("columns")), case .list(let rows)? = entry.get(.string("rows")) else {
                    throw CMDBError(.invalid, "table \(table) of the snapshot needs \"columns\" and \"rows\" lists")
                }
                let known = Set(try columns(of: table))
                let columns: [String] = try columnValues.map {
                    guard case .string(let c) = $0, known.contains(c) else {
                        throw CMDBError(.invalid, "table \(table) has no column \($0.repr)")
                    }
                    return c
                }
                guard !columns.isEmpty else { continue }
                let quoted = columns.map { "\"\($0)\"" }
                // Built-in rows (the host model, association kinds) exist already: they take the snapshot's values.
                let sql = "INSERT INTO \(table) (\(quoted.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
                    + " ON CONFLICT DO UPDATE SET " + quoted.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
                for (i, row) in rows.enumerated() {
                    guard case .list(let values) = row, values.count == columns.count else {
                        throw CMDBError(.invalid, "row \(i + 1) of table \(table) does not have \(columns.count) values")
                    }
                    try db.execute(sql, try values.map { try CMDB.sqlValue($0, table: table, row: i + 1) })
                }
                counts[table] = rows.count
            }
            try db.execute("DELETE FROM cmdb_fts")
            try indexHosts(where: "1", [])
            try db.execute("INSERT INTO cmdb_fts (rowid, doc) SELECT i.id * 2 + 1, \(CMDBSchema.instanceDocument("i")) FROM cmdb_instances i")
            return counts
        }
    }

    private func requireEmptyForRestore() throws {
        let checks: [(String, String)] = [
            ("hosts", "SELECT COUNT(*) AS n FROM cmdb_hosts"), ("businesses", "SELECT COUNT(*) AS n FROM cmdb_biz"),
            ("set templates", "SELECT COUNT(*) AS n FROM cmdb_set_templates"),
            ("models", "SELECT COUNT(*) AS n FROM cmdb_models WHERE builtin = 0"),
            ("instances", "SELECT COUNT(*) AS n FROM cmdb_instances"), ("associations", "SELECT COUNT(*) AS n FROM cmdb_associations"),
            ("groups", "SELECT COUNT(*) AS n FROM cmdb_groups"),
        ]
        let held = try checks.compactMap { what, sql -> String? in
            let n = try db.queryOne(sql)?.int("n") ?? 0
            return n > 0 ? "\(n) \(what)" : nil
        }
        if !held.isEmpty {
            throw CMDBError(.conflict, "a snapshot restores into an empty CMDB; this one holds \(held.joined(separator: ", "))",
                            hint: "restore it into a new database: platflow cmdb import FILE --db NEW.db")
        }
    }

    private func columns(of table: String) throws -> [String] {
        try db.query("PRAGMA table_info(\(table))").compactMap { $0.string("name") }
    }

    /// A stored value as JSON: numbers and text as they are, bytes (IP keys) as {"hex": "..."}.
    static func snapshotValue(_ v: SQLValue) -> Value {
        switch v {
        case .null: return .null
        case .int(let i): return .int(Int(i))
        case .double(let d): return .float(d)
        case .text(let s): return .string(s)
        case .blob(let b): return .makeMap([("hex", .string(b.map { String(format: "%02x", $0) }.joined()))])
        }
    }

    static func sqlValue(_ v: Value, table: String, row: Int) throws -> SQLBindable? {
        switch v {
        case .null: return nil
        case .int(let i): return i
        case .float(let d): return d
        case .string(let s): return s
        case .map(let m):
            if case .string(let hex)? = m.get(.string("hex")), hex.count % 2 == 0 {
                var bytes: [UInt8] = []
                var index = hex.startIndex
                while index < hex.endIndex {
                    let next = hex.index(index, offsetBy: 2)
                    guard let b = UInt8(hex[index..<next], radix: 16) else { break }
                    bytes.append(b)
                    index = next
                }
                if bytes.count * 2 == hex.count { return bytes }
            }
            fallthrough
        default:
            throw CMDBError(.invalid, "row \(row) of table \(table) holds \(v.repr), which is no stored value")
        }
    }
}
