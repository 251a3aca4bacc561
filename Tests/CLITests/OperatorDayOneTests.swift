import Foundation
import Testing

/// What an SRE expects from day one: explain with the CMDB's hosts, bound filter values, who approves, one
/// database per project, live output, rollout hooks and the small commands scripts need.
@Suite("operator day one")
struct OperatorDayOneTests {
    func json(_ r: CLIResult) -> Any? { try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) }

    /// Four hosts: three in city sh, one in bj.
    func addHosts(_ cli: CLI) throws {
        for i in 1...4 {
            expectExit(try cli.run(["cmdb", "host", "add", "inner_ip=10.0.0.\(i)", "hostname=web-0\(i)",
                                    "city=\(i == 4 ? "bj" : "sh")"]), 0)
        }
    }

    @Test("--explain reads the CMDB and shows the hosts each step would touch; it records nothing")
    func explainReadsTheCMDB() throws {
        try CLI.with { cli in
            try addHosts(cli)
            try cli.write("p.plat", """
                plan main() {
                    let web = cmdb.hosts(where: "city == \\"sh\\"")
                    step "restart" {
                        assert len(web) == 3, "three hosts"
                        sh(web, "systemctl restart nginx", rolling: "1 100%")
                    }
                }
                """)
            let r = try cli.run(["run", "p.plat", "--explain"])
            expectExit(r, 0)
            #expect(r.stdout.contains("cmdb.hosts(where: \"city == \\\"sh\\\"\") reads 3 hosts: web-01, web-02, web-03"), "\(r)")
            #expect(r.stdout.contains("batch 1/2 (1 host): web-01"), "\(r)")
            #expect(r.stdout.contains("batch 2/2 (2 hosts): web-02, web-03"), "\(r)")
            let runs = try cli.run(["runs", "--json"])
            #expect((json(runs) as? [Any])?.isEmpty == true, "explain recorded a run: \(runs)")
        }
    }
}

extension OperatorDayOneTests {
    @Test("cmdb.hosts(where:, vars:) binds values: a parameter holding filter syntax selects nothing")
    func boundFilterValues() throws {
        try CLI.with { cli in
            try addHosts(cli)
            try cli.write("q.plat", """
                plan main(city: string) {
                    let web = cmdb.hosts(where: "city == $city", vars: {city: city})
                    var names = []
                    for h in web { names.append(h.name) }
                    print(len(web), names)
                }
                """)
            let sh = try cli.run(["run", "q.plat", "-p", "city=sh", "-q"])
            expectExit(sh, 0)
            #expect(sh.stdout == "3 [\"web-01\", \"web-02\", \"web-03\"]\n", "\(sh)")
            // Spliced into the filter text, this would select every host.
            let injected = try cli.run(["run", "q.plat", "-p", "city=gz\" or hostname exists or city == \"", "-q"])
            expectExit(injected, 0)
            #expect(injected.stdout == "0 []\n", "\(injected)")
            try cli.write("r.plat", """
                plan main() { print(len(cmdb.hosts(where: "city in $cities", vars: {cities: ["sh", "bj"]}))) }
                """)
            let list = try cli.run(["run", "r.plat", "-q"])
            #expect(list.stdout == "4\n", "\(list)")
            try cli.write("m.plat", """
                plan main() { print(len(cmdb.hosts(where: "city == $city"))) }
                """)
            let missing = try cli.run(["run", "m.plat", "-q"])
            expectExit(missing, 1)
            #expect(missing.stderr.contains("the variable $city has no value") && missing.stderr.contains("vars: {city: value}"), "\(missing)")
        }
    }
}

