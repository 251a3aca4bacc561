import Foundation
import Testing
import PlatEngine
import PlatLang
@testable import PlatJobs
import PlatTestKit

/// Scripts over a real OpenSSH server on 127.0.0.1 (started per test by `SSHServer`; a missing or broken sshd
/// fails these tests, it never skips them). Serialized so the multiplexing timings are not skewed by the others.
@Suite(.serialized) struct SSHTests {
    // MARK: Helpers

    /// A transport with its own short control directory, so tests never share masters.
    private func transport() -> (SSHTransport, String) {
        let dir = "/tmp/pf-ssh-" + String(UUID().uuidString.prefix(8))
        return (SSHTransport(controlDirectory: dir), dir)
    }

    private func finish(_ t: SSHTransport, _ dir: String, _ server: SSHServer) {
        t.closeAll()
        try? FileManager.default.removeItem(atPath: dir)
        server.stop()
    }

    private func nulSeparated(_ r: ProcessResult) -> [String] {
        var parts = r.stdout.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    /// Waits up to `seconds` for process `pid` to be gone (or a zombie).
    private func gone(_ pid: Int32, within seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if stat.isEmpty || stat.contains(") Z") { return true }
            usleep(50_000)
        }
        return false
    }

    // MARK: Scripts

    @Test func bashWithArgumentsAndEnvironment() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        let host = server.host(named: "remote-1", vars: ["rack-id": "r9", "note": "it's \"quoted\" $HOME"])
        let env = ["APP_ENV": "prod", "TRICKY": "a 'b' \"c\" $(echo no) `echo no`\nline2", "PLATFLOW_HOST": "spoofed"]
        let script = """
        printf '%s\\0' "$@"
        printf '%s\\0' "$APP_ENV" "$TRICKY" "$PLATFLOW_HOST" "$PLATFLOW_HOST_ROOT" "$PLATFLOW_VAR_RACK_ID" "$PLATFLOW_VAR_NOTE"
        """
        let r = try t.run(ScriptJob(script: script, args: TransportTests.hostileArgs, env: env), on: host)
        #expect(r.exitCode == 0, "\(r.stderrText)")
        #expect(r.stderrText == "")
        #expect(nulSeparated(r) == TransportTests.hostileArgs
                + ["prod", env["TRICKY"] ?? "", "remote-1", "/", "r9", "it's \"quoted\" $HOME"])
    }

    @Test func exitCodesAndStderr() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        let r = try t.run(ScriptJob(script: "echo out; echo err >&2; exit 3"), on: server.host)
        #expect(r.exitCode == 3)
        #expect(r.stdoutText == "out\n")
        #expect(r.stderrText == "err\n")
        #expect(!r.timedOut)
        // The script's own 255 is a result, not a connection error.
        let own = try t.run(ScriptJob(script: "echo bye >&2; exit 255"), on: server.host)
        #expect(own.exitCode == 255)
        #expect(own.stderrText == "bye\n")
        #expect(try t.run(ScriptJob(script: "true"), on: server.host).exitCode == 0)
        // A script killed by a signal reports 128 + the signal, as locally.
        #expect(try t.run(ScriptJob(script: "kill -9 $$"), on: server.host).exitCode == 137)
    }

    @Test func otherLanguagesOverSSH() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        let args = ["a b", "it's", "$x", "line1\nline2", "-e"]
        let py = try t.run(ScriptJob(script: "import sys, os\nfor a in sys.argv[1:]: sys.stdout.write(a + '\\0')\n"
                                     + "sys.stdout.write(os.environ['PLATFLOW_HOST'] + '\\0')\nsys.exit(6)",
                                     language: .python, args: args), on: server.host)
        #expect(py.exitCode == 6, "\(py.stderrText)")
        #expect(nulSeparated(py) == args + [server.host.name])
        let pl = try t.run(ScriptJob(script: "print map { \"$_\\0\" } @ARGV;", language: .perl, args: args), on: server.host)
        #expect(nulSeparated(pl) == args)
        let sh = try t.run(ScriptJob(script: "for a in \"$@\"; do printf '%s\\0' \"$a\"; done", language: .sh, args: args),
                           on: server.host)
        #expect(nulSeparated(sh) == args)
        let db = server.directory + "/remote.db"
        let sql = try t.run(ScriptJob(script: "create table t(x); insert into t values (1), (2); select sum(x) from t;",
                                      language: .sql, connection: "sqlite:" + db), on: server.host)
        #expect(sql.exitCode == 0, "\(sql.stderrText)")
        #expect(sql.stdoutText == "3\n")
    }

    @Test func aMissingRemoteInterpreterIsAClearError() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        do {
            _ = try t.run(ScriptJob(script: "echo hi", language: .bat), on: server.host)
            Issue.record("bat on a Linux host should fail")
        } catch let e as RuntimeError {
            #expect(e.message.hasPrefix("bat scripts run only on Windows hosts"))
        }
        guard ProcessRunner.which("pwsh") == nil else { return }  // the "remote" is this machine
        do {
            _ = try t.run(ScriptJob(script: "Write-Output hi", language: .powershell), on: server.host)
            Issue.record("powershell without pwsh should fail")
        } catch let e as RuntimeError {
            #expect(e.message == "powershell scripts need pwsh, which is not installed on host \(server.host.name)")
            #expect(e.hint?.contains("PowerShell") == true)
        }
    }

    @Test func outputCapsHoldOverSSH() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        let r = try t.run(ScriptJob(script: "head -c 5000 /dev/zero; head -c 3000 /dev/zero >&2", outputCap: 1000),
                          on: server.host)
        #expect(r.stdout.count == 1000)
        #expect(r.stdoutDropped == 4000)
        #expect(r.stderr.count == 1000)
        #expect(r.stderr.allSatisfy { $0 == 0 })
    }

    // MARK: Multiplexing

    @Test func multiplexedRunsReuseTheMaster() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        let host = server.host
        let first = try t.run(ScriptJob(script: "echo first"), on: host)
        #expect(first.stdoutText == "first\n")
        let socket = t.controlPath(for: host)
        #expect(socket.utf8.count < 100)
        #expect(FileManager.default.fileExists(atPath: socket), "the master's socket should exist after a run")

        // Interleaved, so whatever else loads the machine weighs on both the same.
        let fresh = t.arguments(for: host, controlPath: nil) + ["true"]
        var multiplexed = 0.0
        var separate = 0.0
        for i in 0..<20 {
            var start = Date()
            let r = try t.run(ScriptJob(script: "echo $1", args: ["\(i)"]), on: host)
            multiplexed += Date().timeIntervalSince(start)
            #expect(r.stdoutText == "\(i)\n")
            start = Date()
            let f = try ProcessRunner.run(ProcessSpec(arguments: fresh, timeout: 30))
            separate += Date().timeIntervalSince(start)
            #expect(f.exitCode == 0, "\(f.stderrText)")
        }
        print("ssh: 20 multiplexed runs \(String(format: "%.3f", multiplexed)) s, "
              + "20 fresh connections \(String(format: "%.3f", separate)) s "
              + "(\(String(format: "%.1f", separate / max(multiplexed, 0.001)))x)")
        // Both pay for the remote login shell (its rc files can dominate); only fresh ones pay the handshake.
        #expect(multiplexed * 1.5 < separate, "multiplexing should be much faster than fresh connections")

        t.closeAll()
        var closed = false
        for _ in 0..<50 where !closed {
            closed = !FileManager.default.fileExists(atPath: socket)
            if !closed { usleep(20_000) }
        }
        #expect(closed, "closeAll should end the master")
    }

    @Test func concurrentRunsOnOneHost() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        let host = server.host
        let results = ResultBox()
        let done = DispatchSemaphore(value: 0)
        for i in 0..<8 {
            Thread {
                do {
                    let r = try t.run(ScriptJob(script: "echo $1", args: ["\(i)"]), on: host)
                    results.add(r.exitCode == 0 && r.stdoutText == "\(i)\n" ? nil : "run \(i): \(r.exitCode) \(r.stderrText)")
                } catch {
                    results.add("run \(i): \(error)")
                }
                done.signal()
            }.start()
        }
        for _ in 0..<8 { done.wait() }
        #expect(results.failures.isEmpty, "\(results.failures)")
    }

    // MARK: Failures to connect

    // MARK: Files through the transport protocol

    @Test func filesGoThroughTheRegisteredSSHTransport() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        let host = server.host
        let folder = NSTemporaryDirectory() + "pf-ssh-files-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: folder + "/out", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let content = Array("remote bytes\n".utf8)
        _ = FileManager.default.createFile(atPath: folder + "/src.txt", contents: Data(content))
        try Data("old".utf8).write(to: URL(fileURLWithPath: folder + "/out/src.txt"))

        // list and download, on this transport's own connection.
        let control = CopyControl(timeout: 30, owner: nil)
        let listing = try t.list(folder + "/src.txt", on: host, control: control)
        #expect(listing.isSingleFile && listing.problems.isEmpty)
        let file = try #require(listing.files.first)
        #expect(file.size == Int64(content.count) && file.sha256 == SHA256.hex(content) && file.localPath == nil)
        #expect(FileManager.default.fileExists(atPath: t.controlPath(for: host)), "the listing should use this transport's master")
        let stream = try t.download(file, from: host, control: control)
        var buffer = [UInt8](repeating: 0, count: 4096)
        var got: [UInt8] = []
        while true {
            let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0, control: control) }
            if n == 0 { break }
            got += buffer[0..<n]
        }
        try stream.finish(control: control)
        #expect(got == content)
        let missing = try t.list(folder + "/nope*", on: host, control: control)
        #expect(missing.files.isEmpty && missing.problems == ["no file matches \(host.name):\(folder)/nope*"])

        // A copy whose registry maps "ssh" to this transport uploads through it (atomically, digest checked).
        var options = CopyOptions()
        options.transports = TransportRegistry.standard
        try options.transports.register(kind: "ssh", replacing: true) { _ in t }
        t.closeAll()
        for _ in 0..<100 where FileManager.default.fileExists(atPath: t.controlPath(for: host)) { usleep(20_000) }
        #expect(!FileManager.default.fileExists(atPath: t.controlPath(for: host)))
        let expanded = try FileDistributor.expand([.local(folder + "/src.txt")], options: options)
        let r = FileDistributor.copy(expanded, to: host, dest: folder + "/out/", options: options)
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect(r.files.first?.sha256 == SHA256.hex(content))
        #expect(FileManager.default.contents(atPath: folder + "/out/src.txt").map(Array.init) == content)
        #expect(FileManager.default.fileExists(atPath: t.controlPath(for: host)), "the copy should open this transport's master")
    }

    @Test func aWrongPortIsAConnectionError() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        var host = server.host(connectTimeout: 3)
        host.port = try SSHServer.freePort()
        let start = Date()
        do {
            _ = try t.run(ScriptJob(script: "echo never"), on: host)
            Issue.record("a wrong port should fail")
        } catch let e as RuntimeError {
            #expect(e.message.hasPrefix("cannot connect to \(host.name) over ssh"), "\(e.message)")
            #expect(e.message.contains("Connection refused"), "\(e.message)")
            #expect(e.hint?.contains("sshd running") == true)
        }
        #expect(Date().timeIntervalSince(start) < 3 + 2)
    }

    /// A port that accepts TCP connections (the kernel completes them) but never says a word: ssh waits for a
    /// banner that does not come. The listener lives until `close`.
    private func silentListener() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0 && listen(fd, 8) == 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    @Test func aTimeoutBeforeTheHostAnswersIsAConnectionErrorWithItsDuration() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        let (fd, port) = try silentListener()
        defer { close(fd) }
        var host = server.host(connectTimeout: 10)
        host.port = port
        do {
            let r = try t.run(ScriptJob(script: "echo never", timeout: 1), on: host)
            Issue.record("a host that never answers should be a connection error, got timedOut=\(r.timedOut) exit \(r.exitCode)")
        } catch let e as RuntimeError {
            #expect(e.message.hasPrefix("cannot connect to \(host.name) over ssh"), "\(e.message)")
            #expect(e.message.contains("no session within the timeout of 1 s"), "\(e.message)")
        }
        // Through a fleet step: the host failed (not timeout, no exit 143) and took the second it tried.
        var registry = TransportRegistry()
        try registry.register(kind: "ssh") { _ in t }
        let outcome = FleetShellEffect.runOne(ScriptJob(script: "echo never", timeout: 1), on: host, transports: registry)
        #expect(outcome.status == .failed && outcome.exitCode == nil, "\(outcome)")
        #expect(outcome.stderr.contains("cannot connect"), "\(outcome.stderr)")
        #expect(outcome.duration >= 0.9, "\(outcome.duration)")
    }

    @Test func aWrongKeyIsAnAuthenticationErrorWithoutPrompting() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        let wrong = try server.generateKey(named: "wrongkey")
        let host = server.host(identity: wrong)
        let start = Date()
        do {
            _ = try t.run(ScriptJob(script: "echo never"), on: host)
            Issue.record("a wrong key should fail")
        } catch let e as RuntimeError {
            #expect(e.message.contains("Permission denied"), "\(e.message)")
            #expect(e.hint?.contains("identity") == true)
        }
        #expect(Date().timeIntervalSince(start) < 10)
        // The right key on the same server still works: the failed attempt left no master behind to borrow.
        #expect(try t.run(ScriptJob(script: "echo ok"), on: server.host).stdoutText == "ok\n")
    }

    @Test func strictHostKeysRefuseAnUnknownServer() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        do {
            _ = try t.run(ScriptJob(script: "echo never"), on: server.host(knownHosts: "strict"))
            Issue.record("an unknown host key should be refused under strict")
        } catch let e as RuntimeError {
            #expect(e.message.contains("Host key verification failed"), "\(e.message)")
            #expect(e.hint?.contains("accept-new") == true)
        }
    }

    // MARK: Timeouts

    @Test func timeoutsKillTheLocalAndTheRemoteSide() throws {
        let server = try SSHServer.start()
        let (t, dir) = transport()
        defer { finish(t, dir, server) }
        let pidFile = server.directory + "/remote-child"
        _ = try t.run(ScriptJob(script: "true"), on: server.host)  // the master, so the timing is the script's
        let start = Date()
        let r = try t.run(ScriptJob(script: "sleep 30 & echo $! > \(pidFile); wait", timeout: 1), on: server.host)
        let elapsed = Date().timeIntervalSince(start)
        #expect(r.timedOut)
        #expect(elapsed < 5, "took \(elapsed) s")
        let pid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(pid > 0, "the remote script should have started")
        if pid > 0 {
            #expect(gone(pid, within: 6), "the remote sleep (\(pid)) should die after the timeout")
        }
        // The connection is still good afterwards.
        #expect(try t.run(ScriptJob(script: "echo after"), on: server.host).stdoutText == "after\n")
    }

    // MARK: The command line

    @Test func sshArgumentsFollowTheHost() throws {
        let (t, dir) = transport()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let host = PlatJobs.Host(name: "web-01", address: "10.0.0.5", transport: .ssh, user: "deploy", port: 2222,
                                 identity: "~/.ssh/id_ed25519", knownHosts: "accept-new", connectTimeout: 2.5)
        let argv = t.sshArguments(for: host)
        func option(_ name: String) -> String? {
            argv.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
        #expect(argv.first == "ssh")
        #expect(argv.last == "deploy@10.0.0.5")
        #expect(option("BatchMode") == "yes")
        #expect(option("ConnectTimeout") == "3")
        #expect(option("ControlMaster") == "auto")
        #expect(option("ControlPersist") == "60")
        #expect(option("StrictHostKeyChecking") == "accept-new")
        #expect(option("IdentitiesOnly") == "yes")
        #expect((option("ControlPath") ?? "").hasPrefix(dir + "/"))
        #expect(argv.contains("-i") && argv.contains("~/.ssh/id_ed25519"))
        #expect(argv.suffix(3).elementsEqual(["-p", "2222", "deploy@10.0.0.5"]))

        var off = host
        off.knownHosts = "off"
        let offArgv = t.sshArguments(for: off)
        #expect(offArgv.contains("StrictHostKeyChecking=no") && offArgv.contains("UserKnownHostsFile=/dev/null")
                && offArgv.contains("LogLevel=ERROR"))
        var strict = host
        strict.knownHosts = "strict"
        #expect(t.sshArguments(for: strict).contains("StrictHostKeyChecking=yes"))
        // Another key means another master.
        var other = host
        other.identity = "/keys/other"
        #expect(t.controlPath(for: other) != t.controlPath(for: host))

        var evil = host
        evil.user = nil
        evil.address = "-oProxyCommand=touch /tmp/pwned"
        #expect(throws: RuntimeError.self) { try SSHTransport.validate(evil) }
        #expect(t.sshArguments(for: evil).suffix(2).first == "--")
        var badPolicy = host
        badPolicy.knownHosts = "sometimes"
        #expect(throws: RuntimeError.self) { try t.run(ScriptJob(script: "true"), on: badPolicy) }
    }

    @Test func remoteCommandQuotesEveryWord() throws {
        let launch = try LanguageRunner.launch(for: ScriptJob(script: "", args: ["it's", "$x"]))
        let cmd = SSHTransport.remoteCommand(launch, environment: ["A": "v w"], timeout: nil)
        #expect(cmd.contains("'env' 'A=v w' 'bash' '-s' '--' 'it'\\''s' '$x'"))
        let timed = SSHTransport.remoteCommand(launch, environment: [:], timeout: 2.5)
        #expect(timed.contains("timeout -k 2 4 'env'"))
        #expect(ShellQuote.quote("a'b") == "'a'\\''b'")
    }

    @Test func becomeRunsThroughSudoWithoutAPrompt() throws {
        let launch = try LanguageRunner.launch(for: ScriptJob(script: ""))
        let cmd = SSHTransport.remoteCommand(launch, environment: ["A": "1"], timeout: nil, become: true)
        #expect(cmd.contains("'sudo' '-n' '--' 'env' 'A=1' 'bash' '-s'"), "\(cmd)")
        #expect(!SSHTransport.remoteCommand(launch, environment: [:], timeout: nil).contains("sudo"))
        // Not an SSH host: refused with the reason, as that host's failure.
        var job = ScriptJob(script: "true")
        job.become = true
        let local = LocalTransport()
        #expect(throws: RuntimeError.self) { try local.run(job, on: try Host.from(.string("localhost"), simulatedBase: "/tmp")) }
    }

    @Test func aControlDirectoryThatIsNotPrivateIsRefused() throws {
        let dir = "/tmp/pf-open-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = SSHTransport(controlDirectory: dir)
        let host = PlatJobs.Host(name: "h", address: "127.0.0.1", transport: .ssh, knownHosts: "off")
        do {
            _ = try t.run(ScriptJob(script: "true"), on: host)
            Issue.record("a world-writable control directory should be refused")
        } catch let e as RuntimeError {
            #expect(e.message.contains("not private"))
        }
        #expect(t.sshArguments(for: host).contains("ControlMaster=no"))
        let long = SSHTransport(controlDirectory: "/tmp/" + String(repeating: "x", count: 80))
        #expect(throws: RuntimeError.self) { try long.run(ScriptJob(script: "true"), on: host) }
    }
}

/// Failures collected from several threads.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ failure: String?) {
        guard let failure else { return }
        lock.lock()
        list.append(failure)
        lock.unlock()
    }
    var failures: [String] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }
}
