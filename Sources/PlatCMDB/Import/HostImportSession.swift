import Foundation
import PlatLang
import PlatStore

/// One import: a reading thread parses rows into batches; the calling thread, which owns the database
/// connection and its transaction, checks and writes them.
final class HostImportSession {
    let cmdb: CMDB
    let db: Database
    let update: Bool
    let format: ImportFormat
    let now: String
    /// With no hosts before the import, no row can match an existing host, so the lookup is skipped (the
    /// unique index still catches a file that lists one IP twice). Read in the transaction (`begin`).
    private(set) var emptyAtStart = false
    private(set) var firstNewID: Int64 = 1
    /// Builds the new hosts' full-text index on another core when the CMDB's index is empty at the start.
    private(set) var indexBuilder: SearchIndexBuilder?
    /// The time of the import's change events: one moment for all of them, as for `now`.
    let eventTime: Double
    var report = ImportReport()
    private var columns: ImportColumns
    private var csv: CSVReader?
    private var json: JSONRecordReader?
    private var yaml: YAMLRecordReader?

    init(cmdb: CMDB, update: Bool, format: ImportFormat, path: String) throws {
        self.cmdb = cmdb
        db = cmdb.db
        self.update = update
        self.format = format
        columns = ImportColumns(custom: try cmdb.customHostFields())
        now = cmdb.nowText
        eventTime = cmdb.clock()
        fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
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
        case .yaml:
            yaml = try YAMLRecordReader(path: path)
        }
        // Hosts an --update import changed, re-indexed together at the end; a temporary table keeps memory
        // flat however many there are.
        if update {
            try db.execute("CREATE TEMP TABLE IF NOT EXISTS cmdb_import_updated (id INTEGER PRIMARY KEY)")
            try db.execute("DELETE FROM temp.cmdb_import_updated")
        }
    }

    /// Told how the import goes, at most five times a second.
    var progress: ((ImportProgress) -> Void)?
    let fileSize: Int?
    private var lastProgress = Date.distantPast

    private func reportProgress(_ position: Int) {
        guard let progress, Date().timeIntervalSince(lastProgress) >= 0.2 else { return }
        lastProgress = Date()
        progress(ImportProgress(rows: report.rows, bytesRead: position, fileSize: fileSize, finishing: false))
    }

    /// What the import starts from, read inside its transaction: another import may have committed since this
    /// session was made, and a stale "empty" would skip the lookups of existing hosts and rebuild the index.
    private func begin() throws {
        precondition(db.isInTransaction, "an import runs in a transaction")
        let maxID = try db.queryOne("SELECT max(id) AS id FROM cmdb_hosts")?.int("id")
        emptyAtStart = maxID == nil
        firstNewID = (maxID ?? 0) + 1
        let indexEmpty = try db.queryOne("SELECT NOT EXISTS (SELECT 1 FROM cmdb_fts_content) AS empty")?.int("empty") == 1
        let onDisk = !db.path.isEmpty && db.path != ":memory:" && !db.path.hasPrefix("file:")
        indexBuilder = emptyAtStart && indexEmpty && onDisk ? SearchIndexBuilder(path: cmdb.importIndexPath(db.path)) : nil
        // A builder clears its file when it starts; any other import clears what a killed first load left
        // (with the write lock held, no other import is building one now).
        if indexBuilder == nil && onDisk { SearchIndexBuilder.removeLeftovers(at: cmdb.importIndexPath(db.path)) }
    }

    /// Reads and writes every row, inside the import's transaction.
    func run() throws {
        try begin()
        let queue = BoundedQueue<ImportBatch>(capacity: 8)
        let columns = self.columns
        let csv = self.csv, json = self.json, yaml = self.yaml, now = self.now, keepSlots = !emptyAtStart
        let builder = indexBuilder, firstNewID = self.firstNewID
        // The next parsed row of whichever file this is, ready to insert, and how far into the file the rows reach.
        let nextRow: () throws -> ParsedRow?
        let position: () -> Int
        func prepared(_ row: ParsedRow) -> ParsedRow {
            var row = row
            columns.prepareInsert(&row, now: now, keepSlots: keepSlots)
            return row
        }
        if let csv, !keepSlots, columns.allowsDirect {
            // A first load of built-in columns: rows go the direct way, those it does not take the general way.
            var record = CSVRecord()
            nextRow = {
                guard try csv.next(into: &record) else { return nil }
                return try columns.parseDirect(record, now: now) ?? prepared(columns.parse(cells: record.strings(), line: record.line))
            }
            position = { csv.position }
        } else if let csv {
            nextRow = { try csv.next().map { prepared(columns.parse(cells: $0.fields, line: $0.line)) } }
            position = { csv.position }
        } else if let json {
            nextRow = { try json.next().map { prepared(columns.parse(object: $0.object, line: $0.line)) } }
            position = { json.position }
        } else if let yaml {
            nextRow = { try yaml.next().map { prepared(columns.parse(object: $0.object, line: $0.line)) } }
            position = { yaml.position }
        } else {
            nextRow = { nil }
            position = { 0 }
        }
        let reader = Thread {
            var batch: [ParsedRow] = []
            batch.reserveCapacity(256)
            var ending: ImportProblem? = nil
            // For the index builder: the k-th row of the file becomes host firstNewID + k when the import
            // commits (with no hosts before it, every row creates one, in order, or the import fails).
            var documents = PackedRow()
            var ordinal: Int64 = 0
            defer { builder?.end() }
            do {
                while let row = try nextRow() {
                    if builder != nil {
                        if row.problems.isEmpty {
                            documents.append((firstNewID + ordinal) * 2)
                            documents.append(utf8: row.doc)
                        }
                        ordinal += 1
                    }
                    batch.append(row)
                    if batch.count == 256 {
                        if let builder {
                            // Refused once the builder has failed: the writer then indexes the hosts itself.
                            _ = builder.add(documents)
                            documents = PackedRow()
                        }
                        guard queue.put(.rows(batch, position: position())) else { return }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                _ = builder?.add(documents)
            } catch let p as CSVReader.Problem {
                ending = ImportProblem(line: p.line, field: nil, reason: p.reason + "; the rest of the file was not read")
            } catch {
                ending = ImportProblem(line: 0, field: nil, reason: "\(error)")
            }
            if !batch.isEmpty { guard queue.put(.rows(batch, position: position())) else { return } }
            _ = queue.put(.end(ending))
        }
        reader.stackSize = 1 << 20
        if let indexBuilder {
            try indexBuilder.prepare(db)
            indexBuilder.start()
        }
        reader.start()
        do {
            while true {
                let w0 = Date()
                let item = queue.take() ?? .end(nil)
                waitSeconds += Date().timeIntervalSince(w0)
                switch item {
                case .rows(let rows, let position):
                    for row in rows { try apply(row) }
                    reportProgress(position)
                case .end(let problem):
                    try flushPending()
                    if let problem { report.add(problem) }
                    return
                }
            }
        } catch {
            queue.close()
            indexBuilder?.close()
            throw error
        }
    }

    /// How long the writing thread waited for parsed rows: when large, the reader is the bottleneck.
    private var waitSeconds = 0.0
    /// Checks the complete row, then creates, updates or leaves the host.
    private func apply(_ row: ParsedRow) throws {
        report.rows += 1
        if !row.problems.isEmpty {
            for p in row.problems { report.add(p) }
            return
        }
        let line = row.line
        let cloud = row.cloud, dynamic = row.dynamic, hostname = row.hostname
        let firstIP = row.ipKeys.first(where: \.inner)?.address

        // The existing host this row describes, if any.
        var existing: Int64? = nil
        if !emptyAtStart {
            if !dynamic, let ip = firstIP {
                existing = try cmdb.staticHostID(innerIP: ip, cloud: cloud)
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

        pending.append(PendingHost(line: line, ipKeys: row.ipKeys, cloud: cloud, isStatic: !dynamic, doc: row.doc))
        pendingValues.append(contentsOf: row.insert)
        if pending.count == HostImportSession.insertBatch { try flushPending() }
    }

    /// New hosts wait here to be written together: one multi-row INSERT for their rows and one for their IPs
    /// cost far less than a statement per row (SQLite re-opens its cursors and re-seeks from the root for every
    /// statement).
    private struct PendingHost {
        let line: Int
        let ipKeys: [IPKey]
        let cloud: Int64
        let isStatic: Bool
        let doc: [UInt8]
    }
    private static let insertBatch = 128
    private var pending: [PendingHost] = []
    private var pendingValues = PackedRow()
    private var ipValues = PackedRow()
    private lazy var hostInsert = MultiRowInsert(db, head: CMDB.insertHostHead, columns: CMDB.insertHostColumns.count)
    private lazy var ipInsert = MultiRowInsert(db, head: "INSERT INTO cmdb_host_ips (ip, cloud_area, slot, host_id, inner, static)", columns: 6)
    private lazy var documentInsert = MultiRowInsert(db, head: "INSERT INTO cmdb_fts (rowid, doc)", columns: 2)
    /// With an index builder: the documents go straight into the index's table of documents.
    private lazy var contentInsert = MultiRowInsert(db, head: "INSERT INTO main.cmdb_fts_content (id, c0)", columns: 2)

    /// Writes the waiting hosts, then their IPs. When an IP is taken (by a host already in the CMDB or on an
    /// earlier row), the IPs are inserted again one at a time, in file order, to name the row and the
    /// owner of the address.
    func flushPending() throws {
        guard !pending.isEmpty else { return }
        defer {
            pending.removeAll(keepingCapacity: true)
            pendingValues.removeAll()
        }
        try hostInsert.run(pendingValues, rows: pending.count)
        // A rowid table without AUTOINCREMENT numbers the rows of one INSERT consecutively after its largest id.
        let lastID = db.lastInsertRowID
        let firstID = lastID - Int64(pending.count) + 1
        lastNewID = lastID
        ipValues.removeAll()
        var ipRows = 0
        for (k, host) in pending.enumerated() {
            for ip in host.ipKeys {
                ipValues.append(blob: ip.address.key)
                ipValues.append(host.cloud)
                ipValues.append(CMDBSchema.ipSlot(host: firstID + Int64(k), inner: ip.inner, isStatic: host.isStatic))
                ipValues.append(firstID + Int64(k))
                ipValues.append(Int64(ip.inner ? 1 : 0))
                ipValues.append(Int64(host.isStatic ? 1 : 0))
                ipRows += 1
            }
        }
        var conflict = false
        do {
            try ipInsert.run(ipValues, rows: ipRows)
        } catch let e as DatabaseError where e.isConstraint {
            conflict = true
        }
        for (k, host) in pending.enumerated() {
            do {
                if conflict { try insertIPs(host, id: firstID + Int64(k)) }
                report.created += 1
            } catch let e as CMDBError {
                report.add(ImportProblem(line: host.line, field: "inner_ip", reason: e.message))
            }
        }
        // Only while the import can still commit: a file with problems writes nothing, so it is not indexed.
        guard report.problemCount == 0 else {
            documents.removeAll()
            return
        }
        for (k, host) in pending.enumerated() {
            documents.append((firstID + Int64(k)) * 2)
            documents.append(utf8: host.doc)
        }
        // With a builder, the index proper is built on its thread; the documents go into the index's table of
        // documents here, and only the events are left for the chunk's end.
        if indexBuilder != nil {
            try contentInsert.run(documents, rows: pending.count)
            documents.removeAll()
        }
        // A chunk is also cut short by very long documents (comments of many kilobytes), to bound memory.
        if lastID - indexedThrough >= HostImportSession.indexChunk || documents.byteCount > 16 << 20 {
            try indexNewHosts(through: lastID)
        }
    }

    private func insertIPs(_ host: PendingHost, id: Int64) throws {
        let cloud = host.cloud
        for ip in host.ipKeys {
            do {
                try db.execute(CMDBSchema.insertIPSQL, ip.address.key, cloud,
                               CMDBSchema.ipSlot(host: id, inner: ip.inner, isStatic: host.isStatic), id, ip.inner, host.isStatic)
            } catch let e as DatabaseError where e.isConstraint {
                throw try cmdb.ipConflict(ip.address, cloud: cloud, id: id, importedFrom: firstNewID)
            }
        }
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

    /// New hosts are indexed for full-text search, and their change events written, a chunk at a time while
    /// the file is still being read: the writing thread would otherwise wait on the reader during the rows and
    /// leave the reader's core idle during the index. A chunk is large enough that the index gets segments of
    /// the size it would build in one go.
    private static let indexChunk: Int64 = 8192
    /// New hosts with ids up to this one are indexed and have their events.
    private lazy var indexedThrough: Int64 = firstNewID - 1
    /// The id of the last new host written (not `db.lastInsertRowID`, which events and index rows move on).
    private lazy var lastNewID: Int64 = firstNewID - 1
    private var indexSeconds = 0.0
    private var eventSeconds = 0.0
    /// The full-text rowids and documents of the new hosts after `indexedThrough`, two values a host.
    private var documents = PackedRow()

    private func indexNewHosts(through last: Int64) throws {
        guard last > indexedThrough else { return }
        let start = Date()
        // One statement for the chunk: the index flushes its pending terms into a new segment at every
        // statement, so fewer, larger statements mean fewer segments to merge later.
        let rows = documents.count / 2
        if rows > 0 {
            try documentInsert.run(documents, rows: rows)
            documents.removeAll()
        }
        let indexed = Date()
        try db.execute("""
            INSERT INTO cmdb_events (resource, ref, kind, before, after, who, at)
            SELECT 'host', CAST(id AS TEXT), 'create', NULL, NULL, ?, ? FROM cmdb_hosts WHERE id > ? AND id <= ? ORDER BY id
            """, cmdb.actor, eventTime, indexedThrough, last)
        indexSeconds += indexed.timeIntervalSince(start)
        eventSeconds += Date().timeIntervalSince(indexed)
        indexedThrough = last
    }

    /// Indexes the rest of the new hosts and the updated ones for full-text search, and writes the rest of
    /// the creation events (updates wrote theirs as they happened).
    func finish() throws {
        if report.updated > 0 {
            let start = Date()
            try cmdb.reindexHosts(where: "h.id IN (SELECT id FROM temp.cmdb_import_updated)", [])
            indexSeconds += Date().timeIntervalSince(start)
        }
        if report.created > 0 {
            try indexNewHosts(through: lastNewID)
            if let indexBuilder { try installBuiltIndex(indexBuilder) }
        }
        report.phases.append(("full-text index, in all", indexSeconds))
        report.phases.append(("events, in all", eventSeconds))
        report.phases.append(("waiting for the reader", waitSeconds))
    }

    /// Installs the index built on the other core; should it have failed, or not hold one document for each
    /// host written, indexes the new hosts here instead.
    private func installBuiltIndex(_ builder: SearchIndexBuilder) throws {
        let start = Date()
        defer { indexSeconds += Date().timeIntervalSince(start) }
        let written = Int(lastNewID - firstNewID + 1)
        if report.updated == 0, report.unchanged == 0, report.created == written, (try? builder.wait()) == written {
            try builder.install(into: db)
        } else {
            try db.execute("DELETE FROM main.cmdb_fts_content")
            try cmdb.indexHosts(where: "h.id >= ?", [firstNewID], inPool: true)
        }
    }

    /// After the transaction, committed or not: the index builder's thread and file are gone.
    func close() {
        indexBuilder?.close()
    }
}
