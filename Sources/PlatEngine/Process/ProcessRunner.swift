import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs commands on this machine: `posix_spawn` into a new process group, stdin/stdout/stderr over pipes
/// serviced by one `poll` loop, `waitpid` to reap, and a timeout that takes down the whole process tree. The
/// input goes into its pipe before the spawn as far as the pipe takes it; many children started alike share
/// a `SpawnTemplate`.
///
/// Foundation's `Process` is not used: it polls for exit (measured at about 20 spawns/s); this runner does
/// well over a thousand per second from one thread. `run` is safe to call from many threads at once.
///
/// What the child gets: exactly `spec.environment`; all signal dispositions reset to default and an empty
/// signal mask (whatever platflow ignores or blocks for itself); descriptors 0, 1 and 2 only; its own process
/// group, so a Ctrl-C at a terminal reaches platflow alone (which then calls `killAll`).
///
/// When the child exits normally, processes it left in the background are not killed (a command may start a
/// daemon); if they keep stdout or stderr open, reading stops `lingerGrace` seconds after the child exited.
public enum ProcessRunner {
    /// Seconds between the SIGTERM sent at the timeout and the SIGKILL that follows.
    public static let terminationGrace: Double = 2
    /// Seconds output is still read after the child exited, while background processes hold its pipes
    /// (short: a step that starts a daemon this way waits this long for nothing).
    public static let lingerGrace: Double = 1

    /// Runs `spec` to completion and returns how it ended; throws only when the child could not be started.
    public static func run(_ spec: ProcessSpec) throws -> ProcessResult {
        try run(spec, registry: .shared)
    }

    /// Full path of an executable found on PATH, or nil.
    public static func which(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? defaultSearchPath
        guard case .found(let full) = search(name, path: path, relativeTo: nil) else { return nil }
        return full
    }

    /// Kills every process group started by `run` that is still alive (used on SIGTERM/SIGINT of platflow).
    public static func killAll(signal: Int32) {
        ProcessGroupRegistry.shared.kill(owner: nil, signal: signal)
    }

    /// Kills the process groups started by `run` for specs with this `owner` (one run's commands, when a
    /// process executes several runs at once).
    public static func kill(owner: String, signal: Int32) {
        ProcessGroupRegistry.shared.kill(owner: owner, signal: signal)
    }

    /// The search path used when the environment has no PATH (glibc's `confstr(_CS_PATH)` plus /usr/local).
    static let defaultSearchPath = "/usr/local/bin:/usr/bin:/bin"

    /// `run` with its own registry, so a test of `killAll` cannot reach other tests' children.
    static func run(_ spec: ProcessSpec, registry: ProcessGroupRegistry) throws -> ProcessResult {
        let started = monotonicSeconds()
        let launch = try Launch(spec)

        var stdinPipe: (read: Int32, write: Int32)? = nil
        var stdinWritten = 0
        if let input = spec.stdin {
            var p = try FD.pipe()
            // The input goes in before the spawn, as far as the pipe takes it (all of a small script): the
            // child then starts with it waiting, and the poll loop has no stdin to feed (no SIGPIPE guard, one
            // descriptor fewer while the child runs). Nothing can break the pipe yet: we hold its read end.
            stdinWritten = FD.fill(p.write, with: input)
            if stdinWritten == input.count { FD.close(&p.write) }
            stdinPipe = p
        }
        var outPipe = try closingOnThrow([stdinPipe]) { try FD.pipe() }
        var errPipe = try closingOnThrow([stdinPipe, outPipe]) { try FD.pipe() }

        let ticket = registry.beginSpawn()
        let spawned = launch.spawn(stdin: stdinPipe?.read, stdout: outPipe.write, stderr: errPipe.write)
        // The child holds its ends now (or never will): the parent's copies must go, or EOF never comes.
        if var fd = stdinPipe?.read { FD.close(&fd) }
        FD.close(&outPipe.write)
        FD.close(&errPipe.write)
        let pid: pid_t
        switch spawned {
        case .success(let p):
            pid = p
        case .failure(let error):
            if var fd = stdinPipe?.write { FD.close(&fd) }
            FD.close(&outPipe.read)
            FD.close(&errPipe.read)
            throw error
        }
        registry.register(pid, owner: spec.owner, ticket: ticket)
        spec.onStart?(pid)

        var io = ChildIO(pid: pid, stdout: outPipe.read, stderr: errPipe.read, stdinFD: stdinPipe?.write,
                         stdinBytes: spec.stdin ?? [], stdinWritten: stdinWritten, outputCap: max(0, spec.outputCap),
                         deadline: deadline(spec.timeout, from: monotonicSeconds()), onOutput: spec.onOutput)
        io.run()

        // Unregister before reaping: until then the zombie keeps the group id from being reused.
        registry.unregister(pid)
        var status: Int32 = 0
        var reaped: pid_t
        repeat { reaped = waitpid(pid, &status, 0) } while reaped < 0 && errno == EINTR
        // Only if something else reaped our child (a stray waitpid(-1), SIGCHLD ignored) is the status lost.
        let ended = reaped == pid ? WaitStatus(raw: status) : WaitStatus(lost: ())
        return ProcessResult(exitCode: ended.exitCode, signal: ended.signal,
                             stdout: io.stdout.bytes, stderr: io.stderr.bytes,
                             stdoutDropped: io.stdout.dropped, stderrDropped: io.stderr.dropped,
                             timedOut: io.timedOut, duration: monotonicSeconds() - started)
    }

