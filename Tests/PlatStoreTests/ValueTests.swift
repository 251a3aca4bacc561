import Testing
@testable import PlatStore

@Suite("Values and bindings")
struct ValueTests {
    @Test("every SQLValue type round-trips through insert, select, update and delete")
    func crudEveryType() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
        let values: [SQLValue] = [
            .null, .int(0), .int(Int64.max), .int(Int64.min), .double(3.25), .double(-0.5),
            .text(""), .text("plain"), .blob([]), .blob([0, 1, 2, 255]),
        ]
        for (i, value) in values.enumerated() {
            try db.execute("INSERT INTO t (id, v) VALUES (?, ?)", i, value)
            #expect(db.lastInsertRowID == Int64(i))
            #expect(db.changes == 1)
        }
        let rows = try db.query("SELECT id, v FROM t ORDER BY id")
        #expect(rows.map { $0["v"] } == values)

        try db.execute("UPDATE t SET v = ? WHERE id = ?", "changed", 1)
        #expect(db.changes == 1)
        #expect(try db.queryOne("SELECT v FROM t WHERE id = ?", 1)?.string("v") == "changed")

        try db.execute("DELETE FROM t WHERE id >= ?", 5)
        #expect(db.changes == values.count - 5)
        #expect(try db.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 5)
        #expect(try db.queryOne("SELECT v FROM t WHERE id = ?", 99) == nil)
    }

    @Test("Swift values bind as the expected storage classes")
    func swiftConveniences() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        let maybe: Int? = nil
        let some: String? = "x"
        let row = try #require(try db.queryOne(
            "SELECT ? AS a, ? AS b, ? AS c, ? AS d, ? AS e, ? AS f, ? AS g, ? AS h, ? AS i, typeof(?) AS j",
            42, Int64(7), 1.5, "s", true, [UInt8]([9]), maybe, some, nil, false))
        #expect(row["a"] == .int(42))
        #expect(row["b"] == .int(7))
        #expect(row["c"] == .double(1.5))
        #expect(row["d"] == .text("s"))
        #expect(row["e"] == .int(1))
        #expect(row["f"] == .blob([9]))
        #expect(row["g"] == .null)
        #expect(row["h"] == .text("x"))
        #expect(row["i"] == .null)
        #expect(row["j"] == .text("integer"))
        #expect(row.bool("e") == true)
        #expect(row.blob("f") == [9])
        #expect(row.int("g") == nil)
    }

    @Test("unicode text and NUL-containing text and blobs survive byte for byte")
    func unicodeAndNUL() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (k TEXT PRIMARY KEY, s TEXT, b BLOB)")
        let text = "héllo 世界 🚀 \u{0}after-nul"
        let blob: [UInt8] = [0, 0, 0x41, 0, 0xFF, 0]
        try db.execute("INSERT INTO t VALUES (?, ?, ?)", "ключ", text, blob)
        let row = try #require(try db.queryOne("SELECT s, b, length(b) AS n FROM t WHERE k = ?", "ключ"))
        #expect(row.string("s") == text)
        #expect(row.blob("b") == blob)
        #expect(row.int("n") == 6)
        // Quotes in values are data, not SQL.
        try db.execute("INSERT INTO t VALUES (?, ?, ?)", "q", "'); DROP TABLE t; --", nil)
        #expect(try db.queryOne("SELECT s FROM t WHERE k = 'q'")?.string("s") == "'); DROP TABLE t; --")
    }

    @Test("empty text and empty blobs are not NULL")
    func emptyIsNotNull() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        let row = try #require(try db.queryOne("SELECT typeof(?) AS a, typeof(?) AS b", "", [UInt8]()))
        #expect(row.string("a") == "text")
        #expect(row.string("b") == "blob")
    }

    @Test("rows read columns by name (any case) and by index; missing ones are NULL")
    func rowAccess() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        let row = try #require(try db.queryOne("SELECT 1 AS One, 2.0 AS two, 'x' AS three"))
        #expect(row.columnNames == ["One", "two", "three"])
        #expect(row["one"] == .int(1))
        #expect(row[1] == .double(2))
        #expect(row[7] == .null)
        #expect(row[-1] == .null)
        #expect(row["nope"] == .null)
        #expect(row.int("two") == 2)
        #expect(row.double("One") == 1)
        #expect(row.string("One") == nil)
        #expect(row.description == "[One: 1, two: 2.0, three: 'x']")
    }

    @Test("the array overloads bind the same way as the variadic ones")
    func arrayOverloads() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (a, b)")
        let args: [SQLBindable?] = [1, "two"]
        try db.execute("INSERT INTO t VALUES (?, ?)", args)
        #expect(try db.query("SELECT * FROM t WHERE a = ?", [1]).count == 1)
        #expect(try db.queryOne("SELECT b FROM t WHERE a = ?", [1])?.string("b") == "two")
        var seen: [Int64] = []
        try db.forEach("SELECT a FROM t", []) { seen.append($0.int("a") ?? -1) }
        #expect(seen == [1])
    }

    @Test("a wrong number of values is an error, never a stale binding")
    func parameterCountMismatch() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (a, b)")
        try db.execute("INSERT INTO t VALUES (?, ?)", 1, 2)
        let error = #expect(throws: DatabaseError.self) {
            try db.execute("INSERT INTO t VALUES (?, ?)", 3)
        }
        #expect(error?.message.contains("2 parameter(s) but 1 value(s)") == true)
        #expect(try db.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 1)
    }

    @Test("several statements in execute are refused; executeScript runs them")
    func oneStatementOnly() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        let error = #expect(throws: DatabaseError.self) {
            try db.execute("CREATE TABLE a (x); CREATE TABLE b (x)")
        }
        #expect(error?.message.contains("more than one statement") == true)
        try db.execute("CREATE TABLE a (x); -- trailing comment\n")
        try db.executeScript("CREATE TABLE b (x); INSERT INTO b VALUES (1); /* done */ INSERT INTO b VALUES (2);")
        #expect(try db.query("SELECT x FROM b").count == 2)
        #expect(throws: DatabaseError.self) { try db.execute("   ") }
    }

    @Test("syntax errors carry the message and the SQL")
    func syntaxError() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        let error = #expect(throws: DatabaseError.self) { try db.query("SELEC 1") }
        #expect(error?.code == 1)
        #expect(error?.sql == "SELEC 1")
        #expect(error?.message.contains("syntax error") == true)
        let scriptError = #expect(throws: DatabaseError.self) {
            try db.executeScript("CREATE TABLE ok (x); INSERT INTO missing VALUES (1);")
        }
        #expect(scriptError?.sql?.contains("missing") == true)
    }

    @Test("forEach streams, and its body may run the same SQL again")
    func nestedSameStatement() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (n INTEGER)")
        for n in 1...3 { try db.execute("INSERT INTO t VALUES (?)", n) }
        var pairs: [String] = []
        try db.forEach("SELECT n FROM t WHERE n >= ? ORDER BY n", [1]) { outer in
            let inner = try db.query("SELECT n FROM t WHERE n >= ? ORDER BY n", outer.int("n"))
            pairs.append("\(outer.int("n") ?? 0):\(inner.count)")
        }
        #expect(pairs == ["1:3", "2:2", "3:1"])
        // A thrown body stops the loop and leaves the statement reusable.
        #expect(throws: Boom.self) { try db.forEach("SELECT n FROM t", []) { _ in throw Boom() } }
        #expect(try db.query("SELECT n FROM t").count == 3)
    }
}
