import Foundation
import Testing

/// `cmdb export --all` and its restore by `cmdb import`: the whole CMDB, not only its hosts.
@Suite("cmdb snapshot")
struct CMDBSnapshotTests {
    /// A CMDB with something of every kind: hosts (IPv4 and IPv6), a business, a set from a template, a host in a
    /// module, a dynamic group, a custom model with an instance, a custom host field, an association and a link.
    func populate(_ cli: CLI, db: String) throws {
        try cli.write("hosts.csv", """
            inner_ip,hostname,city,comment
            10.0.0.1,web-1,sh,nginx edge
            10.0.0.2,web-2,bj,nginx
            2001:db8::5,db-1,sh,mysql

            """)
        let steps: [[String]] = [
            ["cmdb", "import", "hosts.csv"],
            ["cmdb", "biz", "add", "shop"],
            ["cmdb", "template", "add", "webtpl", "--module", "nginx", "--module", "php"],
            ["cmdb", "set", "add", "shop/web-sh", "--template", "webtpl"],
            ["cmdb", "transfer", "10.0.0.1", "--to", "shop/web-sh/nginx"],
            ["cmdb", "group", "add", "shweb", "--where", #"city == $city"#, "--var", "city=sh"],
            ["cmdb", "model", "add", "switch", "--class", "network", "--attr", "name:string!", "--attr", "ports:int"],
            ["cmdb", "model", "attr", "add", "host", "env:enum(prod,test)"],
            ["cmdb", "host", "edit", "10.0.0.2", "env=prod"],
            ["cmdb", "inst", "add", "switch", "name=sw-01", "ports=48"],
            ["cmdb", "assoc", "add", "sw-host", "--from", "switch", "--to", "host", "--kind", "connects", "--mapping", "n:n"],
            ["cmdb", "link", "sw-host", "sw-01", "10.0.0.1"],
        ]
        for s in steps {
            let r = try cli.run(s + ["--db", db], timeout: 60)
            #expect(r.exitCode == 0, "\(s.joined(separator: " ")): \(r)")
        }
    }

    @Test("export --all, import into a fresh database, export again: identical, and the restored CMDB works")
    func roundTrip() throws {
        try CLI.with { cli in
            try populate(cli, db: "a.db")
            let first = try cli.run(["cmdb", "export", "--all", "--db", "a.db", "--output", "snap.json"], timeout: 60)
            expectExit(first, 0)
            #expect(first.stderr.contains("1 businesses, 2 sets, 5 modules, 1 templates, 3 hosts, 2 models, 1 instances, 1 associations, 1 links, 1 groups"), "\(first)")
            let restore = try cli.run(["cmdb", "import", "snap.json", "--db", "b.db"], timeout: 60)
            expectExit(restore, 0)
            #expect(restore.stdout.hasPrefix("restored the CMDB from snap.json: 1 businesses"), "\(restore)")
            let again = try cli.run(["cmdb", "export", "--all", "--db", "b.db"], timeout: 60)
            expectExit(again, 0)
            let original = try String(contentsOf: cli.directory.appendingPathComponent("snap.json"), encoding: .utf8)
            #expect(again.stdout == original)
            // Not only equal text: the topology, groups, models, links and the search index answer as before.
            for q in [["cmdb", "topo", "shop", "--json"], ["cmdb", "group", "hosts", "shweb", "--json"],
                      ["cmdb", "hosts", "--where", #"env == "prod""#, "--json"], ["cmdb", "search", "nginx shop", "--json"],
                      ["cmdb", "assoc", "links", "switch", "sw-01"], ["cmdb", "export", "--format", "csv"]] {
                let a = try cli.run(q + ["--db", "a.db"], timeout: 60)
                let b = try cli.run(q + ["--db", "b.db"], timeout: 60)
                #expect(a.exitCode == b.exitCode && a.stdout == b.stdout, "\(q.joined(separator: " ")):\n\(a)\n\(b)")
            }
            let group = try cli.run(["cmdb", "group", "hosts", "shweb", "--db", "b.db"], timeout: 60)
            #expect(group.stdout.contains("web-1") && group.stdout.contains("db-1") && !group.stdout.contains("web-2"), "\(group)")
        }
    }

    @Test("a snapshot is refused into a CMDB that holds anything, and a damaged one changes nothing")
    func refusals() throws {
        try CLI.with { cli in
            try populate(cli, db: "a.db")
            expectExit(try cli.run(["cmdb", "export", "--all", "--db", "a.db", "--output", "snap.json"], timeout: 60), 0)
            let busy = try cli.run(["cmdb", "import", "snap.json", "--db", "a.db"], timeout: 60)
            #expect(busy.exitCode != 0 && busy.stderr.contains("a snapshot restores into an empty CMDB; this one holds 3 hosts"), "\(busy)")
            var text = try String(contentsOf: cli.directory.appendingPathComponent("snap.json"), encoding: .utf8)
            // The last row of the last table loses a value: refused, and nothing of the earlier tables stays.
            text = text.replacingOccurrences(of: "\"cmdb_groups\": {\"columns\": [\"name\",", with: "\"cmdb_groups\": {\"columns\": [\"nome\",")
            try cli.write("bad.json", text)
            let bad = try cli.run(["cmdb", "import", "bad.json", "--db", "c.db"], timeout: 60)
            #expect(bad.exitCode != 0 && bad.stderr.contains("table cmdb_groups has no column \"nome\""), "\(bad)")
            let empty = try cli.run(["cmdb", "hosts", "--json", "--db", "c.db"], timeout: 60)
            #expect((try JSONSerialization.jsonObject(with: Data(empty.stdout.utf8)) as? [Any])?.isEmpty == true, "\(empty)")
            let usage = try cli.run(["cmdb", "export", "--all", "--format", "csv", "--db", "a.db"], timeout: 60)
            expectExit(usage, 2)
        }
    }
}
