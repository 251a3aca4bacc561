import Foundation
@testable import PlatCMDB
import PlatStore

/// A CMDB on a fresh database file in its own folder; `remove()` deletes the folder.
final class TestCMDB {
    let folder: String
    let cmdb: CMDB
    /// The clock the CMDB reads; tests move it forward to age events.
    var now: Double = 1_800_000_000

    init(actor: String = "tester") throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("platcmdb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var options = Database.Options()
        options.durability = .normal
        let db = try Database(path: folder + "/cmdb.db", options: options)
        try db.migrate(CMDBSchema.migrations)
        cmdb = CMDB(db: db, actor: actor)
        cmdb.clock = { [unowned self] in self.now }
    }

    var db: Database { cmdb.db }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }

    /// Writes a file into the folder and returns its path.
    func file(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Adds a host from `field=value` texts.
    @discardableResult
    func add(_ pairs: String...) throws -> HostRecord {
        let input = try cmdb.parseHostInput(pairs.map { p in
            let eq = p.firstIndex(of: "=")!
            return (String(p[..<eq]), String(p[p.index(after: eq)...]))
        })
        return try cmdb.addHost(input)
    }

    func count(_ table: String) throws -> Int64 {
        try db.queryOne("SELECT count(*) AS n FROM \(table)")?.int("n") ?? -1
    }
}

/// The error a throwing call raised, as a CMDBError (nil if it did not throw one).
func cmdbError(_ body: () throws -> Void) -> CMDBError? {
    do { try body() } catch let e as CMDBError { return e } catch { return CMDBError(.invalid, "unexpected: \(error)") }
    return nil
}
