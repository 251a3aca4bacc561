import Foundation
import PlatEngine
import PlatLang
#if canImport(Glibc)
import Glibc
#endif

/// ssh commands for copies: short remote scripts run to completion, and streams (an upload into a remote
/// `cat`, a download out of a remote `head -c`) whose bytes pass through our own read/write loop, so that
/// rate limits, hashing and progress happen here.
///
/// Every command goes through `ProcessRunner` (its timeout, its process groups, `kill(owner:)`), which feeds a
/// child from memory and keeps its output in memory. A stream does not fit that, so the child is started as
/// `sh -c 'exec "$@" <FIFO' FIFO ssh ...` (or `>FIFO`): ssh reads (or writes) a named pipe in a private temporary
/// folder, and we hold the other end. ssh's own stdout and stderr stay with `ProcessRunner`.
enum SSHStream {
    /// The ssh argv for a remote command line on `host` (`ssh`'s options: batch mode,
    /// multiplexing, port, identity, known-hosts policy), no terminal.
    static func arguments(_ host: Host, remote: String, ssh: SSHTransport) throws -> [String] {
        do {
            try SSHTransport.validate(host)
        } catch let e as RuntimeError {
            throw CopyFailure(e.message)
        }
        var argv = ssh.sshArguments(for: host)
        argv.insert("-T", at: min(1, argv.count))
        argv.append(remote)
        return argv
    }

    /// The remote command line that runs `script` with `sh`, every argument single-quoted.
    static func remoteCommand(_ script: String, args: [String]) -> String {
        ShellQuote.join(["sh", "-c", script, "platflow"] + args)
    }

    /// Runs `script` on `host` with `args` and returns how it ended; throws when ssh cannot start.
    static func run(_ host: Host, script: String, args: [String], timeout: Double, owner: String?,
                    ssh: SSHTransport) throws -> ProcessResult {
        let argv = try arguments(host, remote: remoteCommand(script, args: args), ssh: ssh)
        do {
            return try ProcessRunner.run(ProcessSpec(arguments: argv, timeout: timeout, outputCap: 1 << 20, owner: owner))
        } catch let e as ProcessRunnerError {
            throw CopyFailure(e.description)
        }
    }

    /// What went wrong, from a failed command's stderr (ssh's connection errors get their hint).
    static func gist(_ r: ProcessResult, host: Host? = nil, ssh: SSHTransport) -> String {
        let err = r.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
        if r.exitCode == 255, let host {
            return ssh.connectionError(stderr: r.stderrText, host: host).description
        }
        let lines = err.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.isEmpty ? "exit code \(r.exitCode)" : lines.suffix(3).joined(separator: "; ")
    }
}

/// A command whose stdin (or stdout) is a named pipe we write (or read) at our own pace. See `SSHStream`.
final class PipedProcess: @unchecked Sendable {
    enum Direction { case intoChild, outOfChild }

    let direction: Direction
    private let folder: String
    private let fifo: String
    private var fd: Int32 = -1
    private let condition = NSCondition()
    private var outcome: Result<ProcessResult, Error>?

    /// Starts `arguments` (on another thread, through `ProcessRunner`) with the pipe as stdin or stdout.
    init(_ arguments: [String], direction: Direction, timeout: Double, owner: String?) throws {
        self.direction = direction
        folder = try copyTemporaryDirectory()
        fifo = folder + "/stream"
        guard mkfifo(fifo, 0o600) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(atPath: folder)
            throw CopyFailure("cannot create a pipe in \(folder): \(errnoText(code))")
        }
        let redirect = direction == .intoChild ? "<" : ">"
        var env = ProcessInfo.processInfo.environment
        if env["PATH"] == nil { env["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        let spec = ProcessSpec(arguments: ["/bin/sh", "-c", "exec \"$@\" \(redirect)\"$0\"", fifo] + arguments,
                               environment: env, timeout: timeout, outputCap: 1 << 20, owner: owner)
        let thread = Thread { [self] in
            let r = Result { try ProcessRunner.run(spec) }
            condition.lock()
            outcome = r
            condition.broadcast()
            condition.unlock()
        }
        thread.start()
    }

    deinit {
        if fd >= 0 { close(fd) }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The child's outcome if it has ended.
    private var ended: Result<ProcessResult, Error>? {
        condition.lock()
        defer { condition.unlock() }
        return outcome
    }

    /// Opens our end of the pipe: for writing, waits until the child has its end open (or has ended).
    func open(control: CopyControl) throws {
        if direction == .outOfChild {
            fd = Glibc.open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { throw CopyFailure("cannot open the pipe \(fifo): \(errnoText(errno))") }
            return
        }
        var pause: UInt32 = 200
        while true {
            fd = Glibc.open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 { return }
            guard errno == ENXIO else { throw CopyFailure("cannot open the pipe \(fifo): \(errnoText(errno))") }
            if ended != nil { throw CopyFailure("the ssh command ended before reading anything") }
            try control.check()
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    /// Writes all of `bytes` (waits for room in 100 ms slices, checking `control`); throws when the child
    /// stopped reading.
    func write(_ bytes: UnsafeRawBufferPointer, control: CopyControl) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, base + done, bytes.count - done)
            if n > 0 { done += n; continue }
            let code = errno
            if n < 0 && (code == EAGAIN || code == EINTR) {
                try control.check()
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, 100)
                continue
            }
            if code == EPIPE { throw CopyFailure("the remote side stopped reading") }
            throw CopyFailure("cannot write to ssh: \(errnoText(code))")
        }
    }

    /// Reads what is there (waiting in 100 ms slices, checking `control`); 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer, control: CopyControl) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = Glibc.read(fd, base, buffer.count)
            if n > 0 { return n }
            let code = errno
            if n < 0 && code != EAGAIN && code != EINTR { throw CopyFailure("cannot read from ssh: \(errnoText(code))") }
            // 0 means no writer: either the child has not opened its end yet, or it is done.
            if n == 0 && ended != nil {
                // The child is gone: whatever it wrote has been read (a last read makes sure).
                let last = Glibc.read(fd, base, buffer.count)
                return max(0, last)
            }
            try control.check()
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 100) > 0 && n == 0 && (p.revents & Int16(POLLHUP)) != 0 && (p.revents & Int16(POLLIN)) == 0 {
                // The writer came and went: end of stream once the child has been reaped.
                _ = waitForExit()
                continue
            }
        }
    }

    /// Closes our end and waits for the child; its result, or why it could not run.
    func finish() -> Result<ProcessResult, Error> {
        if fd >= 0 {
            close(fd)
            fd = -1
        } else {
            releaseUnopened()
        }
        return waitForExit()
    }

    /// When we never opened our end (cancelled, timed out while ssh was starting), the child's shell may be
    /// blocked opening its end until a partner appears: open ours for a moment and close it, so it gets EOF
    /// (or a broken pipe) and ends, instead of waiting for its timeout.
    private func releaseUnopened() {
        let flags = direction == .intoChild ? O_WRONLY : O_RDONLY
        for _ in 0..<200 where ended == nil {
            let fd = Glibc.open(fifo, flags | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 {
                close(fd)
                return
            }
            usleep(5_000)
        }
    }

    private func waitForExit() -> Result<ProcessResult, Error> {
        condition.lock()
        defer { condition.unlock() }
        while outcome == nil { condition.wait() }
        return outcome ?? .failure(CopyFailure("internal: no outcome"))
    }
}

