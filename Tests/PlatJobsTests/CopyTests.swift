import Foundation
import PlatEngine
import Testing
@testable import PlatJobs
import PlatTestKit
#if canImport(Glibc)
import Glibc
#endif

// Foundation has a `Host` class too.
private typealias Host = PlatJobs.Host

// MARK: Helpers

/// A fresh folder for one test (removed at the end by `defer`).
private func scratch(_ tag: String = #function) -> String { scratchFolder("copy", test: tag) }

private func simulated(_ name: String, in dir: String) -> Host {
    Host(name: name, address: name, root: dir + "/hosts/" + name)
}

@discardableResult
private func write(_ path: String, _ bytes: [UInt8]) -> String {
    let folder = (path as NSString).deletingLastPathComponent
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

@discardableResult
private func write(_ path: String, _ text: String) -> String { write(path, Array(text.utf8)) }

private func read(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
}

private func text(_ path: String) -> String? { read(path).map { String(decoding: $0, as: UTF8.self) } }

private func randomBytes(_ n: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    var out = [UInt8](repeating: 0, count: n)
    for i in 0..<n {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        out[i] = UInt8(truncatingIfNeeded: state >> 33)
    }
    return out
}

/// Files left in `dir` (recursively) whose names mark them as temporaries of a copy.
private func temporaries(in dir: String) -> [String] {
    (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).filter { $0.contains(".platflow-") && $0.hasSuffix(".tmp") }
}

private func copyOne(_ sources: [CopySource], to host: Host, dest: String, options: CopyOptions = CopyOptions()) throws -> HostCopyResult {
    let expanded = try FileDistributor.expand(sources, options: options)
    return FileDistributor.copy(expanded, to: host, dest: dest, options: options)
}

// MARK: SHA-256

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8))
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func paddingBoundaries() {
        // Lengths around the 55/56/64-byte padding edges, against the system's sha256sum.
        let data = randomBytes(300, seed: 7)
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for n in [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 255] {
            let path = write(dir + "/v\(n)", Array(data[0..<n]))
            let r = try? ProcessRunner.run(ProcessSpec(arguments: ["sha256sum", path]))
            let expected = r.map { String($0.stdoutText.prefix(64)) }
            #expect(SHA256.hex(data[0..<n]) == expected, "length \(n)")
        }
    }

    @Test func incrementalEqualsOneShot() {
        let data = randomBytes(10_000, seed: 3)
        let whole = SHA256.hex(data)
        for split in [1, 3, 63, 64, 65, 127, 1000] {
            var h = SHA256()
            var i = 0
            while i < data.count {
                let j = min(data.count, i + split)
                h.update(Array(data[i..<j]))
                i = j
            }
            #expect(h.finalizeHex() == whole, "split \(split)")
        }
    }

    @Test func processorInstructionsAgreeWithTheSwiftRounds() {
        // On a processor with SHA instructions SHA256() uses them; the Swift rounds must give the same digests
        // (elsewhere both sides are the Swift rounds, and the vectors above still hold them to the standard).
        for (n, seed) in [(0, 1), (1, 2), (64, 3), (65, 4), (1000, 5), (100_003, 6)] {
            let data = randomBytes(n, seed: UInt64(seed))
            var hw = SHA256()
            var sw = SHA256(softwareOnly: true)
            hw.update(data)
            sw.update(data)
            #expect(hw.finalizeHex() == sw.finalizeHex(), "length \(n)")
        }
    }
}

// MARK: Macros and paths

@Suite struct CopyPathTests {
    @Test func macros() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)   // 2023-11-14 22:13:20 UTC
        let h = Host(name: "db", address: "fe80::1", transport: .ssh)
        #expect(DestinationPath.expandMacros("/b/[FILESRCIP]/x", sourceHost: h, now: now) == "/b/fe80__1/x")
        #expect(DestinationPath.expandMacros("/b/[DATE:yyyy-MM-dd]/[DATE:HHmm]", sourceHost: nil, now: now) == "/b/2023-11-14/2213")
        #expect(DestinationPath.expandMacros("/b/[FILESRCIP]", sourceHost: nil, now: now) == "/b/" + thisMachineName)
        #expect(DestinationPath.expandMacros("/b/[other]/[DATE:yyyy", sourceHost: nil, now: now) == "/b/[other]/[DATE:yyyy")
    }

    @Test func dotDotIsRefused() {
        #expect(throws: CopyFailure.self) { try DestinationPath.components("/etc/../x", what: "destination") }
        #expect(throws: CopyFailure.self) { try DestinationPath.components("a/..", what: "destination") }
        #expect((try? DestinationPath.components("/a/./b//c/", what: "destination")) == ["a", "b", "c"])
    }
}

