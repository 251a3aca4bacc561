import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writing one file on this machine or on a simulated host: into a temporary file beside the destination
/// (created `O_EXCL | O_NOFOLLOW` in the folder descriptor `DestinationPath.openFolder` checked), then `fsync`,
/// verification, `renameat` over the old file and `fsync` of the folder. A reader of the destination sees
/// the old file or the new one, never a part; a failed copy leaves the old file and no temporary behind.
///
/// How the bytes move and are checked (see `CopyVerification`):
/// - from a local source: the first host to copy a source file reads it through the 4 MiB buffer, hashes and
///   writes each chunk, and publishes the digest with the file's identity; other hosts use `copy_file_range`
///   and take that digest if the identity they saw is the same (else they read their copy back and hash it);
///   with an upload limit every host uses the paced read-hash-write loop;
/// - from an ssh source: streamed from the download, hashed, and compared with the digest the source host
///   listed (so a corrupted or changed download fails);
/// - `verify: .full` reads every written file back and compares.
enum LocalDestination {
    struct Outcome {
        let bytes: Int64
        let sha256: String
    }

    static func write(_ entry: SourceFile, into folder: DestinationPath.Folder, name: String, shown: String,
                      host: Host, options: CopyOptions, control: CopyControl,
                      buffer: UnsafeMutableRawBufferPointer, progress: (Int64) -> Void) throws -> Outcome {
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

        let reader = try SourceReader.open(entry, control: control)
        let tmp = Transfer.temporaryName(for: name)
        let tfd = openat(folder.fd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard tfd >= 0 else { throw createError(errno, folder: folder.realPath) }
        var committed = false
        defer {
            close(tfd)
            if !committed { unlinkat(folder.fd, tmp, 0) }
        }

        var upload = Pacer(rate: options.uploadLimit)
        var download: Pacer? = nil
        var writer = WritebackWriter(fd: tfd, shown: shown, early: options.durable)
        var written: String? = nil      // the digest of the bytes as they were written
        var reference: String? = nil    // the digest the content should have, known from elsewhere
        var bytes: Int64 = 0
        let realTmp = folder.realPath + "/" + tmp

        switch entry.location {
        case .ssh(_, _, let listed):
            reference = listed
            download = Pacer(rate: options.downloadLimit)
            var hasher = SHA256()
            bytes = try Transfer.pump(reader, buffer: buffer, hasher: &hasher, download: &download, upload: &upload,
                                      control: control, progress: progress) { try writer.write($0) }
            try reader.finish(control: control)
            written = hasher.finalizeHex()
            guard bytes == entry.size else {
                throw CopyFailure("\(entry.display): received \(bytes) bytes, expected \(entry.size) (the file shrank on its host?)")
            }
        case .file:
            let claim = entry.digest.claim()
            var ours = false
            if case .mine = claim { ours = true }
            defer { if ours { entry.digest.abandon() } }
            var kernel = false
            var sameSource = true
            if case .known(_, let id) = claim, id != reader.identity { sameSource = false }
            if upload == nil && !ours && sameSource {
                let slot = entry.digest.enterCopy(stop: { control.isCancelled || copyClock() >= control.deadline })
                defer { if slot { entry.digest.leaveCopy() } }
                if case .done(let n) = try Transfer.kernelCopy(from: reader.fd, to: tfd, size: entry.size, durable: options.durable, control: control,
                                                                progress: progress, shown: shown) {
                    bytes = n
                    kernel = true
                }
            }
            if !kernel {
                var hasher = SHA256()
                bytes = try Transfer.pump(reader, buffer: buffer, hasher: &hasher, download: &download, upload: &upload,
                                          control: control, progress: progress) { try writer.write($0) }
                written = hasher.finalizeHex()
            }
            try reader.finish(control: control)
            if let id = reader.identity, bytes != id.size {
                throw CopyFailure("source \(entry.display) changed while it was being copied (\(bytes) of \(id.size) bytes)")
            }
            if ours, let d = written, let id = reader.identity {
                entry.digest.publish(d, identity: id)
                ours = false
            }
            if kernel {
                let known: (String, FileIdentity)?
                switch claim {
                case .known(let d, let id): known = (d, id)
                case .busy: known = entry.digest.wait(stop: { control.isCancelled || copyClock() >= control.deadline })
                case .mine: known = nil
                }
                if let known, known.1 == reader.identity { reference = known.0 }
            }
        }

        if fchmod(tfd, reader.permissions) != 0 {
            throw CopyFailure("cannot set the permissions of \(realTmp): \(errnoText(errno))")
        }
        if options.durable && fsync(tfd) != 0 { throw CopyFailure("cannot write \(shown) to disk: \(errnoText(errno))") }
        options.afterWriteHook?(host, realTmp)

        var digest: String
        if options.verify == .full || (written == nil && reference == nil) {
            try control.check()
            let back = try Transfer.hashFile(tfd, buffer: buffer, control: control, shown: shown)
            if let expected = written ?? reference, expected != back {
                throw CopyFailure("checksum mismatch on \(host.name): \(shown) reads back as sha256 \(back), \(expected) was written; the old file was kept")
            }
            digest = back
        } else if let w = written {
            if let r = reference, r != w {
                throw CopyFailure("checksum mismatch: \(entry.display) was listed with sha256 \(r) but \(w) arrived (changed on its host, or damaged on the way); the old file was kept")
            }
            digest = w
        } else {
            digest = reference ?? ""
        }
        if let r = reference, r != digest {
            throw CopyFailure("checksum mismatch on \(host.name): \(shown) has sha256 \(digest), the source \(r)")
        }

        try control.check()
        guard renameat(folder.fd, tmp, folder.fd, name) == 0 else {
            throw CopyFailure("cannot replace \(shown): \(errnoText(errno))")
        }
        committed = true
        // The rename itself must reach the disk for the new file to survive a crash.
        if options.durable { fsync(folder.fd) }
        return Outcome(bytes: bytes, sha256: digest)
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
