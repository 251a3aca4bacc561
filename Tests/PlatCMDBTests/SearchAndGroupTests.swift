import Foundation
@testable import PlatCMDB
import PlatStore
import Testing

@Suite("full-text search and dynamic groups")
struct SearchAndGroupTests {
    @Test("search is ranked, shows the matched field, and follows updates and deletes")
    func search() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let a = try t.add("inner_ip=10.0.0.1", "hostname=nginx-sh-1", "city=shanghai", "comment=nginx edge node")
        try t.add("inner_ip=10.0.0.2", "hostname=db-1", "city=shanghai", "comment=mysql primary")
        let c = try t.add("inner_ip=10.0.0.3", "hostname=web-bj", "city=beijing", "comment=runs nginx behind the balancer, plus many other services and daemons of all kinds")
        try t.cmdb.addModel("switch", classification: "network", attributes: [try CMDB.parseAttribute("name:string!"), try CMDB.parseAttribute("site:string")])
        try t.cmdb.addInstance(model: "switch", ["name": .string("sw-core-1"), "site": .string("Shanghai DC")])

        let hits = try t.cmdb.search("nginx shanghai")
        #expect(hits.map(\.id) == [a.id])
        #expect(hits[0].matched.map(\.field) == ["hostname", "city", "comment"])

        let nginx = try t.cmdb.search("nginx")
        #expect(nginx.map(\.id) == [a.id, c.id], "the host with nginx twice in a short text ranks first")
        let sh = try t.cmdb.search("SHANG")
        #expect(sh.count == 3)
        #expect(sh.contains { $0.kind == .instance && $0.title == "switch sw-core-1" && $0.matched.map(\.field) == ["site"] })
        // Accents and case fold away; FTS syntax in a word is plain text.
        #expect(try t.cmdb.search("Beijíng").map(\.id) == [c.id])
        #expect(try t.cmdb.search("nginx) (\"").map(\.id) == [a.id, c.id])
        #expect(try t.cmdb.search("nginx-sh").map(\.id) == [a.id])

        // IP words use the IP index and narrow the results.
        let byIP = try t.cmdb.search("10.0.0.0/30 shanghai")
        #expect(Set(byIP.map(\.id)) == [a.id, 2])
        #expect(byIP.first { $0.id == a.id }?.matched.contains { $0.field == "inner_ip" && $0.value == "10.0.0.1" } == true)
        #expect(try t.cmdb.search("10.0.0.3").map(\.id) == [c.id])