// MARK: Local and simulated hosts

@Suite struct LocalCopyTests {
    @Test func oneFileToFiveSimulatedHosts() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let content = randomBytes(300_000)
        let src = write(dir + "/src/app.conf", content)
        let expanded = try FileDistributor.expand([.local(src)])
        #expect(expanded.first?.files.map(\.relativePath) == ["app.conf"])
        let hosts = (1...5).map { simulated("web-0\($0)", in: dir) }
        // Concurrently, as the rolling runner calls it: one host hashes, the others use the kernel copy.
        let results = ConcurrentResults(count: hosts.count)
        DispatchQueue.concurrentPerform(iterations: hosts.count) { i in
            results.set(i, FileDistributor.copy(expanded, to: hosts[i], dest: "/etc/app.conf", options: CopyOptions()))
        }
        let digest = SHA256.hex(content)
        for (i, host) in hosts.enumerated() {
            let r = try #require(results.get(i))
            #expect(r.status == .ok, "\(r.error ?? "")")
            #expect(r.files.count == 1)
            #expect(r.files.first?.destination == "/etc/app.conf")
            #expect(r.files.first?.sha256 == digest)
            #expect(r.files.first?.bytes == Int64(content.count))
            #expect(read(host.root! + "/etc/app.conf") == content)
            #expect(temporaries(in: host.root!).isEmpty)
        }
        // The real machine was not touched.
        #expect(!FileManager.default.fileExists(atPath: "/etc/app.conf") || read("/etc/app.conf") != content)
    }

    @Test func folderToFiveSimulatedHosts() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        write(dir + "/release/bin/run.sh", "#!/bin/sh\necho hi\n")
        chmod(dir + "/release/bin/run.sh", 0o755)
        write(dir + "/release/conf/a.conf", "a=1\n")
        write(dir + "/release/README", "read me\n")
        symlink("/etc/passwd", dir + "/release/conf/passwd-link")
        let hosts = (1...5).map { simulated("app-\($0)", in: dir) }
        let expanded = try FileDistributor.expand([.local(dir + "/release")])
        #expect(expanded.first?.files.map(\.relativePath) == ["release/README", "release/bin/run.sh", "release/conf/a.conf", "release/conf/passwd-link"])
        for host in hosts {
            let r = FileDistributor.copy(expanded, to: host, dest: "/opt", options: CopyOptions())
            #expect(r.status == .ok)
            let root = try #require(host.root)
            #expect(text(root + "/opt/release/bin/run.sh") == "#!/bin/sh\necho hi\n")
            #expect(text(root + "/opt/release/conf/a.conf") == "a=1\n")
            // The link inside the folder is listed as skipped, never followed.
            #expect(r.files.first { $0.source.hasSuffix("passwd-link") }?.status == .skipped)
            #expect(!FileManager.default.fileExists(atPath: root + "/opt/release/conf/passwd-link"))
            var st = stat()
            #expect(stat(root + "/opt/release/bin/run.sh", &st) == 0 && (st.st_mode & 0o777) == 0o755)
        }
        // A trailing slash copies the folder's contents.
        let contents = try FileDistributor.expand([.local(dir + "/release/")])
        let r = FileDistributor.copy(contents, to: hosts[0], dest: "/srv/app/", options: CopyOptions())
        #expect(r.status == .ok)
        #expect(text(hosts[0].root! + "/srv/app/conf/a.conf") == "a=1\n")
    }

    @Test func manyToManyAndManyToOneWithMacros() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sources = (1...3).map { simulated("src-\($0)", in: dir) }
        for (i, s) in sources.enumerated() { write(s.root! + "/var/log/app.log", "log of host \(i + 1)\n") }
        let targets = (1...2).map { simulated("collector-\($0)", in: dir) }
        var options = CopyOptions()
        options.now = Date(timeIntervalSince1970: 1_700_000_000)
        let expanded = try FileDistributor.expand(sources.map { .remote(host: $0, path: "/var/log/app.log") }, options: options)
        #expect(expanded.allSatisfy { $0.error == nil })
        for target in targets {
            let r = FileDistributor.copy(expanded, to: target, dest: "/backup/[FILESRCIP]/[DATE:yyyy-MM-dd]/", options: options)
            #expect(r.status == .ok, "\(r.error ?? "")")
            for (i, s) in sources.enumerated() {
                #expect(text(target.root! + "/backup/\(s.address)/2023-11-14/app.log") == "log of host \(i + 1)\n")
            }
            #expect(r.files.map(\.source) == sources.map { "\($0.name):/var/log/app.log" })
        }
        // Macros in the file name itself: many-to-one onto distinct file paths.
        let r2 = FileDistributor.copy(expanded, to: targets[0], dest: "/logs/app-[FILESRCIP].log", options: options)
        #expect(r2.status == .ok)
        #expect(text(targets[0].root! + "/logs/app-src-2.log") == "log of host 2\n")
        // Without a macro they would land on one path: the first is copied, the others refused.
        let r3 = FileDistributor.copy(expanded, to: targets[0], dest: "/same/", options: options)
        #expect(r3.files.map(\.status) == [.ok, .failed, .failed])
        #expect(r3.files.last?.error?.contains("[FILESRCIP]") == true)
    }

    @Test func globs() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        write(dir + "/logs/a.log", "a")
        write(dir + "/logs/b.log", "b")
        write(dir + "/logs/c.txt", "c")
        let host = simulated("g", in: dir)
        let r = try copyOne([.local(dir + "/logs/*.log")], to: host, dest: "/in")
        #expect(r.status == .ok)
        #expect(r.files.map(\.destination) == ["/in/a.log", "/in/b.log"])
        #expect(!FileManager.default.fileExists(atPath: host.root! + "/in/c.txt"))
        let braces = try FileDistributor.expand([.local(dir + "/logs/{a,c}.*")])
        #expect(braces.first?.files.map(\.relativePath) == ["a.log", "c.txt"])
        #expect(throws: CopyError.self) { try FileDistributor.expand([.local(dir + "/logs/*.nothing")]) }
        #expect(throws: CopyError.self) { try FileDistributor.expand([.local(dir + "/missing.conf")]) }
        // A glob on a simulated source host stays under its root.
        write(host.root! + "/var/log/x.log", "x")
        let remote = try FileDistributor.expand([.remote(host: host, path: "/var/log/*.log")])
        #expect(remote.first?.files.map(\.relativePath) == ["x.log"])
        #expect(remote.first?.error == nil)
        let missing = try FileDistributor.expand([.remote(host: host, path: "/var/log/none-*.log")])
        #expect(missing.first?.error?.contains("no file matches") == true)
    }

    @Test func strictAndForce() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = write(dir + "/f.txt", "hello")
        let host = simulated("s", in: dir)
        var strict = CopyOptions()
        strict.mode = .strict
        let r = try copyOne([.local(src)], to: host, dest: "/missing/folder/", options: strict)
        #expect(r.status == .failed)
        #expect(r.error?.contains("does not exist") == true)
        #expect(!FileManager.default.fileExists(atPath: host.root! + "/missing"))
        let forced = try copyOne([.local(src)], to: host, dest: "/missing/folder/")
        #expect(forced.status == .ok)
        #expect(text(host.root! + "/missing/folder/f.txt") == "hello")
        // Now the folder exists, strict is fine; a file path's folder must exist too.
        #expect(try copyOne([.local(src)], to: host, dest: "/missing/folder/g.txt", options: strict).status == .ok)
        #expect(text(host.root! + "/missing/folder/g.txt") == "hello")
        #expect(try copyOne([.local(src)], to: host, dest: "/nope/g.txt", options: strict).status == .failed)
        // An existing folder given as a file path means "into it".
        #expect(try copyOne([.local(src)], to: host, dest: "/missing/folder", options: strict).files.first?.destination == "/missing/folder/f.txt")
    }

    @Test func traversalIsRefused() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = write(dir + "/f.txt", "payload")
        let host = simulated("t", in: dir)
        for dest in ["/../../escaped.txt", "../escaped.txt", "/etc/../../../escaped.txt", "/a/b/../c.txt"] {
            let r = try copyOne([.local(src)], to: host, dest: dest)
            #expect(r.status == .failed, "\(dest)")
            #expect(r.error?.contains("'..'") == true)
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/escaped.txt"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/hosts/escaped.txt"))
        #expect(!FileManager.default.fileExists(atPath: host.root! + "/a"))
    }

    @Test func symlinkEscapesAreRefused() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = write(dir + "/f.txt", "payload")
        let host = simulated("l", in: dir)
        let root = host.root!
        let outside = dir + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // A folder link to the outside (absolute and relative), a link to the real /etc, a chain.
        symlink(outside, root + "/etc")
        symlink("../../outside", root + "/rel")
        symlink("/etc", root + "/sys-etc")
        try FileManager.default.createDirectory(atPath: root + "/deep", withIntermediateDirectories: true)
        symlink("../rel", root + "/deep/hop")
        for dest in ["/etc/app.conf", "/rel/app.conf", "/sys-etc/platflow-test-should-not-exist", "/deep/hop/x/app.conf"] {
            let r = try copyOne([.local(src)], to: host, dest: dest)
            #expect(r.status == .failed, "\(dest)")
            #expect(r.error?.contains("outside the host's root") == true, "\(r.error ?? "")")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/etc/platflow-test-should-not-exist"))
        // A final component that is a link is refused, and the file it points to is untouched.
        let victim = write(outside + "/victim", "untouched")
        try FileManager.default.createDirectory(atPath: root + "/conf", withIntermediateDirectories: true)
        symlink(victim, root + "/conf/app.conf")
        let r = try copyOne([.local(src)], to: host, dest: "/conf/app.conf")
        #expect(r.status == .failed)
        #expect(r.error?.contains("symbolic link") == true)
        #expect(text(victim) == "untouched")
        // A link that stays inside the root is followed.
        try FileManager.default.createDirectory(atPath: root + "/srv/www", withIntermediateDirectories: true)
        symlink("srv/www", root + "/www")
        symlink(root + "/srv", root + "/abs-srv")
        #expect(try copyOne([.local(src)], to: host, dest: "/www/index.html").status == .ok)
        #expect(text(root + "/srv/www/index.html") == "payload")
        #expect(try copyOne([.local(src)], to: host, dest: "/abs-srv/www/two.html").status == .ok)
        #expect(text(root + "/srv/www/two.html") == "payload")
        #expect(temporaries(in: dir).isEmpty)
    }

    @Test func realMachinePathsAsTheyAre() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = write(dir + "/f.txt", "real")
        let local = Host(name: "localhost")
        #expect(local.isThisMachine)
        let r = try copyOne([.local(src)], to: local, dest: dir + "/out/g.txt")
        #expect(r.status == .ok)
        #expect(text(dir + "/out/g.txt") == "real")
        // Folder links on the way are fine on the real machine; a link as the final component is not.
        symlink(dir + "/out", dir + "/via")
        #expect(try copyOne([.local(src)], to: local, dest: dir + "/via/h.txt").status == .ok)
        #expect(text(dir + "/out/h.txt") == "real")
        symlink(dir + "/out/h.txt", dir + "/out/link.txt")
        #expect(try copyOne([.local(src)], to: local, dest: dir + "/out/link.txt").status == .failed)
        #expect(try copyOne([.local(src)], to: local, dest: dir + "/out/../escape.txt").status == .failed)
    }

    @Test func rateLimitIsHonoured() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = write(dir + "/two-mb", randomBytes(2_000_000))
        var options = CopyOptions()
        options.uploadLimit = 1_000_000
        let t0 = Date()
        let r = try copyOne([.local(src)], to: simulated("slow", in: dir), dest: "/x/", options: options)
        let took = Date().timeIntervalSince(t0)
        #expect(r.status == .ok)
        #expect(took >= 1.8 && took <= 2.2, "took \(took) s")
        let speed = try #require(r.files.first?.speed)
        #expect(speed >= 0.9e6 && speed <= 1.1e6, "speed \(speed)")
    }

    @Test func checksumMismatchIsDetected() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = write(dir + "/f.bin", randomBytes(100_000))
        let host = simulated("c", in: dir)
        write(host.root! + "/data/f.bin", "old content")
        var options = CopyOptions()
        options.verify = .full
        options.afterWriteHook = { _, path in
            // Flip one byte of what was written, as a bad disk would.
            let fd = open(path, O_RDWR)
            var b: UInt8 = 0
            _ = pread(fd, &b, 1, 500)
            b ^= 0xFF
            _ = pwrite(fd, &b, 1, 500)
            close(fd)
        }
        let r = try copyOne([.local(src)], to: host, dest: "/data/", options: options)
        #expect(r.status == .failed)
        #expect(r.error?.contains("checksum mismatch") == true, "\(r.error ?? "")")
        #expect(text(host.root! + "/data/f.bin") == "old content")
        #expect(temporaries(in: host.root!).isEmpty)
        // Without the corruption, full verification passes.
        options.afterWriteHook = nil
        #expect(try copyOne([.local(src)], to: host, dest: "/data/", options: options).status == .ok)
        #expect(read(host.root! + "/data/f.bin") == read(src))
    }

    @Test func replaceIsAtomic() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let size = 4_000_000
        let a = write(dir + "/a/data.bin", [UInt8](repeating: 0x41, count: size))
        let b = write(dir + "/b/data.bin", [UInt8](repeating: 0x42, count: size))
        let host = simulated("atomic", in: dir)
        let target = host.root! + "/srv/data.bin"
        #expect(try copyOne([.local(a)], to: host, dest: "/srv/").status == .ok)
        let stop = Flag()
        let bad = Counter()
        let reads = Counter()
        let reader = Thread {
            while !stop.isSet {
                guard let bytes = read(target) else { bad.add(); continue }
                reads.add()
                if bytes.count != size || !(bytes.allSatisfy { $0 == 0x41 } || bytes.allSatisfy { $0 == 0x42 }) { bad.add() }
            }
        }
        reader.start()
        let ea = try FileDistributor.expand([.local(a)])
        let eb = try FileDistributor.expand([.local(b)])
        for i in 0..<20 {
            let r = FileDistributor.copy(i % 2 == 0 ? eb : ea, to: host, dest: "/srv/", options: CopyOptions())
            #expect(r.status == .ok)
        }
        stop.set()
        while !reader.isFinished { usleep(1000) }
        #expect(reads.value > 0)
        #expect(bad.value == 0, "a reader saw a missing or mixed file \(bad.value) times")
    }

    @Test func timeoutAndCancel() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = write(dir + "/big", randomBytes(3_000_000))
        let host = simulated("t", in: dir)
        write(host.root! + "/x/big", "old")
        var options = CopyOptions()
        options.uploadLimit = 1_000_000
        options.timeout = 0.5
        let r = try copyOne([.local(src)], to: host, dest: "/x/", options: options)
        #expect(r.status == .timeout)
        #expect(r.error?.contains("timed out") == true)
        #expect(text(host.root! + "/x/big") == "old")
        #expect(temporaries(in: host.root!).isEmpty)

        options.timeout = 60
        options.owner = "run-cancel-\(UUID().uuidString)"
        let expanded = try FileDistributor.expand([.local(src)])
        let box = ConcurrentResults(count: 1)
        let running = options
        let t = Thread { box.set(0, FileDistributor.copy(expanded, to: host, dest: "/x/", options: running)) }
        t.start()
        // Cancelled in the middle: once the copy is under way (a cancel before it starts has nothing to stop).
        let owner = options.owner!
        while !CopyControl.isActive(owner: owner) && !t.isFinished { usleep(5_000) }
        usleep(100_000)
        FileDistributor.cancel(owner: "some-other-run")
        FileDistributor.cancel(owner: options.owner!)
        while !t.isFinished { usleep(1000) }
        #expect(box.get(0)?.status == .cancelled)
        #expect(text(host.root! + "/x/big") == "old")
    }

    @Test func progressAndSpeedAreReported() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = write(dir + "/p/a", randomBytes(9_000_000, seed: 1))
        write(dir + "/p/b", randomBytes(1_000, seed: 2))
        let seen = Counter()
        let last = Counter()
        let expanded = try FileDistributor.expand([.local(dir + "/p/")])
        let r = FileDistributor.copy(expanded, to: simulated("p", in: dir), dest: "/in", options: CopyOptions()) { n in
            seen.add()
            last.set(Int(n))
        }
        #expect(r.status == .ok)
        #expect(seen.value >= 2)
        #expect(last.value == 9_001_000)
        #expect(r.bytes == 9_001_000)
        #expect(r.files.allSatisfy { $0.duration > 0 && $0.speed > 0 })
        #expect(r.files.first?.sha256 == SHA256.hex(read(a) ?? []))
        // Without fsync (durable: false) the result is the same, minus the durability.
        var quick = CopyOptions()
        quick.durable = false
        let q = FileDistributor.copy(expanded, to: simulated("q", in: dir), dest: "/in", options: quick)
        #expect(q.status == .ok)
        #expect(q.files.map(\.sha256) == r.files.map(\.sha256))
    }
}

