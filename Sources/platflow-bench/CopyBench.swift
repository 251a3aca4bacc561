import Foundation
import PlatEngine
import PlatJobs
#if canImport(Glibc)
import Glibc
#endif

// Distribution benchmark: one file (default 200 MB) to N simulated hosts (default 20), against `cp` of the same
// bytes in the same run:
//   platflow-bench copy [--size-mb 200] [--hosts 20] [--parallel 20] [--runs 3] [--dir PATH]
// Phases, each RUNS times, in rotating order, every one starting from empty destinations after a `sync`:
//   platflow   FileDistributor.expand + copy to every host, PARALLEL hosts at once (as a rolling batch runs
//              them): atomic replace (temp file, fsync, rename, fsync of the folder) and SHA-256 verification
//   platflow   copy's default: atomic rename and verification, no fsync (what cp guarantees)
//   sync: true the same with an fsync of every file and folder before its rename
//   cp         `cp SRC hosts/hI/` for each host, one after the other in one shell (the brief's peer: N x cp)
//   cp+sync    the same, each file followed by `sync FILE` (cp with the durability platflow gives)
//   cp -P      N cp at once (xargs -P PARALLEL), the parallel peer
// Prints the medians, the bytes per second and the ratio cp_time / platflow_time (target >= 0.7).

private typealias Host = PlatJobs.Host

func copyBenchmark(_ args: [String]) {
    var sizeMB = 200, hosts = 20, parallel = 20, runs = 3
    var base = NSTemporaryDirectory()
    // The dispatcher may pass the benchmark's own name first.
    var i = args.first == "copy" ? 1 : 0
    func value() -> String? { i += 1; return i < args.count ? args[i] : nil }
    while i < args.count {
        switch args[i] {
        case "--size-mb": sizeMB = value().flatMap(Int.init) ?? sizeMB
        case "--hosts": hosts = value().flatMap(Int.init) ?? hosts
        case "--parallel": parallel = value().flatMap(Int.init) ?? parallel
        case "--runs": runs = value().flatMap(Int.init) ?? runs
        case "--dir": base = value() ?? base
        default:
            FileHandle.standardError.write("copy benchmark: unknown option \(args[i])\n".data(using: .utf8) ?? Data())
            exit(2)
        }
        i += 1
    }
    hosts = max(1, hosts)
    parallel = max(1, parallel)
    let work = (base.hasSuffix("/") ? base : base + "/") + "platflow-copy-bench-\(getpid())"
    try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }
    let src = work + "/payload.bin"
    let bytes = Int64(sizeMB) * 1_000_000
    makePayload(src, bytes: bytes)

    func shell(_ script: String) -> Double {
        let t0 = monotonic()
        let r = try? ProcessRunner.run(ProcessSpec(arguments: ["/bin/sh", "-c", script], timeout: 3600))
        let t = monotonic() - t0
        if r?.exitCode != 0 { print("benchmark step failed: \(script)\n\(r?.stderrText ?? "cannot run sh")"); exit(1) }
        return t
    }
    func reset() { _ = shell("rm -rf '\(work)/dest' && mkdir -p '\(work)/dest' && sync") }
    let hostDirs = (1...hosts).map { "\(work)/dest/h\($0)" }
    let mkdirs = "mkdir -p " + hostDirs.map { "'\($0)'" }.joined(separator: " ")

    var failures = 0
    func platflow(durable: Bool) -> Double {
        let targets = (1...hosts).map { Host(name: "h\($0)", address: "h\($0)", root: "\(work)/dest/h\($0)") }
        let t0 = monotonic()
        guard let expanded = try? FileDistributor.expand([.local(src)]) else { print("expand failed"); exit(1) }
        let next = Counter()
        let bad = Counter()
        var threads: [Thread] = []
        for _ in 0..<min(parallel, hosts) {
            let t = Thread {
                while true {
                    let k = next.take()
                    guard k < targets.count else { return }
                    var options = CopyOptions()
                    options.durable = durable
                    let r = FileDistributor.copy(expanded, to: targets[k], dest: "/srv/payload.bin", options: options)
                    if r.status != .ok { bad.take(); print("host \(targets[k].name): \(r.error ?? "")") }
                }
            }
            t.stackSize = 1 << 20
            threads.append(t)
            t.start()
        }
        for t in threads { while !t.isFinished { usleep(200) } }
        failures += bad.take()
        return monotonic() - t0
    }
    let phases: [(String, () -> Double)] = [
        ("platflow", { platflow(durable: false) }),
        ("sync: true", { platflow(durable: true) }),
        ("cp", { _ = shell(mkdirs); return shell(hostDirs.map { "cp '\(src)' '\($0)/'" }.joined(separator: "\n")) }),
        ("cp+sync", { _ = shell(mkdirs); return shell(hostDirs.map { "cp '\(src)' '\($0)/' && sync '\($0)/payload.bin'" }.joined(separator: "\n")) }),
        ("cp -P", { _ = shell(mkdirs); return shell("printf '%s\\n' " + hostDirs.map { "'\($0)'" }.joined(separator: " ")
                                                     + " | xargs -P \(parallel) -I{} cp '\(src)' {}/") }),
    ]
    var times: [String: [Double]] = [:]
    for run in 0..<max(1, runs) {
        for k in 0..<phases.count {
            let (name, body) = phases[(k + run) % phases.count]
            reset()
            times[name, default: []].append(body())
        }
    }
    reset()

    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }
    let total = Double(bytes) * Double(hosts)
    print("distribution: one \(sizeMB) MB file to \(hosts) simulated hosts, \(parallel) at once; median of \(runs) runs; \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    print(pad("", 12) + "   seconds        MB/s   cp time / this")
    let cpTime = median(times["cp"] ?? [])
    for (name, _) in phases {
        let t = median(times[name] ?? [])
        print(pad(name, 12) + String(format: "%10.3f  %10.0f  %15.2f", t, total / t / 1e6, cpTime / t))
    }
    let p = median(times["platflow"] ?? [])
    let q = median(times["sync: true"] ?? [])
    print(String(format: "ratio platflow/cp (throughput, target >= 0.7): %.2f (the default: atomic, verified, no fsync, like cp)",
                 cpTime / p))
    print(String(format: "with sync: true (fsync per file) against cp+sync, the same durability: %.2f   platflow/(cp -P): %.2f",
                 median(times["cp+sync"] ?? []) / q, median(times["cp -P"] ?? []) / p))
    print("all runs (s): " + phases.map { name, _ in "\(name) " + (times[name] ?? []).map { String(format: "%.3f", $0) }.joined(separator: ",") }.joined(separator: "; "))
    print("peak memory: \(maxRSSKilobytes()) KB")
    if failures > 0 { print("FAILED copies: \(failures)"); exit(1) }
}

/// Writes `bytes` of pseudo-random data (incompressible, so no file system shortcut applies); having just been
/// written, it is in the page cache for every phase.
private func makePayload(_ path: String, bytes: Int64) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { print("cannot create \(path)"); exit(1) }
    var state: UInt64 = 0x9E3779B97F4A7C15
    let chunk = 1 << 20
    var buffer = [UInt64](repeating: 0, count: chunk / 8)
    var left = bytes
    while left > 0 {
        for j in 0..<buffer.count {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            buffer[j] = state
        }
        let n = Int(min(Int64(chunk), left))
        _ = buffer.withUnsafeBytes { write(fd, $0.baseAddress, n) }
        left -= Int64(n)
    }
    fsync(fd)
    close(fd)
}

private func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A shared counter: `take` returns the value and adds one.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    @discardableResult func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        n += 1
        return n - 1
    }
}
