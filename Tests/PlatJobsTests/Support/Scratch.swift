import Foundation
@testable import PlatJobs

/// A fresh folder for one test, named after the test and `kind` (the caller removes it with `defer`). Its real
/// path, so that paths the code under test resolves compare equal to the ones the test builds.
func scratchFolder(_ kind: String, test tag: String) -> String {
    let name = tag.filter { $0.isLetter || $0.isNumber }.prefix(24)
    let dir = NSTemporaryDirectory() + "platflow-\(kind)-test-\(name)-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return DestinationPath.realPath(dir) ?? dir
}
