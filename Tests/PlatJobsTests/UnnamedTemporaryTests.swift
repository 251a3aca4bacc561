import Foundation
import Testing
@testable import PlatJobs
#if canImport(Glibc)
import Glibc
#endif

// Foundation has a `Host` class too.
private typealias Host = PlatJobs.Host

// New destination files are written without a name (O_TMPFILE) and linked into place once whole: nothing of a
// copy in flight is ever visible under a name, the file lands with its exact permissions, and a name that is
// taken is never overwritten by the link itself.

private func scratch(_ tag: String = #function) -> String { scratchFolder("unnamed", test: tag) }

private func listing(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
}

/// Whether this machine's kernel and temporary folder can write and name unnamed files (Linux 3.11 and later
/// on ext4, xfs, btrfs and tmpfs; elsewhere copies write named temporaries, which CopyTests cover).
private func unnamedFilesWork(in dir: String) -> Bool {
    let fd = open(dir, O_RDONLY | O_DIRECTORY)
    defer { close(fd) }
    guard let made = try? UnnamedTemporary.create(in: fd, permissions: 0o600, folder: dir) else { return false }
    close(made.fd)
    return true
}

/// Sees every name in a folder while a copy runs.
private final class FolderWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var names = Set<String>()
    private var stopped = false
    let dir: String

    init(_ dir: String) { self.dir = dir }

    func start() {
        Thread {
            while true {
                self.lock.lock()
                let stop = self.stopped
                self.lock.unlock()
                if stop { return }
                let now = listing(self.dir)
                self.lock.lock()
                self.names.formUnion(now)
                self.lock.unlock()
            }
        }.start()
    }

    func stop() -> Set<String> {
        lock.lock()
        defer { lock.unlock() }
        stopped = true
        return names
    }
}

@Suite struct UnnamedTemporaryTests {
    @Test func aNewFileNeverShowsUnderAnyOtherNameAndLandsWithItsPermissions() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #require(unnamedFilesWork(in: dir), "O_TMPFILE files cannot be made and linked in \(dir)")
        // Large enough to take a while; written by the stream (the first host hashes it while it writes).
        let bytes = (0..<(24 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }
        let src = dir + "/big.bin"
        _ = FileManager.default.createFile(atPath: src, contents: Data(bytes))
        chmod(src, 0o741)
        // One the umask would narrow at creation: its permissions are set after.
        let small = dir + "/small.conf"
        _ = FileManager.default.createFile(atPath: small, contents: Data("x = 1\n".utf8))
        chmod(small, 0o666)
        let host = Host(name: "u1", address: "u1", root: dir + "/hosts/u1")
        try FileManager.default.createDirectory(atPath: host.root! + "/srv", withIntermediateDirectories: true)
        let watcher = FolderWatcher(host.root! + "/srv")
        watcher.start()
        let expanded = try FileDistributor.expand([.local(src), .local(small)])
        let r = FileDistributor.copy(expanded, to: host, dest: "/srv/", options: CopyOptions())
        let seen = watcher.stop()
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect(seen.isSubset(of: ["big.bin", "small.conf"]), "names seen while copying: \(seen.sorted())")
        #expect(FileManager.default.contents(atPath: host.root! + "/srv/big.bin") == Data(bytes))
        var st = stat()
        #expect(stat(host.root! + "/srv/big.bin", &st) == 0 && st.st_mode & 0o7777 == 0o741)
        #expect(stat(host.root! + "/srv/small.conf", &st) == 0 && st.st_mode & 0o7777 == 0o666)
        #expect(r.files.first?.sha256 == SHA256.hex(bytes))
        #expect(listing(host.root! + "/srv") == ["big.bin", "small.conf"])
    }

    @Test func aFileWithoutANameAppearsOnlyWhenLinkedAndNeverOverAnExistingName() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #require(unnamedFilesWork(in: dir), "O_TMPFILE files cannot be made and linked in \(dir)")
        _ = FileManager.default.createFile(atPath: dir + "/taken", contents: Data("old".utf8))
        let folder = open(dir, O_RDONLY | O_DIRECTORY)
        defer { close(folder) }
        let made = try #require(try UnnamedTemporary.create(in: folder, permissions: 0o644, folder: dir))
        defer { close(made.fd) }
        let text = Array("new content".utf8)
        #expect(write(made.fd, text, text.count) == text.count)
        #expect(listing(dir) == ["taken"])
        #expect(UnnamedTemporary.link(made.fd, made.linking, in: folder, as: "taken") == EEXIST)
        #expect(FileManager.default.contents(atPath: dir + "/taken") == Data("old".utf8))
        #expect(UnnamedTemporary.link(made.fd, made.linking, in: folder, as: "fresh") == 0)
        #expect(listing(dir) == ["fresh", "taken"])
        #expect(FileManager.default.contents(atPath: dir + "/fresh") == Data(text))
    }

    @Test func aTreeCopiedToManyHostsAtOnceLeavesOnlyItsFiles() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var files: [String: [UInt8]] = [:]
        for i in 0..<60 {
            let rel = "tree/d\(i % 4)/f\(i).txt"
            let content = Array("file \(i) ".utf8) + [UInt8](repeating: UInt8(i), count: 100 + i * 37)
            try FileManager.default.createDirectory(atPath: dir + "/" + (rel as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: dir + "/" + rel, contents: Data(content))
            files[rel] = content
        }
        let expanded = try FileDistributor.expand([.local(dir + "/tree")])
        let plan = FileDistributor.plan(expanded, dest: "/srv/", options: CopyOptions())
        let hosts = (0..<8).map { Host(name: "t\($0)", address: "t\($0)", root: dir + "/hosts/t\($0)") }
        // A second pass replaces every file (named temporaries and renames) and must end the same way.
        for _ in 0..<2 {
            let results = ResultBox()
            DispatchQueue.concurrentPerform(iterations: hosts.count) { i in
                results.add(FileDistributor.copy(plan, to: hosts[i], options: CopyOptions()))
            }
            #expect(results.all.allSatisfy { $0.status == .ok && $0.fileCount == files.count })
            for h in hosts {
                let left = (FileManager.default.enumerator(atPath: h.root!)?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix(".tmp") }
                #expect(left.isEmpty, "\(left)")
                for (rel, content) in files {
                    #expect(FileManager.default.contents(atPath: h.root! + "/srv/" + rel) == Data(content))
                }
            }
        }
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [HostCopyResult] = []
    func add(_ r: HostCopyResult) {
        lock.lock()
        results.append(r)
        lock.unlock()
    }
    var all: [HostCopyResult] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
