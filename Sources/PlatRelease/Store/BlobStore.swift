import Foundation
import PlatJobs

/// The artifact store's bytes: content-addressed files under `ROOT/blobs/sha256/<hex>`.
///
/// A file is copied in one pass: each buffer read is hashed and written to a temporary file in `ROOT/tmp`,
/// which is fsynced and renamed to its digest's name (then the folder is fsynced), so a blob either exists
/// whole under its name or not at all. Storing bits that are already there rewrites the same name, which
/// also mends a blob damaged in place.
///
/// A directory is stored as its files' blobs plus a manifest blob, and the artifact's digest is the
/// manifest's. The manifest is text, one entry a line, sorted by path (bytewise), so one tree always gives
/// one digest whatever order the file system lists it in:
///
///     platflow-manifest 1
///     d<TAB>0755<TAB>bin
///     f<TAB>0755<TAB>1234<TAB><sha256 hex><TAB>bin/web
///     l<TAB>web<TAB>bin/current
///
/// Owners and times are left out (a rebuild of the same files is the same artifact); the permission bits are
/// kept. A manifest, unlike a tar archive, lets `verify` name the damaged file and lets two versions share
/// the blobs of the files they have in common.
public struct BlobStore: Sendable {
    public let root: String
    static let bufferSize = 4 << 20
    static let manifestHeader = "platflow-manifest 1"

    public init(root: String) { self.root = root }

    var blobFolder: String { root + "/blobs/sha256" }
    var tempFolder: String { root + "/tmp" }
    public func path(ofHex hex: String) -> String { blobFolder + "/" + hex }

    /// What `store` produced: the digest (`sha256:<hex>`), the bytes of the content (a directory's files
    /// summed), and whether it was a directory.
    public struct Stored: Sendable, Equatable {
        public let digest: String
        public let size: Int64
        public let kind: ArtifactKind
    }

