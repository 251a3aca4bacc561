import Foundation

/// Where the files of a `copy(...)` come from.
public enum CopySource: Sendable, Equatable {
    /// A file, a folder (copied recursively, as a folder of that name) or a glob on this machine.
    /// `dir/` with a trailing slash copies the folder's contents rather than the folder itself.
    case local(String)
    /// A file or a glob on a source host (many-to-one, many-to-many), listed and streamed down by the host's
    /// transport. On a simulated host the path is under its root; on an ssh host it is listed and hashed
    /// there, then streamed with `ssh host head -c SIZE`.
    case remote(host: Host, path: String)

    /// How the source is named in results and errors: the path, or `host:path`.
    public var display: String {
        switch self {
        case .local(let p): return p
        case .remote(let h, let p): return h.name + ":" + p
        }
    }
}

/// What happens when the destination folder is missing.
public enum CopyMode: String, Sendable {
    /// Create the destination folder (and its parents).
    case force
    /// Fail when the destination folder does not exist.
    case strict
}

/// How the bytes that reach a local or simulated destination are checked (ssh destinations are always
/// checked by `sha256sum` on the host after the upload, before the rename).
public enum CopyVerification: String, Sendable {
    /// Hash the bytes as they are written, in-process. A source file is hashed once per `expand` (by the first
    /// host that copies it, while it copies); the other hosts receive it with `copy_file_range` (kernel to
    /// kernel, no user-space copy that could alter it) and are checked by length plus the source's identity
    /// (device, inode, size, modification and change times) being the same before and after their copy and
    /// when it was hashed. If the source changed, the host's own file is read back and hashed.
    case stream
    /// Also read every written file back from the destination and hash it (about twice the cost).
    case full
}

/// The knobs of one distribution.
public struct CopyOptions: Sendable {
    public var mode: CopyMode = .force
    /// Bytes per second written to each destination host (the effect converts MB/s); nil = unlimited.
    public var uploadLimit: Double? = nil
    /// Bytes per second read from each source host; nil = unlimited.
    public var downloadLimit: Double? = nil
    /// Seconds for all the files of one host (default 2 h).
    public var timeout: Double = 7200
    /// The run id: `FileDistributor.cancel(owner:)` and `ProcessRunner.kill(owner:)` reach only its copies.
    public var owner: String? = nil
    /// The time `[DATE:...]` macros format (a journaled time, so a resumed run lands in the same place).
    public var now: Date = Date()
    public var verify: CopyVerification = .stream
    /// Local and simulated hosts: `fsync` each file before its rename and the folder after it (with writeback
    /// started while copying), so a crash or power loss leaves the old file or the whole new one. false keeps
    /// the atomic rename (readers still never see a part) but leaves flushing to the kernel, as `cp` does:
    /// after a power loss a just-copied file may be empty on some file systems. ssh hosts always `sync`.
    /// fsync each file and its folder before the rename (`copy(..., sync: true)`). Off by default, like cp,
    /// rsync and Ansible's copy: the replace is atomic and verified either way; a power loss may lose the
    /// newest copies without it.
    public var durable: Bool = false
    /// Keep at most this many files in each host's result (`HostCopyResult.files`; the others are counted),
    /// so a folder of 100,000 files copied to many hosts does not hold a record of every file in memory.
    /// nil keeps them all.
    public var fileDetailLimit: Int? = nil
    /// How hosts are reached, by their `transport:` kind (`JobsModule` passes its own).
    public var transports: TransportRegistry = .standard
    /// Tests only: called once per file after its bytes are in the temporary file (a path on this machine for
    /// local and simulated hosts, the remote path for ssh hosts), before verification and rename.
    public var afterWriteHook: (@Sendable (_ host: Host, _ tempPath: String) -> Void)? = nil

    public init() {}
}

/// How one file (or one host) ended.
public enum CopyStatus: String, Sendable {
    case ok, failed, timeout, skipped, cancelled
}

/// One file copied to one host.
public struct FileCopyResult: Sendable {
    /// The source as the user named it: a local path, or `host:path`.
    public let source: String
    /// The path on the target host (as the host sees it; for a simulated host, before rebasing under its root).
    public let destination: String
    public let status: CopyStatus
    public let bytes: Int64
    /// Seconds spent on this file, including its verification and rename.
    public let duration: Double
    /// The SHA-256 of what the destination received (hex), when it was verified.
    public let sha256: String?
    public let error: String?

    /// Bytes per second.
    public var speed: Double { duration > 0 ? Double(bytes) / duration : 0 }

    public init(source: String, destination: String, status: CopyStatus, bytes: Int64, duration: Double,
                sha256: String?, error: String?) {
        self.source = source
        self.destination = destination
        self.status = status
        self.bytes = bytes
        self.duration = duration
        self.sha256 = sha256
        self.error = error
    }
}