// MARK: Over a real sshd

@Suite(.serialized) struct SSHCopyTests {
    @Test func oneToManyAndFoldersOverSSH() throws {
        let server = try SSHServer.start()
        defer { server.stop() }
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let content = randomBytes(3_000_000)
        let src = write(dir + "/src/app.bin", content)
        write(dir + "/tree/x/y.txt", "y")
        write(dir + "/tree/z.txt", "z")
        let expanded = try FileDistributor.expand([.local(src)])
        let hosts = (1...3).map { server.host(named: "ssh-\($0)") }
        let results = ConcurrentResults(count: hosts.count)
        DispatchQueue.concurrentPerform(iterations: hosts.count) { i in
            results.set(i, FileDistributor.copy(expanded, to: hosts[i], dest: dir + "/remote-\(i)/app.bin", options: CopyOptions()))
        }
        for i in 0..<hosts.count {
            let r = try #require(results.get(i))
            #expect(r.status == .ok, "\(r.error ?? "")")
            #expect(r.files.first?.sha256 == SHA256.hex(content))
            #expect(read(dir + "/remote-\(i)/app.bin") == content)
        }
        var st = stat()
        #expect(stat(dir + "/remote-0/app.bin", &st) == 0 && (st.st_mode & 0o777) == 0o644)
        let tree = try copyOne([.local(dir + "/tree")], to: hosts[0], dest: dir + "/remote-tree")
        #expect(tree.status == .ok, "\(tree.error ?? "")")
        #expect(text(dir + "/remote-tree/tree/x/y.txt") == "y")
        // Replacing an existing file, into an existing folder named as a file path.
        let again = try copyOne([.local(src)], to: hosts[0], dest: dir + "/remote-0")
        #expect(again.files.first?.destination == dir + "/remote-0/app.bin")
        #expect(temporaries(in: dir).isEmpty)
    }

