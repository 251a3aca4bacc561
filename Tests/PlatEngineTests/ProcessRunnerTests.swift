import Foundation
import Testing
@testable import PlatEngine

/// ProcessRunner: commands on this machine really spawned, fed, drained, timed out and killed.
@Suite struct ProcessRunnerTests {
    // MARK: Helpers

    private func sh(_ script: String, env: [String: String]? = nil, stdin: [UInt8]? = nil,
                    timeout: Double? = nil, cap: Int = 1 << 20, cwd: String? = nil) throws -> ProcessResult {
        try ProcessRunner.run(ProcessSpec(arguments: ["/bin/sh", "-c", script],
                                          environment: env ?? ProcessInfo.processInfo.environment,
                                          workingDirectory: cwd, stdin: stdin, timeout: timeout,
                                          outputCap: cap))
    }

    /// A fresh empty directory under /tmp.
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "platflow-process-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// True while `pid` is a live (not zombie) process whose command line starts with `command`.
    private func isRunning(_ pid: Int32, command: String) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
        if state == "Z" || state == "X" { return false }
        let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
        let words = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return words.joined(separator: " ").hasPrefix(command)
    }

    /// Waits up to `seconds` for none of `pids` to be running `command`.
    private func allGone(_ pids: [Int32], command: String, within seconds: Double = 2) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if !pids.contains(where: { isRunning($0, command: command) }) { return true }
            usleep(20_000)
        }
        return false
    }

    private func openDescriptorCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    /// Runs `body(i)` on `count` real threads at once and waits for all of them.
    private func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let done = DispatchSemaphore(value: 0)
        for i in 0..<count {
            let thread = Thread {
                body(i)
                done.signal()
            }
            thread.start()
        }
        for _ in 0..<count { done.wait() }
    }

    // MARK: Exit codes and output

    @Test func exitCodesAreReported() throws {
        #expect(try ProcessRunner.run(ProcessSpec(arguments: ["true"])).exitCode == 0)
        #expect(try ProcessRunner.run(ProcessSpec(arguments: ["false"])).exitCode == 1)
        let r = try sh("exit 42")
        #expect(r.exitCode == 42)
        #expect(r.signal == nil)
        #expect(!r.timedOut)
        #expect(r.duration >= 0 && r.duration < 5)
    }

    @Test func stdoutAndStderrAreCapturedSeparately() throws {
        let r = try sh("printf 'out 1\\nout 2\\n'; printf 'err\\n' >&2; printf 'é\\n'")
        #expect(r.stdoutText == "out 1\nout 2\né\n")
        #expect(r.stderrText == "err\n")
        #expect(r.stdoutDropped == 0 && r.stderrDropped == 0)
    }

    @Test func invalidUTF8IsDecodedLossily() throws {
        let r = try sh("printf 'a\\377b'")
        #expect(r.stdout == [0x61, 0xFF, 0x62])
        #expect(r.stdoutText == "a\u{FFFD}b")
    }

    @Test func bothPipesFullAtOnceDoNotDeadlock() throws {
        // Each write is far beyond a pipe's 64 KiB buffer; reading one pipe at a time would hang.
        let r = try sh("head -c 3000000 /dev/zero >&2; head -c 2000000 /dev/zero; head -c 1000000 /dev/zero >&2")
        #expect(r.exitCode == 0)
        #expect(r.stdout.count == 1 << 20 && r.stdoutDropped == 2_000_000 - (1 << 20))
        #expect(r.stderr.count == 1 << 20 && r.stderrDropped == 4_000_000 - (1 << 20))
    }

    @Test func outputBeyondTheCapIsCountedNotKept() throws {
        let tenMB = 10 * 1024 * 1024
        let r = try sh("head -c \(tenMB) /dev/zero; head -c \(tenMB) /dev/zero >&2", cap: 1024)
        #expect(r.exitCode == 0)
        #expect(r.stdout.count == 1024)
        #expect(r.stdoutDropped == tenMB - 1024)
        #expect(r.stderr.count == 1024)
        #expect(r.stderrDropped == tenMB - 1024)
        let none = try sh("echo hello", cap: 0)
        #expect(none.stdout.isEmpty && none.stdoutDropped == 6)
    }

    // MARK: Input, environment, directory

    @Test func stdinIsDeliveredThenClosed() throws {
        let r = try ProcessRunner.run(ProcessSpec(arguments: ["cat"], stdin: Array("hello\nworld\n".utf8)))
        #expect(r.stdoutText == "hello\nworld\n")
        // Empty input: the child sees end of file at once.
        #expect(try ProcessRunner.run(ProcessSpec(arguments: ["wc", "-c"], stdin: [])).stdoutText
            .trimmingCharacters(in: .whitespaces) == "0\n")
        // No input: /dev/null.
        #expect(try sh("wc -c").stdoutText.trimmingCharacters(in: .whitespaces) == "0\n")
    }

    @Test func largeStdinStreamsWhileOutputIsRead() throws {
        let input = (0..<4_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let r = try ProcessRunner.run(ProcessSpec(arguments: ["cat"], stdin: input, outputCap: 8 << 20))
        #expect(r.exitCode == 0)
        #expect(r.stdout == input)
    }

    @Test func stdinRefusedByTheChildDoesNotKillUs() throws {
        // The child exits without reading: our writes fail with EPIPE, which must not raise SIGPIPE here.
        let r = try ProcessRunner.run(ProcessSpec(arguments: ["true"], stdin: [UInt8](repeating: 7, count: 1 << 22)))
        #expect(r.exitCode == 0)
        let closed = try sh("exec 0<&-; echo closed", stdin: [UInt8](repeating: 7, count: 1 << 20))
        #expect(closed.stdoutText == "closed\n")
    }

    @Test func environmentIsExactlyTheSpecs() throws {
        let key = "run-7f3a/deploy/sh#2"
        let r = try ProcessRunner.run(ProcessSpec(
            arguments: ["/usr/bin/env"],
            environment: ["PLATFLOW_IDEMPOTENCY_KEY": key, "VERSION": "1.2.3", "EMPTY": "", "SPACED": "a b=c"]))
        let lines = Set(r.stdoutText.split(separator: "\n").map(String.init))
        #expect(lines == ["PLATFLOW_IDEMPOTENCY_KEY=\(key)", "VERSION=1.2.3", "EMPTY=", "SPACED=a b=c"])

        var env = ProcessInfo.processInfo.environment
        env["PLATFLOW_IDEMPOTENCY_KEY"] = key
        #expect(try sh("printf %s \"$PLATFLOW_IDEMPOTENCY_KEY\"", env: env).stdoutText == key)
    }

    @Test func invalidEnvironmentIsRejected() throws {
        for bad in [["A=B": "x"], ["": "x"], ["NUL": "a\0b"]] {
            #expect(throws: ProcessRunnerError.self) {
                try ProcessRunner.run(ProcessSpec(arguments: ["true"], environment: bad))
            }
        }
        #expect(throws: ProcessRunnerError.self) {
            try ProcessRunner.run(ProcessSpec(arguments: ["echo", "a\0b"]))
        }
    }

    @Test func workingDirectoryIsUsed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let real = URL(fileURLWithPath: dir).resolvingSymlinksInPath().path
        #expect(try sh("pwd -P", cwd: dir).stdoutText == real + "\n")

        // A relative program path starts from the working directory.
        let script = dir + "/hello.sh"
        try "#!/bin/sh\necho \"hi from $(basename \"$PWD\")\"\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let r = try ProcessRunner.run(ProcessSpec(arguments: ["./hello.sh"], workingDirectory: dir))
        #expect(r.stdoutText == "hi from \(URL(fileURLWithPath: dir).lastPathComponent)\n")

        #expect(throws: ProcessRunnerError.self) {
            try ProcessRunner.run(ProcessSpec(arguments: ["true"], workingDirectory: dir + "/missing"))
        }
        #expect(throws: ProcessRunnerError.spawnFailed("working directory \"\(script)\" is not a directory",
                                                       errno: ENOTDIR)) {
            try ProcessRunner.run(ProcessSpec(arguments: ["true"], workingDirectory: script))
        }
    }

    // MARK: Signals and timeouts

    @Test func aSignalEndsTheChild() throws {
        let r = try sh("kill -9 $$")
        #expect(r.exitCode == 137)
        #expect(r.signal == 9)
        let term = try sh("kill -TERM $$")
        #expect(term.exitCode == 143 && term.signal == SIGTERM)
    }

    @Test func signalsPlatflowIgnoresAreDefaultInTheChild() throws {
        // Ignored dispositions survive exec; the runner resets them, so SIGINT ends the child.
        let previous = signal(SIGINT, SIG_IGN)
        defer { signal(SIGINT, previous) }
        let r = try sh("kill -INT $$; sleep 1; echo survived")
        #expect(r.signal == SIGINT)
        #expect(r.stdoutText.isEmpty)
    }

    @Test func timeoutKillsTheWholeGroupAndOwnSessionDescendants() throws {
        // Children and a grandchild in the group, one descendant in a session of its own (setsid).
        let script = """
            sleep 100 & echo $!
            sleep 100 & echo $!
            sh -c 'sleep 100 & echo $!; wait' &
            echo $!
            setsid sleep 100 & echo $!
            wait
            """
        let r = try sh(script, timeout: 0.5)
        #expect(r.timedOut)
        #expect(r.signal == SIGTERM && r.exitCode == 143)
        // Stopped at the timeout, long before the sleeps would end (100 s); the margin is for loaded machines.
        #expect(r.duration >= 0.5 && r.duration < 30)
        let pids = r.stdoutText.split(separator: "\n").compactMap { Int32($0) }
        #expect(pids.count == 5)
        #expect(allGone(pids, command: "sleep 100"))
        #expect(allGone(pids, command: "sh -c sleep 100"))
    }

    @Test func childrenIgnoringSIGTERMAreKilledAfterTheGrace() throws {
        let script = """
            sh -c 'trap "" TERM; while :; do sleep 0.05; done' &
            echo $!
            sh -c 'trap "" TERM; exec sleep 100' >/dev/null 2>&1 &
            echo $!
            wait
            """
        let r = try sh(script, timeout: 0.3)
        #expect(r.timedOut)
        #expect(r.duration >= 0.3 + ProcessRunner.terminationGrace - 0.1)
        #expect(r.duration < 0.3 + ProcessRunner.terminationGrace + 1.5)
        let pids = r.stdoutText.split(separator: "\n").compactMap { Int32($0) }
        #expect(pids.count == 2)
        #expect(allGone(pids, command: "sh -c trap"))
        #expect(allGone(pids, command: "sleep 100"))
    }

    @Test func aStoppedChildStillTimesOut() throws {
        let r = try sh("kill -STOP $$; echo resumed", timeout: 0.2)
        #expect(r.timedOut)
        #expect(r.signal == SIGTERM)
        #expect(r.duration < 0.2 + ProcessRunner.terminationGrace)
    }

    @Test func zeroTimeoutKillsAtOnceAndLongTimeoutsDoNot() throws {
        let r = try ProcessRunner.run(ProcessSpec(arguments: ["sleep", "10"], timeout: 0))
        #expect(r.timedOut && r.duration < 1.5)
        let fast = try sh("echo quick", timeout: 30)
        #expect(!fast.timedOut && fast.stdoutText == "quick\n")
        #expect(!(try sh("true", timeout: .infinity)).timedOut)
        #expect(!(try sh("true", timeout: .nan)).timedOut)
        #expect(!(try sh("true", timeout: 1e300)).timedOut)
        #expect(try sh("sleep 5", timeout: -1).timedOut)
    }

    @Test func backgroundProcessHoldingStdoutDoesNotHangTheRun() throws {
        // The child exits at once; its background sleep keeps the pipe open and is left running.
        let r = try sh("sleep 100 & echo $!; echo done")
        #expect(r.exitCode == 0)
        #expect(r.duration < ProcessRunner.lingerGrace + 1.5)
        let lines = r.stdoutText.split(separator: "\n")
        #expect(lines.last == "done")
        if let first = lines.first, let pid = Int32(first) {
            #expect(isRunning(pid, command: "sleep 100"))
            kill(pid, SIGKILL)
        }
    }

    @Test func killAllSignalsRunningGroups() throws {
        let registry = ProcessGroupRegistry()
        let box = ResultBox()
        let finished = DispatchSemaphore(value: 0)
        Thread {
            box.set(try? ProcessRunner.run(ProcessSpec(arguments: ["/bin/sh", "-c", "sleep 100; exit 3"]),
                                           registry: registry))
            finished.signal()
        }.start()
        let start = Date()
        while registry.count == 0 && Date().timeIntervalSince(start) < 5 { usleep(5_000) }
        #expect(registry.count == 1)
        registry.kill(owner: nil, signal: SIGTERM)
        #expect(finished.wait(timeout: .now() + 5) == .success)
        #expect(box.get()?.signal == SIGTERM)
        #expect(registry.count == 0)
    }

    @Test func killByOwnerSparesOtherOwners() throws {
        let registry = ProcessGroupRegistry()
        let results = [ResultBox(), ResultBox(), ResultBox()]
        let finished = DispatchSemaphore(value: 0)
        for (i, owner) in ["run-a", "run-b", nil].enumerated() {
            Thread {
                results[i].set(try? ProcessRunner.run(
                    ProcessSpec(arguments: ["sleep", "100"], timeout: 10, owner: owner), registry: registry))
                finished.signal()
            }.start()
        }
        let start = Date()
        while registry.count < 3 && Date().timeIntervalSince(start) < 5 { usleep(5_000) }
        #expect(registry.count == 3)
        registry.kill(owner: "run-a", signal: SIGKILL)
        #expect(finished.wait(timeout: .now() + 5) == .success)
        usleep(200_000)
        #expect(results[0].get()?.signal == SIGKILL)
        #expect(results[1].get() == nil && results[2].get() == nil)
        #expect(registry.count == 2)
        registry.kill(owner: nil, signal: SIGKILL)
        for _ in 0..<2 { #expect(finished.wait(timeout: .now() + 5) == .success) }
        #expect(results[1].get()?.signal == SIGKILL && results[2].get()?.signal == SIGKILL)
    }

    @Test func aKillRacingASpawnStillReachesIt() throws {
        // The kill lands between beginSpawn and register: register must signal the new group itself.
        let registry = ProcessGroupRegistry()
        let ticket = registry.beginSpawn()
        registry.kill(owner: "racer", signal: SIGKILL)
        let box = ResultBox()
        let finished = DispatchSemaphore(value: 0)
        Thread {
            box.set(try? ProcessRunner.run(ProcessSpec(arguments: ["sleep", "100"], timeout: 10, owner: "other"),
                                           registry: registry))
            finished.signal()
        }.start()
        // A child in a group of its own, registered with the stale ticket as `run` would have done.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = CStringArray(["sleep", "100"])
        var child: pid_t = 0
        let rc = argv.pointers.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return EINVAL }
            return posix_spawnp(&child, "sleep", nil, &attributes, base, environ)
        }
        #expect(rc == 0)
        registry.register(child, owner: "racer", ticket: ticket)
        var status: Int32 = 0
        waitpid(child, &status, 0)
        registry.unregister(child)
        #expect(status & 0x7f == SIGKILL)
        // A different owner's run is not touched by it.
        usleep(200_000)
        #expect(box.get() == nil)
        registry.kill(owner: nil, signal: SIGKILL)
        #expect(finished.wait(timeout: .now() + 5) == .success)
    }

    // MARK: Errors

    @Test func missingProgramIsAClearError() throws {
        do {
            _ = try ProcessRunner.run(ProcessSpec(arguments: ["bash", "-c", "true"],
                                                  environment: ["PATH": "/nonexistent"]))
            Issue.record("expected notFound")
        } catch let error as ProcessRunnerError {
            guard case .notFound(let name, let hint) = error else { throw error }
            #expect(name == "bash")
            #expect(hint.contains("apt-get install bash"))
            #expect(error.description.hasPrefix("bash not found on PATH"))
        }
        do {
            _ = try ProcessRunner.run(ProcessSpec(arguments: ["platflow-no-such-program"]))
            Issue.record("expected notFound")
        } catch ProcessRunnerError.notFound(let name, let hint) {
            #expect(name == "platflow-no-such-program")
            #expect(hint.contains("apt-file search"))
        }
        #expect(throws: ProcessRunnerError.self) { try ProcessRunner.run(ProcessSpec(arguments: ["/no/such/tool"])) }
        #expect(throws: ProcessRunnerError.self) { try ProcessRunner.run(ProcessSpec(arguments: [])) }
        #expect(throws: ProcessRunnerError.self) { try ProcessRunner.run(ProcessSpec(arguments: [""])) }
    }

    @Test func unrunnableFilesAreSpawnFailures() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = dir + "/plain"
        try "echo hi\n".write(toFile: plain, atomically: true, encoding: .utf8)
        #expect(throws: ProcessRunnerError.spawnFailed("cannot run \(plain) (found for \(plain))", errno: EACCES)) {
            try ProcessRunner.run(ProcessSpec(arguments: [plain]))
        }
        chmod(plain, 0o755)  // executable but no #! line
        #expect(throws: ProcessRunnerError.self) { try ProcessRunner.run(ProcessSpec(arguments: [plain])) }
        let badInterpreter = dir + "/bad"
        try "#!/no/such/interpreter\n".write(toFile: badInterpreter, atomically: true, encoding: .utf8)
        chmod(badInterpreter, 0o755)
        do {
            _ = try ProcessRunner.run(ProcessSpec(arguments: [badInterpreter]))
            Issue.record("expected spawnFailed")
        } catch let error as ProcessRunnerError {
            #expect(error.description.contains("#! line"))
        }
        // A non-executable file of that name early on PATH is skipped for a later match, as execvp does.
        try "not a program\n".write(toFile: dir + "/true", atomically: true, encoding: .utf8)
        let r = try ProcessRunner.run(ProcessSpec(arguments: ["true"], environment: ["PATH": "\(dir):/usr/bin:/bin"]))
        #expect(r.exitCode == 0)
    }

    @Test func whichFindsExecutablesOnPATH() {
        let sh = ProcessRunner.which("sh")
        #expect(sh?.hasPrefix("/") == true)
        #expect(ProcessRunner.which("platflow-no-such-program") == nil)
        #expect(ProcessRunner.which("/bin/sh") == "/bin/sh")
    }

    // MARK: Descriptors, threads, speed

    @Test func onlyStandardDescriptorsReachTheChild() throws {
        // A descriptor opened without close-on-exec, as a careless library might.
        let leaky = open("/dev/null", O_RDONLY)
        defer { close(leaky) }
        let r = try sh("ls /proc/$$/fd")
        #expect(r.stdoutText.split(separator: "\n") == ["0", "1", "2"])
    }

    @Test func noDescriptorsLeakOverManyRuns() throws {
        _ = try ProcessRunner.run(ProcessSpec(arguments: ["true"]))
        let before = openDescriptorCount()
        for i in 0..<2_000 {
            let spec = ProcessSpec(arguments: i % 2 == 0 ? ["true"] : ["/bin/sh", "-c", "echo x; echo y >&2"],
                                   stdin: i % 3 == 0 ? [1, 2, 3] : nil)
            _ = try ProcessRunner.run(spec)
            if i % 500 == 0 { _ = try? ProcessRunner.run(ProcessSpec(arguments: ["platflow-no-such-program"])) }
        }
        let after = openDescriptorCount()
        // Other tests run in parallel and open files; a leak would show as thousands.
        #expect(after - before < 20, "descriptors before: \(before), after: \(after)")
    }

    @Test func concurrentRunsFromEightThreads() throws {
        let failures = Counter()
        onThreads(8) { thread in
            for i in 0..<60 {
                let token = "t\(thread)-\(i)"
                let r = try? ProcessRunner.run(ProcessSpec(
                    arguments: ["/bin/sh", "-c", "cat; printf %s \"$TOKEN\" >&2; exit \(i % 5)"],
                    environment: ["TOKEN": token], stdin: Array(token.utf8)))
                if r?.stdoutText != token || r?.stderrText != token || r?.exitCode != Int32(i % 5) {
                    failures.increment()
                }
            }
        }
        #expect(failures.value == 0)
    }

    @Test func spawnThroughput() throws {
        let spec = ProcessSpec(arguments: ["true"])
        let count = 2_000
        let start = Date()
        for _ in 0..<count { _ = try ProcessRunner.run(spec) }
        let rate = Double(count) / Date().timeIntervalSince(start)
        print("ProcessRunner: \(Int(rate)) runs of `true` per second from one thread")
        #expect(rate > 0)
    }

    // MARK: The process table

    @Test func procStatLinesParseAroundOddCommandNames() {
        let line = "4242 (we ird) (name) S 17 4240 4240 0 -1 4194304 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10"
        let e = ProcessTree.parse(stat: Array(line.utf8))
        #expect(e == ProcEntry(pid: 4242, ppid: 17, pgid: 4240, startTime: 987654))
        #expect(ProcessTree.parse(stat: Array("garbage".utf8)) == nil)
        #expect(ProcessTree.parse(stat: Array("1 (x) S 0".utf8)) == nil)
        let me = ProcessTree.read(pid: getpid())
        #expect(me?.pid == getpid() && me?.ppid == getppid())
    }
}

/// A value written by one thread and read by another.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var result: ProcessResult?
    func set(_ r: ProcessResult?) { lock.lock(); result = r; lock.unlock() }
    func get() -> ProcessResult? { lock.lock(); defer { lock.unlock() }; return result }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