    /// Stores the file or directory at `path`. Missing paths and unsupported file types are input errors.
    public func store(_ path: String) throws -> Stored {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            throw ReleaseError.invalidInput("no such file or directory: \(path)", hint: "push takes a file or a directory")
        }
        try prepare()
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            let (hex, size) = try storeFile(path)
            return Stored(digest: ArtifactDigest.make(hex: hex), size: size, kind: .file)
        case S_IFDIR:
            return try storeDirectory(path)
        case S_IFLNK:
            // The link itself is not an artifact; what it points to is.
            var target = stat()
            guard stat(path, &target) == 0 else { throw ReleaseError.invalidInput("\(path) is a dangling symbolic link", hint: nil) }
            return try store(URL(fileURLWithPath: path).resolvingSymlinksInPath().path)
        default:
            throw ReleaseError.invalidInput("\(path) is neither a file nor a directory", hint: nil)
        }
    }

    private func prepare() throws {
        for folder in [blobFolder, tempFolder] {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw ReleaseError.storage("cannot create the artifact store at \(root): \(error.localizedDescription)")
            }
        }
        removeAbandonedTemporaries()
    }

    /// A push killed mid-copy leaves its temporary file behind; one untouched for a day belongs to no live push.
    func removeAbandonedTemporaries(olderThan seconds: Double = 86_400) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: tempFolder) else { return }
        let cutoff = Date().timeIntervalSince1970 - seconds
        for name in names where name.hasPrefix("push-") {
            let p = tempFolder + "/" + name
            var st = stat()
            if lstat(p, &st) == 0 && Double(st.st_mtim.tv_sec) < cutoff { unlink(p) }
        }
    }

    // MARK: Files

    /// Copies one file into the store while hashing it; returns its hex digest and size.
    func storeFile(_ path: String) throws -> (hex: String, size: Int64) {
        let input = open(path, O_RDONLY)
        guard input >= 0 else { throw ReleaseError.invalidInput("cannot read \(path): \(errnoText())", hint: nil) }
        defer { close(input) }
        let (temp, output) = try makeTemp()
        var hasher = SHA256()
        var size: Int64 = 0
        /// Once `commit` has the descriptor, it closes it and removes the temporary file on failure.
        var handedOver = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobStore.bufferSize, alignment: 64)
        defer { buffer.deallocate() }
        do {
            while true {
                let n = read(input, buffer.baseAddress, buffer.count)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ReleaseError.storage("reading \(path): \(errnoText())")
                }
                if n == 0 { break }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                hasher.update(chunk)
                try writeAll(output, chunk, to: temp)
                size += Int64(n)
            }
            let hex = hasher.finalizeHex()
            handedOver = true
            try commit(temp: temp, fd: output, hex: hex)
            return (hex, size)
        } catch {
            if !handedOver {
                close(output)
                unlink(temp)
            }
            throw error
        }
    }

    /// Stores bytes already in memory (a manifest) under their digest.
    func storeBytes(_ bytes: [UInt8]) throws -> String {
        let (temp, output) = try makeTemp()
        do {
            try bytes.withUnsafeBytes { try writeAll(output, $0, to: temp) }
        } catch {
            close(output)
            unlink(temp)
            throw error
        }
        let hex = SHA256.hex(bytes)
        try commit(temp: temp, fd: output, hex: hex)
        return hex
    }

    private func makeTemp() throws -> (String, Int32) {
        var template = Array((tempFolder + "/push-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ReleaseError.storage("cannot create a file in \(tempFolder): \(errnoText())") }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (path, fd)
    }

    private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, to path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ReleaseError.storage("writing the artifact store (\(path)): \(errnoText())")
            }
            offset += n
        }
    }

    /// fsync, close, make read-only, rename into place, fsync the folder: after this the blob is durable.
    /// Closes `fd` and removes `temp` whatever happens.
    private func commit(temp: String, fd: Int32, hex: String) throws {
        guard fsync(fd) == 0 else {
            let e = errnoText()
            close(fd)
            unlink(temp)
            throw ReleaseError.storage("fsync of \(temp): \(e)")
        }
        fchmod(fd, 0o444)
        close(fd)
        guard rename(temp, path(ofHex: hex)) == 0 else {
            let e = errnoText()
            unlink(temp)
            throw ReleaseError.storage("cannot move the blob into \(blobFolder): \(e)")
        }
        let dir = open(blobFolder, O_RDONLY)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    // MARK: Directories

    /// One entry of a directory artifact's manifest.
    public enum ManifestEntry: Equatable, Sendable {
        case directory(path: String, mode: UInt16)
        case file(path: String, mode: UInt16, size: Int64, hex: String)
        case link(path: String, target: String)

        public var path: String {
            switch self {
            case .directory(let p, _), .file(let p, _, _, _), .link(let p, _): return p
            }
        }
    }

    private func storeDirectory(_ top: String) throws -> Stored {
        var entries: [ManifestEntry] = []
        var total: Int64 = 0
        try walk(top, relative: "", into: &entries, total: &total)
        let hex = try storeBytes(Array(BlobStore.manifestText(entries).utf8))
        return Stored(digest: ArtifactDigest.make(hex: hex), size: total, kind: .dir)
    }

    private func walk(_ folder: String, relative: String, into entries: inout [ManifestEntry], total: inout Int64) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw ReleaseError.invalidInput("cannot list \(folder): \(error.localizedDescription)", hint: nil)
        }
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            if name.contains("\t") || name.contains("\n") {
                throw ReleaseError.invalidInput("\(folder)/\(name): a name with a tab or a newline cannot be stored", hint: "rename it")
            }
            let full = folder + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(full, &st) == 0 else { throw ReleaseError.invalidInput("cannot read \(full): \(errnoText())", hint: nil) }
            let mode = UInt16(st.st_mode & 0o7777)
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                entries.append(.directory(path: rel, mode: mode))
                try walk(full, relative: rel, into: &entries, total: &total)
            case S_IFREG:
                let (hex, size) = try storeFile(full)
                total += size
                entries.append(.file(path: rel, mode: mode, size: size, hex: hex))
            case S_IFLNK:
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? ""
                if target.contains("\t") || target.contains("\n") {
                    throw ReleaseError.invalidInput("\(full): a link target with a tab or a newline cannot be stored", hint: nil)
                }
                entries.append(.link(path: rel, target: target))
            default:
                throw ReleaseError.invalidInput("\(full) is a device, socket or pipe: a directory artifact holds files, folders and links", hint: nil)
            }
        }
    }

    static func manifestText(_ entries: [ManifestEntry]) -> String {
        var out = manifestHeader + "\n"
        for e in entries {
            switch e {
            case .directory(let p, let mode): out += "d\t\(octal(mode))\t\(p)\n"
            case .file(let p, let mode, let size, let hex): out += "f\t\(octal(mode))\t\(size)\t\(hex)\t\(p)\n"
            case .link(let p, let target): out += "l\t\(target)\t\(p)\n"
            }
        }
        return out
    }

    static func octal(_ mode: UInt16) -> String {
        let s = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    /// Reads a manifest blob; a malformed one is an integrity error (the store never writes one).
    public func manifest(hex: String) throws -> [ManifestEntry] {
        guard let data = FileManager.default.contents(atPath: path(ofHex: hex)), let text = String(data: data, encoding: .utf8) else {
            throw ReleaseError.integrity("the manifest blob sha256:\(hex) is missing or unreadable")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard lines.first.map(String.init) == BlobStore.manifestHeader else {
            throw ReleaseError.integrity("the manifest blob sha256:\(hex) does not start with '\(BlobStore.manifestHeader)'")
        }
        return try lines.dropFirst().map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch (f.first, f.count) {
            case ("d", 3): if let m = UInt16(f[1], radix: 8) { return .directory(path: f[2], mode: m) }
            case ("f", 5): if let m = UInt16(f[1], radix: 8), let s = Int64(f[2]) { return .file(path: f[4], mode: m, size: s, hex: f[3]) }
            case ("l", 3): return .link(path: f[2], target: f[1])
            default: break
            }
            throw ReleaseError.integrity("the manifest blob sha256:\(hex) has a malformed line: \(line)")
        }
    }

    // MARK: Verifying and reading back

    /// Re-hashes the blob of `hex` (for a directory, the manifest and every file it names) and returns what is
    /// wrong: a missing blob, a digest or size that does not match. Empty when the bits are intact.
    public func verify(digest: String, kind: ArtifactKind, size: Int64) -> [String] {
        let hex = ArtifactDigest.hex(digest)
        switch kind {
        case .file:
            return verifyBlob(hex: hex, size: size, what: "the blob")
        case .dir:
            var problems = verifyBlob(hex: hex, size: nil, what: "the manifest")
            if !problems.isEmpty { return problems }
            do {
                for case .file(let p, _, let s, let h) in try manifest(hex: hex) {
                    problems += verifyBlob(hex: h, size: s, what: p)
                }
            } catch {
                problems.append("\(error)")
            }
            return problems
        }
    }

    private func verifyBlob(hex: String, size: Int64?, what: String) -> [String] {
        let p = path(ofHex: hex)
        let fd = open(p, O_RDONLY)
        guard fd >= 0 else { return ["\(what): sha256:\(hex) is missing from the store (\(p))"] }
        defer { close(fd) }
        var hasher = SHA256()
        var n64: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobStore.bufferSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 { if errno == EINTR { continue }; return ["\(what): reading \(p): \(errnoText())"] }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            n64 += Int64(n)
        }
        let found = hasher.finalizeHex()
        if found != hex { return ["\(what): \(p) hashes to sha256:\(found.prefix(12)), not its name sha256:\(hex.prefix(12)) (the file was changed in the store)"] }
        if let size, size != n64 { return ["\(what): \(p) has \(n64) bytes, \(size) recorded"] }
        return []
    }

    /// Writes the artifact to `destination` (a file, or a new directory for a directory artifact), checking
    /// every byte against its digest on the way: damaged bits are never handed out.
    public func export(digest: String, kind: ArtifactKind, to destination: String) throws {
        let hex = ArtifactDigest.hex(digest)
        switch kind {
        case .file:
            try exportFile(hex: hex, mode: 0o644, to: destination)
        case .dir:
            let problems = verifyBlob(hex: hex, size: nil, what: "the manifest")
            if let p = problems.first { throw ReleaseError.integrity(p) }
            let entries = try manifest(hex: hex)
            try makeFolder(destination, mode: 0o755)
            for e in entries {
                let target = destination + "/" + e.path
                switch e {
                case .directory(_, let mode): try makeFolder(target, mode: mode)
                case .file(_, let mode, _, let h): try exportFile(hex: h, mode: mode, to: target)
                case .link(_, let t):
                    guard symlink(t, target) == 0 else { throw ReleaseError.storage("cannot create the link \(target): \(errnoText())") }
                }
            }
        }
    }

    private func makeFolder(_ path: String, mode: UInt16) throws {
        if mkdir(path, mode_t(mode)) != 0 && errno != EEXIST {
            throw ReleaseError.storage("cannot create \(path): \(errnoText())")
        }
        chmod(path, mode_t(mode))
    }

    /// Copies one blob to `destination` through a temporary file beside it, hashing as it goes; renames it into
    /// place only when the digest matches.
    private func exportFile(hex: String, mode: UInt16, to destination: String) throws {
        let source = path(ofHex: hex)
        let input = open(source, O_RDONLY)
        guard input >= 0 else { throw ReleaseError.integrity("sha256:\(hex) is missing from the store (\(source))") }
        defer { close(input) }
        let temp = destination + ".platflow-pull"
        let output = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard output >= 0 else { throw ReleaseError.storage("cannot write \(temp): \(errnoText())") }
        var hasher = SHA256()
        var closed = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobStore.bufferSize, alignment: 64)
        defer { buffer.deallocate() }
        do {
            while true {
                let n = read(input, buffer.baseAddress, buffer.count)
                if n < 0 { if errno == EINTR { continue }; throw ReleaseError.storage("reading \(source): \(errnoText())") }
                if n == 0 { break }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                hasher.update(chunk)
                try writeAll(output, chunk, to: temp)
            }
            let found = hasher.finalizeHex()
            guard found == hex else {
                throw ReleaseError.integrity("\(source) hashes to sha256:\(found.prefix(12)), not its name sha256:\(hex.prefix(12)): the store's copy was changed; nothing was written")
            }
            guard fsync(output) == 0 else { throw ReleaseError.storage("fsync of \(temp): \(errnoText())") }
            fchmod(output, mode_t(mode))
            close(output)
            closed = true
            guard rename(temp, destination) == 0 else { throw ReleaseError.storage("cannot write \(destination): \(errnoText())") }
        } catch {
            if !closed { close(output) }
            unlink(temp)
            throw error
        }
    }
}

/// A file artifact is one blob; a directory artifact is a manifest naming its files' blobs.
public enum ArtifactKind: String, Sendable {
    case file, dir
}

func errnoText() -> String { String(cString: strerror(errno)) }