    /// The monotonic time at which `timeout` expires; nil for no limit.
    private static func deadline(_ timeout: Double?, from now: Double) -> Double? {
        guard let t = timeout, t.isFinite else { return nil }
        return now + max(0, t)
    }

    /// Runs `body`; if it throws, closes the pipes already made.
    private static func closingOnThrow<T>(_ pipes: [(read: Int32, write: Int32)?],
                                          _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            for case var p? in pipes {
                FD.close(&p.read)
                FD.close(&p.write)
            }
            throw error
        }
    }

    // MARK: Finding the program

    enum SearchOutcome {
        case found(String)
        /// A file of that name exists but cannot be executed.
        case notExecutable(String)
        case missing
    }

    /// Looks `name` up like `execvp`: as a path when it contains a `/` (relative to `relativeTo` when
    /// given), else in each PATH entry in order (an empty entry is the current directory).
    static func search(_ name: String, path: String, relativeTo base: String?) -> SearchOutcome {
        func check(_ candidate: String) -> SearchOutcome {
            var st = stat()
            guard stat(candidate, &st) == 0 else { return .missing }
            let isRegular = (st.st_mode & S_IFMT) == S_IFREG
            return isRegular && access(candidate, X_OK) == 0 ? .found(candidate) : .notExecutable(candidate)
        }
        func anchored(_ p: String) -> String {
            guard !p.hasPrefix("/"), let base else { return p }
            return base.hasSuffix("/") ? base + p : base + "/" + p
        }
        if name.contains("/") { return check(anchored(name)) }
        var firstUnusable: SearchOutcome = .missing
        for entry in path.split(separator: ":", omittingEmptySubsequences: false) {
            let dir = entry.isEmpty ? "." : String(entry)
            let outcome = check(anchored(dir.hasSuffix("/") ? dir + name : dir + "/" + name))
            switch outcome {
            case .found: return outcome
            case .notExecutable: if case .missing = firstUnusable { firstUnusable = outcome }
            case .missing: break
            }
        }
        return firstUnusable
    }
}

/// Everything `posix_spawn` needs, checked and converted to C before any descriptor is opened.
private struct Launch {
    let program: String
    let argv: CStringArray
    /// The environment's pointers, ending with NULL: into `ownEnvironment`, and into `template`'s entries.
    let envp: [UnsafeMutablePointer<CChar>?]
    let workingDirectory: String?
    /// Keep what `envp` points into alive.
    private let ownEnvironment: CStringArray
    private let template: SpawnTemplate?

    init(_ spec: ProcessSpec) throws {
        guard let name = spec.arguments.first, !name.isEmpty else {
            throw ProcessRunnerError.spawnFailed("cannot run an empty command", errno: EINVAL)
        }
        for (i, arg) in spec.arguments.enumerated() where arg.utf8.contains(0) {
            throw ProcessRunnerError.spawnFailed("argument \(i) of \(name) contains a NUL byte", errno: EINVAL)
        }
        var env: [String] = []
        env.reserveCapacity(spec.environment.count)
        for (key, value) in spec.environment { env.append(try SpawnTemplate.entry(key, value)) }

        var directory: String? = nil
        if let wd = spec.workingDirectory {
            var absolute = wd
            if !wd.hasPrefix("/") {
                // Made absolute so a relative program path below resolves the way the child will see it.
                absolute = FileManager.default.currentDirectoryPath + "/" + wd
            }
            var st = stat()
            if wd.isEmpty || wd.utf8.contains(0) || stat(absolute, &st) != 0 {
                throw ProcessRunnerError.spawnFailed("working directory \"\(wd)\" does not exist", errno: ENOENT)
            }
            if (st.st_mode & S_IFMT) != S_IFDIR {
                throw ProcessRunnerError.spawnFailed("working directory \"\(wd)\" is not a directory",
                                                     errno: ENOTDIR)
            }
            if GNUFunctions.addChdir == nil {
                throw ProcessRunnerError.spawnFailed(
                    "cannot set a working directory: the C library lacks posix_spawn_file_actions_addchdir_np "
                        + "(glibc 2.29 or later)", errno: ENOSYS)
            }
            directory = absolute
        }

        let template = spec.template
        let searchPath = spec.environment["PATH"] ?? template?.searchPath ?? ProcessRunner.defaultSearchPath
        let outcome: ProcessRunner.SearchOutcome
        if let template, spec.environment["PATH"] == nil, !name.contains("/") {
            outcome = template.program(name, relativeTo: directory)
        } else {
            outcome = ProcessRunner.search(name, path: searchPath, relativeTo: directory)
        }
        switch outcome {
        case .found(let full):
            program = full
        case .notExecutable(let full):
            throw ProcessRunnerError.spawnFailed("cannot run \(full) (found for \(name))", errno: EACCES)
        case .missing:
            let hint = name.contains("/")
                ? "check the path; relative paths start from the working directory"
                : ProcessRunnerError.notFoundHint(program: name, searchPath: searchPath)
            throw ProcessRunnerError.notFound(name, hint: hint)
        }
        argv = CStringArray(spec.arguments)
        ownEnvironment = CStringArray(env)
        envp = template?.environment(overriding: spec.environment.keys, with: ownEnvironment) ?? ownEnvironment.pointers
        self.template = template
        workingDirectory = directory
    }

