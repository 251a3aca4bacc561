import Foundation
import Testing
@testable import PlatStore

@Suite("Migrations")
struct MigrationTests {
    static let engine = [
        Migration(module: "engine", version: 1, sql: "CREATE TABLE runs (id TEXT PRIMARY KEY);"),
        Migration(module: "engine", version: 2, sql: """
            ALTER TABLE runs ADD COLUMN status TEXT;
            CREATE INDEX runs_status ON runs (status);
            """),
    ]
    static let schedules = [Migration(module: "schedules", version: 1, sql: "CREATE TABLE schedules (name TEXT);")]

    @Test("migrations apply once, in order, and record each module's version and the store format")
    func appliedOnce() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let folder = temp.path
        let path = folder + "/nested/dir/platflow.db"
        do {
            let db = try Database(path: path)
            // Given out of order: versions still apply ascending.
            try db.migrate([MigrationTests.engine[1], MigrationTests.engine[0]] + MigrationTests.schedules)
            #expect(try db.appliedVersion(module: "engine") == 2)
            #expect(try db.appliedVersion(module: "schedules") == 1)
            #expect(try db.appliedVersion(module: "other") == nil)
            #expect(try db.queryOne("PRAGMA user_version")?.int("user_version") == 1)
            try db.execute("INSERT INTO runs (id, status) VALUES ('r1', 'running')")
            // Again on the same connection: nothing re-runs (re-creating the table would fail).
            try db.migrate(MigrationTests.engine + MigrationTests.schedules)
        }
        let reopened = try Database(path: path)
        try reopened.migrate(MigrationTests.engine + MigrationTests.schedules)
        #expect(try reopened.query("SELECT id FROM runs").count == 1)
        // A later build adds a migration: only it runs.
        try reopened.migrate(MigrationTests.engine + [
            Migration(module: "engine", version: 3, sql: "ALTER TABLE runs ADD COLUMN plan TEXT;"),
        ])
        #expect(try reopened.appliedVersion(module: "engine") == 3)
        #expect(try reopened.queryOne("SELECT plan FROM runs")?["plan"] == .null)
    }

    @Test("a failing migration rolls back entirely and names itself")
    func failingMigration() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        try db.migrate([MigrationTests.engine[0]])
        let error = #expect(throws: DatabaseError.self) {
            try db.migrate([
                MigrationTests.engine[0],
                Migration(module: "engine", version: 2, sql: "CREATE TABLE half (x); CREATE TABLE runs (x);"),
            ])
        }
        #expect(error?.message.hasPrefix("migration engine #2 failed:") == true)
        #expect(try db.appliedVersion(module: "engine") == 1)
        #expect(try db.queryOne("SELECT 1 FROM sqlite_master WHERE name = 'half'") == nil)
    }

    @Test("a database from a newer store format is refused on open and left unchanged")
    func newerStoreFormat() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let folder = temp.path
        let path = folder + "/platflow.db"
        do {
            let db = try Database(path: path)
            try db.migrate(MigrationTests.engine)
            try db.execute("PRAGMA user_version = 7")
        }
        let before = try snapshot(path)
        let error = #expect(throws: SchemaTooNewError.self) { try Database(path: path) }
        #expect(error?.found == 7)
        #expect(error?.known == Database.storeFormat)
        #expect(error?.module == nil)
        #expect(error?.description.hasPrefix(
            "the database at \(path) was written by a newer platflow (store format 7, this one knows 1)") == true)
        #expect(try snapshot(path) == before)
    }

    @Test("a module recorded at a newer version is refused before anything is written")
    func newerModule() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let folder = temp.path
        let path = folder + "/platflow.db"
        do {
            let db = try Database(path: path)
            try db.migrate(MigrationTests.engine + [
                Migration(module: "engine", version: 3, sql: "CREATE TABLE from_the_future (x);"),
            ])
        }
        let before = try snapshot(path)
        let db = try Database(path: path)
        let error = #expect(throws: SchemaTooNewError.self) {
            // schedules comes first and is new: it must not be applied either.
            try db.migrate(MigrationTests.schedules + MigrationTests.engine)
        }
        #expect(error?.module == "engine")
        #expect(error?.found == 3)
        #expect(error?.known == 2)
        #expect(error?.description.contains("module 'engine' at schema version 3, this one knows up to 2") == true)
        #expect(error?.description.contains(path) == true)
        #expect(try db.appliedVersion(module: "schedules") == nil)
        #expect(try snapshot(path) == before)
    }

    @Test("ambiguous migration lists are refused")
    func invalidLists() throws {
        let temp = try TemporaryFolder()
        defer { temp.remove() }
        let db = try temp.database()
        let twice = #expect(throws: DatabaseError.self) {
            try db.migrate(MigrationTests.engine + [MigrationTests.engine[0]])
        }
        #expect(twice?.message == "invalid migration list: migration engine #1 is given twice")
        #expect(throws: DatabaseError.self) { try db.migrate([Migration(module: "m", version: 0, sql: "")]) }
        #expect(throws: DatabaseError.self) { try db.migrate([Migration(module: "", version: 1, sql: "")]) }
        #expect(try db.appliedVersion(module: "engine") == nil)
    }
}

/// The bytes of the database file and the size of its WAL (no WAL counts as empty): equal snapshots mean
/// nothing was written.
private func snapshot(_ path: String) throws -> [UInt8] {
    let main = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
    return main + Array(String(wal).utf8)
}
