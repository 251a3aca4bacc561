import Foundation
import PlatStore

/// The full-text index of an import's new hosts, built on a thread and a connection of its own while the
/// import writes the hosts, then installed whole into the CMDB inside the import's transaction.
///
/// Tokenizing and indexing is about a third of what an import of new hosts costs SQLite, and the writing
/// thread, which owns the transaction, is the import's bottleneck. Built here, it runs on the other core.
/// That is only right when the CMDB's index is empty (a first load): the index built from the file is then
/// exactly what the CMDB's index must hold. Any other import indexes its hosts in place (HostImportSession).
///
/// The index proper (FTS5's `_data` and `_idx` tables) is built here without the documents; the import
/// writes the documents into the CMDB's `_content` table itself, as it writes the hosts, and `install`
/// copies the index's few megabytes at the end.
///
/// The index is built in a scratch file beside the database, `DATABASE-import-index` (on the disk the
/// user keeps the CMDB on, not in a temporary folder that may be memory), removed when the import ends, or
/// by the next import should this one be killed.
final class SearchIndexBuilder: @unchecked Sendable {
    let path: String
    /// What the reading thread hands over: (rowid, document) pairs, a batch of rows at a time.
    private let batches = BoundedQueue<PackedRow?>(capacity: 8)
    private let finished = DispatchSemaphore(value: 0)
    private var started = false
    private var waited = false
    /// Set by the building thread before it signals `finished`.
    private var failure: Error?
    private var indexed = 0
    private weak var attachedTo: Database?

    init(path: String) {
        self.path = path
    }

    struct Stopped: Error {}

    func start() {
        removeFile()
        started = true
        let thread = Thread { [self] in
            do {
                try build()
            } catch {
                failure = error
                batches.close()
            }
            finished.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// From the reading thread: the rowids and documents of some rows, two values a row. False once the
    /// builder has stopped.
    func add(_ documents: PackedRow) -> Bool {
        documents.count == 0 || batches.put(documents)
    }

    /// From the reading thread: there are no more rows.
    func end() {
        _ = batches.put(nil)
    }

    private func build() throws {
        let db = try Database(path: path, options: Database.Options(scratch: true))
        try db.execute(CMDBSchema.searchTableSQL(contentless: true))
        // One row a statement, on purpose: a multi-row INSERT may fail halfway, so it opens a statement
        // savepoint, and FTS5 writes its pending terms out as a new segment at every savepoint. Single-row
        // inserts open none; the terms gather in FTS5's own bounded memory and go out in large segments, with
        // less merging (a quarter less work than 8,192-row statements).
        let insert = try db.prepare("INSERT INTO cmdb_fts (rowid, doc) VALUES (?, ?)")
        try db.transaction {
            while true {
                // nil from the queue: closed, the import gave up; a nil item: the end of the rows.
                guard let item = batches.take() else { throw Stopped() }
                guard let documents = item else { break }
                var k = 0
                while k < documents.count {
                    try insert.run(documents, cells: k..<(k + 2))
                    k += 2
                }
                indexed += documents.count / 2
            }
        }
    }

    /// Waits for the building thread; how many documents the index holds, or the error that stopped it.
    func wait() throws -> Int {
        if started && !waited {
            finished.wait()
            waited = true
        }
        if let failure { throw failure }
        return indexed
    }

    /// Before the import writes anything, in its transaction: the CMDB's (empty) index is made anew.
    ///
    /// FTS5 keeps an index's structure cached in each connection, read the first time the connection uses
    /// the table; a table this connection has just created has nothing cached, and as long as nothing reads
    /// it before `install`, the copied rows are what it first reads.
    func prepare(_ db: Database) throws {
        try db.executeScript("DROP TABLE main.cmdb_fts; \(CMDBSchema.searchTableSQL(schema: "main"));")
    }

    /// Puts the built index in place within the transaction `db` has open, the documents of all the hosts
    /// being in the CMDB's `_content` table by then.
    func install(into db: Database) throws {
        try db.execute("ATTACH DATABASE ? AS platflow_import_index", path)
        attachedTo = db
        try db.executeScript("""
            DELETE FROM main.cmdb_fts_data;
            INSERT INTO main.cmdb_fts_data SELECT * FROM platflow_import_index.cmdb_fts_data;
            DELETE FROM main.cmdb_fts_idx;
            INSERT INTO main.cmdb_fts_idx SELECT * FROM platflow_import_index.cmdb_fts_idx;
            DELETE FROM main.cmdb_fts_config;
            INSERT INTO main.cmdb_fts_config SELECT * FROM platflow_import_index.cmdb_fts_config;
            """)
    }

    /// After the import's transaction has ended, either way: stops the building thread, detaches the file
    /// and removes it.
    func close() {
        batches.close()
        _ = try? wait()
        if let db = attachedTo {
            try? db.execute("DETACH DATABASE platflow_import_index")
            attachedTo = nil
        }
        removeFile()
    }

    private func removeFile() {
        SearchIndexBuilder.removeLeftovers(at: path)
    }

    /// Removes the scratch file at `path` and its companions, if an import that was killed left them.
    static func removeLeftovers(at path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }
}
