import Foundation
import PlatEngine

/// How scripts and files reach a host: run a script, upload a file, list or stat a path, stream a file down.
///
/// Implementations: `LocalTransport` (this machine, and simulated hosts confined to their root folder) and
/// `SSHTransport` (OpenSSH); a module adds its own under a kind of its own (see `TransportRegistry`). Every
/// call blocks its thread and must be safe to call from many threads at once (the rolling-batch runner does).
///
/// The copy engine (`FileDistributor`) only talks to hosts through this protocol. What it guarantees and what
/// it expects of a transport:
/// - it lists the sources once (`list`), reads their bytes (`download`, or directly when `ListedFile.localPath`
///   says they are on this machine), and hashes, paces and reports progress as the bytes pass through
///   `FileUpload.next()`: a transport never reads the bytes twice to do that;
/// - `upload` must write into a temporary name beside the target (`Transfer.temporaryName`-style: hidden and
///   unique), give it `FileUpload.permissions`, make sure the bytes that landed have the SHA-256 in
///   `FileUpload.sha256` (read back on the host, or trust bytes it wrote itself from `next()`, unless
///   `readBack` asks to check them), and only then rename it over the target, so a reader sees the old file or
///   the new one; on any failure it removes the temporary file and leaves the old one;
/// - it refuses a target that is a symbolic link or a folder, creates missing folders only when
///   `UploadDestination.createFolders` says so, and keeps the target beneath whatever confines the host;
/// - errors thrown while a `FileUpload` is read (cancelled, timed out) carry the status the file ends with:
///   let them through.
public protocol HostTransport: Sendable {
    /// Runs a script; the process result carries exit code, output (capped), duration, timeout.
    func run(_ job: ScriptJob, on host: Host) throws -> ProcessResult

    /// Writes the bytes of `file` to `file.destination` on `host`, atomically (see the type's summary).
    func upload(_ file: FileUpload, to host: Host) throws -> UploadReceipt

    /// Stats `path` on `host`: a file is one entry; a folder or a glob lists the files it stands for (a
    /// transport that does not walk folders reports one as a problem). Problems with part of the answer go
    /// into `FileListing.problems`; a host that cannot be asked throws.
    func list(_ path: String, on host: Host, control: CopyControl) throws -> FileListing

    /// Streams a listed file down from `host`: exactly `file.size` bytes (a file that grows meanwhile still
    /// matches the digest it was listed with).
    func download(_ file: ListedFile, from host: Host, control: CopyControl) throws -> any ByteStream
}

/// Where an upload goes, as the host sees it. Paths are POSIX paths: an absolute destination starts at the
/// host's `/` (a simulated host's root folder), a relative one at the host's working folder (the current folder
/// on this machine, the root of a simulated host, the login folder over ssh).
public struct UploadDestination: Sendable, Equatable {
    /// The destination folder's components (they must exist unless `createFolders`).
    public let folder: [String]
    /// Folders below it that a copied folder brings along (always created).
    public let inner: [String]
    /// The file's name in `folder/inner`.
    public let name: String
    /// When the destination named a file (`dest: "/etc/app.conf"`): the name to use inside `folder/name` if
    /// that turns out to be an existing folder ("copy into it"); nil otherwise.
    public let nameInsideFolder: String?
    public let isAbsolute: Bool
    /// Mode force: missing folders of `folder` are created; mode strict: they must exist.
    public let createFolders: Bool

    public init(folder: [String], inner: [String] = [], name: String, nameInsideFolder: String? = nil,
                isAbsolute: Bool = true, createFolders: Bool = true) {
        self.folder = folder
        self.inner = inner
        self.name = name
        self.nameInsideFolder = nameInsideFolder
        self.isAbsolute = isAbsolute
        self.createFolders = createFolders
        // Both are built once: a copy to many hosts asks for them for every file on every host.
        let all = folder + inner
        if isAbsolute {
            folderPath = "/" + all.joined(separator: "/")
        } else {
            folderPath = all.isEmpty ? "." : all.joined(separator: "/")
        }
        path = (isAbsolute ? "/" : "") + (all.isEmpty ? name : all.joined(separator: "/") + "/" + name)
    }

    /// The target path as written (`/srv/app/x.conf`, or `conf/x.conf` when relative).
    public let path: String

    /// The folder the file goes in (`.` for the working folder itself).
    public let folderPath: String
}

/// What an upload delivered.
public struct UploadReceipt: Sendable, Equatable {
    public let bytes: Int64
    /// The SHA-256 (hex) of the file now at `path`.
    public let sha256: String
    /// Where the file landed, as the host sees it (inside the destination when that was an existing folder).
    public let path: String

    public init(bytes: Int64, sha256: String, path: String) {
        self.bytes = bytes
        self.sha256 = sha256
        self.path = path
    }
}

/// One file a listing found.
public struct ListedFile: Sendable, Equatable {
    /// The file as the host names it (a simulated host's path starts at its root).
    public let path: String
    /// Where it goes below the destination folder (its base name, or its path inside a listed folder).
    public let relativePath: String
    public let size: Int64
    /// The SHA-256 of its first `size` bytes when the host computed it while listing; the download is checked
    /// against it.
    public let sha256: String?
    /// The file's path on this machine, when its bytes are here (local and simulated hosts): the copy engine
    /// then reads it directly, and can hand it to the kernel (`copy_file_range`).
    public let localPath: String?
    /// Why the file is not copied (a symbolic link or a special file inside a folder); nil to copy it.
    public let skipReason: String?

    public init(path: String, relativePath: String, size: Int64, sha256: String? = nil, localPath: String? = nil,
                skipReason: String? = nil) {
        self.path = path
        self.relativePath = relativePath
        self.size = size
        self.sha256 = sha256
        self.localPath = localPath
        self.skipReason = skipReason
    }
}

/// The answer to `HostTransport.list`.
public struct FileListing: Sendable, Equatable {
    public let files: [ListedFile]
    /// True when the path named one file (not a folder, not a glob).
    public let isSingleFile: Bool
    /// What could not be listed (a missing match, a folder the transport does not walk, an unreadable file).
    public let problems: [String]

    public init(files: [ListedFile], isSingleFile: Bool, problems: [String] = []) {
        self.files = files
        self.isSingleFile = isSingleFile
        self.problems = problems
    }
}

/// Bytes coming down from a host, read at the reader's pace.
public protocol ByteStream: AnyObject {
    /// Reads the next bytes into `buffer` (waiting in short slices, checking `control`); 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer, control: CopyControl) throws -> Int
    /// Ends the stream (also when it was not read to the end): throws when what was read is not the whole file
    /// (the sender failed, timed out or was cancelled). Called once.
    func finish(control: CopyControl) throws
}
