import Foundation
import Testing

/// `platflow retry`: a failed run goes on from its journal; what finished does not run again.
@Suite("platflow retry")
struct RetryCommandTests {
    /// The run id from the `run ID` line a durable run starts its stderr with.
    func runID(_ r: CLIResult) -> String? {
        guard let first = r.stderr.split(separator: "\n").first, first.hasPrefix("run ") else { return nil }
        return String(first.dropFirst(4))
    }

    @Test("a finished effect runs once whatever its step is named, `@` included; such a step is no host",
          arguments: ["deploy@prod", "deploy-prod", "a@b@c"])
    func finishedEffectRunsOnce(step: String) throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main(marker: string) {
                    step "\(step)" { sh("echo ran >> \\(marker)") }
                    step "boom" { fail("x") }
                }

                """)
            let marker = cli.directory.appendingPathComponent("marker").path
            let first = try cli.run(["run", "f.plat", "--param", "marker=\(marker)"])
            expectExit(first, 1)
            // No fleet summary: the step ran on no host.
            #expect(!first.stderr.contains("HOSTS"), "\(first)")
            guard let id = runID(first) else {
                Issue.record("no run id\n\(first)")
                return
            }
            let retry = try cli.run(["retry", id])
            expectExit(retry, 1)
            #expect(!retry.stderr.contains("HOSTS"), "\(retry)")
            #expect(try String(contentsOfFile: marker, encoding: .utf8) == "ran\n")
            let status = try cli.run(["status", id, "--group"])
            expectExit(status, 0)
            #expect(status.stdout.contains("✓ \(step)"), "\(status)")
            #expect(!status.stdout.contains("hosts"), "\(status)")
        }
    }

    @Test("a step on hosts whose name holds `@`: its hosts are counted, logged and replayed as hosts")
    func fleetStepWithAt() throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main(marker: string) {
                    step "deploy@prod" { sh(["h1", "admin@h2"], "echo $PLATFLOW_HOST >> \\"$1\\"; echo hi $PLATFLOW_HOST", args: [marker]) }
                    step "boom" { fail("x") }
                }

                """)
            let marker = cli.directory.appendingPathComponent("marker").path
            let first = try cli.run(["run", "f.plat", "--param", "marker=\(marker)"])
            expectExit(first, 1)
            let summary = first.stderr.split(separator: "\n").filter { $0.hasPrefix("main/deploy@prod#1 ") }
            #expect(summary.count == 1 && summary.first?.split(separator: " ").dropFirst().first == "2", "\(first)")
            guard let id = runID(first) else {
                Issue.record("no run id\n\(first)")
                return
            }
            let retry = try cli.run(["retry", id])
            expectExit(retry, 1)
            #expect(try String(contentsOfFile: marker, encoding: .utf8).split(separator: "\n").sorted() == ["admin@h2", "h1"])
            let logs = try cli.run(["logs", id, "--host", "admin@h2"])
            expectExit(logs, 0)
            let lines = logs.stdout.split(separator: "\n")
            #expect(lines.count == 1 && lines.first?.hasSuffix(" main/deploy@prod@admin@h2 hi admin@h2") == true, "\(logs)")
            let step = try cli.run(["logs", id, "--step", "deploy@prod"])
            #expect(step.stdout.contains("main/deploy@prod@h1 hi h1"), "\(step)")
        }
    }
}
