import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PlatLang

/// Replaces a file's content atomically: write a temporary file in the same folder, flush it to disk, rename it
/// over the file, flush the folder. A reader sees the old file or the new one, never a half-written one, and
/// every failure removes the temporary file. The temporary file is locked (`flock`) while it is written; one
/// left by a process killed outright (kill -9, a power loss) is unlocked, and is removed by the next write of
/// that file once it is older than a moment.
enum AtomicFileWriter {
    /// Seconds a leftover temporary file must be old before it may be judged abandoned.
    static let abandonedAge: Double = 5

    /// Writes `bytes` to `path` with `mode` (nil: keep the existing file's, 0644 for a new one). Returns false,
    /// writing nothing, when the file already holds these bytes with that mode.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t?) throws -> Bool {
        guard !path.isEmpty else { throw RuntimeError("write_file() needs a path, got an empty string") }
        guard !path.hasSuffix("/") else {
            throw RuntimeError("write_file(): \(path) names a folder; give the file's path", hint: "e.g. \(path)app.conf")
        }
        // A symlink is followed: its target is the file to replace (created when the link dangles).
        let target = followLinks(path)
        var existing = stat()
        let exists = stat(target, &existing) == 0
        if exists && (existing.st_mode & S_IFMT) == S_IFDIR {
            throw RuntimeError("write_file(): \(path) is a directory, not a file", hint: "give the path of a file inside it")
        }
        let folder = (target as NSString).deletingLastPathComponent.isEmpty ? "." : (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        var folderStat = stat()
        guard stat(folder, &folderStat) == 0 else {
            if errno == ENOENT {
                throw RuntimeError("write_file(): the folder \(folder) does not exist",
                                   hint: "create it first, e.g. sh(\"mkdir -p \(folder)\")")
            }
            throw FileEffectErrors.describe(errno, folder, verb: "write")
        }
        guard (folderStat.st_mode & S_IFMT) == S_IFDIR else {
            throw RuntimeError("write_file(): \(folder) is not a directory")
        }
        let finalMode = mode ?? (exists ? existing.st_mode & 0o7777 : 0o644)
        if exists && (existing.st_mode & S_IFMT) == S_IFREG && existing.st_mode & 0o7777 == finalMode
            && Int(existing.st_size) == bytes.count, let current = FileManager.default.contents(atPath: target),
           current.elementsEqual(bytes) {
            return false
        }
        removeAbandoned(of: name, in: folder)
        let tmp = folder + "/" + temporaryName(for: name)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            if code == EACCES || code == EPERM {
                throw RuntimeError("write_file(): permission denied: cannot create a file in \(folder)",
                                   hint: "write_file() replaces \(name) through a temporary file beside it, so the user running platflow needs write permission on the folder")
            }
            throw RuntimeError("write_file(): cannot create a file in \(folder): \(String(cString: strerror(code)))")
        }
        var committed = false
        defer {
            close(fd)
            if !committed { unlink(tmp) }
        }
        _ = flock(fd, LOCK_EX | LOCK_NB)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress! + written, raw.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileEffectErrors.describe(errno, path, verb: "write")
            }
            written += n
        }
        if exists && getuid() == 0 { _ = fchown(fd, existing.st_uid, existing.st_gid) }
        guard fchmod(fd, finalMode) == 0 else { throw FileEffectErrors.describe(errno, path, verb: "write") }
        guard fsync(fd) == 0 else { throw FileEffectErrors.describe(errno, path, verb: "write") }
        guard rename(tmp, target) == 0 else { throw FileEffectErrors.describe(errno, path, verb: "write") }
        committed = true
        let dirFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
        return true
    }

    /// The file a chain of symlinks ends at (at most 40 links, as the kernel allows), or `path` itself.
    static func followLinks(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            var st = stat()
            guard lstat(current, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK,
                  let next = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return current }
            let folder = (current as NSString).deletingLastPathComponent
            current = next.hasPrefix("/") || folder.isEmpty ? next : folder + "/" + next
        }
        return current
    }

    /// `.NAME.platflow-XXXXXXXX.tmp`: hidden, and recognisable as ours by `removeAbandoned`.
    static func temporaryName(for name: String) -> String {
        ".\(name).platflow-\(String(format: "%08x", UInt32.random(in: 0...UInt32.max))).tmp"
    }

    /// Removes temporary files of `name` that no writer holds (their lock died with their process).
    static func removeAbandoned(of name: String, in folder: String) {
        let prefix = ".\(name).platflow-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(".tmp") {
            let tag = entry.dropFirst(prefix.count).dropLast(4)
            guard tag.count == 8, tag.allSatisfy({ $0.isHexDigit }) else { continue }
            let full = folder + "/" + entry
            let fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let age = Date().timeIntervalSince1970 - (Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
            guard age >= abandonedAge, flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            unlink(full)
        }
    }
}
