import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Temporary files (`.NAME.platflow-XXXX.tmp`) that a copy killed outright (kill -9, a power loss) left beside
/// its destination. A writer holds an exclusive `flock` on its temporary file for as long as it writes; the
/// kernel drops the lock when the writer's process dies. So a temporary file of the same name that can be
/// locked, and is older than a moment (a writer locks right after creating), belongs to no live copy and is
/// removed before the next copy of that name.
enum AbandonedTemporaries {
    /// Seconds a temporary file must be old before it may be judged abandoned.
    static let minimumAge: Double = 5

    /// Removes the abandoned temporary files of `name` in the folder open as `folderFD`; returns how many.
    @discardableResult
    static func remove(for name: String, in folderFD: Int32) -> Int {
        let example = Transfer.temporaryName(for: name)
        // `.STEM.platflow-` and `.tmp` around the random tag.
        guard let dash = example.range(of: ".platflow-", options: .backwards) else { return 0 }
        let prefix = String(example[..<dash.upperBound])
        let dupFD = dup(folderFD)
        guard dupFD >= 0, let dir = fdopendir(dupFD) else {
            if dupFD >= 0 { close(dupFD) }
            return 0
        }
        defer { closedir(dir) }
        var removed = 0
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard entryName.hasPrefix(prefix), entryName.hasSuffix(".tmp"),
                  entryName.count > prefix.count + 4 else { continue }
            let tag = entryName.dropFirst(prefix.count).dropLast(4)
            guard tag.allSatisfy({ $0.isHexDigit }) else { continue }
            let fd = openat(folderFD, entryName, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let age = Date().timeIntervalSince1970 - (Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
            guard age >= minimumAge, flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            if unlinkat(folderFD, entryName, 0) == 0 { removed += 1 }
        }
        return removed
    }
}
