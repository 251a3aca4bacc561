import Foundation
import PlatStore
import Testing

@Suite("bulk writes: packed rows and multi-row inserts")
struct BulkWriteTests {
    @Test("a packed row binds text, blobs, numbers and NULL in place, empty ones included")
    func packedRow() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (a, b, c, d, e, f, g)")
        var row = PackedRow()
        row.append("héllo")
        row.append(blob: [0, 1, 2, 255])
        row.append(Int64(-7))
        row.append(2.5)
        row.appendNull()
        row.append("")
        row.append(joined: ["x", "y", "z"], separator: UInt8(ascii: ","))
        try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)").run(row)
        let r = try #require(try db.queryOne("SELECT a, b, c, d, e, f, g, typeof(f) AS tf FROM t"))
        #expect(r.string("a") == "héllo" && r["b"] == .blob([0, 1, 2, 255]) && r.int("c") == -7 && r.double("d") == 2.5)
        #expect(r["e"] == .null && r.string("f") == "" && r.string("tf") == "text" && r.string("g") == "x,y,z")
        // The wrong number of values is an error, not a silent leftover binding.
        var short = PackedRow()
        short.append("only one")
        #expect(throws: DatabaseError.self) { try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)").run(short) }
    }

    // 20,000 rows of two values are more than one statement may bind (32,766 parameters).
    @Test("any number of rows goes in whole and in order, with consecutive ids", arguments: [1, 2, 3, 127, 128, 200, 1000, 4095, 20_000])
    func multiRowInsert(rows: Int) throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, s TEXT NOT NULL)")
        let insert = MultiRowInsert(db, head: "INSERT INTO t (n, s)", columns: 2)
        var values = PackedRow()
        for i in 0..<rows {
            values.append(Int64(i))
            values.append("row \(i)")
        }
        try db.transaction { try insert.run(values, rows: rows) }
        #expect(db.lastInsertRowID == Int64(rows))
        let got = try db.query("SELECT id, n, s FROM t ORDER BY id")
        #expect(got.count == rows)
        #expect(got.allSatisfy { $0.int("id") == ($0.int("n") ?? -1) + 1 && $0.string("s") == "row \($0.int("n") ?? -1)" })
    }

    @Test("a failure in any piece of a batch leaves none of it written")
    func multiRowInsertIsAllOrNothing() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (n INTEGER UNIQUE, s TEXT NOT NULL)")
        try db.execute("INSERT INTO t VALUES (199, 'already here')")
        let insert = MultiRowInsert(db, head: "INSERT INTO t (n, s)", columns: 2)
        var values = PackedRow()
        // 200 rows are written as 128 + 64 + 8; the clash is in the last piece.
        for i in 0..<200 {
            values.append(Int64(i))
            values.append("row \(i)")
        }
        _ = try db.transaction {
            #expect(throws: DatabaseError.self) { try insert.run(values, rows: 200) }
        }
        #expect(try db.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 1)
    }

    @Test("a bulk write on the only connection uses the rollback journal, and WAL is back afterwards, also after a failure")
    func rollbackJournalWhenAlone() throws {
        let temp = try TemporaryFolder(); defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        let mode = try db.withRollbackJournalIfAlone {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                return try db.queryOne("PRAGMA journal_mode")?.string("journal_mode")
            }
        }
        #expect(mode == "delete")
        #expect(try db.queryOne("PRAGMA journal_mode")?.string("journal_mode") == "wal")
        #expect(throws: Boom.self) {
            try db.withRollbackJournalIfAlone {
                try db.transaction {
                    try db.execute("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            }
        }
        #expect(try db.queryOne("PRAGMA journal_mode")?.string("journal_mode") == "wal")
        #expect(try db.query("SELECT n FROM t").map { $0.int("n") } == [1])
    }

    @Test("with another connection open, a bulk write stays in WAL and still commits")
    func staysInWALWhenShared() throws {
        let temp = try TemporaryFolder(); defer { temp.remove() }
        let db = try temp.database()
        let other = try temp.database()
        try db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        let started = Date()
        let mode = try db.withRollbackJournalIfAlone {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                return try db.queryOne("PRAGMA journal_mode")?.string("journal_mode")
            }
        }
        #expect(mode == "wal")
        // The switch is tried without waiting on the other connection's busy timeout.
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(try other.queryOne("SELECT count(*) AS c FROM t")?.int("c") == 1)
    }
}