extension OperatorDayOneTests {
    /// Polls `logs RUN` until `text` shows; returns the run's status at that moment (nil on time-out).
    func statusWhenLogged(_ cli: CLI, _ id: String, _ text: String, seconds: Double = 20) throws -> String? {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            let logs = try cli.run(["logs", id])
            if logs.stdout.contains(text) {
                let s = try cli.run(["status", id, "--json"])
                return ((json(s) as? [String: Any])?["status"] as? String) ?? "unreadable status: \(s)"
            }
            usleep(100_000)
        }
        return nil
    }

    @Test("a command's lines reach the log as it prints them, stamped when they came")
    func liveLogLines() throws {
        try CLI.with { cli in
            try cli.write("slow.plat", """
                plan main() {
                    step "slow" { sh("echo first; sleep 3; echo second") }
                }
                """)
            let fg = try BackgroundCLI(cli, ["run", "slow.plat"])
            guard let id = RunLifecycleTests.runID(fg) else {
                Issue.record("no run id: \(fg.stderr)")
                return
            }
            let when = try statusWhenLogged(cli, id, "first")
            #expect(when == "running", "the first line showed only after the command ended: \(when ?? "never")")
            #expect(fg.finish(within: 20) == 0, "\(fg.stderr)")
            let logs = try cli.run(["logs", id, "--step", "slow", "--json"])
            expectExit(logs, 0)
            let objects = logs.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            let at = { (t: String) in objects.first { $0["text"] as? String == t }?["at"] as? Double }
            if let a = at("first"), let b = at("second") {
                #expect(b - a >= 2, "both lines stamped alike: \(a) \(b)")
            } else {
                Issue.record("lines missing from --json: \(logs)")
            }
            #expect(objects.allSatisfy { $0["step"] != nil && $0["kind"] != nil }, "\(logs)")
            let tail = try cli.run(["logs", id, "--tail", "1", "--json"])
            #expect(tail.stdout.split(separator: "\n").count == 1 && tail.stdout.contains("run succeeded"), "\(tail)")
            let none = try cli.run(["logs", id, "--since", "0s"])
            #expect(none.stdout.isEmpty, "\(none)")
            let recent = try cli.run(["logs", id, "--since", "10m"])
            #expect(recent.stdout.contains("second"), "\(recent)")
            expectExit(try cli.run(["logs", id, "--since", "soon"]), 2)
        }
    }

    @Test("run -v shows each host's output as it comes, prefixed by the host")
    func verboseHostOutput() throws {
        try CLI.with { cli in
            try cli.write("v.plat", """
                plan main() {
                    step "fleet" { sh(["web-a", "web-b"], "echo hi from $PLATFLOW_HOST") }
                    step "here" { sh("echo local line") }
                }
                """)
            let r = try cli.run(["run", "v.plat", "-v"])
            expectExit(r, 0)
            #expect(r.stderr.contains("web-a | hi from web-a") && r.stderr.contains("web-b | hi from web-b"), "\(r)")
            #expect(r.stderr.contains("localhost | local line"), "\(r)")
            let quiet = try cli.run(["run", "v.plat"])
            #expect(!quiet.stderr.contains("web-a | "), "\(quiet)")
        }
    }
}

extension OperatorDayOneTests {
    @Test("batch_interval waits between batches; a between_batches hook sees each batch, may run effects, and false stops the rollout")
    func betweenBatches() throws {
        try CLI.with { cli in
            try cli.write("roll.plat", """
                plan main() {
                    step "roll" {
                        sh(["h1", "h2", "h3", "h4"], "echo hi", rolling: "1 1 100%", batch_interval: 1s,
                           between_batches: fn(batch) {
                               let health = sh("echo healthy-\\(batch.index)")
                               print("after", batch.index, "of", batch.count, batch.hosts, health.stdout.trim())
                               return batch.index < 2
                           })
                    }
                }
                """)
            let r = try cli.run(["run", "roll.plat"], timeout: 30)
            expectExit(r, 1)
            #expect(r.stdout == "after 1 of 3 [\"h1\"] healthy-1\nafter 2 of 3 [\"h2\"] healthy-2\n", "\(r)")
            #expect(r.stderr.contains("between_batches stopped the rollout after batch 2/3: 2 hosts not run"), "\(r)")
            #expect(r.stderr.contains("main/roll/between_batches#2"), "\(r)")
            #expect(r.seconds >= 2, "batch_interval did not wait: \(r.seconds)s")
            try cli.write("bad.plat", """
                plan main() { sh(["h1", "h2"], "true", rolling: "1", between_batches: fn(b) => "yes") }
                """)
            let bad = try cli.run(["run", "bad.plat"])
            expectExit(bad, 1)
            #expect(bad.stderr.contains("between_batches must return true (go on) or false (stop the rollout), got string"), "\(bad)")
        }
    }

    @Test("run --limit narrows a plan's hosts to names, globs, a CMDB group or a filter; a limit matching nothing records nothing")
    func runLimit() throws {
        try CLI.with { cli in
            try addHosts(cli)
            try cli.write("l.plat", """
                plan main() {
                    let r = sh(cmdb.hosts(), "echo hi")
                    print(r.total, r.ok)
                }
                """)
            #expect(try cli.run(["run", "l.plat", "-q"]).stdout == "4 4\n")
            #expect(try cli.run(["run", "l.plat", "-q", "--limit", "city == \"bj\""]).stdout == "1 1\n")
            #expect(try cli.run(["run", "l.plat", "-q", "--limit", "web-0[12],10.0.0.3"]).stdout == "3 3\n")
            expectExit(try cli.run(["cmdb", "group", "add", "two", "--where", "hostname in [\"web-01\", \"web-04\"]"]), 0)
            let group = try cli.run(["run", "l.plat", "--limit", "two"])
            #expect(group.stdout == "2 2\n" && group.stderr.contains("--limit"), "\(group)")
            let runsBefore = (json(try cli.run(["runs", "--json"])) as? [Any])?.count
            let none = try cli.run(["run", "l.plat", "--limit", "city == \"zz\""])
            expectExit(none, 2)
            #expect(none.stderr.contains("matches no host"), "\(none)")
            #expect((json(try cli.run(["runs", "--json"])) as? [Any])?.count == runsBefore)
        }
    }
}
