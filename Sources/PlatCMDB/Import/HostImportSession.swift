import Foundation
import PlatLang
import PlatStore

/// Where each column of the file goes, and how a record becomes a parsed row. Immutable, so the reading
/// thread uses it while the writing thread inserts.
struct ImportColumns: @unchecked Sendable {
    enum Target {
        case builtin(Int)
        case custom(FieldDef)
        case ignored
    }

    let custom: [FieldDef]
    let customByName: [String: FieldDef]
    let knownNames: [String]
    /// CSV: the header's columns in order.
    var targets: [Target] = []

    init(custom: [FieldDef]) {
        self.custom = custom
        var byName: [String: FieldDef] = [:]
        for f in custom { byName[f.name] = f }
        customByName = byName
        knownNames = (HostFields.columns + custom + HostFields.readOnly).map(\.name)
    }

    func target(_ name: String) -> Target? {
        if let i = HostFields.columnIndex[name] { return .builtin(i) }
        if let f = customByName[name] { return .custom(f) }
        if HostFields.readOnly.contains(where: { $0.name == name }) { return .ignored }
        return nil
    }

    func suggestion(_ name: String) -> String {
        name + (closestFieldName(name, knownNames).map { " (did you mean '\($0)'?)" } ?? "")
    }

    /// Maps the CSV header; unknown or repeated columns end the import before any row is read.
    mutating func mapHeader(_ names: [String]) throws {
        var unknown: [String] = []
        var seen = Set<String>()
        for raw in names {
            let name = String(AttributeType.trimSpaces(Substring(raw)))
            if name.isEmpty { throw CMDBError(.invalid, "the header has an empty column name") }
            if !seen.insert(name).inserted { throw CMDBError(.invalid, "the header names the column \(name) twice") }
            if let t = target(name) {
                targets.append(t)
            } else {
                unknown.append(suggestion(name))
                targets.append(.ignored)
            }
        }
        if !unknown.isEmpty {
            throw CMDBError(.invalid, "unknown column\(unknown.count == 1 ? "" : "s"): \(unknown.joined(separator: ", "))",
                            hint: "columns are host fields (\(HostFields.columns.prefix(6).map(\.name).joined(separator: ", ")), ...) or custom fields declared with `cmdb model attr add host`")
        }
    }

    func parse(cells: [String], line: Int) -> ParsedRow {
        var row = ParsedRow(line: line, slots: [CMDBValue?](repeating: nil, count: HostFields.columns.count), custom: [:], problems: [])
        guard cells.count == targets.count else {
            row.problems.append(ImportProblem(line: line, field: nil, reason: "has \(cells.count) cells; the header has \(targets.count)"))
            return row
        }
        for (i, cell) in cells.enumerated() {
            switch targets[i] {
            case .builtin(let c): store(HostFields.columns[c].parse(text: cell), builtin: c, into: &row)
            case .custom(let f): store(f.parse(text: cell), custom: f, into: &row)
            case .ignored: break
            }
        }
        return row
    }

    func parse(object: [String: Any], line: Int) -> ParsedRow {
        var row = ParsedRow(line: line, slots: [CMDBValue?](repeating: nil, count: HostFields.columns.count), custom: [:], problems: [])
        var unknown: [String] = []
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            guard let t = target(key) else { unknown.append(suggestion(key)); continue }
            switch t {
            case .builtin(let c):
                let f = HostFields.columns[c]
                store(f.validate(f.type.accept(json: value)), builtin: c, into: &row)
            case .custom(let f): store(f.validate(f.type.accept(json: value)), custom: f, into: &row)
            case .ignored: break
            }
        }
        if !unknown.isEmpty {
            row.problems.append(ImportProblem(line: line, field: nil, reason: "unknown field\(unknown.count == 1 ? "" : "s"): \(unknown.joined(separator: ", "))"))
        }
        return row
    }

    private func store(_ r: Result<CMDBValue, FieldProblem>, builtin c: Int, into row: inout ParsedRow) {
        let name = HostFields.columns[c].name
        switch r {
        case .success(let v):
            if let p = HostFields.rangeProblem(name, v) {
                row.problems.append(ImportProblem(line: row.line, field: name, reason: p.reason))
            } else {
                row.slots[c] = v
            }
        case .failure(let p):
            row.problems.append(ImportProblem(line: row.line, field: name, reason: p.reason))
        }
    }

    private func store(_ r: Result<CMDBValue, FieldProblem>, custom f: FieldDef, into row: inout ParsedRow) {
        switch r {
        case .success(let v): row.custom[f.name] = v
        case .failure(let p): row.problems.append(ImportProblem(line: row.line, field: f.name, reason: p.reason))
        }
    }
}

