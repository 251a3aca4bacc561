import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One file on its way to one host: where it goes, and its bytes as a stream the host's transport pulls with
/// `next()`. The stream does what every transport needs once, as the bytes pass: hashing (SHA-256), the
/// download and upload rate limits, progress, the deadline and cancellation, and, at the end, the checks that
/// the source was read whole and unchanged and matches the digest its listing reported. A transport only moves
/// the bytes, proves that what landed has `sha256`, and renames (see `HostTransport`).
///
/// Not thread-safe: one transport call reads it, on the distributor's thread.
public final class FileUpload {
    public let destination: UploadDestination
    /// The source as results show it (a path, or `host:path`).
    public let source: String
    /// Permission bits for the new file (the local source's, 0o644 for downloads).
    public var permissions: UInt32 { UInt32(reader.permissions) }
    /// The size the source was listed with.
    public var expectedSize: Int64 { entry.size }
    /// fsync the file before the rename and its folder after (`copy(..., sync: true)`).
    public let durable: Bool
    /// Read the landed file back and hash it even when the transport wrote the bytes itself (`verify: .full`).
    public let readBack: Bool
    public let control: CopyControl
    /// The SHA-256 (hex) the landed file must have; set once the stream is drained (`next()` returned nil).
    /// Nil after a kernel copy whose source digest is unknown: then the transport reads the file back.
    public private(set) var sha256: String?
    /// Bytes handed over so far.
    public var bytesSent: Int64 { total }

    let entry: SourceFile
    let reader: SourceReader
    /// The host copy's buffer (one per `FileDistributor.copy` call): `next()` reads into it; a transport on this
    /// machine may reuse it to read a file back once the stream is drained.
    let buffer: UnsafeMutableRawBufferPointer
    /// The destination folders this host's copy keeps open (transports on this machine use them).
    let folders: DestinationFolders
    private let window: UnsafeMutableRawBufferPointer
    private let progress: (Int64) -> Void
    private let afterWrite: ((String) -> Void)?
    private var hasher = SHA256()
    private var uploadPacer: Pacer?
    private var downloadPacer: Pacer?
    private var pending = 0
    private var total: Int64 = 0
    private var started = false
    private var drained = false
    private var kernelCopied = false
    /// The claim on the shared digest of a local source (the first host to copy a file hashes it for all). Only
    /// a transport that can take the kernel path claims (`kernelCopy`): the others neither publish nor wait, so
    /// an ssh host uploading at network speed never holds up the hosts on this machine.
    private var claim: DigestMemo.Claim?
    private var ours = false