    @Test func manyToOneOverSSH() throws {
        let server = try SSHServer.start()
        defer { server.stop() }
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let remote = server.host(named: "db-1")
        let sim = simulated("db-2", in: dir)
        write(dir + "/db1/logs/app.log", "from ssh\n")
        write(dir + "/db1/logs/other.log", "other\n")
        write(sim.root! + "/logs/app.log", "from simulated\n")
        var options = CopyOptions()
        options.now = Date(timeIntervalSince1970: 1_700_000_000)
        let expanded = try FileDistributor.expand([.remote(host: remote, path: dir + "/db1/logs/*.log"),
                                                   .remote(host: sim, path: "/logs/app.log")], options: options)
        #expect(expanded.first?.error == nil, "\(expanded.first?.error ?? "")")
        #expect(expanded.first?.files.map(\.relativePath) == ["app.log", "other.log"])
        // To a simulated collector, and to an ssh collector.
        let collector = simulated("collector", in: dir)
        let r = FileDistributor.copy(expanded, to: collector, dest: "/in/[FILESRCIP]-[DATE:yyyyMMdd]/", options: options)
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect(text(collector.root! + "/in/127.0.0.1-20231114/app.log") == "from ssh\n")
        #expect(text(collector.root! + "/in/db-2-20231114/app.log") == "from simulated\n")
        let r2 = FileDistributor.copy(expanded, to: remote, dest: dir + "/gathered/[FILESRCIP]/", options: options)
        #expect(r2.status == .ok, "\(r2.error ?? "")")
        #expect(text(dir + "/gathered/127.0.0.1/other.log") == "other\n")
        #expect(text(dir + "/gathered/db-2/app.log") == "from simulated\n")
        // A source host that cannot be reached fails on every target, and the others still arrive.
        let dead = Host(name: "dead", address: "127.0.0.1", transport: .ssh, user: server.user, port: try SSHServer.freePort(),
                        identity: server.userKey, knownHosts: "off", connectTimeout: 2)
        let mixed = try FileDistributor.expand([.remote(host: dead, path: "/x.log"), .remote(host: sim, path: "/logs/app.log")])
        let r3 = FileDistributor.copy(mixed, to: collector, dest: "/mixed/[FILESRCIP]/", options: options)
        #expect(r3.files.map(\.status) == [.failed, .ok])
        #expect(r3.files.first?.error?.contains("cannot list dead:/x.log") == true, "\(r3.files.first?.error ?? "")")
    }

