import Foundation
import PlatEngine
import PlatLang
import Testing
@testable import PlatJobs
#if canImport(Glibc)
import Glibc
#endif

// Foundation has a `Host` class too.
private typealias Host = PlatJobs.Host

// Copies of many files to many hosts at once: the plan made once for all hosts, destination folders kept open
// while a host copies (and what confinement still refuses), small files hashed by every host that writes them
// while another hashes them, and results that stay small however many files a host gets.

private func scratch(_ tag: String = #function) -> String { scratchFolder("tree", test: tag) }

private func write(_ path: String, _ bytes: [UInt8]) {
    try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

private func read(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }

private func bytes(_ n: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<n).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// A tree of `folders` x `perFolder` small files of varied sizes under `dir/tree`; returns each file's relative
/// path and content.
private func makeTree(_ dir: String, folders: Int, perFolder: Int) -> [(String, [UInt8])] {
    var files: [(String, [UInt8])] = []
    for f in 0..<folders {
        for k in 0..<perFolder {
            let rel = "tree/d\(f)/f\(k).txt"
            let content = bytes(1 + (f * 131 + k * 977) % 9000, seed: UInt64(f * 1000 + k + 1))
            write(dir + "/" + rel, content)
            files.append((rel, content))
        }
    }
    return files
}

private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: HostCopyResult] = [:]
    func set(_ i: Int, _ r: HostCopyResult) { lock.lock(); results[i] = r; lock.unlock() }
    func get(_ i: Int) -> HostCopyResult? { lock.lock(); defer { lock.unlock() }; return results[i] }
}

@Suite struct CopyTreeTests {
    @Test func aTreeToEightHostsAtOnceLandsWholeAndVerified() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = makeTree(dir, folders: 6, perFolder: 40)
        let expanded = try FileDistributor.expand([.local(dir + "/tree")])
        let plan = FileDistributor.plan(expanded, dest: "/srv/", options: CopyOptions())
        let hosts = (1...8).map { Host(name: "t\($0)", address: "t\($0)", root: dir + "/hosts/t\($0)") }
        // All hosts walk the same files at the same moment: most small files are being hashed by one host while
        // the others arrive, and each of those hashes what it writes rather than waiting.
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: hosts.count) { i in
            outcomes.set(i, FileDistributor.copy(plan, to: hosts[i], options: CopyOptions()))
        }
        for (i, host) in hosts.enumerated() {
            let r = try #require(outcomes.get(i))
            #expect(r.status == .ok, "\(r.error ?? "")")
            #expect(r.files.count == files.count && r.filesOmitted == 0)
            #expect(r.bytes == Int64(files.reduce(0) { $0 + $1.1.count }))
            // Files are copied in name order (f0, f1, f10, ...): each result is found by its destination.
            let digests = Dictionary(r.files.map { ($0.destination, $0.sha256) }, uniquingKeysWith: { a, _ in a })
            for (rel, content) in files {
                #expect(read(host.root! + "/srv/" + rel) == content, "\(host.name) \(rel)")
                #expect(digests["/srv/" + rel] == SHA256.hex(content), "\(host.name) \(rel)")
            }
        }
    }

    @Test func durableCopyOfATreeRenamesEveryFile() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = makeTree(dir, folders: 40, perFolder: 3)   // more folders than stay open at once
        var options = CopyOptions()
        options.durable = true
        let host = Host(name: "d1", address: "d1", root: dir + "/hosts/d1")
        let r = FileDistributor.copy(try FileDistributor.expand([.local(dir + "/tree")]), to: host, dest: "/srv/", options: options)
        #expect(r.status == .ok, "\(r.error ?? "")")
        for (rel, content) in files { #expect(read(host.root! + "/srv/" + rel) == content, "\(rel)") }
        // Again over the files now there: each is replaced (its folder was not made by this copy).
        let again = FileDistributor.copy(try FileDistributor.expand([.local(dir + "/tree")]), to: host, dest: "/srv/", options: options)
        #expect(again.status == .ok && again.files.count == files.count)
    }

    @Test func aLinkPlantedMidCopyCannotLeadOutOfTheRoot() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = makeTree(dir, folders: 3, perFolder: 2)
        let outside = dir + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let root = dir + "/hosts/m1"
        let host = Host(name: "m1", address: "m1", root: root)
        var options = CopyOptions()
        let once = Once()
        options.afterWriteHook = { _, temporary in
            // After the first file lands in d0: d0 (open in the cache) is moved aside and replaced by a link out
            // of the root, and d1 (not opened yet) becomes such a link too.
            guard temporary.contains("/d0/"), once.first() else { return }
            rename(root + "/srv/tree/d0", root + "/srv/tree/d0-moved")
            symlink(outside, root + "/srv/tree/d0")
            symlink(outside, root + "/srv/tree/d1")
        }
        let r = FileDistributor.copy(try FileDistributor.expand([.local(dir + "/tree")]), to: host, dest: "/srv/", options: options)
        // Nothing reached the folder outside; d0's second file landed in the folder that was checked.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: outside)) == [])
        #expect(read(root + "/srv/tree/d0-moved/f1.txt") != nil)
        let d1 = r.files.filter { $0.source.contains("/d1/") }
        #expect(d1.count == 2 && d1.allSatisfy { $0.status == .failed && ($0.error ?? "").contains("outside the host's root") })
        #expect(r.files.filter { $0.source.contains("/d2/") }.allSatisfy { $0.status == .ok })
    }

    @Test func aLargeCopyKeepsAFewFilesInItsResultAndCountsTheRest() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = makeTree(dir, folders: 2, perFolder: 30)
        // Two files whose destination is a folder already: they fail, and are the ones kept.
        for k in [7, 41] {
            let rel = files[k].0
            try FileManager.default.createDirectory(atPath: dir + "/hosts/l1/srv/" + rel, withIntermediateDirectories: true)
        }
        var options = CopyOptions()
        options.fileDetailLimit = 5
        let host = Host(name: "l1", address: "l1", root: dir + "/hosts/l1")
        let r = FileDistributor.copy(try FileDistributor.expand([.local(dir + "/tree")]), to: host, dest: "/srv/", options: options)
        #expect(r.status == .failed)
        #expect(r.files.count == 5 && r.filesOmitted == 55 && r.fileCount == 60)
        #expect(r.files.filter { $0.status == .failed }.map(\.destination) == ["/srv/" + files[7].0, "/srv/" + files[41].0])
        let okBytes = files.enumerated().filter { ![7, 41].contains($0.offset) }.reduce(0) { $0 + $1.element.1.count }
        #expect(r.bytes == Int64(okBytes))
    }

    @Test func copyInAPlanListsAHundredFilesPerHostAndTheBytesOfAll() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = makeTree(dir, folders: 3, perFolder: 50)
        let total = files.reduce(0) { $0 + $1.1.count }
        let planFile = dir + "/copy.plat"
        try """
            plan main() {
                let hosts = [{name: "p1", root: "\(dir)/hosts/p1"}, {name: "p2", root: "\(dir)/hosts/p2"}]
                let r = copy(from: "\(dir)/tree", to: hosts, dest: "/srv/")
                for h in r.hosts { print("\\(h.host) \\(h.status) \\(len(h.files)) \\(h.files_omitted) \\(h.bytes)") }
            }
            """.write(toFile: planFile, atomically: true, encoding: .utf8)
        let store = try RunStore.open(path: dir + "/engine.db", modules: try ModuleSet([JobsModule()]), durability: .normal)
        let output = Printed()
        let executor = RunExecutor(store: store, output: output)
        let id = try executor.create(file: planFile, plan: nil, params: [:]).id
        guard case .succeeded = try executor.execute(id) else { Issue.record("the run failed"); return }
        #expect(output.lines == ["p1 ok 100 50 \(total)", "p2 ok 100 50 \(total)"])
        #expect(read(dir + "/hosts/p2/srv/" + files[149].0) == files[149].1)
    }
}

