import Foundation
import PlatLang
import PlatStore

/// One bad row of an import: where, which field, why.
public struct ImportProblem: Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let field: String?
    public let reason: String

    public var description: String { "line \(line)\(field.map { ", \($0)" } ?? ""): \(reason)" }
}

/// What an import did (or, with problems, would have done: then nothing was written).
public struct ImportReport: Sendable {
    public var rows = 0
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    /// The first 1,000 problems; `problemCount` counts them all.
    public var problems: [ImportProblem] = []
    public var problemCount = 0
    public var committed: Bool { problemCount == 0 }

    public init() {}

    mutating func add(_ p: ImportProblem) {
        problemCount += 1
        if problems.count < 1000 { problems.append(p) }
    }
}

public enum ImportFormat: String, Sendable, CaseIterable {
    case csv, json

    /// From the file name; CSV unless it ends in .json or .jsonl.
    public static func guess(_ path: String) -> ImportFormat {
        let lower = path.lowercased()
        return lower.hasSuffix(".json") || lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") ? .json : .csv
    }
}

extension CMDB {
    /// Imports hosts from a CSV or JSON file, all or nothing.
    ///
    /// Columns (CSV header, JSON keys) name host fields; an unknown name is an error naming it. `id`,
    /// `created_at` and `updated_at` are accepted and ignored (exports carry them). Every row is checked and
    /// every bad one reported (line, field, reason); unless all are good, nothing is written. A row whose
    /// host exists (same inner IP in the same cloud area; a dynamic host by hostname) is unchanged when its
    /// values match, updated with `update`, and a problem otherwise. The file is read in a fixed-size buffer.
    public func importHosts(path: String, format: ImportFormat? = nil, update: Bool = false) throws -> ImportReport {
        let session = try HostImportSession(cmdb: self, update: update)
        // A bigger page cache while the import's transaction is open: with SQLite's default 2 MB, pages of
        // the indexes are spilled to the WAL and rewritten many times. Bounded, so memory still does not
        // grow with the file; restored afterwards.
        let cacheSize = try db.queryOne("PRAGMA cache_size")?.int("cache_size") ?? -2000
        try db.execute("PRAGMA cache_size = -65536")
        defer { try? db.execute("PRAGMA cache_size = \(cacheSize)") }
        struct RollBack: Error {}
        var report = ImportReport()
        do {
            try write {
                switch format ?? ImportFormat.guess(path) {
                case .csv: try session.readCSV(path: path)
                case .json: try session.readJSON(path: path)
                }
                report = session.report
                if report.problemCount > 0 { throw RollBack() }
                try session.finish()
            }
        } catch is RollBack {
            return report
        }
        return session.report
    }
}

/// The state of one import: where each column goes, the row being read, the counts.
final class HostImportSession {
    enum Target {
        case builtin(Int)
        case custom(FieldDef)
        case ignored
    }

    let cmdb: CMDB
    let db: Database
    let update: Bool
    let custom: [FieldDef]
    let customByName: [String: FieldDef]
    let knownNames: [String]
    let now: String
    /// With no hosts before the import, no row can match an existing host, so the lookup is skipped (the
    /// unique index still catches a file that lists one IP twice).
    let emptyAtStart: Bool
    let firstNewID: Int64
    var report = ImportReport()

    private var targets: [Target] = []
    private var givenColumns: [Bool]
    private var slots: [CMDBValue?]
    private var customValues: [String: CMDBValue] = [:]
    private var args: [SQLBindable?]

    init(cmdb: CMDB, update: Bool) throws {
        self.cmdb = cmdb
        db = cmdb.db
        self.update = update
        custom = try cmdb.customHostFields()
        var byName: [String: FieldDef] = [:]
        for f in custom { byName[f.name] = f }
        customByName = byName
        knownNames = (HostFields.columns + custom + HostFields.readOnly).map(\.name)
        now = cmdb.nowText
        let maxID = try db.queryOne("SELECT max(id) AS id FROM cmdb_hosts")?.int("id")
        emptyAtStart = maxID == nil
        firstNewID = (maxID ?? 0) + 1
        givenColumns = [Bool](repeating: false, count: HostFields.columns.count)
        slots = [CMDBValue?](repeating: nil, count: HostFields.columns.count)
        args = [SQLBindable?](repeating: nil, count: HostFields.columns.count + 3)
        // Hosts an --update import changed, re-indexed together at the end; a temporary table keeps memory
        // flat however many there are.
        if update {
            try db.execute("CREATE TEMP TABLE IF NOT EXISTS cmdb_import_updated (id INTEGER PRIMARY KEY)")
            try db.execute("DELETE FROM temp.cmdb_import_updated")
        }
    }