    /// The rate is checked over the transfer itself: from the first bytes handed to (or received from) ssh to
    /// the last. Each file also costs two ssh sessions (upload, then verify and rename), about 0.2 s each on a
    /// loopback sshd, which no rate limit is about. The limit is what bounds it from below; the upper bound only
    /// catches a limit applied twice, loosely, since a busy machine (a parallel test run) adds its own delays.
    @Test func rateLimitsOverSSH() throws {
        let server = try SSHServer.start()
        defer { server.stop() }
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = write(dir + "/two-mb", randomBytes(2_000_000))
        let host = server.host()
        _ = try copyOne([.local(write(dir + "/warm", "w"))], to: host, dest: dir + "/warm-up/")   // the master connection
        func timed(_ sources: [CopySource], to target: Host, dest: String, _ options: CopyOptions) throws -> (HostCopyResult, Double) {
            let expanded = try FileDistributor.expand(sources, options: options)
            let t0 = Date()
            let first = Counter()
            let last = Counter()
            let r = FileDistributor.copy(expanded, to: target, dest: dest, options: options) { _ in
                let now = Int(Date().timeIntervalSince(t0) * 1e6)
                if first.value == 0 { first.set(now) }
                last.set(now)
            }
            return (r, Double(last.value - first.value) / 1e6)
        }
        var up = CopyOptions()
        up.uploadLimit = 1_000_000
        let (r, upTime) = try timed([.local(src)], to: host, dest: dir + "/up/", up)
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect(upTime >= 1.8 && upTime <= 4.0, "upload took \(upTime) s")
        #expect(read(dir + "/up/two-mb") == read(src))
        var down = CopyOptions()
        down.downloadLimit = 1_000_000
        let (r2, downTime) = try timed([.remote(host: host, path: src)], to: simulated("sink", in: dir), dest: "/d/", down)
        #expect(r2.status == .ok, "\(r2.error ?? "")")
        #expect(downTime >= 1.8 && downTime <= 4.0, "download took \(downTime) s")
        // Both limits on an ssh-to-ssh copy: the lower one wins.
        down.uploadLimit = 2_000_000
        let (r3, bothTime) = try timed([.remote(host: host, path: src)], to: host, dest: dir + "/both/", down)
        #expect(r3.status == .ok, "\(r3.error ?? "")")
        #expect(bothTime >= 1.8 && bothTime <= 4.0, "ssh to ssh took \(bothTime) s")
        #expect(read(dir + "/both/two-mb") == read(src))
    }

