import Foundation
import PlatEngine
#if canImport(Glibc)
import Glibc
#endif

/// The bytes of one source file: a local descriptor, or a stream down from its host's transport.
final class SourceReader {
    /// The open local file, when the source is on this machine (then `copy_file_range` can be used).
    private(set) var fd: Int32 = -1
    private var download: (any ByteStream)?
    private let control: CopyControl
    let entry: SourceFile
    /// The local file's identity when it was opened.
    private(set) var identity: FileIdentity?
    /// The local file's permission bits (0o644 for downloads).
    private(set) var permissions: mode_t = 0o644

    private init(entry: SourceFile, control: CopyControl) {
        self.entry = entry
        self.control = control
    }

    deinit {
        if fd >= 0 { close(fd) }
        if let download { try? download.finish(control: control) }
    }

    /// Opens the source: the local file (through `folders`), or a download of exactly the listed size from its host.
    static func open(_ entry: SourceFile, control: CopyControl, folders: SourceFolders) throws -> SourceReader {
        let r = SourceReader(entry: entry, control: control)
        switch entry.location {
        case .file(let path):
            r.fd = folders.open(path)
            guard r.fd >= 0 else {
                let code = errno
                if code == ENOENT { throw CopyFailure("source \(entry.display) no longer exists") }
                throw CopyFailure("cannot read source \(entry.display): \(errnoText(code))")
            }
            var st = stat()
            guard fstat(r.fd, &st) == 0 else { throw CopyFailure("cannot read source \(entry.display): \(errnoText(errno))") }
            guard (st.st_mode & S_IFMT) == S_IFREG else { throw CopyFailure("source \(entry.display) is no longer a regular file") }
            r.identity = FileIdentity(st)
            r.permissions = st.st_mode & 0o777
            // Read-ahead matters for large files only; for a small one it is a system call for nothing.
            if st.st_size >= 1 << 20 { posix_fadvise(r.fd, 0, 0, POSIX_FADV_SEQUENTIAL) }
        case .host(let host, let transport, let file):
            r.download = try transport.download(file, from: host, control: control)
        }
        return r
    }

    /// Reads the next bytes; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer, control: CopyControl) throws -> Int {
        if let download { return try download.read(into: buffer, control: control) }
        guard let base = buffer.baseAddress else { return 0 }
        while true {
            let n = Glibc.read(fd, base, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw CopyFailure("cannot read source \(entry.display): \(errnoText(errno))")
        }
    }

    /// Ends a download (its transport checks how the sender ended); for a local file, re-checks that it did not
    /// change while it was read.
    func finish(control: CopyControl) throws {
        if let d = download {
            download = nil
            try d.finish(control: control)
            return
        }
        try checkUnchanged()
    }

    /// Throws when the local source's identity differs from when it was opened.
    func checkUnchanged() throws {
        guard fd >= 0, let before = identity else { return }
        guard let now = FileIdentity.of(fd: fd), now == before else {
            throw CopyFailure("source \(entry.display) changed while it was being copied; nothing was replaced (copy it again)")
        }
    }
}

/// The folder of the local source file one host's copy read last, kept open: the files of a tree come folder
/// by folder, and opening `NAME` in an open folder spares the kernel walking the whole path again for each file
/// of each host. Owned by one `FileDistributor.copy` call (one thread).
final class SourceFolders {
    private var folder: String = ""
    private var fd: Int32 = -1

    /// `open(path, O_RDONLY)`, relative to the path's folder (opened when it differs from the last one).
    func open(_ path: String) -> Int32 {
        let bytes = path.utf8
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")), slash != bytes.startIndex else {
            return Glibc.open(path, O_RDONLY | O_CLOEXEC)
        }
        let nameOffset = bytes.distance(from: bytes.startIndex, to: slash) + 1
        if fd < 0 || !bytes[..<slash].elementsEqual(folder.utf8) {
            close()
            folder = String(path[..<slash])
            fd = Glibc.open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd < 0 { return Glibc.open(path, O_RDONLY | O_CLOEXEC) }
        }
        return path.withCString { openat(fd, $0 + nameOffset, O_RDONLY | O_CLOEXEC) }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}

/// Moving bytes on this machine: writes, the kernel copy, reading back.
enum Transfer {
    /// Buffer size for the read/write loop: large, so system calls are few (one allocation per host copy).
    static let bufferSize = 4 << 20
    /// Bytes per `copy_file_range` call between checks of the deadline and progress reports.
    static let kernelChunk = 64 << 20

