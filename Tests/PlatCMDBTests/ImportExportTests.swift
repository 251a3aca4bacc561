import Foundation
import PlatLang
@testable import PlatCMDB
import Testing

@Suite("import and export: all or nothing, every bad row reported, round trips")
struct ImportExportTests {
    @Test("a good CSV creates hosts, one event each")
    func goodCSV() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let path = try t.file("hosts.csv", #"""
            inner_ip,hostname,city,sla,operator,comment
            10.0.0.1,web-1,sh,2,"alice,bob","front end, ""edge"""
            10.0.0.2,web-2,bj,,carol,"two
            lines"

            2001:db8::1,v6,sh,1,,
            """#)
        let r = try t.cmdb.importHosts(path: path)
        #expect(r.committed && r.created == 3 && r.rows == 3)
        let hosts = try t.cmdb.hosts(where: nil)
        #expect(hosts.map(\.displayName) == ["web-1", "web-2", "v6"])
        #expect(hosts[0]["operator"] == .list(["alice", "bob"]))
        #expect(hosts[0]["comment"] == .string("front end, \"edge\""))
        #expect(hosts[1]["comment"] == .string("two\nlines"))
        #expect(hosts[1]["sla"] == .null)
        let events = try t.cmdb.events(after: 0)
        #expect(events.count == 3 && events.allSatisfy { $0.kind == "create" })
        // The snapshot of a bulk creation is rebuilt when read.
        #expect(events[0].after?.contains("\"hostname\":\"web-1\"") == true)
        try t.cmdb.updateHost(id: hosts[0].id, ["city": .string("gz")])
        #expect(try t.cmdb.events(after: 0)[0].after?.contains("\"city\":\"sh\"") == true)
    }

    @Test("bad rows: every one reported with line and field, nothing written")
    func badRows() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.add("inner_ip=10.0.0.9", "hostname=existing")
        let path = try t.file("bad.csv", """
            inner_ip,hostname,cpu,os_type,cloud_area
            10.0.0.1,ok-1,4,linux,0
            10.0.0.300,bad-ip,4,linux,0
            10.0.0.2,bad-cpu,four,linux,0
            10.0.0.3,bad-os,4,linx,0
            10.0.0.1,dup-in-file,4,linux,0
            10.0.0.9,clash,4,linux,0
            ,no-ip,4,linux,0
            10.0.0.4,short
            10.0.0.5,neg,4,linux,-1
            10.0.0.6,ok-2,8,windows,1
            """)
        let r = try t.cmdb.importHosts(path: path)
        #expect(!r.committed)
        #expect(r.problems.map(\.line) == [3, 4, 5, 6, 7, 8, 9, 10])
        #expect(r.problems[0] == ImportProblem(line: 3, field: "inner_ip", reason: "'10.0.0.300' is not an IPv4 or IPv6 address"))
        #expect(r.problems[1].field == "cpu" && r.problems[1].reason == "expected an int, got 'four'")
        #expect(r.problems[2].field == "os_type")
        #expect(r.problems[3].reason.contains("10.0.0.1 in cloud area 0 is already on an earlier row of this file (hostname ok-1)"))
        #expect(r.problems[4].reason.contains("already exists with other values (cpu is 4 here and empty in the CMDB; hostname is clash here and existing in the CMDB"))
        #expect(r.problems[5] == ImportProblem(line: 8, field: "inner_ip", reason: "is required for a statically addressed host"))
        #expect(r.problems[6].reason == "has 2 cells; the header has 5")
        #expect(r.problems[7].field == "cloud_area")
        #expect(try t.count("cmdb_hosts") == 1)
        #expect(try t.count("cmdb_events") == 1)
        #expect(try t.count("cmdb_host_ips") == 1)
        #expect(try t.db.queryOne("SELECT count(*) AS n FROM cmdb_fts")?.int("n") == 1)
    }

    @Test("unknown columns are an error naming each of them")
    func unknownColumns() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let path = try t.file("h.csv", "inner_ip,hostnme,colour\n10.0.0.1,a,red\n")
        let e = cmdbError { _ = try t.cmdb.importHosts(path: path) }
        #expect(e?.message == "unknown columns: hostnme (did you mean 'hostname'?), colour")
        #expect(try t.count("cmdb_hosts") == 0)
    }

    @Test("UTF-8 with or without a byte-order mark; CRLF; invalid UTF-8 is a row problem")
    func encodings() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let bom = t.folder + "/bom.csv"
        try Data([0xEF, 0xBB, 0xBF] + Array("inner_ip,city\r\n10.0.0.1,上海\r\n".utf8)).write(to: URL(fileURLWithPath: bom))
        let r = try t.cmdb.importHosts(path: bom)
        #expect(r.committed && r.created == 1)
        #expect(try t.cmdb.hosts(where: #"city == "上海""#).count == 1)
        let broken = t.folder + "/broken.csv"
        try Data(Array("inner_ip,city\n10.0.0.2,ok\n10.0.0.3,".utf8) + [0xFF, 0xFE] + Array("\n".utf8)).write(to: URL(fileURLWithPath: broken))
        let r2 = try t.cmdb.importHosts(path: broken)
        #expect(!r2.committed && r2.problems.first?.line == 3 && r2.problems.first?.reason.contains("not valid UTF-8") == true, "\(r2.problems)")
        let unclosed = try t.file("unclosed.csv", "inner_ip,comment\n10.0.0.4,\"open\n")
        let r3 = try t.cmdb.importHosts(path: unclosed)
        #expect(r3.problems.first?.reason.hasPrefix("a quoted field is not closed") == true)
        #expect(try t.count("cmdb_hosts") == 1)
    }

    @Test("--update changes existing hosts, keyed by IP and cloud area; unchanged rows are counted")
    func updateMode() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.add("inner_ip=10.0.0.1", "hostname=a", "sla=1", "city=sh")
        try t.add("inner_ip=10.0.0.1", "cloud_area=7", "hostname=a7", "sla=1")
        let path = try t.file("u.csv", "inner_ip,cloud_area,sla\n10.0.0.1,0,3\n10.0.0.1,7,1\n10.0.0.2,0,2\n")
        let refused = try t.cmdb.importHosts(path: path)
        #expect(!refused.committed && refused.problems.map(\.line) == [2])
        let r = try t.cmdb.importHosts(path: path, update: true)
        #expect(r.committed && r.updated == 1 && r.unchanged == 1 && r.created == 1)
        let h = try t.cmdb.resolveHost("10.0.0.1", cloudArea: 0)
        #expect(h["sla"] == .int(3) && h["city"] == .string("sh"), "columns not in the file stay")
        let update = try t.cmdb.events(after: 0).first { $0.kind == "update" }
        #expect(update?.before?.contains("\"sla\":1") == true && update?.after?.contains("\"sla\":3") == true)
    }

    @Test("export then re-import changes nothing, in CSV, JSON and YAML", arguments: [ImportFormat.csv, .json, .yaml])
    func roundTrip(_ format: ImportFormat) throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("env:enum(prod,test)"))
        try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("weight:float"))
        try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("tags:list"))
        try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("bought:date"))
        try t.add("inner_ip=10.0.0.1,10.0.0.2", "outer_ip=54.0.0.1", "hostname=web-1", "comment=a, \"quoted\"\nline", "operator=alice,bob",
                  "env=prod", "weight=1.5", "tags=x,y", "bought=2025-12-31", "cpu=4", "transport=ssh", "ssh_port=22")
        try t.add("inner_ip=2001:db8::1", "hostname= spaced ", "weight=2", "addressing=dynamic")
        try t.add("addressing=dynamic", "hostname=laptop")
        var text = ""
        #expect(try t.cmdb.exportHosts(format: format) { text += $0 } == 3)
        let path = try t.file("export.\(format.rawValue)", text)
        let before = try t.cmdb.hosts(where: nil)
        let eventsBefore = try t.cmdb.latestCursor()
        for update in [false, true] {
            let r = try t.cmdb.importHosts(path: path, update: update)
            #expect(r.committed && r.problemCount == 0 && r.created == 0 && r.updated == 0 && r.unchanged == 3, "\(r.problems)")
        }
        #expect(try t.cmdb.hosts(where: nil) == before)
        #expect(try t.cmdb.latestCursor() == eventsBefore)
        // The export imports into an empty CMDB as the same hosts.
        let u = try TestCMDB(); defer { u.remove() }
        try u.cmdb.addAttribute(model: "host", CMDB.parseAttribute("env:enum(prod,test)"))
        try u.cmdb.addAttribute(model: "host", CMDB.parseAttribute("weight:float"))
        try u.cmdb.addAttribute(model: "host", CMDB.parseAttribute("tags:list"))
        try u.cmdb.addAttribute(model: "host", CMDB.parseAttribute("bought:date"))
        let r = try u.cmdb.importHosts(path: path)
        #expect(r.created == 3)
        #expect(try u.cmdb.hosts(where: nil).map(\.values) == before.map(\.values))
    }

    @Test("YAML import: a sequence of mappings; problems name the entry's line; a syntax error its place")
    func yaml() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let good = try t.file("hosts.yaml", """
            # hosts for the shop
            - inner_ip: 10.0.0.1
              hostname: web-1
              sla: 2
              operator: [alice, bob]
            - {inner_ip: 10.0.0.2, hostname: web-2}
            """)
        let r = try t.cmdb.importHosts(path: good)
        #expect(r.committed && r.created == 2, "\(r.problems)")
        #expect(try t.cmdb.resolveHost("web-1")["sla"] == .int(2))
        let bad = try t.file("bad.yml", "- inner_ip: 10.0.0.3\n- inner_ip: 10.0.0.4\n  colour: red\n")
        let refused = try t.cmdb.importHosts(path: bad)
        #expect(!refused.committed && refused.problems.map(\.line) == [2] && refused.problems.first?.reason.contains("colour") == true)
        let broken = try t.file("broken.yaml", "- inner_ip: 10.0.0.5\n  inner_ip: 10.0.0.6\n")
        let p = try t.cmdb.importHosts(path: broken).problems.first
        #expect(p?.line == 2 && p?.reason.contains("not valid YAML at column 3: duplicate key") == true, "\(String(describing: p))")
        let scalar = try t.file("scalar.yaml", "just text\n")
        #expect(try t.cmdb.importHosts(path: scalar).problems.first?.reason.contains("expected a YAML sequence") == true)
    }

    @Test("JSON import: arrays, JSON Lines, typed values, unknown keys")
    func json() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let lines = try t.file("h.jsonl", """
            {"inner_ip": ["10.0.0.1"], "hostname": "a", "sla": 2, "operator": ["alice"]}
            {"inner_ip": "10.0.0.2", "sla": "x"}
            {"inner_ip": "10.0.0.3", "colour": "red"}
            {"inner_ip": "10.0.0.4", "sla": 2.5}
            """)
        let r = try t.cmdb.importHosts(path: lines)
        #expect(r.problems.map(\.line) == [2, 3, 4])
        #expect(r.problems[1].reason == "unknown field: colour")
        let array = try t.file("h.json", "[{\"inner_ip\": \"10.0.0.1\", \"sla\": 2}, {\"inner_ip\": \"10.0.0.2\", \"cpu\": 8}]")
        #expect(try t.cmdb.importHosts(path: array).created == 2)
        let broken = try t.file("b.json", "[{\"inner_ip\": \"10.0.0.5\"}, {\"inner_ip\": ")
        #expect(try t.cmdb.importHosts(path: broken).problems.first?.reason.contains("ends inside this object") == true)
    }
}

@Suite("cloud sync from aws ec2 describe-instances")
struct EC2SyncTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    @Test("instances become hosts; a later listing updates them and marks the vanished one missing")
    func sync() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let first = try t.cmdb.syncEC2(path: EC2SyncTests.fixtures + "/ec2-before.json")
        #expect(first.created.count == 4 && first.updated.isEmpty && first.missing.isEmpty)
        #expect(first.newFields.sorted() == ["tag_env", "tag_team"])
        let web1 = try t.cmdb.resolveHost("web-1")
        #expect(web1["cloud_vendor"] == .string("aws") && web1["region"] == .string("us-east-1") && web1["zone"] == .string("us-east-1a"))
        #expect(web1["state"] == .string("running") && web1["tag_env"] == .string("prod") && web1["os_type"] == .string("linux"))
        #expect(web1.innerIPs.count == 1 && web1["outer_ip"] != .null)
        #expect(try t.cmdb.resolveHost("batch-1")["os_type"] == .string("windows"))

        // The same listing again changes nothing.
        let again = try t.cmdb.syncEC2(path: EC2SyncTests.fixtures + "/ec2-before.json")
        #expect(again.created.isEmpty && again.updated.isEmpty && again.unchanged == 4)

        let second = try t.cmdb.syncEC2(path: EC2SyncTests.fixtures + "/ec2-after.json")
        #expect(second.created.map { $0.hasPrefix("web-3") } == [true])
        #expect(Set(second.updated.map { String($0.prefix(7)) }) == ["web-2 i", "batch-1"])
        #expect(second.missing.count == 1 && second.missing[0].hasPrefix("10."))
        let db1 = try t.cmdb.resolveHost("db-1")
        #expect(db1["state"] == .string("missing"), "never deleted, marked")
        #expect(try t.cmdb.resolveHost("web-2")["state"] == .string("stopped"))
        #expect(try t.cmdb.resolveHost("web-2")["outer_ip"] != .null, "a stopped instance keeps its last known addresses")
        #expect(try t.cmdb.resolveHost("batch-1")["tag_env"] == .string("staging"))
        #expect(try t.count("cmdb_hosts") == 5)
        let missingEvent = try t.cmdb.events(after: 0).last { $0.kind == "update" && $0.after?.contains("\"state\":\"missing\"") == true }
        #expect(missingEvent?.before?.contains("\"state\":\"running\"") == true)
    }

    @Test("the listing may be YAML (`--output yaml`): the same hosts as from the JSON")
    func syncFromYAML() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let json = try String(contentsOfFile: EC2SyncTests.fixtures + "/ec2-before.json", encoding: .utf8)
        let yaml = try t.file("instances.yaml", try YAML.encode(try JSON.decode(json)))
        let report = try t.cmdb.syncEC2(path: yaml)
        #expect(report.created.count == 4 && report.newFields.sorted() == ["tag_env", "tag_team"])
        let web1 = try t.cmdb.resolveHost("web-1")
        #expect(web1["region"] == .string("us-east-1") && web1["tag_env"] == .string("prod") && web1.innerIPs.count == 1)
        let again = try t.cmdb.syncEC2(path: EC2SyncTests.fixtures + "/ec2-before.json")
        #expect(again.created.isEmpty && again.updated.isEmpty && again.unchanged == 4, "JSON and YAML give the same hosts")
        let bad = cmdbError { _ = try t.cmdb.syncEC2(path: try t.file("bad.yml", "Reservations:\n  - a: 1\n  - a: [\n")) }
        #expect(bad?.kind == .invalid && bad?.message.contains("bad.yml:3:") == true && bad?.message.contains("not valid YAML") == true)
    }

    @Test("zones map to regions; tags to field names")
    func names() {
        #expect(CMDB.region(ofZone: "us-east-1a") == "us-east-1")
        #expect(CMDB.region(ofZone: "us-west-2-lax-1a") == "us-west-2")
        #expect(CMDB.region(ofZone: "cn-north-1") == "cn-north-1")
        #expect(CMDB.tagField("Cost-Center") == "tag_cost_center")
    }

    @Test("not EC2 output: a clear error")
    func badInput() throws {
        let t = try TestCMDB(); defer { t.remove() }
        #expect(cmdbError { _ = try t.cmdb.syncEC2(path: try t.file("x.json", "{\"Items\": []}")) }?.message.contains("no Reservations") == true)
        #expect(cmdbError { _ = try t.cmdb.syncEC2(path: try t.file("y.json", "nope")) }?.kind == .invalid)
    }
}