    /// Pauses in microseconds between spawn attempts that fail with ETXTBSY (about 0.25 s in all); nil ends.
    private static let busyRetryDelays: [UInt32?] = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, nil]

    /// Starts the child: its own process group, default signal handling, an empty signal mask, the given
    /// descriptors on 0, 1 and 2 (stdin nil means /dev/null) and nothing else.
    func spawn(stdin: Int32?, stdout: Int32, stderr: Int32) -> Result<pid_t, ProcessRunnerError> {
        let actions = UnsafeMutablePointer<posix_spawn_file_actions_t>.allocate(capacity: 1)
        let attributes = UnsafeMutablePointer<posix_spawnattr_t>.allocate(capacity: 1)
        defer {
            actions.deallocate()
            attributes.deallocate()
        }
        guard posix_spawn_file_actions_init(actions) == 0 else {
            return .failure(.spawnFailed("cannot start \(program)", errno: ENOMEM))
        }
        defer { posix_spawn_file_actions_destroy(actions) }
        guard posix_spawnattr_init(attributes) == 0 else {
            return .failure(.spawnFailed("cannot start \(program)", errno: ENOMEM))
        }
        defer { posix_spawnattr_destroy(attributes) }

        var rc: Int32 = 0
        if let dir = workingDirectory, let addChdir = GNUFunctions.addChdir {
            rc |= addChdir(actions, dir)
        }
        if let stdin {
            rc |= posix_spawn_file_actions_adddup2(actions, stdin, 0)
        } else {
            rc |= posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0)
        }
        rc |= posix_spawn_file_actions_adddup2(actions, stdout, 1)
        rc |= posix_spawn_file_actions_adddup2(actions, stderr, 2)
        if let closeFrom = GNUFunctions.addClosefrom { rc |= closeFrom(actions, 3) }

        var defaults = sigset_t()
        sigfillset(&defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        rc |= posix_spawnattr_setflags(attributes, Int16(flags))
        rc |= posix_spawnattr_setpgroup(attributes, 0)
        rc |= posix_spawnattr_setsigdefault(attributes, &defaults)
        rc |= posix_spawnattr_setsigmask(attributes, &mask)
        if rc != 0 { return .failure(.spawnFailed("cannot prepare to start \(program)", errno: ENOMEM)) }

        var pid: pid_t = 0
        var code: Int32 = 0
        // ETXTBSY: a script just written is still open for writing in a child that another thread is
        // spawning at this moment (its copy of our descriptors lives until its exec). It passes in a blink.
        for delay in Launch.busyRetryDelays {
            code = argv.pointers.withUnsafeBufferPointer { argvBuffer in
                envp.withUnsafeBufferPointer { envpBuffer in
                    // Never nil: both arrays end with a NULL entry.
                    guard let argvBase = argvBuffer.baseAddress, let envpBase = envpBuffer.baseAddress else {
                        return EINVAL
                    }
                    return posix_spawn(&pid, program, actions, attributes, argvBase, envpBase)
                }
            }
            guard code == ETXTBSY, let delay else { break }
            usleep(delay)
        }
        switch code {
        case 0:
            return .success(pid)
        case ENOENT:
            // The file vanished since the search, or a `#!` interpreter line names a missing program.
            return .failure(.spawnFailed("cannot run \(program) (it, or the interpreter named on its #! line, "
                                         + "does not exist)", errno: code))
        case ENOEXEC:
            return .failure(.spawnFailed("cannot run \(program) (not an executable format; a script needs a "
                                         + "#! line)", errno: code))
        default:
            return .failure(.spawnFailed("cannot run \(program)", errno: code))
        }
    }
}
