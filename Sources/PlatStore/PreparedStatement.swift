import CSQLite

/// A statement compiled once and run many times with new values, for bulk writes such as an import.
///
/// `Database.execute` finds its statement by hashing and comparing the SQL text and boxes every argument as an
/// existential; for 100,000 rows of 30 columns that bookkeeping costs more than SQLite's own work. A prepared
/// statement skips both: values arrive packed (`PackedRow`) and are bound in place.
///
/// Use it on the connection's thread only, while the connection is open.
public final class PreparedStatement {
    private let statement: Statement
    private let database: Database

    init(database: Database, sql: String) throws {
        self.database = database
        statement = try Statement(database: database.handle, sql: sql, persistent: true)
    }

    /// Runs the statement with a packed row's values, bound in place (no copies), then resets it.
    public func run(_ row: PackedRow) throws {
        try run(row, cells: 0..<row.cells.count)
    }

    /// Runs the statement with some of a packed row's values (one per parameter), bound in place.
    public func run(_ row: PackedRow, cells: Range<Int>) throws {
        let handle = statement.handle
        guard cells.count == Int(statement.parameterCount) else { throw statement.countError(cells.count) }
        // The bindings point into the row's buffer: step while it is alive, and clear them before it goes.
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        try row.bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            var index: Int32 = 1
            for cell in row.cells[cells] {
                let code: Int32
                switch cell {
                case .null: code = sqlite3_bind_null(handle, index)
                case .int(let v): code = sqlite3_bind_int64(handle, index, v)
                case .double(let v): code = sqlite3_bind_double(handle, index, v)
                case .text(_, 0):
                    code = sqlite3_bind_text64(handle, index, "", 0, sqliteTransient, UInt8(SQLITE_UTF8))
                case .text(let start, let count):
                    code = sqlite3_bind_text64(handle, index, (base + Int(start)).assumingMemoryBound(to: CChar.self),
                                               UInt64(count), nil, UInt8(SQLITE_UTF8))
                case .blob(_, 0):
                    code = sqlite3_bind_zeroblob(handle, index, 0)
                case .blob(let start, let count):
                    code = sqlite3_bind_blob64(handle, index, base + Int(start), UInt64(count), nil)
                }
                if code != SQLITE_OK { throw statement.bindError(code, index: index, database: database.handle) }
                index += 1
            }
            try database.stepToEnd(statement)
        }
    }
}

extension Database {
    /// Compiles `sql` (one statement) for repeated use with `PreparedStatement.run`.
    public func prepare(_ sql: String) throws -> PreparedStatement {
        try PreparedStatement(database: self, sql: sql)
    }
}
