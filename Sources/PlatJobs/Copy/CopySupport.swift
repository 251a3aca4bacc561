import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Seconds on the monotonic clock.
func copyClock() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// `strerror` as a Swift string.
func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// What `stat` knows about a file's content: if none of it changed, the content is taken as unchanged
/// (the same rule as make and rsync's quick check, with nanosecond times and the change time added).
struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modified: Int64
    let changed: Int64

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modified = Int64(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_mtim.tv_nsec)
        changed = Int64(st.st_ctim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_ctim.tv_nsec)
    }

    /// The identity of an open file, nil if `fstat` fails.
    static func of(fd: Int32) -> FileIdentity? {
        var st = stat()
        return fstat(fd, &st) == 0 ? FileIdentity(st) : nil
    }
}

/// The digest of one local source file, computed once and shared by every host that copies it.
///
/// The first host to ask claims the work and hashes while it copies; hosts that come while it works copy with
/// `copy_file_range` and wait for the digest only at the end, so the hashing overlaps their copies.
final class DigestMemo: @unchecked Sendable {
    enum Claim {
        /// The caller must compute the digest and `publish` it (or `abandon`).
        case mine
        /// Someone is computing it now.
        case busy
        case known(String, FileIdentity)
    }

    private let condition = NSCondition()
    private var computing = false
    private var value: (String, FileIdentity)?

    func claim() -> Claim {
        condition.lock()
        defer { condition.unlock() }
        if let value { return .known(value.0, value.1) }
        if computing { return .busy }
        computing = true
        return .mine
    }

    /// The digest of the source as it was with this identity.
    func publish(_ digest: String, identity: FileIdentity) {
        condition.lock()
        value = (digest, identity)
        computing = false
        condition.broadcast()
        condition.unlock()
    }

    /// The claimant could not hash the whole source (its copy failed, or the source changed meanwhile).
    func abandon() {
        condition.lock()
        computing = false
        condition.broadcast()
        condition.unlock()
    }

    /// Hosts allowed to copy at once while the digest is being computed: one core is left to the hashing
    /// host. With 20 copies running beside it, the scheduler gives the hashing thread a 1/20 share of the CPU,
    /// it finishes last, and every host waits for it; measured on 2 cores: 1.7 s with no gate, 1.0 s with it.
    static let slotsWhileHashing = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
    private var copying = 0

    /// Waits for a copy slot while the digest is being computed (`stop` ends the wait); true when a slot was
    /// taken (give it back with `leaveCopy`), false when the digest is known or nobody computes it.
    func enterCopy(stop: () -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while computing && value == nil && copying >= DigestMemo.slotsWhileHashing {
            if stop() { return false }
            _ = condition.wait(until: Date().addingTimeInterval(0.05))
        }
        guard computing && value == nil else { return false }
        copying += 1
        return true
    }

    func leaveCopy() {
        condition.lock()
        copying -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits while someone computes; the digest if one is known by then, nil if the work was abandoned or
    /// `stop` said to give up (checked every 50 ms).
    func wait(stop: () -> Bool) -> (String, FileIdentity)? {
        condition.lock()
        defer { condition.unlock() }
        while computing && value == nil {
            if stop() { return nil }
            _ = condition.wait(until: Date().addingTimeInterval(0.05))
        }
        return value
    }
}

/// Why a file copy stopped: the status it ends with and a message for the user.
struct CopyFailure: Error {
    let status: CopyStatus
    let message: String

    init(_ message: String, status: CopyStatus = .failed) {
        self.message = message
        self.status = status
    }
}

/// The limits one host's copy works under: its deadline and its run's cancellation. Transports check it while
/// they wait (`check()` throws the error the file ends with) and give their commands `remaining` seconds and
/// `owner`, so `ProcessRunner.kill(owner:)` reaches them.
public final class CopyControl: @unchecked Sendable {
    /// When the copy must end, in seconds on this process's monotonic clock (transports use `remaining`).
    public let deadline: Double
    public let timeout: Double
    /// The run the copy belongs to.
    public let owner: String?
    private let lock = NSLock()
    private var cancelled = false