/// One import: a reading thread parses rows into batches; the calling thread, which owns the database
/// connection and its transaction, checks and writes them.
final class HostImportSession {
    let cmdb: CMDB
    let db: Database
    let update: Bool
    let format: ImportFormat
    let now: String
    /// With no hosts before the import, no row can match an existing host, so the lookup is skipped (the
    /// unique index still catches a file that lists one IP twice).
    let emptyAtStart: Bool
    let firstNewID: Int64
    var report = ImportReport()
    private var columns: ImportColumns
    private var csv: CSVReader?
    private var json: JSONRecordReader?
    private var args: [SQLBindable?]

    init(cmdb: CMDB, update: Bool, format: ImportFormat, path: String) throws {
        self.cmdb = cmdb
        db = cmdb.db
        self.update = update
        self.format = format
        columns = ImportColumns(custom: try cmdb.customHostFields())
        now = cmdb.nowText
        let maxID = try db.queryOne("SELECT max(id) AS id FROM cmdb_hosts")?.int("id")
        emptyAtStart = maxID == nil
        firstNewID = (maxID ?? 0) + 1
        args = [SQLBindable?](repeating: nil, count: HostFields.columns.count + 3)
        switch format {
        case .csv:
            let reader = try CSVReader(path: path)
            do {
                guard let header = try reader.next() else { throw CMDBError(.invalid, "\(path) is empty: it has no header line") }
                try columns.mapHeader(header.fields)
            } catch let p as CSVReader.Problem {
                throw CMDBError(.invalid, "\(path), line \(p.line): \(p.reason)")
            }
            csv = reader
        case .json:
            json = try JSONRecordReader(path: path)
        }
        // Hosts an --update import changed, re-indexed together at the end; a temporary table keeps memory
        // flat however many there are.
        if update {
            try db.execute("CREATE TEMP TABLE IF NOT EXISTS cmdb_import_updated (id INTEGER PRIMARY KEY)")
            try db.execute("DELETE FROM temp.cmdb_import_updated")
        }
    }

