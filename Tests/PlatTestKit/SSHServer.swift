import Foundation
import PlatEngine
import PlatJobs
#if canImport(Glibc)
import Glibc
#endif

/// A real OpenSSH server on 127.0.0.1 for tests (the job platform's ssh tests, the gateway's remote nginx): its own keys, config, pid file and log in a temporary folder,
/// on a free port, accepting the current user with a generated ed25519 key.
///
///     let server = try SSHServer.start()
///     defer { server.stop() }
///     let result = try SSHTransport().run(ScriptJob(script: "echo hi"), on: server.host)
///
/// `start()` throws (the test fails, loudly) when sshd is missing or does not come up; it never skips.
/// The server's "remote" file system is this machine's, so tests can check remote effects directly.
public final class SSHServer: @unchecked Sendable {
    /// The port sshd listens on (127.0.0.1 only).
    public let port: Int
    /// The temporary folder holding keys, config, pid file and log (removed by `stop()`).
    public let directory: String
    /// The private key the server accepts (its public half is in `authorized_keys`).
    public let userKey: String
    /// The account to log in as: whoever runs the tests.
    public let user: String
    /// A host value for this server: ssh transport, the user key, known_hosts "off", connect timeout 5 s.
    public let host: PlatJobs.Host

    private let lock = NSLock()
    private var stopped = false

    private init(port: Int, directory: String, userKey: String, user: String) {
        self.port = port
        self.directory = directory
        self.userKey = userKey
        self.user = user
        self.host = PlatJobs.Host(name: "sshd-\(port)", address: "127.0.0.1", transport: .ssh, user: user, port: port,
                         identity: userKey, knownHosts: "off", connectTimeout: 5)
    }

    deinit { stop() }

    /// A host value for this server with other fields (another name, key, policy or variables).
    public func host(named name: String? = nil, identity: String? = nil, knownHosts: String = "off",
              connectTimeout: Double = 5, vars: [String: String] = [:]) -> PlatJobs.Host {
        PlatJobs.Host(name: name ?? "sshd-\(port)", address: "127.0.0.1", transport: .ssh, user: user, port: port,
             identity: identity ?? userKey, knownHosts: knownHosts, connectTimeout: connectTimeout, vars: vars)
    }

    /// sshd's log so far (for failure messages).
    public var log: String { (try? String(contentsOfFile: directory + "/sshd.log", encoding: .utf8)) ?? "" }

    /// Makes another ed25519 key pair in the server's folder (not authorized); returns the private key's path.
    public func generateKey(named name: String) throws -> String {
        let path = directory + "/" + name
        try SSHServer.keygen(path)
        return path
    }