        try t.cmdb.updateHost(id: a.id, ["city": .string("hangzhou")])
        #expect(try t.cmdb.search("nginx shanghai").isEmpty)
        #expect(try t.cmdb.search("hangzhou").map(\.id) == [a.id])
        try t.cmdb.deleteHost(id: a.id)
        #expect(try t.cmdb.search("hangzhou").isEmpty)
        #expect(cmdbError { _ = try t.cmdb.search("  ") }?.kind == .invalid)
        // Instances follow their updates and deletes too.
        let sw = try #require(try t.cmdb.instances(model: "switch").first)
        try t.cmdb.updateInstance(id: sw.id, ["site": .string("Chengdu DC")])
        #expect(try t.cmdb.search("chengdu").map(\.title) == ["switch sw-core-1"])
        #expect(try t.cmdb.search("shanghai").allSatisfy { $0.kind == .host })
        try t.cmdb.deleteInstance(id: sw.id)
        #expect(try t.cmdb.search("chengdu").isEmpty)
    }

    @Test("a database of schema version 1 is upgraded when opened: re-indexed for search, its IP index rebuilt with the uniqueness rule in its key")
    func upgradeFromVersion1() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("platcmdb-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/old.db"
        do {
            let db = try Database(path: path)
            try db.migrate(Array(CMDBSchema.migrations.prefix(1)))
            // Hosts as version 1 wrote them: the row, its IPs (a static host's inner and outer IP, a dynamic
            // host's inner IP) and its search document.
            try db.executeScript("""
                INSERT INTO cmdb_hosts (id, inner_ip, outer_ip, hostname, city, created_at, updated_at)
                    VALUES (1, '10.0.0.1', '54.0.0.1', 'nginx-1', 'shanghai', 't', 't');
                INSERT INTO cmdb_hosts (id, inner_ip, addressing, hostname, created_at, updated_at)
                    VALUES (2, '10.0.0.1', 'dynamic', 'pod-1', 't', 't');
                INSERT INTO cmdb_fts (rowid, doc) VALUES (2, 'nginx-1 shanghai'), (4, 'pod-1');
                """)
            for (ip, host, inner, isStatic) in [("10.0.0.1", 1, 1, 1), ("54.0.0.1", 1, 0, 1), ("10.0.0.1", 2, 1, 0)] {
                try db.execute("INSERT INTO cmdb_host_ips (ip, cloud_area, host_id, inner, static) VALUES (?, 0, ?, ?, ?)",
                               IPAddress(ip)!.key, Int64(host), Int64(inner), Int64(isStatic))
            }
            let old = CMDB(db: db, actor: "tester")
            try old.addModel("switch", classification: "network", attributes: [try CMDB.parseAttribute("name:string!")])
            try old.addInstance(model: "switch", ["name": .string("sw-shanghai")])
        }
        let cmdb = try CMDB.open(path: path, actor: "tester")
        let ddl = try cmdb.db.queryOne("SELECT sql FROM sqlite_master WHERE name = 'cmdb_fts'")?.string("sql") ?? ""
        #expect(ddl.contains("columnsize=0"))
        #expect(try cmdb.search("shanghai").map(\.title) == ["10.0.0.1 (nginx-1)"])
        #expect(try cmdb.search("sw-shanghai").map(\.title) == ["switch sw-shanghai"])
        #expect(try cmdb.hosts(byIP: ["10.0.0.1"]).map { $0.host.displayName }.sorted() == ["nginx-1", "pod-1"])
        #expect(try cmdb.hosts(byIP: ["54.0.0.1"]).map { $0.host.displayName } == ["nginx-1"])
        #expect(try cmdb.db.queryOne("SELECT count(*) AS n FROM sqlite_master WHERE name = 'cmdb_host_ips_unique'")?.int("n") == 0)
        // The static host still owns its inner IP: a second static host with it is refused, naming the owner.
        let taken = cmdbError { _ = try cmdb.addHost(try cmdb.parseHostInput([("inner_ip", "10.0.0.1"), ("hostname", "again")])) }
        #expect(taken?.message == "inner IP 10.0.0.1 is already used in cloud area 0 by host #1 (nginx-1)")
        _ = try cmdb.addHost(try cmdb.parseHostInput([("inner_ip", "10.0.0.1"), ("addressing", "dynamic"), ("hostname", "pod-2")]))
        #expect(try cmdb.db.integrityCheck() == "ok")
    }

    @Test("dynamic groups are evaluated when used, and their variables can be overridden")
    func groups() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("env:enum(prod,staging,test)"))
        try t.add("inner_ip=10.0.0.1", "hostname=p1", "env=prod", "sla=3")
        try t.add("inner_ip=10.0.0.2", "hostname=s1", "env=staging", "sla=3")
        try t.add("inner_ip=10.0.0.3", "hostname=t1", "env=test", "sla=1")
        try t.cmdb.addGroup("web-prod", filter: #"env == "prod" and sla >= $minsla"#, variables: ["env", "minsla=2"])
        #expect(try t.cmdb.groupHosts("web-prod").map(\.displayName) == ["p1"])
        #expect(try t.cmdb.groupHosts("web-prod", overrides: ["env": .text("staging")]).map(\.displayName) == ["s1"])
        #expect(try t.cmdb.groupHosts("web-prod", overrides: ["env": .literal(.string("test")), "minsla": .text("1")]).map(\.displayName) == ["t1"])
        // Evaluated when used: a new host joins.
        try t.add("inner_ip=10.0.0.4", "hostname=p2", "env=prod", "sla=2")
        #expect(try t.cmdb.groupHosts("web-prod").map(\.displayName) == ["p1", "p2"])

        #expect(cmdbError { _ = try t.cmdb.groupHosts("web-prod", overrides: ["evn": .text("x")]) }?.message
            == "group web-prod has no variable 'evn'")
        #expect(throws: FilterError.self) { _ = try t.cmdb.groupHosts("web-prod", overrides: ["env": .text("prd")]) }
        #expect(cmdbError { try t.cmdb.addGroup("x", filter: "sla > 1", variables: ["env"]) }?.message.contains("compares no field env") == true)
        #expect(throws: FilterError.self) { try t.cmdb.addGroup("y", filter: "sla > $n") }
        #expect(throws: FilterError.self) { try t.cmdb.addGroup("z", filter: "slaa > 1") }
        #expect(cmdbError { try t.cmdb.addGroup("web-prod", filter: "sla > 1") }?.kind == .conflict)
        try t.cmdb.addGroup("in-list", filter: #"env in ["prod", "test"]"#, variables: ["env"])
        #expect(try t.cmdb.groupHosts("in-list").map(\.displayName) == ["p1", "t1", "p2"])
        #expect(try t.cmdb.groupHosts("in-list", overrides: ["env": .text("staging,test")]).map(\.displayName) == ["s1", "t1"])
        #expect(try t.cmdb.groups().map(\.name) == ["in-list", "web-prod"])
    }
}