    /// Writes all of `bytes` to a local descriptor.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, shown: String) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, base + done, bytes.count - done)
            if n > 0 { done += n; continue }
            if n < 0 && errno == EINTR { continue }
            throw CopyFailure("cannot write \(shown): \(n == 0 ? "no progress" : errnoText(errno))")
        }
    }

    enum KernelCopy {
        case done(Int64)
        /// The file systems cannot do it (before anything was copied): use the read/write loop.
        case unsupported
    }

    typealias CopyFileRange = @convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?,
                                              Int, UInt32) -> Int
    /// glibc 2.27's `copy_file_range`, which Swift's Glibc module hides behind `_GNU_SOURCE`; looked up by name.
    static let copyFileRangeFunction: CopyFileRange? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "copy_file_range") else { return nil }
        return unsafeBitCast(symbol, to: CopyFileRange.self)
    }()

    typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    /// Linux's `sync_file_range`, also hidden behind `_GNU_SOURCE`.
    static let syncFileRangeFunction: SyncFileRange? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: SyncFileRange.self)
    }()

    /// Starts writing `count` bytes at `offset` of `fd` to disk without waiting (SYNC_FILE_RANGE_WRITE), so the
    /// `fsync` at the end of a large file finds most of it already written: the disk works while we copy
    /// rather than after.
    static func startWriteback(_ fd: Int32, offset: Int64, count: Int64) {
        _ = syncFileRangeFunction?(fd, offset, count, 2)
    }

    /// Copies a whole local file with `copy_file_range` (in the kernel, no bytes through user space). `size`:
    /// the file's size when it was opened; the copy stops there rather than asking once more for the end (a file
    /// that changes meanwhile is caught by its identity, see `SourceReader.checkUnchanged`).
    static func kernelCopy(from source: Int32, to destination: Int32, size: Int64?, durable: Bool, control: CopyControl,
                           progress: (Int64) -> Void, shown: String) throws -> KernelCopy {
        guard let copyFileRange = copyFileRangeFunction else { return .unsupported }
        var total: Int64 = 0
        while true {
            if let size, total >= size { return .done(total) }
            try control.check()
            let want = size.map { Int(min(Int64(kernelChunk), $0 - total)) } ?? kernelChunk
            let n = copyFileRange(source, nil, destination, nil, want, 0)
            if n > 0 {
                if durable { startWriteback(destination, offset: total, count: Int64(n)) }
                total += Int64(n)
                progress(total)
                continue
            }
            if n == 0 { return .done(total) }
            let code = errno
            if code == EINTR { continue }
            if total == 0 && [EXDEV, ENOSYS, EOPNOTSUPP, EINVAL, EBADF, EPERM].contains(code) { return .unsupported }
            throw CopyFailure("cannot write \(shown): \(errnoText(code))")
        }
    }

    /// The SHA-256 of a file read back from the start of `fd`.
    static func hashFile(_ fd: Int32, buffer: UnsafeMutableRawBufferPointer, control: CopyControl, shown: String) throws -> String {
        var hasher = SHA256()
        var offset: off_t = 0
        guard let base = buffer.baseAddress else { return hasher.finalizeHex() }
        while true {
            try control.check()
            let n = pread(fd, base, buffer.count, offset)
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw CopyFailure("cannot read back \(shown): \(errnoText(errno))")
            }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            offset += off_t(n)
        }
        return hasher.finalizeHex()
    }

    /// A temporary name next to `name`: hidden, unique, recognisable (`.NAME.platflow-XXXXXXXX.tmp`).
    static func temporaryName(for name: String) -> String {
        temporaryName(for: name, tag: UInt64(UInt32.random(in: 0...UInt32.max)))
    }

    /// `.NAME.platflow-TAG.tmp`, NAME cut to 100 bytes at a character boundary.
    static func temporaryName(for name: String, tag: UInt64) -> String {
        var stem = name
        if name.utf8.count > 100 {
            stem = ""
            for c in name {
                if stem.utf8.count + c.utf8.count > 100 { break }
                stem.append(c)
            }
        }
        return "." + stem + ".platflow-" + String(tag, radix: 16) + ".tmp"
    }
}
