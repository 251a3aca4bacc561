import CSQLite

/// SQLite's "copy this buffer now" destructor. Swift cannot import the `SQLITE_TRANSIENT` macro (a cast of -1
/// to a function pointer), so it is spelled out once here.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A compiled statement, prepared once and finalized when the last reference goes.
///
/// The connection keeps one per SQL string in its cache. `inUse` marks a statement that is being stepped (a
/// `forEach` whose body runs SQL of its own): a nested use of the same SQL then gets a fresh, uncached
/// statement instead of resetting the one in flight.
final class Statement {
    let handle: OpaquePointer
    let sql: String
    /// Column names, read once at prepare time and shared by every row this statement produces.
    private(set) var columnNames: [String]
    let parameterCount: Int32
    var inUse = false

    /// Compiles `sql`, which must hold exactly one statement (trailing semicolons, spaces and comments are
    /// fine). `persistent` hints SQLite that the statement will be reused many times.
    init(database: OpaquePointer, sql: String, persistent: Bool) throws {
        var handle: OpaquePointer?
        var extra = false
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code: Int32 = sql.withCString { start in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(database, start, -1, flags, &handle, &tail)
            guard code == SQLITE_OK, var rest = tail else { return code }
            // Anything after the first statement other than blanks and comments would be silently ignored
            // by SQLite; refuse it instead (executeScript is the way to run several statements).
            while rest.pointee != 0 {
                var next: OpaquePointer?
                var nextTail: UnsafePointer<CChar>?
                guard sqlite3_prepare_v2(database, rest, -1, &next, &nextTail) == SQLITE_OK else {
                    extra = true
                    break
                }
                if let next {
                    sqlite3_finalize(next)
                    extra = true
                    break
                }
                guard let nextTail, nextTail != rest else { break }
                rest = nextTail
            }
            return code
        }
        guard code == SQLITE_OK, let handle else {
            // An empty or comment-only string compiles to no statement at all, with SQLITE_OK.
            let message = code == SQLITE_OK ? "no SQL statement to run" : String(cString: sqlite3_errmsg(database))
            throw DatabaseError(code: code == SQLITE_OK ? SQLITE_MISUSE : code,
                                extendedCode: code == SQLITE_OK ? SQLITE_MISUSE : sqlite3_extended_errcode(database),
                                message: message, sql: sql)
        }
        if extra {
            sqlite3_finalize(handle)
            throw DatabaseError(code: SQLITE_MISUSE,
                                message: "more than one statement given; execute, query and forEach run one "
                                    + "(use executeScript for several, without bindings)",
                                sql: sql)
        }
        self.handle = handle
        self.sql = sql
        self.parameterCount = sqlite3_bind_parameter_count(handle)
        self.columnNames = Statement.readColumnNames(handle)
    }

    deinit {
        sqlite3_finalize(handle)
    }

    private static func readColumnNames(_ handle: OpaquePointer) -> [String] {
        let count = sqlite3_column_count(handle)
        var names: [String] = []
        names.reserveCapacity(Int(count))
        var i: Int32 = 0
        while i < count {
            names.append(sqlite3_column_name(handle, i).map { String(cString: $0) } ?? "")
            i += 1
        }
        return names
    }

    /// Binds one value per `?` parameter. The count must match: a leftover parameter would otherwise keep the
    /// value of the statement's previous use.
    @inline(__always)
    func bind(_ args: [SQLBindable?], database: OpaquePointer) throws {
        guard args.count == Int(parameterCount) else { throw countError(args.count) }
        var index: Int32 = 1
        for arg in args {
            let code = bindValue(arg?.sqlValue ?? .null, at: index)
            if code != SQLITE_OK { throw bindError(code, index: index, database: database) }
            index += 1
        }
    }

    func countError(_ given: Int) -> DatabaseError {
        DatabaseError(code: SQLITE_RANGE, message: "the statement has \(parameterCount) parameter(s) but \(given) value(s) were given",
                      sql: sql)
    }

    func bindError(_ code: Int32, index: Int32, database: OpaquePointer) -> DatabaseError {
        DatabaseError(code: code, extendedCode: sqlite3_extended_errcode(database),
                      message: "cannot bind parameter \(index): " + String(cString: sqlite3_errmsg(database)), sql: sql)
    }

    @inline(__always)
    private func bindValue(_ value: SQLValue, at index: Int32) -> Int32 {
        switch value {
        case .null:
            return sqlite3_bind_null(handle, index)
        case .int(let v):
            return sqlite3_bind_int64(handle, index, v)
        case .double(let v):
            return sqlite3_bind_double(handle, index, v)
        case .text(var s):
            // Bound by byte length, so text holding NUL survives; an empty buffer may have no address, and a
            // nil pointer would bind NULL instead of ''.
            return s.withUTF8 { buffer -> Int32 in
                guard let base = buffer.baseAddress, buffer.count > 0 else {
                    return sqlite3_bind_text64(handle, index, "", 0, sqliteTransient, UInt8(SQLITE_UTF8))
                }
                return UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    sqlite3_bind_text64(handle, index, $0, UInt64(buffer.count), sqliteTransient, UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let bytes):
            // Same reason as text: an empty array must still be an (empty) blob, not NULL.
            if bytes.isEmpty { return sqlite3_bind_zeroblob(handle, index, 0) }
            return bytes.withUnsafeBytes { buffer in
                sqlite3_bind_blob64(handle, index, buffer.baseAddress, UInt64(buffer.count), sqliteTransient)
            }
        }
    }

    /// The current row, read column by column into values.
    @inline(__always)
    func currentRow() -> Row {
        let count = sqlite3_column_count(handle)
        if Int(count) != columnNames.count {
            // SQLite re-prepared the statement after a schema change and `SELECT *` now has other columns.
            columnNames = Statement.readColumnNames(handle)
        }
        var values: [SQLValue] = []
        values.reserveCapacity(Int(count))
        var i: Int32 = 0
        while i < count {
            values.append(columnValue(i))
            i += 1
        }
        return Row(columnNames: columnNames, values: values)
    }

    @inline(__always)
    private func columnValue(_ i: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER:
            return .int(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT:
            return .double(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            // Text pointer first, then its byte count (the documented order, so no conversion happens between).
            guard let text = sqlite3_column_text(handle, i) else { return .text("") }
            let length = Int(sqlite3_column_bytes(handle, i))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
        case SQLITE_BLOB:
            guard let bytes = sqlite3_column_blob(handle, i) else { return .blob([]) }
            let length = Int(sqlite3_column_bytes(handle, i))
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: length)))
        default:
            return .null
        }
    }
}
