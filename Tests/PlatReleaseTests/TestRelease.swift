import Foundation
@testable import PlatRelease
import PlatStore

/// A release store on a fresh database and artifact folder of its own; `remove()` deletes both.
final class TestRelease {
    let folder: String
    let store: ReleaseStore
    var now: Double = 1_800_000_000

    init(actor: String = "tester") throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("platrelease-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var options = Database.Options()
        options.durability = .normal
        let db = try Database(path: folder + "/platflow.db", options: options)
        try db.migrate(ReleaseSchema.migrations)
        store = ReleaseStore(db: db, artifactRoot: folder + "/artifacts", actor: actor)
        store.clock = { [unowned self] in self.now }
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }

    /// Writes a file under the folder (making its parents) and returns its path.
    @discardableResult
    func file(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func count(_ table: String) throws -> Int64 {
        try store.db.queryOne("SELECT count(*) AS n FROM \(table)")?.int("n") ?? -1
    }
}
