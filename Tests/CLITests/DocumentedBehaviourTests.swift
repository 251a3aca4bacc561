import Foundation
import Testing

/// Behaviours issue 16 asked to be stated and made visible: a search cut at its limit says so, subscriptions
/// show in `schedule list`, an identical `script add` makes no new version, `hosts` parameters from the shell.
@Suite("documented behaviours")
struct DocumentedBehaviourTests {
    @Test("cmdb search shows the best 20 and says when more match; --limit N shows more")
    func searchSaysWhenCut() throws {
        try CLI.with { cli in
            var csv = "inner_ip,hostname,comment\n"
            for i in 1...25 { csv += "10.1.0.\(i),edge-\(i),nginx edge\n" }
            try cli.write("hosts.csv", csv)
            expectExit(try cli.run(["cmdb", "import", "hosts.csv"], timeout: 60), 0)
            let cut = try cli.run(["cmdb", "search", "nginx", "--json"], timeout: 60)
            expectExit(cut, 0)
            #expect((try JSONSerialization.jsonObject(with: Data(cut.stdout.utf8)) as? [Any])?.count == 20, "\(cut)")
            #expect(cut.stderr == "showing the best 20 matches; more match (--limit N shows more)\n", "\(cut)")
            let all = try cli.run(["cmdb", "search", "nginx", "--limit", "30", "--json"], timeout: 60)
            #expect((try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [Any])?.count == 25, "\(all)")
            #expect(all.stderr.isEmpty, "\(all)")
            let exact = try cli.run(["cmdb", "search", "nginx", "--limit", "25"], timeout: 60)
            expectExit(exact, 0)
            #expect(exact.stderr.isEmpty, "25 shown of 25: nothing cut: \(exact)")
            let table = try cli.run(["cmdb", "search", "nginx", "--limit", "3"], timeout: 60)
            #expect(table.stdout.split(separator: "\n").count == 4 && table.stderr.contains("best 3 matches"), "\(table)")
        }
    }

    @Test("schedule list shows subscriptions with their event, filter and plan, in the table and in JSON")
    func subscriptionsListed() throws {
        try CLI.with { cli in
            try cli.write("s.plat", """
                schedule "nightly" { cron: "0 3 * * *", run: job(n: 1) }
                on cmdb.host.changed where "city == \\"sh\\"" run refresh(zone: "prod")
                plan job(n: int) { print(n) }
                plan refresh(zone: string) { print(zone) }

                """)
            expectExit(try cli.run(["schedule", "apply", "s.plat"], timeout: 60), 0)
            let r = try cli.run(["schedule", "list"], timeout: 60)
            expectExit(r, 0)
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.first?.hasPrefix("NAME") == true && lines.contains { $0.hasPrefix("nightly ") }, "\(r)")
            guard let header = lines.firstIndex(where: { $0.hasPrefix("SUBSCRIPTION") }) else {
                Issue.record("no subscription table: \(r)"); return
            }
            #expect(lines[header].split(separator: " ", omittingEmptySubsequences: true) == ["SUBSCRIPTION", "EVENT", "WHERE", "PLAN", "RUNS"])
            let row = lines[header + 1]
            #expect(row.contains("cmdb.host.changed") && row.contains(#"city == "sh""#) && row.contains("refresh") && row.hasSuffix(" 0"), "\(row)")
            let j = try cli.run(["schedule", "list", "--json"], timeout: 60)
            let entries = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(entries.map { $0["kind"] as? String } == ["schedule", "subscription"], "\(j)")
            #expect(entries.last?["event"] as? String == "cmdb.host.changed")
            #expect(entries.last?["filter"] as? String == #"city == "sh""#)
            #expect(entries.last?["plan"] as? String == "refresh")
            // Only subscriptions: the table of schedules is left out, not shown empty.
            try cli.write("s.plat", """
                on cmdb.host.changed run refresh(zone: "prod")
                plan refresh(zone: string) { print(zone) }

                """)
            expectExit(try cli.run(["schedule", "apply", "s.plat"], timeout: 60), 0)
            let only = try cli.run(["schedule", "list"], timeout: 60)
            #expect(only.stdout.hasPrefix("SUBSCRIPTION"), "\(only)")
        }
    }

    @Test("script add of the newest version's own text changes nothing and says so; other text makes a version")
    func identicalScriptAdd() throws {
        try CLI.with { cli in
            try cli.write("c.sh", "echo one\n")
            var r = try cli.run(["script", "add", "cleanup", "c.sh"], timeout: 60)
            expectExit(r, 0)
            #expect(r.stdout.contains("version 1 (bash) saved as a draft"), "\(r)")
            expectExit(try cli.run(["script", "publish", "cleanup", "1"], timeout: 60), 0)
            r = try cli.run(["script", "add", "cleanup", "c.sh"], timeout: 60)
            expectExit(r, 0)
            #expect(r.stdout == "script cleanup version 1 (online) already holds this text; no new version\n", "\(r)")
            // The same text as another language is another script.
            r = try cli.run(["script", "add", "cleanup", "c.sh", "--lang", "sh"], timeout: 60)
            #expect(r.stdout.contains("version 2 (sh) saved as a draft"), "\(r)")
            r = try cli.run(["script", "add", "cleanup", "c.sh", "--lang", "sh"], timeout: 60)
            #expect(r.stdout == "script cleanup version 2 (draft) already holds this text; no new version\n", "\(r)")
            let show = try cli.run(["script", "show", "cleanup", "--json"], timeout: 60)
            let shown = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
            #expect((shown?["versions"] as? [Any])?.count == 2, "two versions: \(show)")
        }
    }

    @Test("a hosts parameter takes names separated by commas or JSON")
    func hostsParameter() throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main(web: hosts) { print(len(web), web) }

                """)
            var r = try cli.run(["run", "f.plat", "--param", "web=web-01, web-02"], timeout: 60)
            expectExit(r, 0)
            #expect(r.stdout == "2 [\"web-01\", \"web-02\"]\n", "\(r)")
            r = try cli.run(["run", "f.plat", "--param", #"web=["a", {"name": "b", "address": "10.0.0.9"}]"#], timeout: 60)
            expectExit(r, 0)
            #expect(r.stdout.hasPrefix("2 "), "\(r)")
        }
    }
}

/// Counts in messages agree with their number ("1 host", "2 hosts").
@Suite("counted words")
struct CountedWordsTests {
    @Test("a rollout stopped with one host left says '1 host not run'; a one-row import says '1 row'")
    func singular() throws {
        try CLI.with { cli in
            try cli.write("f.plat", """
                plan main() {
                    step "roll" { sh(["a1", "a2", "a3"], "true", rolling: "1 1", between_batches: fn(b) { return b.index < 2 }) }
                }

                """)
            let r = try cli.run(["run", "f.plat"], timeout: 60)
            expectExit(r, 1)
            #expect(r.stderr.contains("between_batches stopped the rollout after batch 2/3: 1 host not run"), "\(r)")
            try cli.write("h.csv", "inner_ip,hostname\n10.0.0.1,a\n")
            let i = try cli.run(["cmdb", "import", "h.csv"], timeout: 60)
            #expect(i.stdout == "1 row: 1 created, 0 updated, 0 unchanged\n", "\(i)")
        }
    }
}
