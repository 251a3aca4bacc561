import Foundation
import Testing

/// What one run of the `platflow` binary produced.
struct CLIResult: CustomStringConvertible {
    var stdout: String
    var stderr: String
    /// The exit status, or the signal number when `signalled` is true.
    var status: Int32
    /// True when the process died of a signal (a crash) rather than calling exit.
    var signalled: Bool
    /// True when the harness had to kill the process because it ran past its time limit.
    var timedOut: Bool
    var seconds: Double

    /// stderr without the `run ID` line a durable run starts with: the id differs every time, and the tests
    /// compare everything after it exactly.
    var diagnostics: String {
        guard let newline = stderr.firstIndex(of: "\n") else { return stderr }
        let first = stderr[..<newline]
        let isRunBanner = first.hasPrefix("run ") && first.count > 4
            && first.dropFirst(4).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        return isRunBanner ? String(stderr[stderr.index(after: newline)...]) : stderr
    }

    /// The exit code, or nil if the process did not exit normally (signal or timeout).
    var exitCode: Int32? { signalled || timedOut ? nil : status }

    var description: String {
        "exit \(signalled ? "signal \(status)" : "\(status)")\(timedOut ? " (timed out)" : "")\n"
            + "--- stdout\n\(stdout)--- stderr\n\(stderr)---"
    }
}

/// Runs the real `platflow` binary as a child process in a scratch directory.
///
/// Output goes to temporary files rather than pipes: a child that writes more than a pipe buffer holds
/// can then never block waiting for a reader, so no read order can deadlock.
struct CLI {
    let directory: URL

    /// The built binary: `PLATFLOW_BIN` if set, else beside the test bundle (SwiftPM puts test bundles and
    /// executables in one products directory), else `.build/debug/platflow` from the package root.
    static let binary: URL? = {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["PLATFLOW_BIN"] {
            candidates.append(URL(fileURLWithPath: explicit))
        }
        if let exe = Bundle.main.executableURL {
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent("platflow"))
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("platflow"))
        }
        if let arg0 = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: arg0).deletingLastPathComponent().appendingPathComponent("platflow"))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/platflow"))
        return candidates.first { fm.isExecutableFile(atPath: $0.path) }
    }()

    /// A fresh empty working directory, removed by `cleanUp()`.
    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("platflow-cli-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes `text` to `name` inside the working directory.
    func write(_ name: String, _ text: String) throws {
        try write(name, Data(text.utf8))
    }

    func write(_ name: String, _ data: Data) throws {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    /// Runs `platflow ARGS` in the working directory and waits for it, killing it after `timeout` seconds.
    /// `interruptAfter` sends SIGINT that many seconds after the start, as Ctrl-C would.
    /// `environment` adds to (or overrides) the fixed environment below.
    func run(_ args: [String], timeout: Double = 10, interruptAfter: Double? = nil,
             environment extra: [String: String] = [:]) throws -> CLIResult {
        guard let binary = CLI.binary else {
            throw HarnessError("the platflow binary was not found beside the tests nor at .build/debug/platflow; "
                + "run `swift build` first or set PLATFLOW_BIN")
        }
        let outURL = directory.appendingPathComponent(".stdout-\(UUID().uuidString)")
        let errURL = directory.appendingPathComponent(".stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = binary
        process.arguments = args
        process.currentDirectoryURL = directory
        // A fixed, colourless environment: the output must not depend on the developer's shell.
        var env: [String: String] = ["NO_COLOR": "1", "LANG": "C.UTF-8"]
        if let path = ProcessInfo.processInfo.environment["PATH"] { env["PATH"] = path }
        // How podman is reached, when the container tests found it must go through their namespace wrapper.
        if let podman = ProcessInfo.processInfo.environment["PLATFLOW_PODMAN"] { env["PLATFLOW_PODMAN"] = podman }
        env.merge(extra) { _, given in given }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle

        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        let start = Date()
        try CLI.launch(process)
        try? outHandle.close()
        try? errHandle.close()

        var timedOut = false
        if let delay = interruptAfter {
            if finished.wait(timeout: .now() + delay) == .success {
                finished.signal()  // it ended before the interrupt; let the wait below see that
            } else {
                kill(process.processIdentifier, SIGINT)
            }
        }
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            if finished.wait(timeout: .now() + 2) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                finished.wait()
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let out = (try? Data(contentsOf: outURL)) ?? Data()
        let err = (try? Data(contentsOf: errURL)) ?? Data()
        return CLIResult(stdout: String(decoding: out, as: UTF8.self),
                         stderr: String(decoding: err, as: UTF8.self),
                         status: process.terminationStatus,
                         signalled: process.terminationReason == .uncaughtSignal,
                         timedOut: timedOut,
                         seconds: seconds)
    }

    /// Starts `process` from a fresh thread whose signal mask blocks SIGCHLD alone.
    ///
    /// A child inherits the signal mask of the thread that spawns it, and the test runner's threads (libdispatch
    /// workers) block SIGINT and SIGTERM; spawned from one of them, platflow would never see the Ctrl-C this
    /// suite sends. A user's shell starts platflow with those unblocked, so the tests do too. SIGCHLD stays
    /// blocked: Foundation learns of its children's exits through a signalfd, which sees the signal only while
    /// every thread blocks it; a thread with it unblocked would swallow the exit of another test's child, whose
    /// `waitUntilExit` would then wait forever. (platflow gives its own children an empty mask.)
    static func launch(_ process: Process) throws {
        let launched = DispatchSemaphore(value: 0)
        let outcome = LaunchOutcome()
        let thread = Thread {
            var onlyChild = sigset_t()
            sigemptyset(&onlyChild)
            sigaddset(&onlyChild, SIGCHLD)
            pthread_sigmask(SIG_SETMASK, &onlyChild, nil)
            do { try process.run() } catch { outcome.error = error }
            launched.signal()
        }
        thread.start()
        launched.wait()
        if let error = outcome.error { throw error }
    }

    /// Creates a scratch directory, runs `body` with it, and removes the directory afterwards.
    static func with<T>(_ body: (CLI) throws -> T) throws -> T {
        let cli = try CLI()
        defer { cli.cleanUp() }
        return try body(cli)
    }
}

private final class LaunchOutcome: @unchecked Sendable {
    var error: Error?
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Fails the test unless the binary exited normally with `code`; the message shows the whole output.
func expectExit(_ result: CLIResult, _ code: Int32, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!result.signalled, "platflow died of a signal\n\(result)", sourceLocation: sourceLocation)
    #expect(!result.timedOut, "platflow did not finish in time\n\(result)", sourceLocation: sourceLocation)
    #expect(result.exitCode == code, "expected exit \(code)\n\(result)", sourceLocation: sourceLocation)
}
