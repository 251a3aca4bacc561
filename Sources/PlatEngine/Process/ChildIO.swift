import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one output pipe delivered: the first `cap` bytes kept, the rest counted and dropped.
struct OutputCollector {
    private(set) var fd: Int32
    let cap: Int
    private(set) var bytes: [UInt8] = []
    private(set) var dropped = 0

    init(fd: Int32, cap: Int) {
        self.fd = fd
        self.cap = cap
    }

    var isOpen: Bool { fd >= 0 }

    /// Reads once (the caller polled the pipe readable); closes the pipe at end of file or on an error.
    /// Returns how many bytes were read (they are at the start of `buffer`).
    @discardableResult
    mutating func readOnce(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let n = read(fd, buffer.baseAddress, buffer.count)
        if n > 0 {
            let keep = min(max(0, cap - bytes.count), n)
            if keep > 0 { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<keep])) }
            dropped += n - keep
            return n
        } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
            close()
        }
        return 0
    }

    mutating func close() { FD.close(&fd) }
}

/// Blocks SIGPIPE in the calling thread while it writes to a child's stdin, so a child that exits without
/// reading cannot kill platflow (Swift does not ignore SIGPIPE). Per thread, so other threads are unaffected;
/// the child does not inherit the mask (`run` spawns with an empty one).
public struct SigpipeGuard {
    private var previous = sigset_t()
    private var pipeOnly = sigset_t()

    public init() {
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)
    }

    /// Restores the mask; when a write failed with EPIPE, first consumes the SIGPIPE it left pending, which
    /// would otherwise be delivered the moment the mask is restored.
    public mutating func restore(consumingPending: Bool = true) {
        if consumingPending {
            var immediately = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&pipeOnly, nil, &immediately) > 0 {}
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }
}

/// The parent's side of one running child: feeds stdin, drains stdout and stderr, notices the exit and
/// enforces the timeout, all from one `poll` loop, so a child that fills one pipe while we wait on another
/// never deadlocks. It does not reap the child: the caller does, after `run` returns.
struct ChildIO {
    let pid: pid_t
    private(set) var stdout: OutputCollector
    private(set) var stderr: OutputCollector
    private(set) var timedOut = false

    private var stdinFD: Int32
    private let stdinBytes: [UInt8]
    private var stdinOffset = 0
    private var stdinBroken = false
    /// Polls readable when the child exits; -1 where pidfd_open is missing (then `waitid` is polled), and
    /// until `pidfdAfter`.
    private var pidfd: Int32 = -1
    /// When to open the pidfd if the pipes are still open then; nil once it was opened or tried.
    /// Most children close their output by exiting within milliseconds: for them, the pipes' end of file and
    /// one `waitid` tell the exit without a pidfd (a system call and a descriptor fewer per child).
    private var pidfdAfter: Double?
    private let deadline: Double?
    private var killAt: Double?
    private var killed = false
    private var exited = false
    private var lingerUntil: Double?
    private var tree: TreeKiller
    /// The current exit-check interval without a pidfd, in milliseconds (doubles up to exitPollInterval).
    private var tick: Int32 = 0
    /// Sees output as it arrives (see `ProcessSpec.onOutput`).
    private let onOutput: (@Sendable (Bool, ArraySlice<UInt8>) -> Void)?

    /// How often the exit is checked when there is no pidfd, in milliseconds.
    private static let exitPollInterval: Int32 = 10
    /// How often, after a timeout, the process table is read to see whether the SIGTERM ended everything.
    private static let survivorPollInterval: Int32 = 50
    private static let chunkSize = 64 * 1024
    /// Seconds the output pipes are watched alone before the exit is watched too (see `pidfdAfter`).
    private static let pidfdDelay = 0.05

    /// `stdinWritten`: how much of `stdinBytes` the caller already put in the pipe (`stdinFD` is then nil when
    /// that was all of it).
    init(pid: pid_t, stdout: Int32, stderr: Int32, stdinFD: Int32?, stdinBytes: [UInt8], stdinWritten: Int = 0,
         outputCap: Int, deadline: Double?, onOutput: (@Sendable (Bool, ArraySlice<UInt8>) -> Void)? = nil) {
        self.pid = pid
        self.onOutput = onOutput
        self.stdout = OutputCollector(fd: stdout, cap: outputCap)
        self.stderr = OutputCollector(fd: stderr, cap: outputCap)
        self.stdinFD = stdinFD ?? -1
        self.stdinBytes = stdinBytes
        self.stdinOffset = stdinWritten
        self.deadline = deadline
        self.tree = TreeKiller(leader: pid)
        pidfdAfter = monotonicSeconds() + Self.pidfdDelay
    }