    private func target(_ name: String) -> Target? {
        if let i = HostFields.columnIndex[name] { return .builtin(i) }
        if let f = customByName[name] { return .custom(f) }
        if HostFields.readOnly.contains(where: { $0.name == name }) { return .ignored }
        return nil
    }

    /// Maps the header; unknown or repeated columns end the import before any row is read.
    func mapHeader(_ names: [String]) throws {
        var unknown: [String] = []
        var seen = Set<String>()
        targets = []
        for raw in names {
            let name = raw.trimmingCharacters(in: .whitespaces)
            if name.isEmpty { throw CMDBError(.invalid, "the header has an empty column name") }
            if !seen.insert(name).inserted { throw CMDBError(.invalid, "the header names the column \(name) twice") }
            if let t = target(name) {
                targets.append(t)
            } else {
                unknown.append(name + (closestFieldName(name, knownNames).map { " (did you mean '\($0)'?)" } ?? ""))
                targets.append(.ignored)
            }
        }
        if !unknown.isEmpty {
            throw CMDBError(.invalid, "unknown column\(unknown.count == 1 ? "" : "s"): \(unknown.joined(separator: ", "))",
                            hint: "columns are host fields (\(HostFields.columns.prefix(6).map(\.name).joined(separator: ", ")), ...) or custom fields declared with `cmdb model attr add host`")
        }
        for t in targets { if case .builtin(let i) = t { givenColumns[i] = true } }
    }

    // MARK: Reading

    func readCSV(path: String) throws {
        let reader = try CSVReader(path: path)
        do {
            guard let header = try reader.next() else { throw CMDBError(.invalid, "\(path) is empty: it has no header line") }
            try mapHeader(header.fields)
            while let (cells, line) = try reader.next() {
                report.rows += 1
                if cells.count != targets.count {
                    report.add(ImportProblem(line: line, field: nil, reason: "has \(cells.count) cells; the header has \(targets.count)"))
                    continue
                }
                beginRow()
                var bad = false
                for (i, cell) in cells.enumerated() {
                    switch targets[i] {
                    case .builtin(let c): bad = !store(HostFields.columns[c].parse(text: cell), builtin: c, line: line) || bad
                    case .custom(let f): bad = !store(f.parse(text: cell), custom: f, line: line) || bad
                    case .ignored: break
                    }
                }
                if !bad { try finishRow(line: line) }
            }
        } catch let p as CSVReader.Problem {
            report.add(ImportProblem(line: p.line, field: nil, reason: p.reason + "; the rest of the file was not read"))
        }
    }