    /// Starts sshd: generated host and user keys, a free port (picked by binding port 0), `StrictModes no`,
    /// `UsePAM no`, `Subsystem sftp internal-sftp` (modern scp needs it); waits until a login works.
    public static func start() throws -> SSHServer {
        guard let sshd = ["/usr/sbin/sshd", "/usr/local/sbin/sshd"].first(where: { access($0, X_OK) == 0 })
                ?? ProcessRunner.which("sshd") else {
            throw SSHServerError("sshd is not installed: apt-get install -y openssh-server (.ci/run installs it)")
        }
        guard ProcessRunner.which("ssh") != nil, ProcessRunner.which("ssh-keygen") != nil else {
            throw SSHServerError("the OpenSSH client is not installed: apt-get install -y openssh-client")
        }
        var template = Array("/tmp/platflow-sshd-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw SSHServerError("cannot create a temporary folder for sshd: \(String(cString: strerror(errno)))")
        }
        let dir = String(cString: made)
        do {
            try keygen(dir + "/hostkey")
            try keygen(dir + "/userkey")
            try FileManager.default.copyItem(atPath: dir + "/userkey.pub", toPath: dir + "/authorized_keys")
            chmod(dir + "/authorized_keys", 0o600)
            // The privilege separation folder sshd insists on (as root); harmless when it exists.
            try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
            let user = currentUser()
            var lastError = ""
            // A port picked free can be taken before sshd binds it: try a few.
            for _ in 0..<3 {
                let port = try freePort()
                try config(dir: dir, port: port).write(toFile: dir + "/sshd_config", atomically: true, encoding: .utf8)
                try? FileManager.default.removeItem(atPath: dir + "/sshd.pid")
                let launched = try ProcessRunner.run(ProcessSpec(
                    arguments: [sshd, "-f", dir + "/sshd_config", "-E", dir + "/sshd.log"], timeout: 20, outputCap: 1 << 16))
                let server = SSHServer(port: port, directory: dir, userKey: dir + "/userkey", user: user)
                if launched.exitCode != 0 {
                    lastError = "sshd exited with \(launched.exitCode): \(launched.stderrText)\(server.log)"
                    server.markStopped()
                    continue
                }
                if let problem = server.waitUntilReady(seconds: 10) {
                    lastError = problem
                    server.stop(removingFolder: false)
                    continue
                }
                return server
            }
            throw SSHServerError("sshd did not start on 127.0.0.1: \(lastError)")
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    /// Stops sshd (SIGTERM to the pid in its pid file) and removes the folder. Safe to call twice.
    public func stop() { stop(removingFolder: true) }

    private func markStopped() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    private func stop(removingFolder: Bool) {
        lock.lock()
        let already = stopped
        stopped = true
        lock.unlock()
        if !already, let pid = readPid() { kill(pid, SIGTERM) }
        if removingFolder { try? FileManager.default.removeItem(atPath: directory) }
    }

    private func readPid() -> pid_t? {
        guard let text = try? String(contentsOfFile: directory + "/sshd.pid", encoding: .utf8) else { return nil }
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else { return nil }
        return pid
    }

    /// nil once the pid file exists and a real login runs `true`; else what went wrong.
    private func waitUntilReady(seconds: Double) -> String? {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if readPid() != nil && Self.canConnect(port: port) { break }
            usleep(20_000)
        }
        guard readPid() != nil, Self.canConnect(port: port) else {
            return "sshd is not listening on 127.0.0.1:\(port) after \(seconds) s; log: \(log)"
        }
        let argv = ["ssh", "-T", "-o", "BatchMode=yes", "-o", "ControlMaster=no", "-o", "ControlPath=none",
                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                    "-o", "ConnectTimeout=5", "-i", userKey, "-o", "IdentitiesOnly=yes", "-p", String(port),
                    user + "@127.0.0.1", "true"]
        do {
            let r = try ProcessRunner.run(ProcessSpec(arguments: argv, timeout: 15, outputCap: 1 << 16))
            if r.exitCode != 0 {
                return "a test login failed (exit \(r.exitCode)): \(r.stderrText); sshd log: \(log)"
            }
        } catch {
            return "cannot run ssh: \(error)"
        }
        return nil
    }

    private static func keygen(_ path: String) throws {
        let r = try ProcessRunner.run(ProcessSpec(arguments: ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                                                              "platflow-test", "-f", path], timeout: 20))
        guard r.exitCode == 0 else { throw SSHServerError("ssh-keygen failed for \(path): \(r.stderrText)") }
    }

    private static func config(dir: String, port: Int) -> String {
        """
        Port \(port)
        ListenAddress 127.0.0.1
        HostKey \(dir)/hostkey
        AuthorizedKeysFile \(dir)/authorized_keys
        PidFile \(dir)/sshd.pid
        StrictModes no
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PubkeyAuthentication yes
        PermitRootLogin prohibit-password
        UsePAM no
        UseDNS no
        PrintMotd no
        MaxSessions 100
        MaxStartups 100:30:200
        Subsystem sftp internal-sftp

        """
    }

    private static func currentUser() -> String {
        if let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "root"
    }

    /// A port nobody listens on right now: bind port 0 on loopback, read what the kernel chose, close.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SSHServerError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var addr = loopback(port: 0)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SSHServerError("bind: \(String(cString: strerror(errno)))") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard named == 0 else { throw SSHServerError("getsockname: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Does something accept TCP connections on 127.0.0.1:`port`?
    public static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = loopback(port: port)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return rc == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
        addr.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        return addr
    }
}

/// Why the test sshd could not be started.
public struct SSHServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
