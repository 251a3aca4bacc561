import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file written without a name (Linux's `O_TMPFILE`) and given its name only once it is whole: the way a copy
/// on this machine creates a destination that does not exist yet.
///
/// Against a named temporary file renamed into place it keeps every guarantee and drops work: a reader sees no
/// file or the whole new one (the name appears with `linkat`, after the bytes, their fsync under `sync: true`,
/// and their verification); a copy that fails or is killed (kill -9, a power loss) leaves nothing at all, since
/// an inode without a name is freed by the kernel; and a file costs no rename, no lock against the clean-up of
/// abandoned temporaries, and no separate permission change. On tmpfs, for a tree of small files, the rename
/// alone was 18% of a copy's CPU time.
///
/// Where the file system or the kernel cannot do it, `create` returns -1 and the caller writes a named
/// temporary file as before.
enum UnnamedTemporary {
    /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), which Swift's Glibc module does not export; the same value on
    /// x86-64 and arm64.
    static let openFlag: Int32 = 0o20000000 | O_DIRECTORY
    /// `linkat`'s flag to link the descriptor itself.
    static let emptyPath: Int32 = 0x1000

    /// How an unnamed file is given its name, probed once per process (see `probe`).
    enum Linking {
        /// `linkat(fd, "", ...)`: Linux 6.10 lets the opener of a file do it.
        case descriptor
        /// `linkat` through `/proc/self/fd/N`, which older kernels allow.
        case procPath
        case unavailable
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var linking: Linking?

    /// A new file without a name in the folder open as `folderFD`, with `permissions` (less the umask), open for
    /// reading and writing, and the way to name it; nil when unnamed files cannot be made or named here (then
    /// write a named temporary). Throws for the errors a named temporary would meet too (no permission, no
    /// space, read-only).
    static func create(in folderFD: Int32, permissions: mode_t, folder: @autoclosure () -> String) throws -> (fd: Int32, linking: Linking)? {
        let fd = openat(folderFD, ".", openFlag | O_RDWR | O_CLOEXEC, permissions)
        if fd < 0 {
            let code = errno
            // Not supported by this file system or kernel (an old kernel reads the flag as O_DIRECTORY).
            if [EOPNOTSUPP, EISDIR, EINVAL, ENOENT].contains(code) { return nil }
            throw LocalDestination.createError(code, folder: folder())
        }
        let linking = linkingMethod(fd, folderFD: folderFD)
        if linking == .unavailable {
            close(fd)
            return nil
        }
        return (fd, linking)
    }

    /// Gives the unnamed file open as `fd` the name `name` in the folder open as `folderFD`; 0 or the errno
    /// (EEXIST when the name is taken: a link never replaces).
    static func link(_ fd: Int32, _ linking: Linking, in folderFD: Int32, as name: String) -> Int32 {
        let rc: Int32
        switch linking {
        case .descriptor: rc = linkat(fd, "", folderFD, name, emptyPath)
        case .procPath: rc = linkat(AT_FDCWD, "/proc/self/fd/\(fd)", folderFD, name, AT_SYMLINK_FOLLOW)
        case .unavailable: return ENOTSUP
        }
        return rc == 0 ? 0 : errno
    }

    /// Which way of naming works, asked once: linking to `.`, which always exists, fails with EEXIST when the
    /// kernel allows the link itself and with ENOENT or EPERM when it does not, and creates nothing either way.
    private static func linkingMethod(_ fd: Int32, folderFD: Int32) -> Linking {
        lock.lock()
        defer { lock.unlock() }
        if let linking { return linking }
        var found = Linking.unavailable
        if linkat(fd, "", folderFD, ".", emptyPath) != 0 && errno == EEXIST {
            found = .descriptor
        } else if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", folderFD, ".", AT_SYMLINK_FOLLOW) != 0 && errno == EEXIST {
            found = .procPath
        }
        linking = found
        return found
    }

    /// This process's umask, read from /proc once (reading it with `umask()` would change it for a moment,
    /// under the other threads' feet); nil when unknown.
    static let umask: mode_t? = {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("Umask:") {
            return mode_t(line.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8)
        }
        return nil
    }()

    /// Does a file created with `permissions` need an `fchmod` to get exactly them (the umask took bits away,
    /// or the umask is unknown)?
    static func needsChmod(_ permissions: mode_t) -> Bool {
        guard let mask = umask else { return true }
        return permissions & mask != 0
    }
}
