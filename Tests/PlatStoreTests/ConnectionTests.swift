import Foundation
import Testing
@testable import PlatStore

@Suite("Connections")
struct ConnectionTests {
    @Test("WAL, synchronous, foreign keys and the busy timeout are really set")
    func pragmas() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        #expect(try db.queryOne("PRAGMA journal_mode")?.string("journal_mode") == "wal")
        #expect(try db.queryOne("PRAGMA synchronous")?.int("synchronous") == 2)  // FULL
        #expect(try db.queryOne("PRAGMA foreign_keys")?.int("foreign_keys") == 1)
        #expect(try db.queryOne("PRAGMA busy_timeout")?[0] == .int(10_000))

        let relaxed = try Database(path: temp.path + "/relaxed.db",
                                   options: Database.Options(durability: .normal, busyTimeoutMilliseconds: 250))
        #expect(try relaxed.queryOne("PRAGMA synchronous")?.int("synchronous") == 1)  // NORMAL
        #expect(try relaxed.queryOne("PRAGMA busy_timeout")?[0] == .int(250))
        #expect(Database.Durability(rawValue: "normal") == .normal)
    }

    @Test("integrity check of a healthy database is ok")
    func integrity() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.execute("CREATE TABLE t (x UNIQUE)")
        for i in 0..<100 { try db.execute("INSERT INTO t VALUES (?)", i) }
        #expect(try db.integrityCheck() == "ok")
    }

    @Test("an in-memory database works")
    func inMemory() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (x)")
        try db.execute("INSERT INTO t VALUES (1)")
        #expect(try db.query("SELECT x FROM t").count == 1)
    }

    @Test("bad paths give clear errors, not crashes")
    func badPaths() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let folder = temp.path
        let directory = #expect(throws: DatabaseError.self) { try Database(path: folder) }
        #expect(directory?.isCantOpen == true)
        #expect(directory?.message == "cannot open the database at \(folder): it is a directory, not a database file")

        let file = folder + "/plain.txt"
        try Data("hello, this is not a database, just some text that is long enough".utf8)
            .write(to: URL(fileURLWithPath: file))
        let underFile = #expect(throws: DatabaseError.self) { try Database(path: file + "/x/db.sqlite") }
        #expect(underFile?.message.contains("cannot create the folder \(file)") == true)

        let notDatabase = #expect(throws: DatabaseError.self) { try Database(path: file) }
        #expect(notDatabase?.message == "cannot open the database at \(file): file is not a database")

        var readOnly = Database.Options()
        readOnly.readOnly = true
        let missing = #expect(throws: DatabaseError.self) {
            try Database(path: folder + "/missing.db", options: readOnly)
        }
        #expect(missing?.message.hasPrefix("cannot open the database at \(folder)/missing.db") == true)
    }

    @Test("a read-only connection reads and refuses writes")
    func readOnly() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let folder = temp.path
        let path = folder + "/ro.db"
        do {
            let db = try Database(path: path)
            try db.execute("CREATE TABLE t (x)")
            try db.execute("INSERT INTO t VALUES (1)")
        }
        let db = try Database(path: path, options: Database.Options(readOnly: true))
        #expect(try db.query("SELECT x FROM t").count == 1)
        let error = #expect(throws: DatabaseError.self) { try db.execute("INSERT INTO t VALUES (2)") }
        #expect(error?.isReadOnly == true)
    }

    @Test("a writer waits for another connection's transaction (busy timeout), then succeeds")
    func busyTimeoutWaits() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let folder = temp.path
        let path = folder + "/shared.db"
        let first = try Database(path: path)
        try first.execute("CREATE TABLE t (who TEXT)")

        let started = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let box = ResultBox()
        // The holder keeps the write lock for 300 ms on its own thread and connection.
        Thread.detachNewThread {
            do {
                let holder = try Database(path: path)
                try holder.transaction {
                    try holder.execute("INSERT INTO t VALUES ('holder')")
                    started.signal()
                    Thread.sleep(forTimeInterval: 0.3)
                }
            } catch {
                box.set("holder failed: \(error)")
                started.signal()
            }
            finished.signal()
        }
        started.wait()
        let clock = ContinuousClock()
        let waited = try clock.measure {
            try first.transaction { try first.execute("INSERT INTO t VALUES ('waiter')") }
        }
        finished.wait()
        #expect(box.get() == nil)
        #expect(waited > .milliseconds(150))
        let order = try first.query("SELECT who FROM t ORDER BY rowid").compactMap { $0.string("who") }
        #expect(order == ["holder", "waiter"])
    }

    @Test("a writer that waits longer than its busy timeout gets a busy error")
    func busyTimeoutExpires() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let folder = temp.path
        let path = folder + "/shared.db"
        let holder = try Database(path: path)
        try holder.execute("CREATE TABLE t (x)")
        let impatient = try Database(path: path, options: Database.Options(busyTimeoutMilliseconds: 50))
        try holder.transaction {
            try holder.execute("INSERT INTO t VALUES (1)")
            let error = #expect(throws: DatabaseError.self) {
                try impatient.transaction { try impatient.execute("INSERT INTO t VALUES (2)") }
            }
            #expect(error?.isBusy == true)
            #expect(error?.sql == "BEGIN IMMEDIATE")
            // Readers are not blocked by the writer in WAL mode, and see the last commit.
            #expect(try impatient.query("SELECT x FROM t").isEmpty)
        }
        #expect(!impatient.isInTransaction)
        try impatient.transaction { try impatient.execute("INSERT INTO t VALUES (2)") }
        #expect(try holder.query("SELECT x FROM t").count == 2)
    }

    @Test("eight connections opening and migrating a new file at once: each migration applied exactly once")
    func concurrentMigrations() throws {
        let migrations = (1...3).map { version in
            Migration(module: "race", version: version, sql: "CREATE TABLE t\(version) (x);")
        }
        // Several rounds, because the race on a brand-new file (switching it to WAL) is the one that matters.
        for _ in 0..<5 {
            let temp = try TemporaryFolder()
            defer { temp.remove() }
            let path = temp.path + "/racing.db"
            let group = DispatchGroup()
            let failures = ResultBox()
            for _ in 0..<8 {
                group.enter()
                Thread.detachNewThread {
                    do {
                        let db = try Database(path: path)
                        try db.migrate(migrations)
                        try db.transaction { try db.execute("INSERT INTO t1 VALUES (1)") }
                    } catch {
                        failures.set("\(error)")
                    }
                    group.leave()
                }
            }
            group.wait()
            #expect(failures.get() == nil)
            let db = try Database(path: path)
            #expect(try db.appliedVersion(module: "race") == 3)
            #expect(try db.queryOne("SELECT count(*) AS n FROM t1")?.int("n") == 8)
        }
    }

    @Test("the statement cache stays bounded and keeps working past its limit")
    func statementCacheBound() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        for i in 0..<1_200 {
            #expect(try db.queryOne("SELECT \(i) + ? AS n", 1)?.int("n") == Int64(i + 1))
        }
        #expect(try db.queryOne("SELECT 0 + ? AS n", 1)?.int("n") == 1)
    }
}

/// A lock-protected optional message, set from another thread.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ message: String) { lock.lock(); value = message; lock.unlock() }
    func get() -> String? { lock.lock(); defer { lock.unlock() }; return value }
}