    public init(timeout: Double, owner: String?) {
        self.timeout = timeout
        self.deadline = timeout.isFinite ? copyClock() + max(0, timeout) : .infinity
        self.owner = owner
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    /// Seconds left before the deadline (never negative).
    public var remaining: Double { max(0, deadline - copyClock()) }

    /// Throws when the copy must stop: cancelled, or past its deadline.
    public func check() throws {
        if isCancelled { throw CopyFailure("cancelled", status: .cancelled) }
        if copyClock() >= deadline { throw timeoutFailure() }
    }

    func timeoutFailure() -> CopyFailure {
        CopyFailure("timed out after \(CopyControl.seconds(timeout)) (the per-host copy timeout)", status: .timeout)
    }

    static func seconds(_ t: Double) -> String {
        t == t.rounded() && t < 1e9 ? "\(Int(t)) s" : String(format: "%.3g s", t)
    }

    // MARK: The copies in flight, by owner, for cancel(owner:)

    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var active: [ObjectIdentifier: CopyControl] = [:]

    func register() {
        CopyControl.registryLock.lock()
        CopyControl.active[ObjectIdentifier(self)] = self
        CopyControl.registryLock.unlock()
    }

    func unregister() {
        CopyControl.registryLock.lock()
        CopyControl.active[ObjectIdentifier(self)] = nil
        CopyControl.registryLock.unlock()
    }

    /// Is a copy for `owner` in flight?
    static func isActive(owner: String) -> Bool {
        registryLock.lock()
        defer { registryLock.unlock() }
        return active.values.contains { $0.owner == owner }
    }

    /// Cancels the copies in flight for `owner` (all of them when nil).
    static func cancel(owner: String?) {
        registryLock.lock()
        let matching = active.values.filter { owner == nil || $0.owner == owner }
        registryLock.unlock()
        for c in matching { c.cancel() }
    }
}

/// Keeps a transfer at or under `rate` bytes per second: after each chunk it sleeps until the moment the
/// bytes so far are due at that rate, measured from the first byte. A schedule rather than a leaky bucket,
/// so the average over the whole transfer is exact, and a pause (a slow disk) is not made up by a burst
/// larger than one chunk.
struct Pacer {
    let rate: Double
    private var start: Double
    private var sent: Double = 0

    /// A pacer whose clock starts with the first bytes (an ssh session takes a moment to open, and that
    /// moment is no credit for a burst); nil when there is no limit.
    init?(rate: Double?) {
        guard let rate, rate.isFinite, rate > 0 else { return nil }
        self.rate = rate
        self.start = 0
    }

    /// How many bytes to move at a time: about 1/50 s worth, between 4 KiB and `maximum`.
    func chunk(maximum: Int) -> Int {
        max(4096, min(maximum, Int(rate / 50)))
    }

    /// Accounts for `bytes` just moved; sleeps until they are due. Stops early (returns) when `control` says so.
    mutating func paced(_ bytes: Int, control: CopyControl) throws {
        let now = copyClock()
        if sent == 0 { start = now }
        sent += Double(bytes)
        let due = start + sent / rate
        // Behind by more than a second (a slow disk): a long stall is no credit for a longer burst.
        if due < now - 1 {
            start = now - 1 - sent / rate
            return
        }
        while true {
            try control.check()
            let wait = due - copyClock()
            if wait <= 0 { return }
            let slice = min(wait, 0.1, max(0, control.deadline - copyClock()) + 0.001)
            usleep(UInt32(max(1, slice * 1e6)))
        }
    }
}

/// The folder platflow's own temporary files go in (FIFOs for ssh streams).
func copyTemporaryDirectory() throws -> String {
    let base = NSTemporaryDirectory()
    var template = Array(((base.hasSuffix("/") ? base : base + "/") + "platflow-copy-XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer -> UnsafeMutablePointer<CChar>? in
        guard let base = buffer.baseAddress else { return nil }
        return mkdtemp(base)
    }
    guard let made else {
        throw CopyFailure("cannot create a temporary folder: \(errnoText(errno))")
    }
    return String(cString: made)
}

/// This machine's name, for `[FILESRCIP]` of local sources ("local" if it has none).
let thisMachineName: String = {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "local" }
    let name = String(cString: buffer)
    return name.isEmpty ? "local" : name
}()
