import Foundation
import PlatLang
import PlatEngine
#if canImport(Glibc)
import Glibc
#endif

/// Files on this machine and on simulated hosts. A simulated host's paths are rebased under its root and
/// confined there (no `..`, no symbolic link leading out: see `DestinationPath`); on the real machine paths are
/// used as they are, a relative one from the current folder.
extension LocalTransport {
    public func upload(_ file: FileUpload, to host: Host) throws -> UploadReceipt {
        try checkLocal(host)
        if let root = host.root {
            return try LocalDestination.upload(file, root: absolute(root), prefix: [], confined: true, host: host)
        }
        var prefix: [String] = []
        if !file.destination.isAbsolute {
            prefix = try DestinationPath.components(FileManager.default.currentDirectoryPath, what: "current folder")
        }
        return try LocalDestination.upload(file, root: "/", prefix: prefix, confined: false, host: host)
    }

    /// A file, a folder (walked in name order; links and special files inside are listed as skipped) or a
    /// glob; paths are shown as the host sees them. A missing path or unmatched glob throws `CopyError`.
    public func list(_ path: String, on host: Host, control: CopyControl) throws -> FileListing {
        try checkLocal(host)
        let (entries, single) = try FileDistributor.listLocal(path, root: host.root, prefix: "")
        let files = entries.map { e -> ListedFile in
            var local = ""
            if case .file(let p) = e.location { local = p }
            return ListedFile(path: e.display, relativePath: e.relativePath, size: e.size, localPath: local,
                              skipReason: e.skipReason)
        }
        return FileListing(files: files, isSingleFile: single)
    }

    /// Reads a listed file (its `localPath`, which confinement was checked for when it was listed).
    public func download(_ file: ListedFile, from host: Host, control: CopyControl) throws -> any ByteStream {
        try checkLocal(host)
        guard let path = file.localPath else {
            throw CopyFailure("\(host.name):\(file.path) was not listed by this machine's transport")
        }
        return try LocalFileStream(path: path, shown: host.name + ":" + file.path)
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    func checkLocal(_ host: Host) throws {
        guard host.transport == .local else {
            throw RuntimeError("host \(host.name) uses the \(host.transport.rawValue) transport, not local",
                               hint: "TransportRegistry.transport(for:) picks the right one")
        }
    }
}

/// A file on this machine read as a stream; `finish` checks it did not change while it was read.
final class LocalFileStream: ByteStream {
    private let fd: Int32
    private let identity: FileIdentity?
    private let shown: String

    init(path: String, shown: String) throws {
        self.shown = shown
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CopyFailure("cannot read \(shown): \(errnoText(errno))") }
        identity = FileIdentity.of(fd: fd)
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer, control: CopyControl) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        while true {
            try control.check()
            let n = Glibc.read(fd, base, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw CopyFailure("cannot read \(shown): \(errnoText(errno))")
        }
    }

    func finish(control: CopyControl) throws {
        guard let before = identity, let now = FileIdentity.of(fd: fd), now == before else {
            throw CopyFailure("\(shown) changed while it was being read")
        }
    }
}