    /// Reads and writes every row.
    func run() throws {
        let queue = BoundedQueue<ImportBatch>(capacity: 8)
        let columns = self.columns
        let csv = self.csv, json = self.json
        let reader = Thread {
            var batch: [ParsedRow] = []
            batch.reserveCapacity(256)
            var ending: ImportProblem? = nil
            do {
                if let csv {
                    while let (cells, line) = try csv.next() {
                        batch.append(columns.parse(cells: cells, line: line))
                        if batch.count == 256 {
                            guard queue.put(.rows(batch)) else { return }
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                } else if let json {
                    while let (object, line) = try json.next() {
                        batch.append(columns.parse(object: object, line: line))
                        if batch.count == 256 {
                            guard queue.put(.rows(batch)) else { return }
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                }
            } catch let p as CSVReader.Problem {
                ending = ImportProblem(line: p.line, field: nil, reason: p.reason + "; the rest of the file was not read")
            } catch {
                ending = ImportProblem(line: 0, field: nil, reason: "\(error)")
            }
            if !batch.isEmpty { guard queue.put(.rows(batch)) else { return } }
            _ = queue.put(.end(ending))
        }
        reader.stackSize = 1 << 20
        reader.start()
        do {
            while true {
                switch queue.take() {
                case .rows(let rows):
                    for row in rows { try apply(row) }
                case .end(let problem):
                    if let problem { report.add(problem) }
                    return
                }
            }
        } catch {
            queue.close()
            throw error
        }
    }

    private static let cloudSlot = HostFields.columnIndex["cloud_area"] ?? 2
    private static let addressingSlot = HostFields.columnIndex["addressing"] ?? 3
    private static let innerSlot = HostFields.columnIndex["inner_ip"] ?? 0
    private static let outerSlot = HostFields.columnIndex["outer_ip"] ?? 1
    private static let hostnameSlot = HostFields.columnIndex["hostname"] ?? 4
    private static let transportSlot = HostFields.columnIndex["transport"] ?? 21

    /// Checks the complete row, then creates, updates or leaves the host.
    private func apply(_ row: ParsedRow) throws {
        report.rows += 1
        if !row.problems.isEmpty {
            for p in row.problems { report.add(p) }
            return
        }
        let line = row.line
        var cloud: Int64 = 0
        if case .int(let c)?? = row.slots[HostImportSession.cloudSlot] { cloud = c }
        let dynamic = row.slots[HostImportSession.addressingSlot] == .some(.string("dynamic"))
        var firstIP: IPAddress? = nil
        if case .list(let ips)?? = row.slots[HostImportSession.innerSlot], let first = ips.first { firstIP = IPAddress(first) }
        var hostname: String? = nil
        if case .string(let s)?? = row.slots[HostImportSession.hostnameSlot] { hostname = s }

        // The existing host this row describes, if any.
        var existing: Int64? = nil
        if !emptyAtStart {
            if !dynamic, let ip = firstIP {
                existing = try db.queryOne("SELECT host_id FROM cmdb_host_ips WHERE ip = ? AND cloud_area = ? AND inner = 1 AND static = 1",
                                           ip.key, cloud)?.int("host_id")
            } else if dynamic, let hostname {
                existing = try db.queryOne("SELECT id FROM cmdb_hosts WHERE hostname = ? AND cloud_area = ? AND addressing = 'dynamic' AND id < ?",
                                           hostname, cloud, firstNewID)?.int("id")
            }
        }
        if let existing, existing < firstNewID {
            try compareOrUpdate(existing, row)
            return
        }

        var bad = false
        if firstIP == nil {
            if !dynamic {
                report.add(ImportProblem(line: line, field: "inner_ip", reason: "is required for a statically addressed host"))
                bad = true
            } else if hostname == nil {
                report.add(ImportProblem(line: line, field: "hostname", reason: "is required for a dynamically addressed host without an inner IP"))
                bad = true
            }
        }
        for f in columns.custom where f.required && (row.custom[f.name]?.isNull ?? true) {
            report.add(ImportProblem(line: line, field: f.name, reason: "is required"))
            bad = true
        }
        if bad { return }

        for i in 0..<HostFields.columns.count {
            if let v = row.slots[i], !v.isNull {
                args[i] = v.sqlValue
            } else {
                switch i {
                case HostImportSession.cloudSlot: args[i] = SQLValue.int(0)
                case HostImportSession.addressingSlot: args[i] = SQLValue.text("static")
                case HostImportSession.transportSlot: args[i] = SQLValue.text("local")
                default: args[i] = SQLValue.null
                }
            }
        }
        let n = HostFields.columns.count
        args[n] = row.custom.isEmpty ? nil : CustomJSON.encode(row.custom, order: columns.custom)
        args[n + 1] = now
        args[n + 2] = now
        try db.execute(CMDB.insertHostSQL, args)
        let id = db.lastInsertRowID
        do {
            try insertIPs(row, id: id, cloud: cloud, isStatic: !dynamic)
            report.created += 1
        } catch let e as CMDBError {
            report.add(ImportProblem(line: line, field: "inner_ip", reason: e.message))
        }
    }

    private func insertIPs(_ row: ParsedRow, id: Int64, cloud: Int64, isStatic: Bool) throws {
        var keys: [(IPAddress, Bool)] = []
        for (slot, inner) in [(HostImportSession.innerSlot, true), (HostImportSession.outerSlot, false)] {
            guard case .list(let ips)?? = row.slots[slot] else { continue }
            for text in ips { if let ip = IPAddress(text) { keys.append((ip, inner)) } }
        }
        guard !keys.isEmpty else { return }
        // One statement for all of a host's addresses; a conflict is then pinned down one address at a time.
        var values: [SQLBindable?] = []
        values.reserveCapacity(keys.count * 5)
        for (ip, inner) in keys { values += [ip.key, cloud, id, inner, isStatic] }
        do {
            try db.execute(ipInsertSQL(keys.count), values)
            return
        } catch let e as DatabaseError where e.isConstraint {}
        for (ip, inner) in keys {
            do {
                try db.execute(ipInsertSQL(1), [ip.key, cloud, id, inner, isStatic])
            } catch let e as DatabaseError where e.isConstraint {
                let other = try db.queryOne("""
                    SELECT h.id, h.hostname FROM cmdb_host_ips i JOIN cmdb_hosts h ON h.id = i.host_id
                    WHERE i.cloud_area = ? AND i.ip = ? AND i.inner = 1 AND i.static = 1 AND i.host_id != ?
                    """, cloud, ip.key, id)
                if let otherID = other?.int("id"), otherID >= firstNewID {
                    throw CMDBError(.conflict, "inner IP \(ip) in cloud area \(cloud) is already on an earlier row of this file"
                        + (other?.string("hostname").map { " (hostname \($0))" } ?? ""))
                }
                throw try cmdb.ipConflict(ip, cloud: cloud, id: id)
            }
        }
    }

    private var ipInsertSQLs: [Int: String] = [:]

    private func ipInsertSQL(_ count: Int) -> String {
        if let s = ipInsertSQLs[count] { return s }
        let s = "INSERT INTO cmdb_host_ips (ip, cloud_area, host_id, inner, static) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
        ipInsertSQLs[count] = s
        return s
    }

    /// A row for a host that exists: unchanged when the given columns match; else updated (with `update`)
    /// or reported.
    private func compareOrUpdate(_ id: Int64, _ row: ParsedRow) throws {
        guard let old = try cmdb.host(id: id) else { return }
        var changes: [String: CMDBValue] = [:]
        for (i, f) in HostFields.columns.enumerated() {
            guard let v = row.slots[i] else { continue }
            if (old.values[f.name] ?? .null) != v { changes[f.name] = v }
        }
        for (name, v) in row.custom where (old.values[name] ?? .null) != v { changes[name] = v }
        // Defaults the file may leave empty.
        for (k, d) in [("cloud_area", CMDBValue.int(0)), ("addressing", .string("static")), ("transport", .string("local"))]
            where changes[k] == .null && old.values[k] == d { changes[k] = nil }
        if changes.isEmpty {
            report.unchanged += 1
            return
        }
        guard update else {
            let shown = changes.keys.sorted().prefix(3).map { k in
                "\(k) is \(HostImportSession.shown(changes[k] ?? .null)) here and \(HostImportSession.shown(old[k])) in the CMDB"
            }.joined(separator: "; ")
            report.add(ImportProblem(line: row.line, field: nil,
                                     reason: "host \(old.label) already exists with other values (\(shown)); pass --update to change it"))
            return
        }
        do {
            if try cmdb.applyUpdate(old, changes, custom: columns.custom, reindex: false) != nil {
                report.updated += 1
                try db.execute("INSERT OR IGNORE INTO temp.cmdb_import_updated (id) VALUES (?)", id)
            } else {
                report.unchanged += 1
            }
        } catch let e as CMDBError {
            report.add(ImportProblem(line: row.line, field: nil, reason: e.message))
        }
    }

    static func shown(_ v: CMDBValue) -> String {
        v.isNull ? "empty" : AttributeType.clip(v.text)
    }

    /// Indexes the new and updated hosts for full-text search, and writes one change event per created host
    /// (updates wrote theirs as they happened), each with one statement.
    func finish() throws {
        let start = Date()
        if report.updated > 0 {
            try cmdb.reindexHosts(where: "h.id IN (SELECT id FROM temp.cmdb_import_updated)", [])
        }
        guard report.created > 0 else { return }
        // New hosts start in the resource pool.
        try cmdb.indexHosts(where: "h.id >= ?", [firstNewID], inPool: true)
        let indexed = Date()
        report.phases.append(("full-text index", indexed.timeIntervalSince(start)))
        defer { report.phases.append(("events", Date().timeIntervalSince(indexed))) }
        try db.execute("""
            INSERT INTO cmdb_events (resource, ref, kind, before, after, who, at)
            SELECT 'host', CAST(id AS TEXT), 'create', NULL, NULL, ?, ? FROM cmdb_hosts WHERE id >= ? ORDER BY id
            """, cmdb.actor, cmdb.clock(), firstNewID)
    }
}
