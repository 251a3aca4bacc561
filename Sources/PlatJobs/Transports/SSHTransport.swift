import Foundation
import PlatEngine
import PlatLang
#if canImport(Glibc)
import Glibc
#endif

/// Runs scripts on remote hosts with the system OpenSSH client, and moves files there and back (uploads,
/// listings, downloads: `SSHTransport+Files.swift`) over the same multiplexed connections.
///
/// Every call is `ssh` in batch mode (never prompts: no password, no passphrase, no host-key question), with
/// the host's connect timeout, user, port, identity (`-i` with `IdentitiesOnly=yes`) and known-hosts policy:
/// `strict` → `StrictHostKeyChecking=yes`; `accept-new`; `off` → no checking, `UserKnownHostsFile=/dev/null`,
/// `LogLevel=ERROR` (tests only); and `ServerAliveInterval=15`, so a host that dies mid-script is noticed.
/// Connections are multiplexed: `ControlMaster=auto`, `ControlPersist=60`, one socket per (user, address, port,
/// identity, policy) in the control directory, so the second script on a host skips the handshake.
/// `closeAll()` ends the masters at the end of a run (else they exit after 60 s idle).
///
/// The script goes over stdin. The remote login shell (which must be POSIX: sh, bash, dash, zsh, ksh) runs:
///
///     if command -v 'bash' >/dev/null 2>&1; then printf MARK >&2; env 'K=V'... 'bash' '-s' '--' 'ARG'...; exit $?; fi
///     printf MISSING >&2; exit 127
///
/// every word single-quoted. MARK is a start marker (`\u{1E}platflow:start\u{1E}`) removed from stderr before
/// the result is returned. It is how ssh's own failures are told apart from the script's: exit 255 without the
/// marker means the script never started, and is thrown as a connection error (`RuntimeError`, message
/// `cannot connect to NAME over ssh (...)`: ssh's stderr and a hint); with the marker, 255 is the script's own
/// exit code and is returned. (A connection that breaks while the script runs also ends with 255 after the
/// marker: it is reported as the script's 255, with ssh's "Connection ... closed" in stderr.) MISSING means the
/// interpreter is not installed on the host: a `RuntimeError` naming what to install.
///
/// Timeouts: `ProcessRunner` kills the local ssh at `job.timeout`. Without a terminal (ssh -tt would corrupt
/// the stdin script), sshd does not signal the remote command when its channel closes, so the remote command is
/// also wrapped in coreutils `timeout -k 2 T+1` when the host has it: the remote side dies about a second after
/// the local one, process group and all. Without `timeout` on the host, or when a run is cancelled, the remote
/// script runs on until it ends or writes to its closed output (SIGPIPE).
///
/// Windows hosts (`os: "windows"`): the remote command is a PowerShell bootstrap (see `LanguageRunner`); no
/// remote timeout there.
///
/// Errors: `RuntimeError` (invalid host fields or variables, connection failures, missing interpreter on the
/// host, an unusable control directory); `ProcessRunnerError` when `ssh` itself is not installed here.
public struct SSHTransport: HostTransport {
    /// Where the ControlMaster sockets live.
    public let controlDirectory: String
    private let state: SSHControlState

    /// Seconds a master stays up after its last session.
    static let controlPersist = 60
    /// A Unix socket path holds about 108 bytes; ssh appends a 17-byte suffix while it creates the socket.
    static let maxControlDirectoryLength = 60

    static let startMarker: [UInt8] = Array("\u{1E}platflow:start\u{1E}".utf8)
    static let missingMarker: [UInt8] = Array("\u{1E}platflow:missing\u{1E}".utf8)

    /// `controlDirectory`: where ControlMaster sockets live (default `/tmp/platflow-ssh-UID`, created 0700).
    public init(controlDirectory: String? = nil) {
        self.controlDirectory = controlDirectory ?? "/tmp/platflow-ssh-\(geteuid())"
        self.state = SSHControlState()
    }

    // MARK: The ssh command line

    /// The ssh argv prefix for this host (`["ssh", "-o", "BatchMode=yes", ..., "-p", "22", "user@addr"]`), for
    /// file copies: append the remote command. Multiplexing is left out when the control directory is unusable
    /// (`run` reports why). Call `validate(_:)` first: for a host that fails it, a `--` keeps the destination
    /// from being read as an option.
    public func sshArguments(for host: Host) -> [String] {
        let controlPath = prepareControlDirectory() == nil ? self.controlPath(for: host) : nil
        return arguments(for: host, controlPath: controlPath)
    }

