import CSQLite

/// An INSERT of many rows with few statements, for bulk writes: SQLite opens its cursors and seeks once a
/// statement instead of once a row.
///
/// Statements are compiled for powers of two only, and a batch is written as the pieces its size is made of
/// (200 rows: 128 + 64 + 8), so a file whose batches vary in size (hosts with one IP or three) reuses a handful
/// of statements instead of compiling one for nearly every batch. A batch of several pieces runs inside a
/// savepoint, so it is written whole or not at all, like a single statement.
public final class MultiRowInsert {
    private let database: Database
    private let head: String
    private let columns: Int
    private var statements: [Int: PreparedStatement] = [:]
    /// The largest piece: SQLite limits the parameters of one statement.
    private let largest: Int

    /// `head` is the statement up to its rows: `INSERT INTO t (a, b, c)`.
    public init(_ database: Database, head: String, columns: Int) {
        self.database = database
        self.head = head
        self.columns = columns
        let limit = Int(sqlite3_limit(database.handle, SQLITE_LIMIT_VARIABLE_NUMBER, -1))
        var largest = 1
        while largest * 2 * columns <= limit { largest *= 2 }
        self.largest = largest
    }

    /// Inserts `rows` rows whose values are in `values`, row after row (`rows × columns` of them), all or none.
    public func run(_ values: PackedRow, rows: Int) throws {
        precondition(rows >= 0 && values.count == rows * columns, "rows and values do not agree")
        if rows == 0 { return }
        if rows <= largest && rows & (rows - 1) == 0 {
            try statement(rows).run(values, cells: 0..<values.count)
            return
        }
        try database.transaction {
            var start = 0, left = rows
            while left > 0 {
                var size = 1
                while size * 2 <= min(left, largest) { size *= 2 }
                try statement(size).run(values, cells: start..<(start + size * columns))
                start += size * columns
                left -= size
            }
        }
    }

    private func statement(_ size: Int) throws -> PreparedStatement {
        if let s = statements[size] { return s }
        let tuple = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        let s = try database.prepare(head + " VALUES " + Array(repeating: tuple, count: size).joined(separator: ", "))
        statements[size] = s
        return s
    }
}