    @Test func hostileNamesAreQuoted() throws {
        let server = try SSHServer.start()
        defer { server.stop() }
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let host = server.host()
        let name = "it's a \"test\" $(touch pwned) `id` ;x & -rf.txt"
        let src = write(dir + "/src/" + name, "quoted")
        let dest = dir + "/out $HOME 'q'/-n/"
        let r = try copyOne([.local(src)], to: host, dest: dest)
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect(text(dest + name) == "quoted")
        // Back again, from the ssh host as a source, by a glob with the same characters around it.
        let back = try copyOne([.remote(host: host, path: dest + "it's*")], to: simulated("sim", in: dir), dest: "/in $x/")
        #expect(back.status == .ok, "\(back.error ?? "")")
        #expect(text(dir + "/hosts/sim/in $x/" + name) == "quoted")
        #expect(!FileManager.default.fileExists(atPath: NSHomeDirectory() + "/pwned"))
        #expect(!FileManager.default.fileExists(atPath: "pwned"))
        // Odd destinations end as results, never crashes: a NUL byte, doubled and trailing slashes.
        let nul = try copyOne([.local(src)], to: host, dest: dir + "/a\u{0}b")
        #expect(nul.status == .failed && nul.error?.contains("NUL") == true)
        #expect(try copyOne([.local(src)], to: host, dest: dir + "//odd//./").status == .ok)
        #expect(text(dir + "/odd/" + name) == "quoted")
    }

