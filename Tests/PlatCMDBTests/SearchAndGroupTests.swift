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

    @Test("a database indexed before version 2 of the schema is re-indexed when it is opened, hosts and instances alike")
    func indexRebuiltOnUpgrade() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("platcmdb-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/old.db"
        do {
            let db = try Database(path: path)
            try db.migrate(Array(CMDBSchema.migrations.prefix(1)))
            let old = CMDB(db: db, actor: "tester")
            _ = try old.addHost(try old.parseHostInput([("inner_ip", "10.0.0.1"), ("hostname", "nginx-1"), ("city", "shanghai")]))
            try old.addModel("switch", classification: "network", attributes: [try CMDB.parseAttribute("name:string!")])
            try old.addInstance(model: "switch", ["name": .string("sw-shanghai")])
        }
        let cmdb = try CMDB.open(path: path, actor: "tester")
        let ddl = try cmdb.db.queryOne("SELECT sql FROM sqlite_master WHERE name = 'cmdb_fts'")?.string("sql") ?? ""
        #expect(ddl.contains("columnsize=0"))
        #expect(try cmdb.search("shanghai").map(\.title) == ["10.0.0.1 (nginx-1)"])
        #expect(try cmdb.search("sw-shanghai").map(\.title) == ["switch sw-shanghai"])
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
