import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writing one file on this machine or on a simulated host (`LocalTransport.upload`), in the folder descriptor
/// `DestinationPath.openFolder` checked:
/// - a new file (its name not taken) is written without a name (`UnnamedTemporary`, `O_TMPFILE`), fsynced,
///   verified, then linked under its name;
/// - a file that replaces another (or any file paced by an upload limit, or where `O_TMPFILE` is missing) goes
///   into a temporary file beside the destination (created `O_EXCL | O_NOFOLLOW`), then `fsync`, verification,
///   `renameat` over the old file.
/// Under `sync: true` the folder is fsynced before the host's result is reported. A reader of the destination
/// sees the old file (or none) or the whole new one, never a part; a failed copy leaves the old file and no
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
        // The destination as the host sees it (the paths were built once for every host, see `CopyPlan`).
        var shown = prefix.isEmpty ? (d.isAbsolute ? d.path : "/" + d.path) : "/" + (folderComponents + d.inner + [d.name]).joined(separator: "/")
        let folderPath = prefix.isEmpty ? d.folderPath : "/" + (folderComponents + d.inner).joined(separator: "/")
        // Folders stay open for the host's next files (see `DestinationFolders`).
        var folder = try upload.folders.folder(root: root, path: folderPath, components: folderComponents + d.inner,
                                               mustExist: mustExist, confined: confined, shown: shown)
        var name = d.name
        if let alt = d.nameInsideFolder {
            // File mode: an existing folder (or a link to one) at `dest` means "into it".
            var st = stat()
            if fstatat(folder.fd, name, &st, 0) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                let inside = folderComponents + [name]
                shown += "/" + alt
                folder = try upload.folders.folder(root: root, path: "/" + inside.joined(separator: "/"), components: inside,
                                                   mustExist: inside.count, confined: confined, shown: shown)
                name = alt
            }
        }
        return try write(upload, into: folder, name: name, shown: shown, host: host)
    }

    static func write(_ upload: FileUpload, into folder: DestinationPath.Folder, name: String, shown: String,
                      host: Host) throws -> UploadReceipt {
        var st = stat()
        // In a folder this copy made, the name can only be taken by a file this copy wrote (and two of its files
        // never share a name, see `FileDistributor`): the check is for folders that were there before.
        var absent = folder.created
        if !folder.created {
            if fstatat(folder.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 {
                switch st.st_mode & S_IFMT {
                case S_IFLNK:
                    throw CopyFailure("destination \(shown) is a symbolic link; refused (a copy never writes through a link: remove it, or copy to its target)")
                case S_IFDIR:
                    throw CopyFailure("destination \(shown) is a folder")
                default:
                    break
                }
            } else {
                absent = errno == ENOENT
            }
            // A folder this copy made holds no temporaries of an earlier, killed copy: no need to look.
            AbandonedTemporaries.remove(for: name, in: folder.fd)
        }
        // A new file is written without a name and linked into place once whole; a file that replaces another
        // goes through a named temporary and a rename, which replaces atomically.
        if absent && upload.mayWriteUnnamed,
           let unnamed = try UnnamedTemporary.create(in: folder.fd, permissions: mode_t(upload.permissions) & 0o777,
                                                     folder: folder.realPath) {
            defer { close(unnamed.fd) }
            let digest = try fill(unnamed.fd, from: upload, shown: shown, host: host, chmod: UnnamedTemporary.needsChmod(mode_t(upload.permissions)),
                                  temporaryShown: folder.realPath)
            try upload.control.check()
            let rc = UnnamedTemporary.link(unnamed.fd, unnamed.linking, in: folder.fd, as: name)
            if rc == EEXIST {
                // Another writer created the name meanwhile: replace it, as a rename would have.
                try replace(with: unnamed, in: folder, name: name, upload: upload, shown: shown)
            } else if rc != 0 {
                throw CopyFailure("cannot create \(shown): \(errnoText(rc))")
            }
            if upload.durable { upload.folders.renamedDurably(in: folder) }
            return UploadReceipt(bytes: upload.bytesSent, sha256: digest, path: shown)
        }

        let tmp = upload.folders.temporaryName(for: name)
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
        let digest = try fill(tfd, from: upload, shown: shown, host: host, chmod: true, temporaryShown: realTmp)

        try upload.control.check()
        guard renameat(folder.fd, tmp, folder.fd, name) == 0 else {
            throw CopyFailure("cannot replace \(shown): \(errnoText(errno))")
        }
        committed = true
        // The rename itself must reach the disk for the new file to survive a crash: the folder is synced before
        // the host's result is reported (once for all the files renamed into it, see `DestinationFolders`).
        if upload.durable { upload.folders.renamedDurably(in: folder) }
        return UploadReceipt(bytes: upload.bytesSent, sha256: digest, path: shown)
    }

    /// Writes the upload's bytes into the temporary file `fd` (kernel copy or stream), sets its permissions
    /// (`chmod`: unless it was created with them), fsyncs it under `sync: true`, and returns the digest it is
    /// proven to have: hashed on the way, or read back when asked to or when a kernel copy's source digest is
    /// unknown. `temporaryShown`: the file's name in messages (and for the tests' hook).
    private static func fill(_ fd: Int32, from upload: FileUpload, shown: String, host: Host, chmod: Bool,
                             temporaryShown: String) throws -> String {
        if !(try upload.kernelCopy(to: fd, shown: shown)) {
            var writer = WritebackWriter(fd: fd, shown: shown, early: upload.durable)
            while let chunk = try upload.next() { try writer.write(chunk) }
        }
        if chmod && fchmod(fd, mode_t(upload.permissions)) != 0 {
            throw CopyFailure("cannot set the permissions of \(temporaryShown): \(errnoText(errno))")
        }
        if upload.durable && fsync(fd) != 0 { throw CopyFailure("cannot write \(shown) to disk: \(errnoText(errno))") }
        upload.wroteTemporary(temporaryShown)

        // Bytes we wrote ourselves from the stream were hashed on the way; read back only when asked to, or
        // when a kernel copy's source digest is unknown.
        guard upload.readBack || upload.sha256 == nil else { return upload.sha256 ?? "" }
        try upload.control.check()
        let back = try Transfer.hashFile(fd, buffer: upload.buffer, control: upload.control, shown: shown)
        if let expected = upload.sha256, expected != back {
            throw CopyFailure("checksum mismatch on \(host.name): \(shown) reads back as sha256 \(back), \(expected) was written; the old file was kept")
        }
        return back
    }

    /// An unnamed file whose name was taken while it was written: linked under a temporary name (locked, as a
    /// named temporary is) and renamed over the file that appeared.
    private static func replace(with unnamed: (fd: Int32, linking: UnnamedTemporary.Linking), in folder: DestinationPath.Folder,
                                name: String, upload: FileUpload, shown: String) throws {
        let tmp = upload.folders.temporaryName(for: name)
        _ = flock(unnamed.fd, LOCK_EX)
        let rc = UnnamedTemporary.link(unnamed.fd, unnamed.linking, in: folder.fd, as: tmp)
        guard rc == 0 else { throw CopyFailure("cannot replace \(shown): \(errnoText(rc))") }
        guard renameat(folder.fd, tmp, folder.fd, name) == 0 else {
            let code = errno
            unlinkat(folder.fd, tmp, 0)
            throw CopyFailure("cannot replace \(shown): \(errnoText(code))")
        }
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