    /// Opens the source (a missing or changed source fails here, before any host is contacted).
    init(_ entry: SourceFile, to destination: UploadDestination, host: Host, options: CopyOptions, control: CopyControl,
         buffer: UnsafeMutableRawBufferPointer, folders: DestinationFolders, sources: SourceFolders,
         progress: @escaping (Int64) -> Void) throws {
        self.entry = entry
        self.destination = destination
        self.source = entry.display
        self.durable = options.durable
        self.readBack = options.verify == .full
        self.control = control
        self.buffer = buffer
        self.folders = folders
        self.progress = progress
        if let hook = options.afterWriteHook { afterWrite = { hook(host, $0) } } else { afterWrite = nil }
        reader = try SourceReader.open(entry, control: control, folders: sources)
        uploadPacer = Pacer(rate: options.uploadLimit)
        if case .host = entry.location { downloadPacer = Pacer(rate: options.downloadLimit) }
        var chunk = buffer.count
        if let d = downloadPacer { chunk = d.chunk(maximum: chunk) }
        if let u = uploadPacer { chunk = min(chunk, u.chunk(maximum: chunk)) }
        window = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(chunk, buffer.count)])
    }

    deinit {
        if ours { entry.digest.abandon() }
    }

    /// The next bytes of the file (valid until the next call), or nil at its end, once every check passed.
    /// Calling it also accounts for the previous chunk as delivered: progress, and the upload rate limit.
    public func next() throws -> UnsafeRawBufferPointer? {
        if drained { return nil }
        started = true
        try settle()
        try control.check()
        // A local file read up to the size it had when opened is at its end (one read fewer for a small file);
        // had it grown meanwhile, its identity says so at `finish`.
        if let size = reader.identity?.size, total >= size {
            try finish()
            return nil
        }
        let n = try reader.read(into: window, control: control)
        if n == 0 {
            try finish()
            return nil
        }
        if downloadPacer != nil { try downloadPacer?.paced(n, control: control) }
        let bytes = UnsafeRawBufferPointer(rebasing: window[0..<n])
        hasher.update(bytes)
        pending = n
        return bytes
    }

    /// May the file be written without a name and named once whole (`UnnamedTemporary`)? Not when it is paced
    /// by an upload limit: a copy that may take hours shows as a temporary file beside its destination (and one
    /// abandoned by a killed copy is removed by the next, see `AbandonedTemporaries`); nor when the tests' hook
    /// wants the bytes under a name before they are verified.
    var mayWriteUnnamed: Bool { uploadPacer == nil && afterWrite == nil }

    /// Tells the tests' hook (`CopyOptions.afterWriteHook`) that the bytes are in `temporaryPath` (a path on this
    /// machine for local and simulated hosts, the host's path otherwise), before verification and rename.
    public func wroteTemporary(_ temporaryPath: String) {
        afterWrite?(temporaryPath)
    }

    /// The checksum error for a landed file whose digest is not `sha256`.
    public func mismatch(on host: Host, path: String, found: String) -> Error {
        CopyFailure("checksum mismatch on \(host.name): \(path) has sha256 \(found), \(sha256 ?? "another digest") was sent; the old file was kept")
    }

    /// Copies the whole file into `fd` with `copy_file_range` (kernel to kernel) when that is allowed: a local
    /// source, no upload limit, and another host already hashing (or done hashing) this file, so its digest
    /// comes from there. False when the caller must read with `next()` instead (nothing was copied then); if
    /// this host is the first to copy the file, `next()` then hashes it for the others. Call it before `next()`.
    func kernelCopy(to fd: Int32, shown: String) throws -> Bool {
        guard !started, claim == nil, case .file = entry.location else { return false }
        let claim = entry.digest.claim()
        self.claim = claim
        if case .mine = claim {
            ours = true
            return false
        }
        guard uploadPacer == nil else { return false }
        if case .known(_, let id) = claim, id != reader.identity { return false }
        // A small file another host is hashing right now: hashing it here while writing costs less than
        // waiting for that host (a tree of small files copied to many hosts at once would otherwise move in
        // lock step, every host waiting on each file's first copier).
        if case .busy = claim, entry.size < FileUpload.waitForDigestAbove { return false }
        // The copy slot is given back before `finish` waits for the digest: holding it while waiting would keep
        // the other hosts from copying while the hash runs.
        let copied: Transfer.KernelCopy
        do {
            let slot = entry.digest.enterCopy(stop: { self.control.isCancelled || copyClock() >= self.control.deadline })
            defer { if slot { entry.digest.leaveCopy() } }
            copied = try Transfer.kernelCopy(from: reader.fd, to: fd, size: reader.identity?.size, durable: durable,
                                             control: control, progress: progress, shown: shown)
        }
        guard case .done(let n) = copied else { return false }
        started = true
        total = n
        kernelCopied = true
        try finish()
        return true
    }

    /// Files at least this large, which another host is hashing, are copied by the kernel while that hash runs
    /// and take its digest; smaller ones are hashed by each host as it writes them.
    static let waitForDigestAbove: Int64 = 1 << 20

    private func settle() throws {
        guard pending > 0 else { return }
        let n = pending
        pending = 0
        total += Int64(n)
        progress(total)
        if uploadPacer != nil { try uploadPacer?.paced(n, control: control) }
    }

    /// The end of the source: it was read whole and unchanged, and its digest is the one it was listed with.
    private func finish() throws {
        drained = true
        try reader.finish(control: control)
        switch entry.location {
        case .file:
            if let id = reader.identity, total != id.size {
                throw CopyFailure("source \(entry.display) changed while it was being copied (\(total) of \(id.size) bytes)")
            }
            if kernelCopied {
                let known: (String, FileIdentity)?
                switch claim {
                case .known(let d, let id)?: known = (d, id)
                case .busy?: known = entry.digest.wait(stop: { self.control.isCancelled || copyClock() >= self.control.deadline })
                default: known = nil
                }
                if let known, known.1 == reader.identity { sha256 = known.0 }
            } else {
                let written = hasher.finalizeHex()
                if ours, let id = reader.identity {
                    entry.digest.publish(written, identity: id)
                    ours = false
                }
                sha256 = written
            }
        case .host(_, _, let listed):
            let written = hasher.finalizeHex()
            guard total == entry.size else {
                throw CopyFailure("\(entry.display): received \(total) bytes, expected \(entry.size) (the file shrank on its host?)")
            }
            if let r = listed.sha256, r != written {
                throw CopyFailure("checksum mismatch: \(entry.display) was listed with sha256 \(r) but \(written) arrived (changed on its host, or damaged on the way); the old file was kept")
            }
            sha256 = written
        }
    }
}
