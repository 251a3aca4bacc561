import Foundation
import Testing

/// `platflow cmdb ...` through the built binary: output, JSON, exit codes.
@Suite("platflow cmdb")
struct CMDBCommandTests {
    func seeded(_ cli: CLI) throws {
        try cli.write("hosts.csv", """
            inner_ip,hostname,city,sla,comment
            10.0.0.1,web-1,shanghai,3,nginx edge
            10.0.0.2,web-2,beijing,2,nginx
            10.0.0.3,db-1,shanghai,1,mysql primary

            """)
        let r = try cli.run(["cmdb", "import", "hosts.csv", "--as", "alice"])
        expectExit(r, 0)
        #expect(r.stdout == "3 rows: 3 created, 0 updated, 0 unchanged\n")
    }

    @Test("import, query with a filter, JSON output")
    func importAndQuery() throws {
        try CLI.with { cli in
            try seeded(cli)
            let q = try cli.run(["cmdb", "hosts", "--where", #"city == "shanghai" and sla >= 2"#, "--fields", "hostname,city,sla"])
            expectExit(q, 0)
            #expect(q.stdout == "HOSTNAME  CITY      SLA\nweb-1     shanghai  3\n")
            let j = try cli.run(["cmdb", "hosts", "--where", #"hostname == "db-1""#, "--json"])
            expectExit(j, 0)
            let hosts = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [[String: Any]]
            #expect(hosts?.first?["inner_ip"] as? [String] == ["10.0.0.3"])
            #expect(hosts?.first?["biz"] is NSNull)
        }
    }

    @Test("a bad filter exits 2 with the column, a caret and a hint")
    func badFilter() throws {
        try CLI.with { cli in
            try seeded(cli)
            let r = try cli.run(["cmdb", "hosts", "--where", #"sla >= 2 and cty == "sh""#])
            expectExit(r, 2)
            #expect(r.stderr == """
                error: unknown field 'cty' (filter column 14)
                    sla >= 2 and cty == "sh"
                                 ^
                hint: did you mean 'city'?

                """)
        }
    }

    @Test("an import with bad rows lists each and writes nothing")
    func badImport() throws {
        try CLI.with { cli in
            try cli.write("bad.csv", "inner_ip,sla\n10.0.0.1,1\n10.0.0.x,2\n10.0.0.3,high\n")
            let r = try cli.run(["cmdb", "import", "bad.csv"])
            expectExit(r, 2)
            #expect(r.stderr.contains("bad.csv:3: inner_ip: '10.0.0.x' is not an IPv4 or IPv6 address"))
            #expect(r.stderr.contains("bad.csv:4: sla: expected an int, got 'high'"))
            #expect(r.stderr.contains("error: 2 problems in 3 rows; nothing was imported"))
            let n = try cli.run(["cmdb", "hosts", "--json"])
            #expect(n.stdout == "[\n\n]\n" || n.stdout == "[]\n")
        }
    }

    @Test("topology and transfer rules, delete refusal")
    func topology() throws {
        try CLI.with { cli in
            try seeded(cli)
            for args in [["biz", "add", "shop"], ["set", "add", "shop/web"], ["module", "add", "shop/web/nginx"]] {
                expectExit(try cli.run(["cmdb"] + args), 0)
            }
            let t = try cli.run(["cmdb", "transfer", "10.0.0.1", "web-2", "--to", "shop/web/nginx"])
            expectExit(t, 0)
            #expect(t.stdout == "10.0.0.1 (web-1): (pool) -> shop/web/nginx\n10.0.0.2 (web-2): (pool) -> shop/web/nginx\n")
            let pool = try cli.run(["cmdb", "transfer", "web-1", "--to-pool"])
            expectExit(pool, 1)
            #expect(pool.stderr.contains("only hosts solely in their business's idle module return to the pool"))
            let del = try cli.run(["cmdb", "host", "delete", "web-1"])
            expectExit(del, 1)
            let bad = try cli.run(["cmdb", "biz", "add", "a/b"])
            expectExit(bad, 2)
            #expect(bad.stderr.contains("contains '/'"))
            let topo = try cli.run(["cmdb", "topo", "shop"])
            #expect(topo.stdout.contains("    nginx  2\n"))
        }
    }

    @Test("ip, search, groups, watch")
    func queries() throws {
        try CLI.with { cli in
            try seeded(cli)
            let ip = try cli.run(["cmdb", "ip", "10.0.0.0/31"])
            expectExit(ip, 0)
            #expect(ip.stdout.contains("web-1") && !ip.stdout.contains("web-2"))
            let s = try cli.run(["cmdb", "search", "nginx", "shanghai"])
            expectExit(s, 0)
            #expect(s.stdout.contains("10.0.0.1 (web-1)") && s.stdout.contains("comment: nginx edge"))
            expectExit(try cli.run(["cmdb", "group", "add", "sh", "--where", #"city == "shanghai""#, "--var", "city"]), 0)
            let g = try cli.run(["cmdb", "group", "hosts", "sh", "--var", "city=beijing", "--fields", "hostname"])
            #expect(g.stdout == "HOSTNAME\nweb-2\n")
            let w = try cli.run(["cmdb", "watch", "--from", "1", "--json"])
            expectExit(w, 0)
            let lines = w.stdout.split(separator: "\n")
            #expect(lines.count == 3, "events 2 and 3 (imports) and the group")
            #expect(w.stderr == "next cursor: 4\n")
            let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
            #expect(first?["who"] as? String == "alice" && first?["kind"] as? String == "create")
        }
    }

    @Test("export then re-import changes nothing")
    func roundTrip() throws {
        try CLI.with { cli in
            try seeded(cli)
            expectExit(try cli.run(["cmdb", "export", "--output", "out.csv"]), 0)
            let r = try cli.run(["cmdb", "import", "out.csv", "--update"])
            expectExit(r, 0)
            #expect(r.stdout == "3 rows: 0 created, 0 updated, 3 unchanged\n")
        }
    }

    @Test("an import killed midway leaves no host and a sound database; the next import writes them all")
    func killedImport() throws {
        try CLI.with { cli in
            let rows = 200_000
            var text = "inner_ip,hostname,city\n"
            text.reserveCapacity(rows * 40)
            for i in 0..<rows { text += "10.\(i >> 16).\(i >> 8 & 255).\(i & 255),k-\(i),shanghai\n" }
            try cli.write("big.csv", text)
            guard let binary = CLI.binary else { throw HarnessError("no platflow binary") }
            let process = Process()
            process.executableURL = binary
            process.arguments = ["cmdb", "import", "big.csv", "--db", "c.db"]
            process.currentDirectoryURL = cli.directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try CLI.launch(process)
            // Killed once its transaction has written: the index builder's scratch file has grown.
            let scratch = cli.directory.appendingPathComponent("c.db-import-index").path
            let deadline = Date().addingTimeInterval(60)
            func scratchSize() -> Int { ((try? FileManager.default.attributesOfItem(atPath: scratch))?[.size] as? Int) ?? 0 }
            while process.isRunning && scratchSize() < 256 << 10 && Date() < deadline { usleep(5_000) }
            #expect(process.isRunning, "the import ended before it could be killed")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let none = try cli.run(["cmdb", "hosts", "--db", "c.db", "--json"])
            expectExit(none, 0)
            #expect((try JSONSerialization.jsonObject(with: Data(none.stdout.utf8)) as? [Any])?.isEmpty == true, "\(none)")
            let again = try cli.run(["cmdb", "import", "big.csv", "--db", "c.db"], timeout: 120)
            expectExit(again, 0)
            #expect(again.stdout == "\(rows) rows: \(rows) created, 0 updated, 0 unchanged\n")
            let found = try cli.run(["cmdb", "search", "k-199999", "--db", "c.db"])
            #expect(found.stdout.contains("10.3.13.63 (k-199999)"), "\(found)")
            #expect(!FileManager.default.fileExists(atPath: scratch))
            #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("c.db-journal").path))
        }
    }

    @Test("unknown subcommand suggests the closest")
    func unknown() throws {
        try CLI.with { cli in
            let r = try cli.run(["cmdb", "hots"])
            expectExit(r, 2)
            #expect(r.stderr.contains("did you mean 'hosts'?"))
        }
    }
}
