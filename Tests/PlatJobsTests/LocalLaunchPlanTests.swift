import Foundation
import Testing
import PlatEngine
import PlatLang
@testable import PlatJobs

/// The plan a fan-out makes once for all the hosts this machine runs its script for: a host run with it sees
/// exactly what it sees without one.
@Suite struct LocalLaunchPlanTests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "platflow-plan-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Each variable the script prints, in order, NUL-separated.
    private static let printVariables = """
        printf '%s\\0' "$(pwd)" "$HOME" "$PWD" "$PLATFLOW_HOST" "$PLATFLOW_HOST_ROOT" "$PLATFLOW_VAR_ROLE" \
          "$PLATFLOW_VAR_RACK" "$APP_ENV" "$1" "${PATH:+path}"
        """

    private func fields(_ r: ProcessResult) -> [String] {
        var parts = r.stdout.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    @Test func aHostRunWithThePlanSeesWhatItSeesWithout() throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        // The job's env wins over HOME and over a host variable of the same name; PLATFLOW_HOST cannot be set.
        var job = ScriptJob(script: Self.printVariables, args: ["first arg"],
                            env: ["APP_ENV": "prod", "HOME": "/job-home", "PLATFLOW_VAR_ROLE": "from-job",
                                  "PLATFLOW_HOST": "spoofed"])
        let hosts = [
            PlatJobs.Host(name: "sim-1", root: base + "/sim-1", vars: ["role": "from-host", "rack": "r1"]),
            PlatJobs.Host(name: "sim-2", root: base + "/sim-2", vars: ["rack": "r2"]),
            PlatJobs.Host(name: "localhost", vars: ["rack": "r3"]),
        ]
        let without = try hosts.map { try LocalTransport().run(job, on: $0) }
        job.localPlan = try LocalTransport.plan(for: job)
        let with = try hosts.map { try LocalTransport().run(job, on: $0) }
        for (a, b) in zip(without, with) {
            #expect(a.exitCode == 0, "\(a.stderrText)")
            #expect(fields(a) == fields(b))
        }
        let root = base + "/sim-1"
        #expect(fields(with[0]) == [root, "/job-home", root, "sim-1", root, "from-job", "r1", "prod", "first arg", "path"])
        #expect(fields(with[2]) == [FileManager.default.currentDirectoryPath, "/job-home",
                                    ProcessInfo.processInfo.environment["PWD"] ?? "", "localhost", "/", "from-job", "r3",
                                    "prod", "first arg", "path"])
    }

    @Test func aPlanMadeForAnotherJobIsNotUsed() throws {
        var job = ScriptJob(script: "echo \"planned $A $1\"", args: ["x"], env: ["A": "a"])
        let plan = try LocalTransport.plan(for: job)
        for change in ["script", "env", "args"] {
            job = ScriptJob(script: "echo \"planned $A $1\"", args: ["x"], env: ["A": "a"])
            switch change {
            case "script": job.script = "echo \"changed $A $1\""
            case "env": job.env = ["A": "changed"]
            default: job.args = ["changed"]
            }
            job.localPlan = plan
            let r = try LocalTransport().run(job, on: PlatJobs.Host(name: "localhost"))
            #expect(r.stdoutText.contains("changed"), "\(change): \(r.stdoutText)")
        }
    }

    @Test func aJobNoProcessCanReceiveHasNoPlanAndEachHostReportsIt() throws {
        let job = ScriptJob(script: "true", env: ["BAD NAME": "x"])
        #expect(throws: RuntimeError.self) { _ = try LocalTransport.plan(for: job) }
        #expect(throws: RuntimeError.self) { _ = try LocalTransport().run(job, on: PlatJobs.Host(name: "localhost")) }
    }
}
