import CSQLite
import CSQLiteSetup
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One SQLite connection, set up the way platflow needs it: WAL, `synchronous=FULL` unless asked otherwise,
/// foreign keys on, a busy timeout, extended result codes.
///
/// Statements are prepared once per SQL string and cached for the life of the connection, so a call such as
/// `execute("INSERT INTO journal ... VALUES (?, ?)", key, result)` costs a dictionary lookup, the bindings and
/// `sqlite3_step`. Every value is bound, never spliced into the SQL text.
///
/// A connection is not `Sendable`: use it from one thread at a time (open one per thread; SQLite's own file
/// locking and the busy timeout arbitrate between connections and processes).
public final class Database {
    /// How hard a commit works to reach the disk.
    public enum Durability: String, Sendable, CaseIterable {
        /// `synchronous=FULL`: in WAL mode every commit is fsynced before it returns; a committed journal
        /// entry survives power loss.
        case full
        /// `synchronous=NORMAL`: commits survive a crash of the process but the last ones may be lost on power
        /// loss or an OS crash; several times faster.
        case normal
    }

    /// How to open a connection.
    public struct Options: Sendable {
        public var durability: Durability = .full
        /// How long a statement waits for another connection's write lock before failing with SQLITE_BUSY.
        public var busyTimeoutMilliseconds = 10_000
        /// Open without write access; the file must exist and no folder is created.
        public var readOnly = false
        /// With `readOnly`: the file is on read-only media and nothing can change it, so SQLite takes no locks
        /// and needs no shared-memory file beside it (a WAL database cannot otherwise be read there).
        public var immutable = false
        /// A scratch file, thrown away if the process stops before it is used: no journal and no syncs
        /// (`durability` does not apply).
        public var scratch = false
        /// Copy the WAL into the database file and delete it when the last connection closes (SQLite's default).
        /// A short-lived command that writes a little sets this to false: its writes stay in the WAL (as
        /// durable there as in the file) and are copied by a later commit's automatic checkpoint, which spares
        /// every process the two fsyncs of a checkpoint on close and the two of creating a new WAL on open.
        public var checkpointOnClose = true

        public init(durability: Durability = .full, busyTimeoutMilliseconds: Int = 10_000, readOnly: Bool = false,
                    scratch: Bool = false) {
            self.durability = durability
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            self.readOnly = readOnly
            self.scratch = scratch
        }
    }

    /// The store format this build writes into `PRAGMA user_version`; a higher value means a newer platflow.
    public static let storeFormat = 1

    /// The database file, as given (`:memory:` for a private in-memory database).
    public let path: String
    public let options: Options

    let handle: OpaquePointer
    /// Prepared statements by SQL text. Bounded so that SQL built at run time cannot grow it without limit.
    private var statements: [String: Statement] = [:]
    private static let statementCacheLimit = 512
    /// How many transactions and savepoints are open through `transaction`, to name savepoints uniquely.
    var transactionDepth = 0

    /// Opens (creating it and its parent folders if needed) the database at `path`.
    ///
    /// Throws `DatabaseError` when the file cannot be opened or is not a database (with a message naming the
    /// path), and `SchemaTooNewError` when its store format is newer than this build's; nothing is changed then.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        self.options = options
        let inMemory = path == ":memory:" || path.isEmpty
        if !inMemory && !options.readOnly {
            try Database.makeParentFolders(of: path)
        }
        _ = Database.processSetup
        var db: OpaquePointer?
        var flags = (options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX
        var target = path
        if options.readOnly && options.immutable && !inMemory {
            flags |= SQLITE_OPEN_URI
            var absolute = path
            if !path.hasPrefix("/") {
                var buffer = [CChar](repeating: 0, count: 4096)
                if getcwd(&buffer, buffer.count) != nil { absolute = String(cString: buffer) + "/" + path }
            }
            // A URI: every byte but unreserved ones and '/' percent-encoded.
            var encoded = ""
            for b in absolute.utf8 {
                let c = Character(Unicode.Scalar(b))
                if (b < 0x80 && (c.isLetter || c.isNumber)) || "/-._~".utf8.contains(b) {
                    encoded.append(c)
                } else {
                    let hex = String(b, radix: 16, uppercase: true)
                    encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
                }
            }
            target = "file:" + encoded + "?immutable=1"
        }
        let code = sqlite3_open_v2(target, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let error = Database.openError(path: path, code: code, db: db)
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Int32(clamping: max(0, options.busyTimeoutMilliseconds)))

        do {
            if !options.readOnly && sqlite3_db_readonly(db, "main") == 1 {
                throw DatabaseError(code: SQLITE_READONLY, message: "the file is not writable (permission denied)")
            }
            try retryingWhileBusy {
                // The store format is checked before anything could write to the file (switching to WAL would).
                let format = try userVersion()
                if format > Database.storeFormat {
                    throw SchemaTooNewError(path: path, module: nil, found: format, known: Database.storeFormat)
                }
                if options.scratch {
                    _ = try queryOne("PRAGMA journal_mode = OFF")
                } else if !options.readOnly && !inMemory {
                    // Not another program's database (tables, none of them platflow's): switching it to WAL
                    // would change the file before a migration even tried; `migrate` switches it on success.
                    let foreign = try queryOne("""
                        SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%') AS tables,
                               (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'platflow_schema') AS ours
                        """).map { ($0.int("tables") ?? 0) > 0 && ($0.int("ours") ?? 0) == 0 } ?? false
                    if !foreign { try useWriteAheadLog() }
                }
            }
            let synchronous = options.scratch ? "OFF" : options.durability == .full ? "FULL" : "NORMAL"
            try executeScript("PRAGMA synchronous = \(synchronous); PRAGMA foreign_keys = ON;")
            if !options.checkpointOnClose && !options.scratch && !options.readOnly && !inMemory {
                _ = platflow_sqlite_keep_wal_on_close(UnsafeMutableRawPointer(db))
                // A WAL left behind is read whole by the next process to open the file (SQLite rebuilds its
                // index), so it is kept short: checkpointed from 200 pages (800 KB) instead of 1,000.
                _ = try queryOne("PRAGMA wal_autocheckpoint = 200")
            }
        } catch let error as DatabaseError {
            // Say which database: "file is not a database" alone does not help the user find it.
            statements.removeAll()
            throw DatabaseError(code: error.code, extendedCode: error.extendedCode,
                                message: "cannot open the database at \(path): \(error.message)", sql: error.sql)
        } catch {
            statements.removeAll()
            throw error
        }
    }

