import Foundation
import Testing

/// One SIGINT or SIGTERM stops whatever a run is busy with (a loop, a regular expression, a paced copy, a
/// command) promptly, with the documented exit code and a resumable run; a second one ends the process at
/// once without leaving the run `running`.
@Suite("signals stop runs")
struct SignalStopTests {
    /// A started `platflow` process whose signals the test sends itself.
    final class Started {
        let process = Process()
        let outURL: URL
        let errURL: URL
        let finished = DispatchSemaphore(value: 0)

        init(_ cli: CLI, _ args: [String]) throws {
            guard let binary = CLI.binary else { throw HarnessError("the platflow binary was not found; run `swift build` first") }
            outURL = cli.directory.appendingPathComponent(".out-\(UUID().uuidString)")
            errURL = cli.directory.appendingPathComponent(".err-\(UUID().uuidString)")
            _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
            process.executableURL = binary
            process.arguments = args
            process.currentDirectoryURL = cli.directory
            var env: [String: String] = ["NO_COLOR": "1", "LANG": "C.UTF-8"]
            if let path = ProcessInfo.processInfo.environment["PATH"] { env["PATH"] = path }
            process.environment = env
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = try FileHandle(forWritingTo: outURL)
            process.standardError = try FileHandle(forWritingTo: errURL)
            let done = finished
            process.terminationHandler = { _ in done.signal() }
            try CLI.launch(process)
        }

        func send(_ sig: Int32) { kill(process.processIdentifier, sig) }

        /// Waits up to `seconds` for the exit; nil (after killing it) when it did not exit in time.
        func exit(within seconds: Double) -> Int32? {
            if finished.wait(timeout: .now() + seconds) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                finished.wait()
                return nil
            }
            return process.terminationStatus
        }

        var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }
    }

    func statusOfNewestRun(_ cli: CLI) throws -> String {
        let r = try cli.run(["runs", "--json"])
        let runs = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]]
        return runs?.first?["status"] as? String ?? "none: \(r)"
    }

    /// Starts `args`, waits until the run has reached its busy part (`ready` holds), sends `signals` spaced by
    /// `spacing` seconds, and returns the exit code (nil: it did not exit within `limit` seconds of the first).
    func interrupt(_ cli: CLI, _ args: [String], signals: [Int32], spacing: Double = 0.5, limit: Double = 5,
                   ready: () -> Bool) throws -> (code: Int32?, stderr: String) {
        let p = try Started(cli, args)
        let end = Date().addingTimeInterval(30)
        while !ready() && Date() < end { usleep(50_000) }
        usleep(300_000)
        for (i, s) in signals.enumerated() {
            if i > 0 { usleep(useconds_t(spacing * 1e6)) }
            p.send(s)
        }
        let code = p.exit(within: limit)
        return (code, p.stderr)
    }

    func started(_ cli: CLI, step: String) -> () -> Bool {
        { self.logHas(cli, "\(step) started") }
    }

    func logHas(_ cli: CLI, _ text: String) -> Bool {
        guard let r = try? cli.run(["runs", "--json"]),
              let runs = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]],
              let id = runs.first?["id"] as? String,
              let logs = try? cli.run(["logs", id]) else { return false }
        return logs.stdout.contains(text)
    }

    static let loop = """
        plan main() {
            step "spin" {
                var i = 0
                while true { i = i + 1 }
            }
        }

        """

    @Test("SIGINT stops a pure loop: exit 130, the run pending and resumable")
    func sigintStopsLoop() throws {
        try CLI.with { cli in
            try cli.write("f.plat", Self.loop)
            let r = try interrupt(cli, ["run", "f.plat"], signals: [SIGINT], ready: started(cli, step: "main/spin"))
            #expect(r.code == 130, "\(r.stderr)")
            #expect(try statusOfNewestRun(cli) == "pending")
            #expect(r.stderr.contains("platflow resume"), "\(r.stderr)")
        }
    }

    @Test("SIGTERM stops a pure loop: exit 3 (parked), the run pending")
    func sigtermStopsLoop() throws {
        try CLI.with { cli in
            try cli.write("f.plat", Self.loop)
            let r = try interrupt(cli, ["run", "f.plat"], signals: [SIGTERM], ready: started(cli, step: "main/spin"))
            #expect(r.code == 3, "\(r.stderr)")
            #expect(try statusOfNewestRun(cli) == "pending")
        }
    }

    @Test("SIGINT stops a regular expression that backtracks: exit 130 before its time limit, not a failure")
    func sigintStopsRegex() throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main() {
                    step "rx" { print(re.match("(a|aa)+$", "a" * 60 + "b")) }
                }

                """)
            let r = try interrupt(cli, ["run", "f.plat"], signals: [SIGINT], limit: 1.5, ready: started(cli, step: "main/rx"))
            #expect(r.code == 130, "\(r.stderr)")
            #expect(try statusOfNewestRun(cli) == "pending")
        }
    }

    @Test("SIGINT stops a copy paced by upload_limit at once and leaves no temporary file")
    func sigintStopsPacedCopy() throws {
        try CLI.with { cli in
            try cli.write("big.bin", Data(repeating: 7, count: 400_000))
            try cli.write("f.plat", """
                plan main() {
                    step "cp" { copy(from: "big.bin", to: ["h1"], dest: "/data/", upload_limit: 0.001) }
                }

                """)
            let hostFolder = cli.directory.appendingPathComponent(".platflow/hosts/h1/data")
            let r = try interrupt(cli, ["run", "f.plat"], signals: [SIGINT], ready: {
                ((try? FileManager.default.contentsOfDirectory(atPath: hostFolder.path)) ?? []).contains { $0.hasSuffix(".tmp") }
            })
            #expect(r.code == 130, "\(r.stderr)")
            #expect(try statusOfNewestRun(cli) == "pending")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: hostFolder.path)) ?? []
            #expect(!left.contains { $0.hasSuffix(".tmp") }, "\(left)")
        }
    }

    @Test("a second signal ends a run whose command ignores SIGTERM at once, and the run is not left running")
    func secondSignal() throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main() {
                    step "stubborn" { sh("trap '' TERM; sleep 30; true") }
                }

                """)
            let r = try interrupt(cli, ["run", "f.plat"], signals: [SIGINT, SIGINT], spacing: 1,
                                  ready: started(cli, step: "main/stubborn"))
            #expect(r.code == 130, "\(r.stderr)")
            #expect(try statusOfNewestRun(cli) == "pending")
        }
    }
}