    /// Opens the pidfd that tells when the child exits. Fails under old kernels or seccomp filters; then the
    /// waitid fallback applies. (pidfd_open sets close-on-exec itself.)
    private mutating func openPidfd() {
        pidfdAfter = nil
        let fd = GNUFunctions.openPidfd(pid)
        if fd >= 0 { pidfd = fd }
    }

    /// Runs until the child has exited and its pipes are closed (or `lingerGrace` after its exit). Every
    /// descriptor is closed on return.
    mutating func run() {
        let buffer = ReadBuffer.forThisThread(Self.chunkSize)
        var sigpipe: SigpipeGuard? = nil
        if stdinFD >= 0 {
            sigpipe = SigpipeGuard()
            FD.setNonBlocking(stdinFD)
            if stdinBytes.isEmpty { FD.close(&stdinFD) }
        }
        defer { sigpipe?.restore(consumingPending: stdinBroken) }

        var fds: [pollfd] = []
        while true {
            let now = monotonicSeconds()
            if !exited, let after = pidfdAfter {
                // Not watching the exit yet. When the output has ended, the child is gone or about to be: with
                // no clock to watch, wait for it right here (not reaping); else look, and watch the exit with
                // a pidfd if it is still there. A child still writing when the delay is up is watched too.
                let outputEnded = !stdout.isOpen && !stderr.isOpen && stdinFD < 0
                if outputEnded && deadline == nil && onOutput == nil {
                    waitForExit()
                } else if outputEnded {
                    exited = hasExited()
                }
                if !exited && (outputEnded || now >= after || onOutput != nil) { openPidfd() }
            }
            if !exited && pidfd < 0 && pidfdAfter == nil { exited = hasExited() }
            if !exited, !timedOut, let deadline, now >= deadline {
                timedOut = true
                tree.signal(SIGTERM)
                killAt = now + ProcessRunner.terminationGrace
            }
            if !killed, let killAt, now >= killAt {
                tree.signal(SIGKILL)
                killed = true
            }
            if exited {
                // Background processes may still hold stdin, but nothing owes them our input.
                FD.close(&stdinFD)
                let drained = !stdout.isOpen && !stderr.isOpen
                if timedOut && !killed {
                    // The rest of the tree got SIGTERM too and is owed the same grace before SIGKILL.
                    if drained && !tree.anyAlive() { break }
                } else {
                    if drained { break }
                    let linger = lingerUntil ?? now + ProcessRunner.lingerGrace
                    lingerUntil = linger
                    if now >= linger { break }
                }
            }

            fds.removeAll(keepingCapacity: true)
            if stdout.isOpen { fds.append(pollfd(fd: stdout.fd, events: Int16(POLLIN), revents: 0)) }
            if stderr.isOpen { fds.append(pollfd(fd: stderr.fd, events: Int16(POLLIN), revents: 0)) }
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            if pidfd >= 0 && !exited { fds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
            let wait = waitMilliseconds(now: now)
            if fds.isEmpty && !exited && pidfd < 0 && deadline == nil {
                // Nothing to read or write and no clock to watch: wait for the exit itself (not reaping).
                var info = siginfo_t()
                if waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == 0 || errno != EINTR { exited = true }
                continue
            }
            let ready = poll(&fds, nfds_t(fds.count), wait)
            if ready < 0 {
                // EINTR is routine; anything else (ENOMEM) is retried after a pause rather than spun on.
                if errno != EINTR { usleep(1000) }
                continue
            }
            if ready == 0 { onOutput?(false, []) }
            for p in fds where p.revents != 0 {
                if p.fd == stdout.fd {
                    let n = stdout.readOnce(into: buffer)
                    if n > 0, let onOutput { onOutput(false, ArraySlice(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))) }
                } else if p.fd == stderr.fd {
                    let n = stderr.readOnce(into: buffer)
                    if n > 0, let onOutput { onOutput(true, ArraySlice(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))) }
                } else if p.fd == stdinFD {
                    feedStdin()
                } else if p.fd == pidfd {
                    exited = true
                    FD.close(&pidfd)
                }
            }
        }
        // A last SIGKILL for anything of the tree that appeared after the process table was last read.
        if timedOut && !killed { tree.signal(SIGKILL) }
        FD.close(&stdinFD)
        FD.close(&pidfd)
        stdout.close()
        stderr.close()
    }

    /// The poll timeout: until the next deadline that applies, or the exit-check interval without a pidfd.
    private mutating func waitMilliseconds(now: Double) -> Int32 {
        var wake: Double? = nil
        func consider(_ t: Double?) {
            guard let t else { return }
            wake = min(wake ?? t, t)
        }
        if !exited && !timedOut { consider(deadline) }
        if !exited { consider(pidfdAfter) }
        if !killed { consider(killAt) }
        if exited { consider(lingerUntil) }
        var ms: Int32 = -1
        // Clamped as a Double first: a timeout of years must not trap in the integer conversion.
        if let wake { ms = Int32(min(max(0, (wake - now) * 1000), Double(Int32.max)).rounded(.up)) }
        if pidfd < 0 && !exited && pidfdAfter == nil {
            // Most commands end within a few milliseconds: look early, then every exitPollInterval.
            tick = tick == 0 ? 1 : min(tick * 2, Self.exitPollInterval)
            ms = ms < 0 ? tick : min(ms, tick)
        }
        // A listener to the output hears from us while the child is quiet (it may hold a part line).
        if onOutput != nil {
            let quiet = Int32(ProcessSpec.outputTick * 1000)
            ms = ms < 0 ? quiet : min(ms, quiet)
        }
        // After a timeout, survivors of the SIGTERM are looked for in the process table now and then.
        if exited && timedOut && !killed {
            ms = ms < 0 ? Self.survivorPollInterval : min(ms, Self.survivorPollInterval)
        }
        return ms
    }

    /// Writes as much pending stdin as the pipe takes without blocking; closes it when done or broken.
    private mutating func feedStdin() {
        let remaining = stdinBytes.count - stdinOffset
        guard remaining > 0 else { return FD.close(&stdinFD) }
        let n = stdinBytes.withUnsafeBytes { raw in
            write(stdinFD, raw.baseAddress.map { $0 + stdinOffset }, min(remaining, Self.chunkSize))
        }
        if n > 0 {
            stdinOffset += n
            if stdinOffset >= stdinBytes.count { FD.close(&stdinFD) }
        } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
            return
        } else {
            // EPIPE: the child closed its stdin or exited; the rest of the input is not wanted.
            if errno == EPIPE { stdinBroken = true }
            FD.close(&stdinFD)
        }
    }

    /// Blocks until the child has exited, without reaping it.
    private mutating func waitForExit() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        exited = true  // or ECHILD: reaped elsewhere, and waiting further would hang
    }

    /// Whether the child has exited, without reaping it (the fallback when there is no pidfd).
    private func hasExited() -> Bool {
        var info = siginfo_t()
        let rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        if rc < 0 { return errno != EINTR }  // ECHILD: reaped elsewhere; waiting further would hang
        return info._sifields._sigchld.si_pid == pid
    }
}

/// One read buffer per thread that runs children, kept for the thread's life: allocating and freeing 64 KB for
/// every child showed in fan-out profiles (glibc consolidates its free lists when a chunk that large is freed).
enum ReadBuffer {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // The destructor frees a thread's buffer when the thread ends.
        pthread_key_create(&key) { free($0) }
        return key
    }()

    /// The calling thread's buffer of `size` bytes (every caller asks for the same size).
    static func forThisThread(_ size: Int) -> UnsafeMutableRawBufferPointer {
        if let p = pthread_getspecific(key) { return UnsafeMutableRawBufferPointer(start: p, count: size) }
        guard let p = malloc(size) else { fatalError("out of memory for a \(size)-byte read buffer") }
        pthread_setspecific(key, p)
        return UnsafeMutableRawBufferPointer(start: p, count: size)
    }
}