    /// Rejects host fields ssh would misread (an address or user starting with `-` is an option to ssh).
    public static func validate(_ host: Host) throws {
        func check(_ what: String, _ value: String, extra: String = "") throws {
            let bad = value.isEmpty || value.hasPrefix("-")
                || value.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || extra.unicodeScalars.contains($0) }
            if bad {
                throw RuntimeError("host \(host.name): \(what) '\(ScriptEnvironment.printable(value))' is not valid for ssh",
                                   hint: "no spaces or control characters, and it must not start with '-'")
            }
        }
        try check("address", host.address, extra: "@")
        if let user = host.user { try check("user", user, extra: "@:") }
        if let identity = host.identity, identity.isEmpty || identity.utf8.contains(0) {
            throw RuntimeError("host \(host.name): identity must be a file path")
        }
        if let port = host.port, !(1...65535).contains(port) {
            throw RuntimeError("host \(host.name): port \(port) is not between 1 and 65535")
        }
        guard ["strict", "accept-new", "off"].contains(host.knownHosts) else {
            throw RuntimeError("host \(host.name): known_hosts '\(ScriptEnvironment.printable(host.knownHosts))' is not a policy",
                               hint: "known_hosts is \"strict\" (default), \"accept-new\" or \"off\"")
        }
    }

    /// The argv prefix; `controlPath` nil disables multiplexing.
    func arguments(for host: Host, controlPath: String?) -> [String] {
        let seconds = host.connectTimeout.isFinite ? min(max(host.connectTimeout, 1), 86_400) : 10
        var argv = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=\(Int(seconds.rounded(.up)))",
                    // A host that dies mid-script ends the session after 45 s of silence instead of never.
                    "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3"]
        if let controlPath {
            argv += ["-o", "ControlMaster=auto", "-o", "ControlPath=\(controlPath)",
                     "-o", "ControlPersist=\(Self.controlPersist)"]
        } else {
            argv += ["-o", "ControlMaster=no", "-o", "ControlPath=none"]
        }
        switch host.knownHosts {
        case "off":
            argv += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]
        case "accept-new":
            argv += ["-o", "StrictHostKeyChecking=accept-new"]
        default:
            argv += ["-o", "StrictHostKeyChecking=yes"]
        }
        if let identity = host.identity {
            argv += ["-i", identity, "-o", "IdentitiesOnly=yes"]
        }
        argv += ["-p", String(host.port ?? 22)]
        let destination = host.user.map { $0 + "@" + host.address } ?? host.address
        if destination.hasPrefix("-") { argv.append("--") }
        argv.append(destination)
        return argv
    }

    /// The socket for this host's master: a hash of everything that makes a connection different, so a host
    /// reached with another key or policy never borrows a master authenticated otherwise.
    func controlPath(for host: Host) -> String {
        let key = [host.user ?? "", host.address, String(host.port ?? 22), host.identity ?? "", host.knownHosts]
            .joined(separator: "\u{0}")
        let bytes = Array(key.utf8)
        func fnv(_ seed: UInt64) -> String {
            var h: UInt64 = seed
            for b in bytes {
                h ^= UInt64(b)
                h = h &* 0x100000001b3
            }
            let hex = String(h, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
        let path = controlDirectory + "/" + fnv(0xcbf29ce484222325) + fnv(0x84222325cbf29ce4)
        state.remember(path: path, arguments: arguments(for: host, controlPath: path))
        return path
    }

    /// Creates the control directory (0700) or checks that an existing one is ours and private; nil when
    /// usable, else why not. Checked once per transport.
    func prepareControlDirectory() -> String? {
        state.prepareOnce {
            let dir = controlDirectory
            if dir.utf8.count > Self.maxControlDirectoryLength {
                return "the ssh control directory \(dir) is too long for socket paths "
                    + "(\(dir.utf8.count) bytes, at most \(Self.maxControlDirectoryLength))"
            }
            if mkdir(dir, 0o700) != 0 && errno != EEXIST {
                return "cannot create the ssh control directory \(dir): \(String(cString: strerror(errno)))"
            }
            var st = stat()
            guard lstat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                return "the ssh control directory \(dir) is not a folder"
            }
            if st.st_uid != geteuid() || (st.st_mode & 0o077) != 0 {
                return "the ssh control directory \(dir) is not private to this user (owner and mode 0700 expected)"
            }
            return nil
        }
    }

    // MARK: Running

    public func run(_ job: ScriptJob, on host: Host) throws -> ProcessResult {
        guard host.transport == .ssh else {
            throw RuntimeError("host \(host.name) uses the \(host.transport.rawValue) transport, not ssh",
                               hint: "TransportRegistry.transport(for:) picks the right one")
        }
        try Self.validate(host)
        try ScriptEnvironment.validate(job)
        if let problem = prepareControlDirectory() {
            throw RuntimeError(problem, hint: "pass another folder to SSHTransport(controlDirectory:)")
        }

        let variables = ScriptEnvironment.scriptVariables(job, host: host, root: "/")
        let remote: String
        var program = ""
        var install = ""
        if host.isWindows {
            remote = try LanguageRunner.windowsCommand(for: job, environment: variables).joined(separator: " ")
        } else {
            let launch = try LanguageRunner.launch(for: job)
            program = launch.program
            install = launch.install
            var env = variables
            for (k, v) in launch.environment { env[k] = v }
            remote = Self.remoteCommand(launch, environment: env, timeout: job.timeout, become: job.become)
        }

        var argv = sshArguments(for: host)
        // No terminal: the script is on stdin, and a pty would echo and mangle it.
        argv.insert("-T", at: 1)
        argv.append(remote)
        let (cap, overflow) = max(0, job.outputCap).addingReportingOverflow(Self.startMarker.count)
        var spec = ProcessSpec(arguments: argv, stdin: Array(job.script.utf8), timeout: job.timeout,
                               outputCap: overflow ? Int.max : cap, owner: job.owner)
        if let listener = job.onOutput {
            // The remote side's start marker opens stderr: the live view leaves it out.
            let marker = Self.startMarker
            let seen = MarkerFilter(marker)
            spec.onOutput = { stderr, bytes in listener(stderr, stderr ? seen.filter(bytes) : bytes) }
        }
        let raw = try ProcessRunner.run(spec)
        return try interpret(raw, job: job, host: host, program: program, install: install)
    }

    /// The Unix remote command line (see the type's summary).
    /// `become`: through `sudo -n` (never a password prompt: a host that wants one fails with sudo's message).
    static func remoteCommand(_ launch: ScriptLaunch, environment: [String: String], timeout: Double?,
                              become: Bool = false) -> String {
        let assignments = environment.keys.sorted().compactMap { k in environment[k].map { k + "=" + $0 } }
        let command = ShellQuote.join((become ? ["sudo", "-n", "--"] : []) + ["env"] + assignments + launch.arguments)
        var run = command
        if let t = timeout, t.isFinite, t > 0 {
            // A second past the local timeout: the local side always wins the race and reports the timeout.
            let remoteSeconds = Int(min(t, 1e9).rounded(.up)) + 1
            run = "if command -v timeout >/dev/null 2>&1; then timeout -k 2 \(remoteSeconds) \(command); "
                + "else \(command); fi"
        }
        return "if command -v \(ShellQuote.quote(launch.program)) >/dev/null 2>&1; then "
            + "printf '\\036platflow:start\\036' >&2; \(run); exit $?; fi; "
            + "printf '\\036platflow:missing\\036' >&2; exit 127"
    }

    /// Strips the marker and decides: the script's result, a connection error, or a missing interpreter.
    func interpret(_ raw: ProcessResult, job: ScriptJob, host: Host, program: String, install: String) throws -> ProcessResult {
        var stderr = raw.stderr
        let started = Self.removeFirst(Self.startMarker, from: &stderr)
        if !started && Self.removeFirst(Self.missingMarker, from: &stderr) {
            throw RuntimeError("\(job.language.rawValue) scripts need \(program), which is not installed on host \(host.name)",
                               hint: "install \(install) on \(host.address)")
        }
        if !started && !raw.timedOut && raw.exitCode == 255 {
            throw connectionError(stderr: String(decoding: stderr, as: UTF8.self), host: host)
        }
        if !started && raw.timedOut {
            // The timeout ended before the script started: the host was never reached, which is a connection
            // error (with whatever ssh said), not a script that timed out.
            let said = String(decoding: stderr, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" })
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.suffix(4).joined(separator: "; ")
            let target = "\(host.user.map { $0 + "@" } ?? "")\(host.address) port \(host.port ?? 22)"
            throw RuntimeError("cannot connect to \(host.name) over ssh (\(target)): no session within the timeout of "
                               + "\(Self.seconds(job.timeout ?? 0))" + (said.isEmpty ? "" : " (ssh said: \(said))"),
                               hint: "the timeout ran out while connecting: check the address and firewalls (the host's connect timeout is \(host.connectTimeout) s)")
        }
        // The runner kept a marker's worth more than the job's cap (the marker counts against it): trim back.
        let cap = max(0, job.outputCap)
        var stdout = raw.stdout
        var stdoutDropped = raw.stdoutDropped
        var stderrDropped = raw.stderrDropped
        if stdout.count > cap {
            stdoutDropped += stdout.count - cap
            stdout.removeLast(stdout.count - cap)
        }
        if stderr.count > cap {
            stderrDropped += stderr.count - cap
            stderr.removeLast(stderr.count - cap)
        }
        return ProcessResult(exitCode: raw.exitCode, signal: raw.signal, stdout: stdout, stderr: stderr,
                             stdoutDropped: stdoutDropped, stderrDropped: stderrDropped,
                             timedOut: raw.timedOut, duration: raw.duration)
    }

    /// Removes the first occurrence of `marker` from `bytes`; false if absent.
    static func removeFirst(_ marker: [UInt8], from bytes: inout [UInt8]) -> Bool {
        guard let first = marker.first, bytes.count >= marker.count else { return false }
        var i = 0
        while i + marker.count <= bytes.count {
            if bytes[i] == first && bytes[i..<(i + marker.count)].elementsEqual(marker) {
                bytes.removeSubrange(i..<(i + marker.count))
                return true
            }
            i += 1
        }
        return false
    }

    /// ssh's failure as an error: the gist of its stderr and a hint for the usual causes.
    static func seconds(_ t: Double) -> String {
        t == t.rounded() ? "\(Int(t)) s" : String(format: "%.1f s", t)
    }

    func connectionError(stderr: String, host: Host) -> RuntimeError {
        let lines = stderr.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let gist = lines.suffix(4).joined(separator: "; ")
        let target = "\(host.user.map { $0 + "@" } ?? "")\(host.address) port \(host.port ?? 22)"
        let text = stderr.lowercased()
        var hint: String? = nil
        if text.contains("permission denied") {
            hint = "the server refused the login: check user and identity (batch mode never asks for a password)"
        } else if text.contains("identification has changed") {
            hint = "the host key changed since it was recorded in known_hosts: check the host, then update known_hosts"
        } else if text.contains("host key verification failed") {
            hint = "the host key is not in known_hosts (known_hosts: \(host.knownHosts)): add it with ssh-keyscan, "
                + "or use known_hosts: \"accept-new\""
        } else if text.contains("connection refused") {
            hint = "nothing accepts connections on port \(host.port ?? 22) of \(host.address): is sshd running there?"
        } else if text.contains("timed out") {
            hint = "no answer within the connect timeout (\(host.connectTimeout) s): check the address and firewalls"
        } else if text.contains("could not resolve") {
            hint = "the address \(host.address) does not resolve"
        }
        let detail = gist.isEmpty ? "ssh exited with 255 and said nothing" : gist
        return RuntimeError("cannot connect to \(host.name) over ssh (\(target)): \(detail)", hint: hint)
    }

    // MARK: Masters

    /// Closes the multiplexed master connections this transport (or a copy of it) opened (at the end of a run).
    public func closeAll() {
        for (path, argv) in state.takeAll() {
            guard FileManager.default.fileExists(atPath: path), argv.count >= 1 else { continue }
            var exit = argv
            exit.insert(contentsOf: ["-O", "exit"], at: 1)
            _ = try? ProcessRunner.run(ProcessSpec(arguments: exit, timeout: 5, outputCap: 4096))
        }
    }
}

/// What the copies of one `SSHTransport` share: the control directory check and the masters in use.
final class SSHControlState: @unchecked Sendable {
    private let lock = NSLock()
    private var prepared = false
    private var problem: String? = nil
    private var masters: [String: [String]] = [:]

    /// Runs `check` once; later calls return its first answer.
    func prepareOnce(_ check: () -> String?) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if !prepared {
            problem = check()
            prepared = true
        }
        return problem
    }

    func remember(path: String, arguments: [String]) {
        lock.lock()
        defer { lock.unlock() }
        if masters[path] == nil { masters[path] = arguments }
    }

    /// The masters remembered so far, forgotten.
    func takeAll() -> [(String, [String])] {
        lock.lock()
        defer { lock.unlock() }
        let all = masters.map { ($0.key, $0.value) }
        masters = [:]
        return all
    }
}

/// Drops the first occurrence of a marker from a stream that arrives in pieces (the marker may be split).
final class MarkerFilter: @unchecked Sendable {
    private let marker: [UInt8]
    private var held: [UInt8] = []
    private var done = false
    private let lock = NSLock()

    init(_ marker: [UInt8]) { self.marker = marker }

    func filter(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        lock.lock()
        defer { lock.unlock() }
        if done { return bytes }
        held.append(contentsOf: bytes)
        if let r = held.firstRange(of: marker) {
            done = true
            held.removeSubrange(r)
            defer { held = [] }
            return ArraySlice(held)
        }
        // Keep what could still be the start of the marker; let the rest through.
        let keep = min(held.count, marker.count - 1)
        let out = held.dropLast(keep)
        held = Array(held.suffix(keep))
        return ArraySlice(out)
    }
}