    @Test func timeoutAndCancelOverSSH() throws {
        let server = try SSHServer.start()
        defer { server.stop() }
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let host = server.host()
        let src = write(dir + "/big", randomBytes(3_000_000))
        write(dir + "/r/big", "old")
        var options = CopyOptions()
        options.uploadLimit = 1_000_000
        options.timeout = 1
        let t0 = Date()
        let r = try copyOne([.local(src)], to: host, dest: dir + "/r/", options: options)
        #expect(r.status == .timeout, "\(r.error ?? "")")
        #expect(Date().timeIntervalSince(t0) < 10)
        #expect(text(dir + "/r/big") == "old")

        options.timeout = 60
        options.owner = "ssh-cancel-\(UUID().uuidString)"
        let expanded = try FileDistributor.expand([.local(src)])
        let box = ConcurrentResults(count: 1)
        let running = options
        let t = Thread { box.set(0, FileDistributor.copy(expanded, to: host, dest: dir + "/r/", options: running)) }
        t.start()
        while !CopyControl.isActive(owner: running.owner!) && !t.isFinished { usleep(5_000) }
        usleep(300_000)
        FileDistributor.cancel(owner: running.owner!)
        let cancelledAt = Date()
        while !t.isFinished { usleep(1000) }
        #expect(Date().timeIntervalSince(cancelledAt) < 5)
        #expect(box.get(0)?.status == .cancelled, "\(box.get(0)?.error ?? "")")
        #expect(text(dir + "/r/big") == "old")
        // Downloads too: a source host's file at 1 MB/s, cut by the timeout.
        var down = CopyOptions()
        down.downloadLimit = 1_000_000
        down.timeout = 1
        let d = try copyOne([.remote(host: host, path: src)], to: simulated("sink", in: dir), dest: "/d/", options: down)
        #expect(d.status == .timeout, "\(d.error ?? "")")
        usleep(300_000)
        #expect(temporaries(in: dir).isEmpty)
    }

