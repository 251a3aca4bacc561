import Foundation
import Testing
@testable import PlatStore

/// Another program's SQLite file opened as platflow's database: when the migrations clash with its tables,
/// the file is left exactly as it was (no platflow_schema, no user_version, no WAL, no half-made tables).
@Suite("a foreign database file")
struct ForeignFileTests {
    @Test("a failed migration leaves a foreign file byte for byte unchanged, in its own journal mode")
    func failedMigrationChangesNothing() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let path = temp.path + "/theirs.db"
        let sqlite3 = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let tool = try #require(sqlite3, "the sqlite3 shell is needed (scripts/setup.sh installs it)")
        // Made by another program: its own `runs` table, a rollback journal, user_version 0.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = [path, "CREATE TABLE runs (name TEXT, n INTEGER); INSERT INTO runs VALUES ('a', 1);"]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        do {
            let db = try Database(path: path)
            #expect(throws: DatabaseError.self) {
                try db.migrate([
                    Migration(module: "engine", version: 1, sql: "CREATE TABLE engine_things (id TEXT);"),
                    Migration(module: "engine", version: 2, sql: "CREATE TABLE runs (id TEXT PRIMARY KEY);"),
                ])
            }
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(after == before, "the foreign file was changed")
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        let reopened = try Database(path: path, options: Database.Options(readOnly: true))
        #expect(try reopened.queryOne("PRAGMA journal_mode")?.string("journal_mode") == "delete")
        #expect(try reopened.queryOne("PRAGMA user_version")?.int("user_version") == 0)
        #expect(try reopened.queryOne("SELECT name FROM sqlite_master WHERE name IN ('platflow_schema', 'engine_things')") == nil)
    }

    @Test("a new file is migrated and switched to WAL")
    func newFileGetsWAL() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try Database(path: temp.path + "/new.db")
        try db.migrate([Migration(module: "engine", version: 1, sql: "CREATE TABLE things (id TEXT);")])
        #expect(try db.queryOne("PRAGMA journal_mode")?.string("journal_mode") == "wal")
        #expect(try db.appliedVersion(module: "engine") == 1)
    }
}
