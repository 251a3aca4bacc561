import Testing
@testable import PlatStore

@Suite("Transactions")
struct TransactionTests {
    @Test("a transaction commits and returns the body's value")
    func commit() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (x)")
        let id = try db.transaction { () throws -> Int64 in
            #expect(db.isInTransaction)
            try db.execute("INSERT INTO t VALUES (?)", "kept")
            return db.lastInsertRowID
        }
        #expect(id == 1)
        #expect(!db.isInTransaction)
        #expect(try db.queryOne("SELECT x FROM t")?.string("x") == "kept")
    }

    @Test("a throwing body rolls back and the error comes out unchanged")
    func rollbackOnThrow() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (x)")
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (?)", "gone")
                throw Boom()
            }
        }
        #expect(!db.isInTransaction)
        #expect(try db.query("SELECT x FROM t").isEmpty)
        // The connection is usable afterwards.
        try db.transaction { try db.execute("INSERT INTO t VALUES (1)") }
        #expect(try db.query("SELECT x FROM t").count == 1)
    }

    @Test("nested transactions are savepoints: an inner failure undoes only the inner changes")
    func nestedSavepoints() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (x TEXT)")
        try db.transaction {
            try db.execute("INSERT INTO t VALUES ('outer')")
            #expect(throws: Boom.self) {
                try db.transaction {
                    try db.execute("INSERT INTO t VALUES ('inner-failed')")
                    try db.transaction { try db.execute("INSERT INTO t VALUES ('innermost')") }
                    throw Boom()
                }
            }
            try db.transaction { try db.execute("INSERT INTO t VALUES ('inner-ok')") }
            #expect(db.isInTransaction)
        }
        let kept = try db.query("SELECT x FROM t ORDER BY rowid").compactMap { $0.string("x") }
        #expect(kept == ["outer", "inner-ok"])
    }

    @Test("an outer failure rolls back committed savepoints too")
    func outerFailureUndoesInner() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (x)")
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.transaction { try db.execute("INSERT INTO t VALUES (1)") }
                throw Boom()
            }
        }
        #expect(try db.query("SELECT x FROM t").isEmpty)
    }

    @Test("a constraint error surfaces its codes and SQL, and rolls the transaction back")
    func constraintError() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)")
        try db.execute("INSERT INTO t (name) VALUES (?)", "a")
        let sql = "INSERT INTO t (name) VALUES (?)"
        let error = #expect(throws: DatabaseError.self) {
            try db.transaction {
                try db.execute("INSERT INTO t (name) VALUES ('b')")
                try db.execute(sql, "a")
            }
        }
        #expect(error?.isConstraint == true)
        #expect(error?.code == 19)            // SQLITE_CONSTRAINT
        #expect(error?.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
        #expect(error?.sql == sql)
        #expect(error?.message.contains("UNIQUE constraint failed: t.name") == true)
        #expect(error?.description.contains("in: INSERT INTO t (name) VALUES (?)") == true)
        #expect(try db.query("SELECT name FROM t").count == 1)

        let notNull = #expect(throws: DatabaseError.self) { try db.execute(sql, nil) }
        #expect(notNull?.extendedCode == 1299)  // SQLITE_CONSTRAINT_NOTNULL
    }

    @Test("foreign keys are enforced")
    func foreignKeys() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.executeScript("""
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (parent INTEGER NOT NULL REFERENCES parent(id));
            """)
        let error = #expect(throws: DatabaseError.self) { try db.execute("INSERT INTO child VALUES (?)", 5) }
        #expect(error?.extendedCode == 787)  // SQLITE_CONSTRAINT_FOREIGNKEY
    }

    @Test("a transaction inside one begun by hand becomes a savepoint")
    func insideManualTransaction() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (x)")
        try db.execute("BEGIN")
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        try db.transaction { try db.execute("INSERT INTO t VALUES (2)") }
        #expect(db.isInTransaction)
        try db.execute("COMMIT")
        #expect(try db.query("SELECT x FROM t").map { $0["x"] } == [.int(2)])
    }
}