    func readJSON(path: String) throws {
        let reader = try JSONRecordReader(path: path)
        do {
            var mapped: [String: Target] = [:]
            while let (object, line) = try reader.next() {
                report.rows += 1
                beginRow()
                var bad = false
                var unknown: [String] = []
                for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                    let t: Target
                    if let known = mapped[key] { t = known } else if let found = target(key) {
                        mapped[key] = found
                        t = found
                    } else {
                        unknown.append(key + (closestFieldName(key, knownNames).map { " (did you mean '\($0)'?)" } ?? ""))
                        continue
                    }
                    switch t {
                    case .builtin(let c):
                        givenColumns[c] = true
                        bad = !store(HostFields.columns[c].validate(HostFields.columns[c].type.accept(json: value)), builtin: c, line: line) || bad
                    case .custom(let f): bad = !store(f.validate(f.type.accept(json: value)), custom: f, line: line) || bad
                    case .ignored: break
                    }
                }
                if !unknown.isEmpty {
                    report.add(ImportProblem(line: line, field: nil, reason: "unknown field\(unknown.count == 1 ? "" : "s"): \(unknown.joined(separator: ", "))"))
                    bad = true
                }
                if !bad { try finishRow(line: line) }
            }
        } catch let p as CSVReader.Problem {
            report.add(ImportProblem(line: p.line, field: nil, reason: p.reason + "; the rest of the file was not read"))
        }
    }

    private func beginRow() {
        for i in 0..<slots.count { slots[i] = nil }
        if !customValues.isEmpty { customValues.removeAll(keepingCapacity: true) }
    }

    private func store(_ r: Result<CMDBValue, FieldProblem>, builtin c: Int, line: Int) -> Bool {
        switch r {
        case .success(let v):
            if let p = HostFields.rangeProblem(HostFields.columns[c].name, v) {
                report.add(ImportProblem(line: line, field: HostFields.columns[c].name, reason: p.reason))
                return false
            }
            slots[c] = v
            return true
        case .failure(let p):
            report.add(ImportProblem(line: line, field: HostFields.columns[c].name, reason: p.reason))
            return false
        }
    }

    private func store(_ r: Result<CMDBValue, FieldProblem>, custom f: FieldDef, line: Int) -> Bool {
        switch r {
        case .success(let v):
            customValues[f.name] = v
            return true
        case .failure(let p):
            report.add(ImportProblem(line: line, field: f.name, reason: p.reason))
            return false
        }
    }

    // MARK: Writing

    private static let cloudSlot = HostFields.columnIndex["cloud_area"] ?? 2
    private static let addressingSlot = HostFields.columnIndex["addressing"] ?? 3
    private static let innerSlot = HostFields.columnIndex["inner_ip"] ?? 0
    private static let hostnameSlot = HostFields.columnIndex["hostname"] ?? 4
    private static let transportSlot = HostFields.columnIndex["transport"] ?? 21

    /// Checks the complete row, then creates, updates or leaves the host.
    private func finishRow(line: Int) throws {
        var cloud: Int64 = 0
        if case .int(let c)? = slots[HostImportSession.cloudSlot] { cloud = c }
        let dynamic = slots[HostImportSession.addressingSlot] == .string("dynamic")
        var firstIP: IPAddress? = nil
        if case .list(let ips)? = slots[HostImportSession.innerSlot], let first = ips.first { firstIP = IPAddress(first) }
        let hostname: String? = { if case .string(let s)? = slots[HostImportSession.hostnameSlot] { return s }; return nil }()

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
            try compareOrUpdate(existing, line: line)
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
        for f in custom where f.required && (customValues[f.name]?.isNull ?? true) {
            report.add(ImportProblem(line: line, field: f.name, reason: "is required"))
            bad = true
        }
        if bad { return }

        for i in 0..<HostFields.columns.count {
            if let v = slots[i], !v.isNull {
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
        args[n] = customValues.isEmpty ? nil : CustomJSON.encode(customValues, order: custom)
        args[n + 1] = now
        args[n + 2] = now
        try db.execute(CMDB.insertHostSQL, args)
        let id = db.lastInsertRowID
        do {
            try insertIPs(id: id, cloud: cloud, isStatic: !dynamic)
            report.created += 1
        } catch let e as CMDBError {
            report.add(ImportProblem(line: line, field: "inner_ip", reason: e.message))
        }
    }

    private func insertIPs(id: Int64, cloud: Int64, isStatic: Bool) throws {
        for (slot, inner) in [(HostImportSession.innerSlot, true), (HostFields.columnIndex["outer_ip"] ?? 1, false)] {
            guard case .list(let ips)? = slots[slot] else { continue }
            for text in ips {
                guard let ip = IPAddress(text) else { continue }
                do {
                    try db.execute("INSERT INTO cmdb_host_ips (ip, cloud_area, host_id, inner, static) VALUES (?, ?, ?, ?, ?)",
                                   ip.key, cloud, id, inner, isStatic)
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
    }

    /// A row for a host that exists: unchanged when the given columns match; else updated (with `update`)
    /// or reported.
    private func compareOrUpdate(_ id: Int64, line: Int) throws {
        guard let old = try cmdb.host(id: id) else { return }
        var changes: [String: CMDBValue] = [:]
        for (i, f) in HostFields.columns.enumerated() where givenColumns[i] {
            let v = slots[i] ?? .null
            if (old.values[f.name] ?? .null) != v { changes[f.name] = v }
        }
        for f in custom {
            guard let v = customValues[f.name] else { continue }
            if (old.values[f.name] ?? .null) != v { changes[f.name] = v }
        }
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
            report.add(ImportProblem(line: line, field: nil,
                                     reason: "host \(old.label) already exists with other values (\(shown)); pass --update to change it"))
            return
        }
        do {
            if try cmdb.applyUpdate(old, changes, custom: custom, reindex: false) != nil {
                report.updated += 1
                try db.execute("INSERT OR IGNORE INTO temp.cmdb_import_updated (id) VALUES (?)", id)
            } else {
                report.unchanged += 1
            }
        } catch let e as CMDBError {
            report.add(ImportProblem(line: line, field: nil, reason: e.message))
        }
    }

    static func shown(_ v: CMDBValue) -> String {
        v.isNull ? "empty" : AttributeType.clip(v.text)
    }

    /// Indexes the new and updated hosts for full-text search, and writes one change event per created host
    /// (updates wrote theirs as they happened), each with one statement.
    func finish() throws {
        if report.updated > 0 {
            try cmdb.reindexHosts(where: "h.id IN (SELECT id FROM temp.cmdb_import_updated)", [])
        }
        guard report.created > 0 else { return }
        try cmdb.indexHosts(where: "h.id >= ?", [firstNewID])
        try db.execute("""
            INSERT INTO cmdb_events (resource, ref, kind, before, after, who, at)
            SELECT 'host', CAST(id AS TEXT), 'create', NULL, NULL, ?, ? FROM cmdb_hosts WHERE id >= ? ORDER BY id
            """, cmdb.actor, cmdb.clock(), firstNewID)
    }
}