/// Every file copied to one host.
public struct HostCopyResult: Sendable {
    public let host: Host
    /// The files, in the order they were copied; with `CopyOptions.fileDetailLimit`, at most that many (files
    /// that did not end ok are kept in preference to ok ones), the others counted in `filesOmitted`.
    public let files: [FileCopyResult]
    /// Seconds for the whole host.
    public let duration: Double
    /// Files left out of `files` (they count in `status`, `bytes` and `fileCount` all the same).
    public let filesOmitted: Int
    /// Every file's status, the omitted ones included.
    private let statuses: [CopyStatus: Int]
    /// Bytes delivered to this host.
    public let bytes: Int64

    public init(host: Host, files: [FileCopyResult], duration: Double) {
        self.init(host: host, files: files, duration: duration, omitted: FileTally())
    }

    init(host: Host, files: [FileCopyResult], duration: Double, omitted: FileTally) {
        self.host = host
        self.files = files
        self.duration = duration
        filesOmitted = omitted.count
        var statuses = omitted.statuses
        for f in files { statuses[f.status, default: 0] += 1 }
        self.statuses = statuses
        bytes = files.reduce(omitted.bytes) { $0 + $1.bytes }
    }

    /// How many files this host's copy covered, the omitted ones included.
    public var fileCount: Int { statuses.values.reduce(0, +) }

    /// The worst file status: cancelled, then timeout, then failed; ok when every file is ok or skipped
    /// (and at least one is ok); skipped when nothing was to be copied.
    public var status: CopyStatus {
        for s in [CopyStatus.cancelled, .timeout, .failed] where statuses[s, default: 0] > 0 { return s }
        return statuses[.ok, default: 0] > 0 ? .ok : .skipped
    }

    /// The first error, for one-line summaries.
    public var error: String? { files.first { $0.error != nil }?.error }
}

/// What is known of the files a host result leaves out: how many, how they ended, their bytes.
struct FileTally: Sendable {
    var count = 0
    var statuses: [CopyStatus: Int] = [:]
    var bytes: Int64 = 0

    mutating func add(_ f: FileCopyResult) {
        count += 1
        statuses[f.status, default: 0] += 1
        bytes += f.bytes
    }
}

/// The files of one host's copy as they finish, keeping at most `limit` of them: one that did not end ok
/// takes the place of the last ok one kept, so problems are never crowded out by successes.
struct FileResults {
    let limit: Int?
    private(set) var kept: [FileCopyResult] = []
    private(set) var omitted = FileTally()
    private var okKept = 0

    init(limit: Int?) { self.limit = limit }

    mutating func append(_ f: FileCopyResult) {
        guard let limit, kept.count >= limit else {
            kept.append(f)
            if f.status == .ok { okKept += 1 }
            return
        }
        if f.status != .ok, okKept > 0, let last = kept.lastIndex(where: { $0.status == .ok }) {
            omitted.add(kept.remove(at: last))
            okKept -= 1
            kept.append(f)
        } else {
            omitted.add(f)
        }
    }
}

/// A source after expansion: the files it stands for, listed once for all targets.
public struct ExpandedSource: Sendable {
    public let source: CopySource
    /// Every file, by its path relative to the destination folder, with its size at listing time.
    public var files: [(relativePath: String, size: Int64)] { entries.map { ($0.relativePath, $0.size) } }
    /// Why the source could not be listed (a remote host unreachable, a file missing there); copies of it
    /// then fail on every target with this message. Local sources throw from `expand` instead.
    public let error: String?
    /// True when the source named one file (not a folder, not a glob): then a destination that is not an
    /// existing folder and has no trailing `/` is the file's new path.
    public let isSingleFile: Bool
    let entries: [SourceFile]

    init(source: CopySource, entries: [SourceFile], isSingleFile: Bool, error: String? = nil) {
        self.source = source
        self.entries = entries
        self.isSingleFile = isSingleFile
        self.error = error
    }
}

/// Where the bytes of one source file are read from.
enum SourceLocation: Sendable {
    /// A file on this machine (a local source, or a file of a simulated or local source host), by real path.
    case file(String)
    /// A file on a host whose bytes are elsewhere (ssh), streamed down by its transport and checked against
    /// the digest its listing reported, if any.
    case host(Host, any HostTransport, ListedFile)
}

/// One file of an expanded source.
struct SourceFile: Sendable {
    let relativePath: String
    let size: Int64
    let location: SourceLocation
    /// Why this entry is not copied (a symlink or a special file inside a folder); nil to copy it.
    let skipReason: String?
    /// The digest of a local file, shared by every host that copies it.
    let digest: DigestMemo
    /// What results show as the source: the path or `host:path`.
    let display: String
}

/// Errors of the copy engine that stop a whole distribution before it starts (bad sources); per-file
/// problems are results, not errors.
public struct CopyError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let hint: String?
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
    public var description: String { hint.map { "\(message) (hint: \($0))" } ?? message }
}
