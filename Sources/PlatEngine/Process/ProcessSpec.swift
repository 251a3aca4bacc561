import Foundation

/// What to run on this machine: the argument vector, the child's whole environment, where, what to feed it,
/// how long it may take and how much of its output to keep.
public struct ProcessSpec: Sendable {
    /// The argument vector; `arguments[0]` is looked up on PATH unless it contains a `/`.
    public var arguments: [String]
    /// The full environment of the child. The caller merges (the parent's variables are not added).
    public var environment: [String: String]
    /// The child's working directory; nil keeps the parent's.
    public var workingDirectory: String?
    /// Bytes written to the child's stdin, which is then closed; nil connects stdin to /dev/null.
    public var stdin: [UInt8]?
    /// Seconds before the child's process group is sent SIGTERM (then SIGKILL after
    /// `ProcessRunner.terminationGrace`); nil, NaN or infinity means no limit, zero or less means at once.
    public var timeout: Double?
    /// Bytes kept per stream; output beyond it is read, counted and dropped.
    public var outputCap: Int = 1 << 20
    /// Who started the command (a run id, say): `ProcessRunner.kill(owner:signal:)` reaches only its groups,
    /// where `killAll` reaches everyone's.
    public var owner: String?
    /// Called with the new process group's id right after the spawn, on the calling thread (so a durable
    /// effect can record it before the command can do anything lasting).
    /// (Not sent anywhere: `run` calls it on the thread that called `run`.)
    nonisolated(unsafe) public var onStart: ((Int32) -> Void)?
    /// Sees the output as it arrives, before the cap (`stderr` true for stderr), on the thread that runs the
    /// child, and with no bytes about every `ProcessSpec.outputTick` seconds while the child is quiet, so a
    /// listener that holds a part line or throttles can let it go (live logs, `run -v`).
    public var onOutput: (@Sendable (_ stderr: Bool, _ bytes: ArraySlice<UInt8>) -> Void)?
    public static let outputTick = 0.1
    /// What this child shares with many others (a fan-out's hosts): with a template, the child's environment
    /// is the template's with `environment` on top (the spec's variables win), and `arguments[0]` is looked up
    /// on the template's PATH once for all of them (see `SpawnTemplate`).
    public var template: SpawnTemplate?

    public init(arguments: [String],
                environment: [String: String] = ProcessInfo.processInfo.environment,
                workingDirectory: String? = nil,
                stdin: [UInt8]? = nil,
                timeout: Double? = nil,
                outputCap: Int = 1 << 20,
                owner: String? = nil) {
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.stdin = stdin
        self.timeout = timeout
        self.outputCap = outputCap
        self.owner = owner
    }
}

/// How a child ended and what it wrote.
public struct ProcessResult: Sendable, Equatable {
    /// The exit status, or 128 + the signal number when a signal ended the child (the shell's convention);
    /// -1 if the status was lost because something else in platflow reaped the child.
    public let exitCode: Int32
    /// The signal that ended the child, if one did.
    public let signal: Int32?
    /// The first `outputCap` bytes of stdout.
    public let stdout: [UInt8]
    /// The first `outputCap` bytes of stderr.
    public let stderr: [UInt8]
    /// Bytes of stdout read beyond the cap and dropped.
    public let stdoutDropped: Int
    /// Bytes of stderr read beyond the cap and dropped.
    public let stderrDropped: Int
    /// True when the timeout expired and the child's process group was killed.
    public let timedOut: Bool
    /// Seconds from spawn to reap, on the monotonic clock.
    public let duration: Double

    public init(exitCode: Int32, signal: Int32?, stdout: [UInt8], stderr: [UInt8], stdoutDropped: Int,
                stderrDropped: Int, timedOut: Bool, duration: Double) {
        self.exitCode = exitCode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutDropped = stdoutDropped
        self.stderrDropped = stderrDropped
        self.timedOut = timedOut
        self.duration = duration
    }

    /// stdout decoded as UTF-8; invalid sequences become U+FFFD.
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// stderr decoded as UTF-8; invalid sequences become U+FFFD.
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
