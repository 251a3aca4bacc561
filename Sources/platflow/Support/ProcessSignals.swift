import Foundation
import PlatEngine

/// SIGINT and SIGTERM for the whole process. The C handler only writes the signal's number to a pipe; a
/// thread reads it and calls whoever handles signals now: a run in progress (`RunSignals`), which stops the
/// run resumably, or else the default below, which stops the commands platflow started and exits.
///
/// Caught rather than ignored: a caught signal is reset to its default in every program platflow starts,
/// where an ignored one would be inherited and the program could not be stopped with Ctrl-C.
enum ProcessSignals {
    nonisolated(unsafe) private static var writeFD: Int32 = -1
    private static let lock = NSLock()
    nonisolated(unsafe) private static var handler: ((Int32) -> Void)?

    /// Exit code of a command ended by `sig` outside a run: 130 for Ctrl-C, 143 for SIGTERM (the shell's).
    static func exitCode(_ sig: Int32) -> Int32 { sig == SIGINT ? ExitCode.interrupted : 128 + sig }

    static func install() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        writeFD = fds[1]
        let readFD = fds[0]
        let reader = Thread {
            var byte: UInt8 = 0
            while true {
                let n = read(readFD, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                deliver(Int32(byte))
            }
        }
        reader.start()
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { s in
                var b = UInt8(truncatingIfNeeded: s)
                _ = write(ProcessSignals.writeFD, &b, 1)
            }
        }
    }

    /// Makes `body` the handler until the returned function is called (which restores the previous one).
    static func route(_ body: @escaping (Int32) -> Void) -> () -> Void {
        lock.lock()
        let previous = handler
        handler = body
        lock.unlock()
        return {
            lock.lock()
            handler = previous
            lock.unlock()
        }
    }

    private static func deliver(_ sig: Int32) {
        lock.lock()
        let h = handler
        lock.unlock()
        if let h { return h(sig) }
        // No run here (a listing, an import, `logs --follow`): stop the commands this process started, exit.
        ProcessRunner.killAll(signal: SIGTERM)
        _exit(exitCode(sig))
    }
}
