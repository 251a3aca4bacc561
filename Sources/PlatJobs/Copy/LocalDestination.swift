import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writing one file on this machine or on a simulated host (`LocalTransport.upload`): into a temporary file
/// beside the destination (created `O_EXCL | O_NOFOLLOW` in the folder descriptor `DestinationPath.openFolder`
/// checked), then `fsync`, verification, `renameat` over the old file and `fsync` of the folder. A reader of the
/// destination sees the old file or the new one, never a part; a failed copy leaves the old file and no
/// temporary behind.
///
/// How the bytes move and are checked (see `CopyVerification`):
/// - from a local source: the first host to copy a source file reads it through the stream (`FileUpload.next`,
///   which hashes each chunk) and publishes the digest with the file's identity; other hosts use
///   `copy_file_range` and take that digest if the identity they saw is the same (else they read their copy
///   back and hash it); with an upload limit every host uses the paced stream;
/// - from a source host: streamed from the download, hashed, and compared with the digest the source host
///   listed (so a corrupted or changed download fails);
/// - `verify: .full` reads every written file back and compares.
enum LocalDestination {
    /// Opens the destination folder beneath `root` (creating what mode force allows), follows a file-mode
    /// destination into an existing folder, and writes the file. `prefix`: the components before the
    /// destination's own (this machine's current folder for a relative destination). `confined`: symbolic
    /// links may not lead outside `root` (simulated hosts).
    static func upload(_ upload: FileUpload, root: String, prefix: [String], confined: Bool, host: Host) throws -> UploadReceipt {
        let d = upload.destination
        let folderComponents = prefix + d.folder
        let mustExist = d.createFolders ? 0 : folderComponents.count
        let all = folderComponents + d.inner + [d.name]
        var shown = "/" + all.joined(separator: "/")
        var folder = try DestinationPath.openFolder(root: root, components: folderComponents + d.inner,
                                                    mustExist: mustExist, confined: confined, shown: shown)
        var name = d.name
        if let alt = d.nameInsideFolder {
            // File mode: an existing folder (or a link to one) at `dest` means "into it".
            var st = stat()
            if fstatat(folder.fd, name, &st, 0) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                close(folder.fd)
                let inside = folderComponents + [name]
                shown += "/" + alt
                folder = try DestinationPath.openFolder(root: root, components: inside, mustExist: inside.count,
                                                        confined: confined, shown: shown)
                name = alt
            }
        }
        defer { close(folder.fd) }
        return try write(upload, into: folder, name: name, shown: shown, host: host)
    }

    static func write(_ upload: FileUpload, into folder: DestinationPath.Folder, name: String, shown: String,
                      host: Host) throws -> UploadReceipt {
        var st = stat()
        if fstatat(folder.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFLNK:
                throw CopyFailure("destination \(shown) is a symbolic link; refused (a copy never writes through a link: remove it, or copy to its target)")
            case S_IFDIR:
                throw CopyFailure("destination \(shown) is a folder")
            default:
                break
            }
        }

        let control = upload.control
        AbandonedTemporaries.remove(for: name, in: folder.fd)
        let tmp = Transfer.temporaryName(for: name)
        let tfd = openat(folder.fd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard tfd >= 0 else { throw createError(errno, folder: folder.realPath) }
        // Held while this process writes: a later copy that can take the lock knows the file was abandoned.
        _ = flock(tfd, LOCK_EX)
        var committed = false
        defer {
            close(tfd)
            if !committed { unlinkat(folder.fd, tmp, 0) }
        }
        let realTmp = folder.realPath + "/" + tmp

        if !(try upload.kernelCopy(to: tfd, shown: shown)) {
            var writer = WritebackWriter(fd: tfd, shown: shown, early: upload.durable)
            while let chunk = try upload.next() { try writer.write(chunk) }
        }

        if fchmod(tfd, mode_t(upload.permissions)) != 0 {
            throw CopyFailure("cannot set the permissions of \(realTmp): \(errnoText(errno))")
        }
        if upload.durable && fsync(tfd) != 0 { throw CopyFailure("cannot write \(shown) to disk: \(errnoText(errno))") }
        upload.wroteTemporary(realTmp)

        // Bytes we wrote ourselves from the stream were hashed on the way; read back only when asked to, or
        // when a kernel copy's source digest is unknown.
        let digest: String
        if upload.readBack || upload.sha256 == nil {
            try control.check()
            let back = try Transfer.hashFile(tfd, buffer: upload.buffer, control: control, shown: shown)
            if let expected = upload.sha256, expected != back {
                throw CopyFailure("checksum mismatch on \(host.name): \(shown) reads back as sha256 \(back), \(expected) was written; the old file was kept")
            }
            digest = back
        } else {
            digest = upload.sha256 ?? ""
        }

        try control.check()
        guard renameat(folder.fd, tmp, folder.fd, name) == 0 else {
            throw CopyFailure("cannot replace \(shown): \(errnoText(errno))")
        }
        committed = true
        // The rename itself must reach the disk for the new file to survive a crash.
        if upload.durable { fsync(folder.fd) }
        return UploadReceipt(bytes: upload.bytesSent, sha256: digest, path: shown)
    }

    /// Why a temporary file could not be created, in the user's words.
    static func createError(_ code: Int32, folder: String) -> CopyFailure {
        switch code {
        case EACCES, EPERM: return CopyFailure("permission denied: cannot create files in \(folder)")
        case ENOSPC, EDQUOT: return CopyFailure("no space left on the device of \(folder)")
        case EROFS: return CopyFailure("\(folder) is on a read-only file system")
        default: return CopyFailure("cannot create a file in \(folder): \(errnoText(code))")
        }
    }
}

/// Writes to a local file and, with `early`, starts its writeback every 16 MiB (see `Transfer.startWriteback`).
struct WritebackWriter {
    let fd: Int32
    let shown: String
    let early: Bool
    private var written: Int64 = 0
    private var flushed: Int64 = 0

    init(fd: Int32, shown: String, early: Bool) {
        self.fd = fd
        self.shown = shown
        self.early = early
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        try Transfer.writeAll(fd, bytes, shown: shown)
        written += Int64(bytes.count)
        if early && written - flushed >= 16 << 20 {
            Transfer.startWriteback(fd, offset: flushed, count: written - flushed)
            flushed = written
        }
    }
}
