import Foundation
import Testing

/// A `platflow` process started in the background (a foreground run someone else acts on), its output in files.
final class BackgroundCLI {
    let process = Process()
    let outURL: URL
    let errURL: URL

    init(_ cli: CLI, _ args: [String], environment: [String: String] = [:]) throws {
        guard let binary = CLI.binary else { throw HarnessError("the platflow binary was not found; run `swift build` first") }
        outURL = cli.directory.appendingPathComponent(".bg-out-\(UUID().uuidString)")
        errURL = cli.directory.appendingPathComponent(".bg-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = binary
        process.arguments = args
        process.currentDirectoryURL = cli.directory
        var env: [String: String] = ["NO_COLOR": "1", "LANG": "C.UTF-8"]
        if let path = ProcessInfo.processInfo.environment["PATH"] { env["PATH"] = path }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try CLI.launch(process)
    }

    var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }
    var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }

    /// Waits up to `seconds` for the process to end; kills it when it does not. Its exit status, or nil.
    func finish(within seconds: Double) -> Int32? {
        let end = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < end { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// The life of a run as an operator drives it: retry, approve and cancel while a run waits or after it ended.
@Suite("run lifecycle")
struct RunLifecycleTests {
    /// Four hosts in batches of two; h3 fails; the run pauses after the failed batch.
    static let rolling = """
        plan main() {
            step "roll" {
                sh(["h1", "h2", "h3", "h4"], "test $PLATFLOW_HOST != h3", rolling: "2", on_failure: "pause")
            }
        }

        """

    static func waitFor(_ cli: CLI, _ id: String, status: String, seconds: Double = 20) throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            let s = try cli.run(["status", id, "--json"])
            if s.stdout.contains("\"status\" : \"\(status)\"") { return true }
            usleep(100_000)
        }
        return false
    }

    static func runID(_ bg: BackgroundCLI, seconds: Double = 10) -> String? {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if let first = bg.stderr.split(separator: "\n").first, first.hasPrefix("run ") {
                return String(first.dropFirst(4))
            }
            usleep(50_000)
        }
        return nil
    }

    @Test("retry while a foreground run waits on a failed batch changes nothing; the summary keeps the failed host")
    func retryWhileForegroundWaits() throws {
        try CLI.with { cli in
            try cli.write("roll.plat", Self.rolling)
            let fg = try BackgroundCLI(cli, ["run", "roll.plat", "--wait"])
            guard let id = Self.runID(fg) else {
                Issue.record("no run id: \(fg.stderr)")
                return
            }
            #expect(try Self.waitFor(cli, id, status: "waiting"), "\(fg.stderr)")
            let retry = try cli.run(["retry", id])
            expectExit(retry, 2)
            #expect(retry.stderr.contains("retry changed nothing"), "\(retry)")
            #expect(retry.stderr.contains("platflow approve \(id)"), "\(retry)")
            // Still waiting, and the foreground run still holds it.
            #expect(try Self.waitFor(cli, id, status: "waiting", seconds: 1))
            #expect(fg.process.isRunning, "\(fg.stderr)")
            expectExit(try cli.run(["approve", id]), 0)
            #expect(fg.finish(within: 20) == 0, "\(fg.stderr)")
            let summary = fg.stderr.split(separator: "\n").first { $0.hasPrefix("main/roll") }
            let columns = summary?.split(separator: " ", omittingEmptySubsequences: true).map(String.init) ?? []
            #expect(columns.count >= 4 && columns[1] == "4" && columns[2] == "3" && columns[3] == "1", "\(fg.stderr)")
        }
    }

    @Test("a cancelled run: approve is refused, status shows no step running or waiting, a retry asks again")
    func approveAfterCancel() throws {
        try CLI.with { cli in
            let marker = cli.directory.appendingPathComponent("deployed").path
            try cli.write("gate.plat", """
                plan main(marker: string) {
                    step "gate" { approve("ship it?") }
                    step "ship" { sh("touch \\"$1\\"", args: [marker]) }
                }

                """)
            let start = try cli.run(["run", "gate.plat", "--detach", "-p", "marker=\(marker)"])
            expectExit(start, 0)
            let id = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try Self.waitFor(cli, id, status: "waiting"))
            expectExit(try cli.run(["cancel", id]), 0)
            let approve = try cli.run(["approve", id])
            expectExit(approve, 2)
            #expect(approve.stderr.contains("run \(id) is cancelled; there is nothing to approve"), "\(approve)")
            let status = try cli.run(["status", id])
            expectExit(status, 0)
            #expect(!status.stdout.contains("running") && !status.stdout.contains("waiting"), "\(status)")
            #expect(status.stdout.contains("✗ gate") && status.stdout.contains("cancelled"), "\(status)")
            let logs = try cli.run(["logs", id])
            #expect(!logs.stdout.contains("approved"), "\(logs)")
            // A retry asks again: nothing approved the gate after the cancel, so it waits and ships nothing.
            expectExit(try cli.run(["retry", id, "--detach"]), 0)
            #expect(try Self.waitFor(cli, id, status: "waiting"))
            #expect(!FileManager.default.fileExists(atPath: marker))
            let again = try cli.run(["status", id])
            #expect(again.stdout.contains("waiting for approval: ship it?"), "\(again)")
        }
    }

    @Test("run --detach with a secret parameter is refused before anything is recorded")
    func detachWithSecretRecordsNothing() throws {
        try CLI.with { cli in
            try cli.write("s.plat", "plan main(token: secret) {\n    sh(\"true\")\n}\n")
            let r = try cli.run(["run", "s.plat", "--detach", "-p", "token=abc"])
            expectExit(r, 2)
            #expect(r.stderr.contains("cannot be detached"), "\(r)")
            #expect(r.stdout.isEmpty, "\(r)")
            let runs = try cli.run(["runs", "--json"])
            expectExit(runs, 0)
            #expect(!runs.stdout.contains("\"id\""), "a run was recorded: \(runs)")
        }
    }

    @Test("the scheduler says once that a parked run needs its secret, and leaves it parked")
    func schedulerToldOnceAboutSecrets() throws {
        try CLI.with { cli in
            try cli.write("s.plat", "plan main(token: secret) {\n    sleep(1s)\n    sh(\"true\")\n}\n")
            // Ctrl-C during the sleep parks the run; it wakes a second later, but its secret is not stored.
            let first = try cli.run(["run", "s.plat", "-p", "token=abc", "--wait"], interruptAfter: 0.5)
            #expect(first.exitCode == 130, "\(first)")
            let id = String(first.stderr.split(separator: "\n").first?.dropFirst(4) ?? "")
            let scheduler = try BackgroundCLI(cli, ["scheduler"])
            usleep(3_000_000)
            kill(scheduler.process.processIdentifier, SIGTERM)
            _ = scheduler.finish(within: 10)
            let told = scheduler.stderr.split(separator: "\n").filter { $0.contains("run \(id) needs its secret parameter 'token'") }
            #expect(told.count == 1, "\(scheduler.stderr)")
            let status = try cli.run(["status", id, "--json"])
            #expect(status.stdout.contains("\"status\" : \"sleeping\""), "\(status)")
        }
    }

    /// The `duration` of step `path` in `status --json`.
    static func stepDuration(_ cli: CLI, _ id: String, _ path: String) throws -> Double? {
        let s = try cli.run(["status", id, "--json"])
        guard let o = try JSONSerialization.jsonObject(with: Data(s.stdout.utf8)) as? [String: Any],
              let steps = o["steps"] as? [[String: Any]] else { return nil }
        return steps.first { $0["path"] as? String == path }?["duration"] as? Double
    }

    @Test("a step resumed after a stop counts the time its attempts ran, not the time the run was stopped")
    func durationAfterResume() throws {
        try CLI.with { cli in
            try cli.write("w.plat", """
                plan main() {
                    step "work" {
                        sh("sleep 1")
                        sh("sleep 1")
                    }
                }

                """)
            // Ctrl-C in the second command; the run stays stopped for 4 s; the resume runs that command again.
            let first = try cli.run(["run", "w.plat"], interruptAfter: 1.4)
            #expect(first.exitCode == 130, "\(first)")
            let id = String(first.stderr.split(separator: "\n").first?.dropFirst(4) ?? "")
            usleep(4_000_000)
            let resumed = try cli.run(["resume", id], timeout: 20)
            expectExit(resumed, 0)
            let d = try Self.stepDuration(cli, id, "main/work") ?? -1
            // About 1.4 s before the stop and 1 s after it; with the stop counted it would be over 6 s.
            #expect(d >= 2.0 && d < 5.5, "duration \(d)\n\(resumed)")
        }
    }

    @Test("a sleep that parked and woke on resume is shown with the time it slept, not the moment the resume took")
    func sleepDurationAfterResume() throws {
        try CLI.with { cli in
            try cli.write("n.plat", "plan main() {\n    step \"nap\" { sleep(2s) }\n}\n")
            let first = try cli.run(["run", "n.plat", "--wait"], interruptAfter: 0.5)
            #expect(first.exitCode == 130, "\(first)")
            let id = String(first.stderr.split(separator: "\n").first?.dropFirst(4) ?? "")
            usleep(2_500_000)
            let resumed = try cli.run(["resume", id])
            expectExit(resumed, 0)
            let d = try Self.stepDuration(cli, id, "main/nap") ?? -1
            #expect(d >= 2.0, "duration \(d)\n\(resumed)")
            let line = resumed.stderr.split(separator: "\n").first { $0.contains("main/nap") && !$0.contains("resumed") }
            #expect(line.map { !$0.hasSuffix("ms") } == true, "\(resumed)")
        }
    }

    @Test("without a terminal a foreground run that must wait parks and exits 3 at once; --wait waits")
    func noTerminalParks() throws {
        try CLI.with { cli in
            try cli.write("gate.plat", "plan main() {\n    step \"gate\" { approve(\"ship it?\") }\n}\n")
            let parked = try cli.run(["run", "gate.plat"], timeout: 10)
            expectExit(parked, 3)
            #expect(parked.stderr.contains("is waiting; it continues with `platflow resume"), "\(parked)")
            #expect(parked.stderr.contains("--wait waits instead"), "\(parked)")
            let id = String(parked.stderr.split(separator: "\n").first?.dropFirst(4) ?? "")
            // The approval continues it in the background.
            expectExit(try cli.run(["approve", id]), 0)
            #expect(try Self.waitFor(cli, id, status: "succeeded"))
            // --wait waits (here until Ctrl-C, which parks it), and says what it waits for and that Ctrl-C parks it.
            let waited = try cli.run(["run", "gate.plat", "--wait"], timeout: 10, interruptAfter: 1.5)
            #expect(waited.exitCode == 130, "\(waited)")
            #expect(waited.seconds >= 1.4, "\(waited)")
            #expect(waited.stderr.contains("waiting for approval: ship it? (platflow approve"), "\(waited)")
            #expect(waited.stderr.contains("Ctrl-C parks the run"), "\(waited)")
        }
    }

    @Test("a parked sleeping run says when no scheduler is running to wake it")
    func sleepingWithoutScheduler() throws {
        try CLI.with { cli in
            try cli.write("nap.plat", "plan main() {\n    sleep(1h)\n}\n")
            let start = try cli.run(["run", "nap.plat", "--detach"])
            expectExit(start, 0)
            let id = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try Self.waitFor(cli, id, status: "sleeping"))
            let alone = try cli.run(["status", id])
            #expect(alone.stdout.contains("no scheduler is running to wake it"), "\(alone)")
            let scheduler = try BackgroundCLI(cli, ["scheduler"])
            var said = true
            let end = Date().addingTimeInterval(10)
            while said && Date() < end {
                usleep(200_000)
                said = try cli.run(["status", id]).stdout.contains("no scheduler is running")
            }
            #expect(!said, "status still says no scheduler runs while one does")
            kill(scheduler.process.processIdentifier, SIGTERM)
            _ = scheduler.finish(within: 10)
            let after = try cli.run(["status", id])
            #expect(after.stdout.contains("no scheduler is running to wake it"), "\(after)")
        }
    }
}