    @Test func checksumStrictTraversalAndLinksOverSSH() throws {
        let server = try SSHServer.start()
        defer { server.stop() }
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let host = server.host()
        let src = write(dir + "/f.bin", randomBytes(50_000))
        write(dir + "/r/f.bin", "old")
        var corrupt = CopyOptions()
        corrupt.afterWriteHook = { _, path in
            // The "remote" file system is this machine's: damage the uploaded temporary file.
            let fd = open(path, O_RDWR)
            var b: UInt8 = 0
            _ = pread(fd, &b, 1, 10)
            b ^= 0x01
            _ = pwrite(fd, &b, 1, 10)
            close(fd)
        }
        let bad = try copyOne([.local(src)], to: host, dest: dir + "/r/", options: corrupt)
        #expect(bad.status == .failed)
        #expect(bad.error?.contains("checksum mismatch") == true, "\(bad.error ?? "")")
        #expect(text(dir + "/r/f.bin") == "old")
        #expect(temporaries(in: dir + "/r").isEmpty)

        var strict = CopyOptions()
        strict.mode = .strict
        let s = try copyOne([.local(src)], to: host, dest: dir + "/none/", options: strict)
        #expect(s.status == .failed)
        #expect(s.error?.contains("does not exist") == true, "\(s.error ?? "")")
        #expect(!FileManager.default.fileExists(atPath: dir + "/none"))
        #expect(try copyOne([.local(src)], to: host, dest: dir + "/none/").status == .ok)

        let t = try copyOne([.local(src)], to: host, dest: dir + "/r/../../escaped.bin")
        #expect(t.status == .failed)
        #expect(t.error?.contains("'..'") == true)

        let victim = write(dir + "/victim", "untouched")
        symlink(victim, dir + "/r/link.bin")
        let l = try copyOne([.local(src)], to: host, dest: dir + "/r/link.bin")
        #expect(l.status == .failed)
        #expect(l.error?.contains("symbolic link") == true, "\(l.error ?? "")")
        #expect(text(victim) == "untouched")
        #expect(temporaries(in: dir).isEmpty)
    }
}

// MARK: Test plumbing

private final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [HostCopyResult?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: HostCopyResult) { lock.lock(); items[i] = r; lock.unlock() }
    func get(_ i: Int) -> HostCopyResult? { lock.lock(); defer { lock.unlock() }; return items[i] }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    func set(_ v: Int) { lock.lock(); n = v; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var on = false
    func set() { lock.lock(); on = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return on }
}

