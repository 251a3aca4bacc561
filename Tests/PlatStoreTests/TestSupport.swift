import Foundation
@testable import PlatStore

// Test bodies open their folder with `let temp = try TemporaryFolder(); defer { temp.remove() }` rather than
// passing the body as a closure to a helper: with Swift 6.3.1, a closure-wrapped test body holding both an
// `#expect(throws:) { ... }` and another closure could call the wrong closure (the macro's closure and the
// plain one were given the same discriminator).

/// A fresh folder under the system temp directory; `remove()` deletes it with everything inside.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("platstore-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A new database file `test.db` in this folder.
    func database(_ options: Database.Options = Database.Options()) throws -> Database {
        try Database(path: path + "/test.db", options: options)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

struct Boom: Error {}
