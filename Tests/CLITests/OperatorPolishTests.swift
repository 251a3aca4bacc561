import Foundation
import Testing

/// The smaller things an operator meets: JSON everywhere it is offered, refusals instead of silent no-ops,
/// who is recorded, and messages that do not alarm for nothing.
@Suite("operator polish")
struct OperatorPolishTests {
    func json(_ r: CLIResult) -> Any? { try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) }

    @Test("--json is honoured by cmdb group list|show, template list and assoc list")
    func cmdbJSON() throws {
        try CLI.with { cli in
            expectExit(try cli.run(["cmdb", "template", "add", "web", "--module", "nginx"]), 0)
            expectExit(try cli.run(["cmdb", "group", "add", "sh", "--where", "city == $city", "--var", "city=sh"]), 0)
            let templates = try cli.run(["cmdb", "template", "list", "--json"])
            expectExit(templates, 0)
            #expect((json(templates) as? [[String: Any]])?.first?["name"] as? String == "web", "\(templates)")
            let groups = try cli.run(["cmdb", "group", "list", "--json"])
            expectExit(groups, 0)
            #expect((json(groups) as? [[String: Any]])?.first?["filter"] as? String == "city == $city", "\(groups)")
            let group = try cli.run(["cmdb", "group", "show", "sh", "--json"])
            expectExit(group, 0)
            #expect(((json(group) as? [String: Any])?["variables"] as? [String: String])?["city"] != nil, "\(group)")
            let assocs = try cli.run(["cmdb", "assoc", "list", "--json"])
            expectExit(assocs, 0)
            #expect(json(assocs) is [Any], "\(assocs)")
        }
    }

    @Test("CMDB events record who as runs do when $USER is unset")
    func cmdbWho() throws {
        try CLI.with { cli in
            // The harness runs platflow without USER or LOGNAME.
            expectExit(try cli.run(["cmdb", "host", "add", "inner_ip=10.0.0.1", "hostname=a"]), 0)
            let events = try cli.run(["cmdb", "watch", "--json"])
            expectExit(events, 0)
            let first = events.stdout.split(separator: "\n").first.map { String($0) } ?? ""
            let who = (try? JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])??["who"] as? String
            #expect(who != nil && who != "unknown" && who == NSUserName(), "\(events)")
        }
    }

    @Test("cmdb watch --from past the newest event is refused")
    func watchPastTheEnd() throws {
        try CLI.with { cli in
            expectExit(try cli.run(["cmdb", "host", "add", "inner_ip=10.0.0.1", "hostname=a"]), 0)
            let r = try cli.run(["cmdb", "watch", "--from", "999999"])
            expectExit(r, 2)
            #expect(r.stderr.contains("--from 999999 is past the newest event (cursor 1)"), "\(r)")
        }
    }

    @Test("--param durations follow the language: 30m1h and 1h1h are refused, 1h30m is not")
    func durationParameters() throws {
        try CLI.with { cli in
            try cli.write("d.plat", "plan main(wait: duration) { print(wait) }\n")
            for bad in ["30m1h", "1h1h"] {
                let r = try cli.run(["run", "d.plat", "--param", "wait=\(bad)"])
                expectExit(r, 2)
                #expect(r.stderr.contains("expects duration, got \"\(bad)\""), "\(r)")
            }
            let ok = try cli.run(["run", "d.plat", "--param", "wait=1h30m"])
            expectExit(ok, 0)
            #expect(ok.stdout == "1h30m\n", "\(ok)")
        }
    }

    @Test("copy to a dest with an empty [DATE:] is refused instead of landing in the folder above")
    func emptyDateMacro() throws {
        try CLI.with { cli in
            try cli.write("src/a.txt", "a\n")
            let dest = cli.directory.appendingPathComponent("out").path
            try cli.write("c.plat", """
                plan main() {
                    copy(from: "src/a.txt", to: ["h1"], dest: "\(dest)/[DATE:]/")
                }

                """)
            let r = try cli.run(["run", "c.plat"])
            expectExit(r, 1)
            #expect(r.stderr.contains("[DATE:] needs a date pattern"), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: dest + "/a.txt"), "\(r)")
        }
    }

    @Test("logs --host and --step that the run never had exit 2 and name the known ones; status --group --json has the groups")
    func logsUnknownHostAndStep() throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main() {
                    step "deploy" { sh(["web-1", "web-2"], "echo hi $PLATFLOW_HOST") }
                    step "one" { sh(["db-1"], "echo one") }
                }

                """)
            let run = try cli.run(["run", "f.plat"])
            expectExit(run, 0)
            let id = String(run.stderr.split(separator: "\n").first?.dropFirst(4) ?? "")
            let host = try cli.run(["logs", id, "--host", "web-3"])
            expectExit(host, 2)
            #expect(host.stderr.contains("ran on no host 'web-3'") && host.stderr.contains("web-1, web-2"), "\(host)")
            let step = try cli.run(["logs", id, "--step", "deplyo"])
            expectExit(step, 2)
            #expect(step.stderr.contains("has no step 'deplyo'") && step.stderr.contains("main/deploy"), "\(step)")
            expectExit(try cli.run(["logs", id, "--host", "web-1", "--step", "deploy"]), 0)
            let grouped = try cli.run(["status", id, "--group"])
            #expect(grouped.stdout.contains("main/one#1: 1 host\n"), "\(grouped)")
            let j = try cli.run(["status", id, "--group", "--json"])
            expectExit(j, 0)
            let steps = (json(j) as? [String: Any])?["host_steps"] as? [[String: Any]]
            #expect(steps?.count == 2 && (steps?.first?["groups"] as? [Any])?.count == 2, "\(j)")
        }
    }

    @Test("going on after a rolling pause and its approval is not reported as a re-run of an effect in flight")
    func noAlarmAfterApproval() throws {
        try CLI.with { cli in
            try cli.write("roll.plat", RunLifecycleTests.rolling)
            let start = try cli.run(["run", "roll.plat", "--detach"])
            expectExit(start, 0)
            let id = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try RunLifecycleTests.waitFor(cli, id, status: "waiting"))
            expectExit(try cli.run(["approve", id]), 0)
            #expect(try RunLifecycleTests.waitFor(cli, id, status: "succeeded"))
            let logs = try cli.run(["logs", id])
            #expect(!logs.stdout.contains("re-running"), "\(logs)")
        }
    }

    @Test("the run's summary counts hosts that never started (later batches after max_fail) as skipped")
    func skippedCountsHostsNeverStarted() throws {
        try CLI.with { cli in
            try cli.write("m.plat", """
                plan main() {
                    step "roll" { sh(["h1", "h2", "h3", "h4"], "test $PLATFLOW_HOST != h1", rolling: "1", max_fail: "0") }
                }

                """)
            let r = try cli.run(["run", "m.plat"])
            expectExit(r, 1)
            let row = r.stderr.split(separator: "\n").first { $0.hasPrefix("main/roll") }
            let columns = row?.split(separator: " ", omittingEmptySubsequences: true).map(String.init) ?? []
            #expect(columns.count >= 5 && Array(columns[1...4]) == ["4", "0", "1", "3"], "\(r)")
            #expect(r.stderr.contains("1 of 4 hosts failed (max_fail \"0\")"), "\(r)")
        }
    }

    @Test("copying a folder with no files in it is refused instead of succeeding with nothing copied")
    func emptyFolderCopy() throws {
        try CLI.with { cli in
            try FileManager.default.createDirectory(at: cli.directory.appendingPathComponent("empty/sub"), withIntermediateDirectories: true)
            let dest = cli.directory.appendingPathComponent("out").path
            try cli.write("c.plat", """
                plan main() {
                    copy(from: "empty", to: ["h1"], dest: "\(dest)/")
                }

                """)
            let r = try cli.run(["run", "c.plat"])
            expectExit(r, 1)
            #expect(r.stderr.contains("copy source empty is a folder with no files in it: nothing to copy"), "\(r)")
        }
    }
}