private final class Printed: RunOutput, @unchecked Sendable {
    private let lock = NSLock()
    private var text: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return text }
    func program(_ line: String) {
        lock.lock()
        text.append(contentsOf: line.split(separator: "\n").map(String.init))
        lock.unlock()
    }
    func event(_ event: RunEvent) {}
    func progress(_ line: String?) {}
}

private final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    /// True the first time only.
    func first() -> Bool { lock.lock(); defer { lock.unlock() }; if done { return false }; done = true; return true }
}

@Suite struct SHA256PathTests {
    static let vectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ]

    @Test func theSwiftRoundsMeetTheNISTVectors() {
        for (message, digest) in SHA256PathTests.vectors {
            var h = SHA256(softwareOnly: true)
            h.update(Array(message.utf8))
            #expect(h.finalizeHex() == digest, "\(message.prefix(10))")
        }
        var million = SHA256(softwareOnly: true)
        million.update([UInt8](repeating: 0x61, count: 1_000_000))
        #expect(million.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func theProcessorsInstructionsAreUsedWhereItHasThem() throws {
        // What the copy path hashes with (`SHA256()`): the SHA extensions whenever /proc/cpuinfo lists them.
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let listed = info.split(separator: "\n").contains { $0.hasPrefix("flags") && $0.split(separator: " ").contains("sha_ni") }
        #expect(SHA256.hardwareAvailable == listed)
    }

    @Test(arguments: [11, 12, 13])
    func randomInputsInRandomPiecesAgreeOnBothPaths(seed: Int) {
        var rng = UInt64(seed) &* 0x9E3779B97F4A7C15
        func next(_ bound: Int) -> Int {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            return Int(rng % UInt64(bound))
        }
        for _ in 0..<20 {
            let data = bytes(next(5000), seed: UInt64(next(1 << 30)))
            var hw = SHA256(), sw = SHA256(softwareOnly: true)
            var i = 0
            while i < data.count {
                let j = min(data.count, i + 1 + next(300))
                hw.update(Array(data[i..<j]))
                sw.update(Array(data[i..<j]))
                i = j
            }
            let a = hw.finalizeHex(), b = sw.finalizeHex()
            #expect(a == b, "length \(data.count)")
            #expect(a == SHA256.hex(data))
        }
    }
}
