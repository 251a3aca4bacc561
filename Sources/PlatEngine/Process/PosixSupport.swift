import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// glibc functions Swift's Glibc module does not import (they are declared only under `_GNU_SOURCE`), looked
/// up once by name. Each is nil on a C library that lacks it, and the runner falls back or says so.
enum GNUFunctions {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>,
                                         UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

    /// glibc 2.29: change directory in the child before exec.
    static let addChdir: AddChdir? = lookup("posix_spawn_file_actions_addchdir_np")
    /// glibc 2.34: close every descriptor from N up in the child (a descriptor some library opened without
    /// close-on-exec must not leak into commands).
    static let addClosefrom: AddClosefrom? = lookup("posix_spawn_file_actions_addclosefrom_np")
    /// Creates a pipe with close-on-exec set atomically, so a spawn on another thread cannot inherit it.
    static let pipe2: Pipe2? = lookup("pipe2")
    /// glibc 2.36, Linux 5.3: a descriptor that polls readable when the process exits.
    static let pidfdOpen: PidfdOpen? = lookup("pidfd_open")
    /// The raw `syscall` entry, for pidfd_open on a glibc older than its wrapper. Swift does not import C
    /// variadic functions; on x86-64 and arm64 Linux, integer arguments travel the same way either way.
    private static let syscall3: Syscall3? = lookup("syscall")
    typealias Syscall3 = @convention(c) (Int, Int, Int) -> Int

    /// A pidfd for `pid`, or -1 when the kernel or the C library cannot make one.
    static func openPidfd(_ pid: pid_t) -> Int32 {
        if let pidfdOpen { return pidfdOpen(pid, 0) }
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        // 434 is pidfd_open on every Linux architecture (numbers are shared from 424 on).
        if let syscall3 { return Int32(truncatingIfNeeded: syscall3(434, Int(pid), 0)) }
        #endif
        return -1
    }

    private static func lookup<F>(_ name: String) -> F? {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, name) else { return nil }
        return unsafeBitCast(symbol, to: F.self)
    }
}

/// Seconds on the monotonic clock, which wall-clock changes do not move.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// How a child ended, decoded from a `waitpid` status (Swift does not import the `W*` macros).
struct WaitStatus {
    let exitCode: Int32
    let signal: Int32?

    init(raw status: Int32) {
        let low = status & 0x7f
        if low == 0 {
            exitCode = (status >> 8) & 0xff
            signal = nil
        } else {
            // Reaped without WUNTRACED, so a status is either an exit or a terminating signal.
            exitCode = 128 + low
            signal = low
        }
    }

    /// The status of a child reaped by someone else: unknown, reported as exit code -1.
    init(lost: Void) {
        exitCode = -1
        signal = nil
    }
}

/// File-descriptor helpers that retry on EINTR.
enum FD {
    /// Closes `fd` if it is open and marks it closed. EINTR is not retried: on Linux the descriptor is
    /// released even then, and a retry could close a descriptor another thread just opened.
    static func close(_ fd: inout Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    /// A pipe whose both ends are close-on-exec and numbered 3 or more, so `dup2` onto 0, 1 or 2 in the
    /// child never meets a descriptor that is already in place (which would keep its close-on-exec flag).
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        let rc: Int32
        if let pipe2 = GNUFunctions.pipe2 {
            rc = fds.withUnsafeMutableBufferPointer { b in b.baseAddress.map { pipe2($0, O_CLOEXEC) } ?? -1 }
        } else {
            rc = fds.withUnsafeMutableBufferPointer { b in b.baseAddress.map { Glibc.pipe($0) } ?? -1 }
            if rc == 0 { for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
        }
        if rc != 0 { throw ProcessRunnerError.spawnFailed("cannot create a pipe", errno: errno) }
        for i in 0..<2 where fds[i] < 3 {
            let moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)
            let code = errno
            _ = Glibc.close(fds[i])
            fds[i] = moved
            if moved < 0 {
                var other = fds[1 - i]
                close(&other)
                throw ProcessRunnerError.spawnFailed("cannot create a pipe", errno: code)
            }
        }
        return (fds[0], fds[1])
    }

    /// Writes the start of `bytes` to an empty pipe without blocking: all of it when it fits; returns how many
    /// bytes went in. Input up to PIPE_BUF (4096 bytes) always fits an empty pipe and is written as it is;
    /// longer input makes the write end non-blocking (it stays so for the rest).
    static func fill(_ fd: Int32, with bytes: [UInt8]) -> Int {
        if bytes.isEmpty { return 0 }
        if bytes.count > 4096 { setNonBlocking(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break  // EAGAIN: the pipe is full; the poll loop feeds the rest
            }
        }
        return offset
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }
}

/// A NULL-terminated array of C strings (`argv`, `envp`) owned until deinit.
final class CStringArray {
    private(set) var pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) }
        pointers.append(nil)
    }

    deinit {
        for p in pointers { free(p) }
    }
}