    /// Write-ahead logging (readers never wait for the writer), for a file this connection may write.
    func useWriteAheadLog() throws {
        let inMemory = path == ":memory:" || path.isEmpty
        guard !options.readOnly && !options.scratch && !inMemory else { return }
        let mode = try queryOne("PRAGMA journal_mode")?.string("journal_mode")
        if mode != "wal" { _ = try queryOne("PRAGMA journal_mode = WAL") }
    }

    /// SQLite's process-wide settings, made once before the first connection opens.
    private static let processSetup: Int32 = platflow_sqlite_setup()

    deinit {
        // Statements first: a connection with unfinalized statements would only become a zombie.
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: Running statements

    /// Runs one statement with its parameters bound, discarding any rows it returns.
    public func execute(_ sql: String, _ args: SQLBindable?...) throws {
        try execute(sql, args)
    }

    /// Runs one statement with its parameters bound, discarding any rows it returns.
    public func execute(_ sql: String, _ args: [SQLBindable?]) throws {
        let statement = try prepared(sql)
        statement.inUse = true
        defer { release(statement) }
        try statement.bind(args, database: handle)
        try stepToEnd(statement)
    }

    /// Steps a bound statement to its end, discarding any rows it returns.
    @inline(__always)
    func stepToEnd(_ statement: Statement) throws {
        while true {
            switch sqlite3_step(statement.handle) {
            case SQLITE_DONE: return
            case SQLITE_ROW: continue
            case let code: throw error(code, sql: statement.sql)
            }
        }
    }

    /// Runs one query and returns all its rows.
    public func query(_ sql: String, _ args: SQLBindable?...) throws -> [Row] {
        try query(sql, args)
    }

    /// Runs one query and returns all its rows.
    public func query(_ sql: String, _ args: [SQLBindable?]) throws -> [Row] {
        var rows: [Row] = []
        try forEach(sql, args) { rows.append($0) }
        return rows
    }

    /// Runs one query and returns its first row, or nil when there is none (the rest are not read).
    public func queryOne(_ sql: String, _ args: SQLBindable?...) throws -> Row? {
        try queryOne(sql, args)
    }

    /// Runs one query and returns its first row, or nil when there is none (the rest are not read).
    public func queryOne(_ sql: String, _ args: [SQLBindable?]) throws -> Row? {
        let statement = try prepared(sql)
        statement.inUse = true
        defer { release(statement) }
        try statement.bind(args, database: handle)
        switch sqlite3_step(statement.handle) {
        case SQLITE_ROW: return statement.currentRow()
        case SQLITE_DONE: return nil
        case let code: throw error(code, sql: sql)
        }
    }

    /// Runs one query and hands each row to `body` as it is read, without collecting them.
    /// The body may run other statements on this connection (even the same SQL).
    public func forEach(_ sql: String, _ args: [SQLBindable?], _ body: (Row) throws -> Void) throws {
        let statement = try prepared(sql)
        statement.inUse = true
        defer { release(statement) }
        try statement.bind(args, database: handle)
        while true {
            switch sqlite3_step(statement.handle) {
            case SQLITE_ROW: try body(statement.currentRow())
            case SQLITE_DONE: return
            case let code: throw error(code, sql: sql)
            }
        }
    }

    /// Runs several statements separated by semicolons, in order, with no bindings: for migrations and
    /// pragmas. Stops at the first failing statement, whose text the error carries. Statements are not cached.
    public func executeScript(_ sql: String) throws {
        try sql.withCString { start in
            var cursor = start
            while cursor.pointee != 0 {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let code = sqlite3_prepare_v2(handle, cursor, -1, &statement, &tail)
                guard code == SQLITE_OK else {
                    throw error(code, sql: Database.firstStatement(cursor))
                }
                defer { sqlite3_finalize(statement) }
                if let statement {
                    stepping: while true {
                        switch sqlite3_step(statement) {
                        case SQLITE_DONE: break stepping
                        case SQLITE_ROW: continue
                        case let code:
                            throw error(code, sql: sqlite3_sql(statement).map { String(cString: $0) })
                        }
                    }
                }
                guard let tail, tail != cursor else { break }
                cursor = tail
            }
        }
    }

    /// The rowid of the last row inserted through this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE on this connection.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// True while a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// `PRAGMA integrity_check`: "ok" when the file is sound, otherwise SQLite's list of problems, one a line.
    public func integrityCheck() throws -> String {
        let rows = try query("PRAGMA integrity_check")
        return rows.compactMap { $0.string("integrity_check") ?? $0[0].textForm }.joined(separator: "\n")
    }

    /// `PRAGMA user_version`: the store format recorded in the file (0 for a new database).
    func userVersion() throws -> Int {
        Int(try queryOne("PRAGMA user_version")?.int("user_version") ?? 0)
    }

    // MARK: Statement cache

    /// The cached statement for `sql`, reset and ready; a fresh uncached one when the cached one is being
    /// stepped by an enclosing call.
    @inline(__always)
    private func prepared(_ sql: String) throws -> Statement {
        if let cached = statements[sql] {
            if !cached.inUse { return cached }
            return try Statement(database: handle, sql: sql, persistent: false)
        }
        let statement = try Statement(database: handle, sql: sql, persistent: true)
        if statements.count >= Database.statementCacheLimit {
            statements = statements.filter { $0.value.inUse }
        }
        statements[sql] = statement
        return statement
    }

    /// Resets a statement after use: releases its read snapshot (a statement left mid-rows would keep the WAL
    /// from being checkpointed) and drops the bound copies of large values.
    @inline(__always)
    private func release(_ statement: Statement) {
        sqlite3_reset(statement.handle)
        sqlite3_clear_bindings(statement.handle)
        statement.inUse = false
    }

    /// The error SQLite just reported on this connection for `code`.
    func error(_ code: Int32, sql: String?) -> DatabaseError {
        DatabaseError(code: code, extendedCode: sqlite3_extended_errcode(handle),
                      message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    // MARK: Opening

    /// A clear error for a failed `sqlite3_open_v2`: directories and missing folders named as such.
    private static func openError(path: String, code: Int32, db: OpaquePointer?) -> DatabaseError {
        var reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            reason = "it is a directory, not a database file"
        } else if let db, sqlite3_system_errno(db) != 0, let text = strerror(sqlite3_system_errno(db)) {
            reason = String(cString: text).lowercased()
        }
        return DatabaseError(code: code, extendedCode: db.map { sqlite3_extended_errcode($0) } ?? code,
                             message: "cannot open the database at \(path): \(reason)")
    }

    /// Runs `body` again while it fails with SQLITE_BUSY, up to the busy timeout. Switching a new file to WAL
    /// while another connection does the same can report BUSY without consulting the busy handler.
    func retryingWhileBusy(_ body: () throws -> Void) throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(max(0, options.busyTimeoutMilliseconds)))
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where error.isBusy || error.isLocked {
                if clock.now >= deadline { throw error }
                usleep(5_000)
            }
        }
    }

    /// `mkdir -p` of the folder holding `path`, with errors that name the folder.
    private static func makeParentFolders(of path: String) throws {
        guard let slash = path.lastIndex(of: "/") else { return }
        let folder = String(path[..<slash])
        guard !folder.isEmpty else { return }
        // Usually the folder is there: one stat instead of a mkdir and a stat for each part of the path.
        var found = stat()
        if stat(folder, &found) == 0 && (found.st_mode & S_IFMT) == S_IFDIR { return }
        var prefix = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + String(part)
            if mkdir(prefix, 0o755) == 0 { continue }
            let failure = errno
            var info = stat()
            if stat(prefix, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { continue }
            let reason = failure == EEXIST ? "a file of that name is in the way"
                : (strerror(failure).map { String(cString: $0).lowercased() } ?? "error \(failure)")
            throw DatabaseError(code: SQLITE_CANTOPEN,
                                message: "cannot create the folder \(prefix) for the database at \(path): \(reason)")
        }
    }

    /// The first statement of a C string, for an error message about it.
    private static func firstStatement(_ text: UnsafePointer<CChar>) -> String {
        let all = String(cString: text)
        guard let end = all.firstIndex(of: ";") else { return all }
        return String(all[...end])
    }
}

extension SQLValue {
    /// The value as text, for messages (numbers rendered, blobs decoded as UTF-8, NULL as nil).
    var textForm: String? {
        switch self {
        case .null: return nil
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .text(let s): return s
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        }
    }
}
